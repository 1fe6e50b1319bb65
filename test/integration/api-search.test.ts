import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '../../functions/shared/domain/order.js';
import type { OrderStatus } from '../../functions/shared/domain/status.js';
import { scopes, orderIdFor } from '../../functions/shared/store/idempotency.js';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../../functions/shared/clients.js';
import { createOrder, indexOrder } from '../../functions/shared/store/orders.js';
import { keys } from '../../functions/shared/store/schema.js';
import { hashApiKey } from '../../functions/shared/store/sellers.js';
import { tableName } from '../../functions/shared/store/table.js';
import { sellerClient } from '../support/http.js';
import { newOrder } from '../support/orders.js';
import { ACME, DEMO, seedSellers } from '../support/sellers.js';
import { mockStepFunctions } from '../support/step-functions.js';

const stepFunctions = mockStepFunctions();
const demo = sellerClient(DEMO.apiKey);
const acme = sellerClient(ACME.apiKey);

/**
 * An order stored as a webhook's intake stores it (its id derived from its external id), at a chosen
 * time and status, with the lookups the workflow's first task writes.
 */
async function stored(
  createdAt: string,
  options: Parameters<typeof newOrder>[0] & { status?: OrderStatus; region?: Order['region'] } = {},
): Promise<Order> {
  const { status = 'PENDING', region = 'domestic', ...rest } = options;
  const base: Order = { ...newOrder(rest), source: 'webhook' };
  const orderId = base.externalOrderId
    ? orderIdFor(scopes.external(base.sellerId, base.source, base.externalOrderId))
    : base.orderId;
  const order: Order = { ...base, orderId, createdAt, updatedAt: createdAt, status, region };
  await createOrder(order, []);
  await indexOrder(order);
  return order;
}

const ids = (answer: { json: { items: { orderId: string }[] } }) =>
  answer.json.items.map((item) => item.orderId);

let jan1: Order, jan2: Order, jan3: Order, acmeOrder: Order;
const february: Order[] = [];

beforeAll(async () => {
  await seedSellers();
  jan1 = await stored('2026-01-01T08:00:00.000Z', {
    externalOrderId: 'E-1',
    customer: { name: 'Ann', email: 'ann@example.com' },
    items: [{ sku: 'MUG-RED', quantity: 1 }],
  });
  jan2 = await stored('2026-01-02T08:00:00.000Z', {
    externalOrderId: 'E-2',
    customer: { name: 'Bob, "the builder"\nJr.', email: 'bob@example.com' },
    items: [{ sku: 'TEE-BLK-M', quantity: 2 }],
    status: 'CANCELLED',
    region: 'international',
  });
  jan3 = await stored('2026-01-03T23:59:59.000Z', {
    externalOrderId: 'E-3',
    customer: { name: '=HYPERLINK("http://evil")', email: 'ANN@example.com' },
    items: [
      { sku: 'MUG-RED', quantity: 1 },
      { sku: 'POSTER-A2', quantity: 1 },
    ],
    status: 'PAYMENT_VERIFIED',
  });
  for (let day = 1; day <= 25; day++) {
    february.push(await stored(`2026-02-${String(day).padStart(2, '0')}T12:00:00.000Z`));
  }
  acmeOrder = await stored('2026-01-02T09:00:00.000Z', {
    sellerId: 'acme',
    externalOrderId: 'E-1',
    customer: { name: 'Ann', email: 'ann@example.com' },
  });
});
afterEach(() => stepFunctions.reset());

describe('GET /orders', () => {
  it('lists the seller’s orders newest first', async () => {
    const answer = await demo.get('/orders', { limit: '200' });

    expect(answer.statusCode).toBe(200);
    expect(ids(answer)).toEqual(
      [...february]
        .reverse()
        .map((o) => o.orderId)
        .concat(jan3.orderId, jan2.orderId, jan1.orderId),
    );
    expect(answer.json.nextCursor).toBeNull();
    expect(ids(answer)).not.toContain(acmeOrder.orderId);
  });

  it.each([
    ['status', { status: 'CANCELLED' }, () => [jan2]],
    ['sku', { sku: 'MUG-RED', to: '2026-01-31' }, () => [jan3, jan1]],
    ['productId', { productId: 'p-POSTER-A2' }, () => [jan3]],
    ['email, case-insensitively', { email: 'Ann@Example.com' }, () => [jan3, jan1]],
    ['externalOrderId', { externalOrderId: 'E-2' }, () => [jan2]],
    ['region', { region: 'international' }, () => [jan2]],
    ['a day range, both days whole', { from: '2026-01-02', to: '2026-01-03' }, () => [jan3, jan2]],
    ['an instant range', { from: '2026-01-01T08:00:00Z', to: '2026-01-02T08:00:00Z' }, () => [jan2, jan1]],
    [
      'several filters at once',
      { sku: 'MUG-RED', email: 'ann@example.com', status: 'PENDING' },
      () => [jan1],
    ],
  ])('filters by %s', async (_, query, expected) => {
    const answer = await demo.get('/orders', query as Record<string, string>);

    expect(answer.statusCode).toBe(200);
    expect(ids(answer)).toEqual(expected().map((order) => order.orderId));
  });

  it('pages with an opaque cursor until nextCursor is null, without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const answer = await demo.get('/orders', {
        from: '2026-02-01',
        limit: '7',
        ...(cursor ? { cursor } : {}),
      });
      expect(answer.statusCode).toBe(200);
      seen.push(...ids(answer));
      cursor = answer.json.nextCursor;
      pages++;
    } while (cursor);

    expect(seen).toEqual([...february].reverse().map((order) => order.orderId));
    expect(pages).toBe(4);
  });

  it('pages through a filter the index cannot apply (region), across index pages', async () => {
    const first = await demo.get('/orders', { region: 'domestic', limit: '20' });
    const second = await demo.get('/orders', {
      region: 'domestic',
      limit: '20',
      cursor: first.json.nextCursor,
    });

    expect(ids(first)).toHaveLength(20);
    expect([...ids(first), ...ids(second)]).toHaveLength(27);
    expect(second.json.nextCursor).toBeNull();
  });

  it.each([
    [
      'a tampered cursor',
      { cursor: 'eyJwIjoiMjAyNi0wMS0wMVQwMDowMDowMC4wMDBaI29yZF94IiwiZiI6Inh4In0' },
      'invalid_cursor',
    ],
    ['a cursor that is not base64url', { cursor: '!!!' }, 'invalid_cursor'],
    ['limit 0', { limit: '0' }, 'validation_failed'],
    ['limit 201', { limit: '201' }, 'validation_failed'],
    ['a non-numeric limit', { limit: 'ten' }, 'validation_failed'],
    ['an unknown status', { status: 'LOST' }, 'validation_failed'],
    ['an unknown parameter', { colour: 'red' }, 'validation_failed'],
    ['a date that is not ISO', { from: '01/02/2026' }, 'validation_failed'],
    ['to before from', { from: '2026-02-01', to: '2026-01-01' }, 'validation_failed'],
    ['a from in year -1 once in UTC', { from: '0000-01-01T00:00:00+01:00' }, 'validation_failed'],
    ['a to in year -1 once in UTC', { to: '0000-01-01T00:30:00+01:00' }, 'validation_failed'],
    ['a from in year 10000 once in UTC', { from: '9999-12-31T23:00:00-05:00' }, 'validation_failed'],
  ])('refuses %s with 400', async (_, query, code) => {
    const answer = await demo.get('/orders', query as Record<string, string>);

    expect(answer.statusCode).toBe(400);
    expect(answer.json.error.code).toBe(code);
  });

  it.each([
    ['the last day there is', { from: '9999-12-31' }],
    ['the first day there is', { to: '0000-01-01' }],
    ['every day there is', { from: '0000-01-01', to: '9999-12-31T23:59:59.999Z' }],
  ])('answers a range at the edge of the years, %s', async (_, query) => {
    const everything = await demo.get('/orders');

    const answer = await demo.get('/orders', query);

    expect(answer.statusCode).toBe(200);
    expect(ids(answer)).toEqual('from' in query && 'to' in query ? ids(everything) : []);
  });

  it('refuses an edited cursor, here one whose position lies outside the range searched', async () => {
    const page = await demo.get('/orders', { from: '2026-02-01', limit: '2' });
    const [, signature] = (page.json.nextCursor as string).split('.');
    const outside = Buffer.from(JSON.stringify({ p: `2020-01-01T00:00:00.000Z#${jan1.orderId}` }));

    const answer = await demo.get('/orders', {
      from: '2026-02-01',
      limit: '2',
      cursor: `${outside.toString('base64url')}.${signature}`,
    });

    expect(answer.statusCode).toBe(400);
    expect(answer.json.error).toMatchObject({
      code: 'invalid_cursor',
      details: [{ field: 'query.cursor', message: expect.stringMatching(/not issued for this search/) }],
    });
  });

  it('pages for a key stored before keys had their own cursor key, and for no other key', async () => {
    const legacyKey = 'legacy-key-of-demo';
    await documents.send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...keys.apiKey(hashApiKey(legacyKey)),
          sellerId: 'demo',
          createdAt: '2025-01-01T00:00:00.000Z',
        },
      }),
    );
    const legacy = sellerClient(legacyKey);

    const first = await legacy.get('/orders', { from: '2026-02-01', limit: '20' });
    const second = await legacy.get('/orders', {
      from: '2026-02-01',
      limit: '20',
      cursor: first.json.nextCursor,
    });
    const elsewhere = await demo.get('/orders', {
      from: '2026-02-01',
      limit: '20',
      cursor: first.json.nextCursor,
    });

    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    expect([...ids(first), ...ids(second)]).toEqual([...february].reverse().map((order) => order.orderId));
    expect(elsewhere.json.error.code).toBe('invalid_cursor');
  });

  it('refuses a cursor issued for other filters', async () => {
    const page = await demo.get('/orders', { limit: '2' });

    const reused = await demo.get('/orders', { limit: '2', status: 'PENDING', cursor: page.json.nextCursor });
    const otherSeller = await acme.get('/orders', { limit: '2', cursor: page.json.nextCursor });

    expect(reused.json.error.code).toBe('invalid_cursor');
    expect(otherSeller.json.error.code).toBe('invalid_cursor');
  });
});

describe('GET /orders/export.csv', () => {
  it('exports the same search as RFC 4180 CSV, neutralising formulas', async () => {
    const answer = await demo.get('/orders/export.csv', { to: '2026-01-31' });

    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = answer.body.split('\r\n');
    expect(lines[0]).toBe(
      'orderId,externalOrderId,createdAt,status,source,region,customerName,customerEmail,shipToName,shipToCity,' +
        'shipToPostalCode,shipToCountry,shippingMethod,currency,total,items,trackingNumber,reason',
    );
    expect(answer.body).toContain(
      `${jan3.orderId},E-3,2026-01-03T23:59:59.000Z,PAYMENT_VERIFIED,webhook,domestic,"'=HYPERLINK(""http://evil"")"`,
    );
    expect(answer.body).toContain('"Bob, ""the builder""\nJr."');
    expect(answer.body).toContain('MUG-RED x1; POSTER-A2 x1');
    expect(answer.body).not.toContain(acmeOrder.orderId);
    // Records end in CRLF; the LF inside Bob's quoted name does not end one.
    expect(answer.body.trimEnd().split('\r\n')).toHaveLength(1 + 3);
  });

  it('continues a long export with X-Next-Cursor', async () => {
    const first = await demo.get('/orders/export.csv', { limit: '20' });
    const rest = await demo.get('/orders/export.csv', {
      limit: '20',
      cursor: first.headers['x-next-cursor']!,
    });

    expect(first.headers['x-next-cursor']).toBeDefined();
    expect(rest.headers['x-next-cursor']).toBeUndefined();
    expect(first.body).toContain(february[24]!.orderId);
    expect(rest.body).toContain(jan1.orderId);
  });

  it('refuses bad filters with the JSON error', async () => {
    const answer = await demo.get('/orders/export.csv', { region: 'mars' });

    expect(answer.statusCode).toBe(400);
    expect(answer.json.error.details[0].field).toBe('query.region');
  });
});

describe('GET /orders/counts', () => {
  it('counts the seller’s orders in each status, and only theirs', async () => {
    const before = (await demo.get('/orders/counts')).json.counts;
    const acmeBefore = (await acme.get('/orders/counts')).json.counts;

    await stored('2026-03-01T10:00:00.000Z', { externalOrderId: 'count-held-1', status: 'ON_HOLD' });
    await stored('2026-03-01T11:00:00.000Z', { externalOrderId: 'count-held-2', status: 'ON_HOLD' });
    await stored('2026-03-01T12:00:00.000Z', {
      externalOrderId: 'count-failed',
      status: 'FAILED_TO_RELEASE',
    });
    const after = await demo.get('/orders/counts');

    expect(after.statusCode).toBe(200);
    expect(after.json.counts).toEqual({
      ...before,
      ON_HOLD: before.ON_HOLD + 2,
      FAILED_TO_RELEASE: before.FAILED_TO_RELEASE + 1,
    });
    expect(Object.keys(after.json.counts)).toHaveLength(13);
    expect((await acme.get('/orders/counts')).json.counts).toEqual(acmeBefore);
  });
});
