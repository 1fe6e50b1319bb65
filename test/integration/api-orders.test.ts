import { SendTaskSuccessCommand, StopExecutionCommand, TaskTimedOut } from '@aws-sdk/client-sfn';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getStock } from '../../functions/shared/store/inventory.js';
import { getOrder, updateOrder } from '../../functions/shared/store/orders.js';
import { orderInput } from '../support/orders.js';
import { orderIn } from '../support/order-states.js';
import { call, sellerClient } from '../support/http.js';
import { ACME, DEMO, seedSellers } from '../support/sellers.js';
import { mockStepFunctions, STATE_MACHINE_ARN } from '../support/step-functions.js';
import { countItems } from '../support/table.js';

const stepFunctions = mockStepFunctions();
const demo = sellerClient(DEMO.apiKey);
const executionArn = (name: string) =>
  `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${name}`;

beforeAll(seedSellers);
afterEach(() => stepFunctions.reset());

describe('POST /orders', () => {
  it('creates the order and starts its execution named after it', async () => {
    const input = orderInput({ externalOrderId: 'manual-1' });

    const created = await demo.post('/orders', input);

    expect(created.statusCode).toBe(201);
    const { orderId } = created.json;
    expect(created.json).toMatchObject({
      status: 'PENDING',
      source: 'api',
      total: '12.50',
      region: 'domestic',
    });
    expect(stepFunctions.executions()).toEqual([
      {
        name: orderId,
        input: {
          orderId,
          sellerId: 'demo',
          attempt: 1,
          paymentWait: { Payload: { orderId, timeoutSeconds: expect.any(Number) } },
        },
      },
    ]);
    const stored = await getOrder(orderId);
    expect(stored?.workflow).toEqual({ executionName: orderId, attempt: 1 });
    expect(stored?.history).toEqual([expect.objectContaining({ status: 'PENDING', actor: 'seller' })]);
  });

  it('keeps the currency’s minor units: a 1,200 JPY order totals "1200", and a JPY price with cents is refused', async () => {
    const yen = (unitPrice: string) =>
      orderInput({
        currency: 'JPY',
        items: [{ sku: 'MUG-RED', productId: 'p-1', name: 'Mug', quantity: 2, unitPrice }],
        payment: { provider: 'sandbox', reference: 'pay_jpy', amount: '2400' },
      });

    const created = await demo.post('/orders', yen('1200'));
    const zeroCents = await demo.post('/orders', yen('1200.00'));
    const withCents = await demo.post('/orders', yen('1200.50'));

    expect(created.statusCode).toBe(201);
    expect(created.json).toMatchObject({ currency: 'JPY', total: '2400', items: [{ unitPrice: '1200' }] });
    expect(zeroCents.json).toMatchObject({ total: '2400', items: [{ unitPrice: '1200' }] });
    expect(withCents.statusCode).toBe(400);
    expect(withCents.json.error.details).toEqual([
      { field: 'items.0.unitPrice', message: 'must be a JPY amount, with at most 0 decimals' },
    ]);
  });

  it('totals three-decimal currencies exactly (KWD)', async () => {
    const created = await demo.post(
      '/orders',
      orderInput({
        currency: 'KWD',
        items: [{ sku: 'MUG-RED', productId: 'p-1', name: 'Mug', quantity: 3, unitPrice: '0.125' }],
        payment: { provider: 'sandbox', reference: 'pay_kwd', amount: '0.375' },
      }),
    );

    expect(created.json).toMatchObject({ total: '0.375', payment: { amount: '0.375' } });
  });

  it('answers a repeated Idempotency-Key or external id with the first order (200) and starts nothing new', async () => {
    const input = orderInput();
    const first = await demo.post('/orders', input, { 'Idempotency-Key': 'key-1' });

    const sameKey = await demo.post('/orders', input, { 'Idempotency-Key': 'key-1' });
    const sameExternalId = await demo.post('/orders', input, { 'Idempotency-Key': 'key-2' });

    expect(first.statusCode).toBe(201);
    expect([sameKey.statusCode, sameExternalId.statusCode]).toEqual([200, 200]);
    expect(sameKey.json.orderId).toBe(first.json.orderId);
    expect(sameExternalId.json.orderId).toBe(first.json.orderId);
    expect(stepFunctions.started.size).toBe(1);
  });

  it('refuses an Idempotency-Key reused with another body (422) and writes nothing', async () => {
    const first = await demo.post('/orders', orderInput(), { 'Idempotency-Key': 'key-reused' });
    const before = await countItems();

    const other = await demo.post('/orders', orderInput(), { 'Idempotency-Key': 'key-reused' });

    expect(first.statusCode).toBe(201);
    expect(other.statusCode).toBe(422);
    expect(other.json.error).toMatchObject({
      code: 'idempotency_key_reused',
      message: expect.stringContaining('key-reused'),
    });
    expect(await countItems()).toBe(before);
    expect(stepFunctions.started.size).toBe(1);
  });

  it('creates one order for concurrent requests with one Idempotency-Key, and answers each with it', async () => {
    const input = orderInput();

    const answers = await Promise.all(
      Array.from({ length: 8 }, () => demo.post('/orders', input, { 'Idempotency-Key': 'key-race' })),
    );

    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([
      200, 200, 200, 200, 200, 200, 200, 201,
    ]);
    expect(new Set(answers.map((answer) => answer.json.orderId)).size).toBe(1);
    expect(stepFunctions.started.size).toBe(1);
  });

  it('gives the same body with two keys two orders only when it names no external id', async () => {
    const { externalOrderId: _none, ...input } = orderInput();

    const a = await demo.post('/orders', input, { 'Idempotency-Key': 'key-a' });
    const b = await demo.post('/orders', input, { 'Idempotency-Key': 'key-b' });

    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.json.orderId).not.toBe(b.json.orderId);
  });

  it('refuses an unknown SKU with the failing line and writes nothing', async () => {
    const before = await countItems();
    const input = orderInput({
      items: [
        { sku: 'MUG-RED', productId: 'p', name: 'Mug', quantity: 1, unitPrice: '1.00' },
        { sku: 'NO-SUCH-SKU', productId: 'p', name: 'Ghost', quantity: 1, unitPrice: '1.00' },
      ],
    });

    const answer = await demo.post('/orders', input);

    expect(answer.statusCode).toBe(400);
    expect(answer.json.error).toMatchObject({
      code: 'unknown_sku',
      details: [{ field: 'items.1.sku', message: 'unknown SKU NO-SUCH-SKU' }],
    });
    expect(await countItems()).toBe(before);
    expect(stepFunctions.started.size).toBe(0);
  });

  it('reports every failing field of an invalid body', async () => {
    const answer = await demo.post('/orders', { ...orderInput(), currency: 'usd', items: [], extra: 1 });

    expect(answer.statusCode).toBe(400);
    const fields = answer.json.error.details.map((detail: { field: string }) => detail.field);
    expect(fields).toEqual(expect.arrayContaining(['currency', 'items', '(body)']));
  });

  it('needs a valid API key, JSON and a sane size', async () => {
    const body = orderInput();
    const noKey = await call({ method: 'POST', path: '/orders', body });
    const badKey = await sellerClient('not-a-real-key').post('/orders', body);
    const notJson = await demo.post('/orders', JSON.stringify(body), { 'content-type': 'text/plain' });
    const huge = await demo.post('/orders', JSON.stringify({ ...body, notes: 'x'.repeat(300 * 1024) }));
    const broken = await demo.post('/orders', '{"customer":');

    expect(noKey.statusCode).toBe(401);
    expect(noKey.headers['www-authenticate']).toBe('Bearer');
    expect(badKey.statusCode).toBe(401);
    expect(notJson.statusCode).toBe(415);
    expect(huge.statusCode).toBe(413);
    expect(broken.json.error.code).toBe('invalid_json');
  });
});

describe('GET /orders/{orderId}', () => {
  it('returns the order with its history and hold, never the task token', async () => {
    const held = await orderIn('ON_HOLD', { taskToken: 'secret-token' });

    const answer = await demo.get(`/orders/${held.orderId}`);

    expect(answer.statusCode).toBe(200);
    expect(answer.json.history.map((entry: { status: string }) => entry.status)).toEqual([
      'PENDING',
      'PAYMENT_VERIFIED',
      'STOCK_RESERVED',
      'ON_HOLD',
    ]);
    expect(answer.json.hold).toMatchObject({ reason: 'manual_release_mode' });
    expect(answer.body).not.toContain('secret-token');
  });

  it("shows a shipped order's wait for the carrier's push, never its task token", async () => {
    const shipped = await orderIn('SHIPPED');
    const since = new Date().toISOString();
    await updateOrder(
      shipped.orderId,
      { deliveryWait: { since, expiresAt: since, taskToken: 'delivery-secret-token' } },
      { status: ['SHIPPED'] },
    );

    const answer = await demo.get(`/orders/${shipped.orderId}`);

    expect(answer.statusCode).toBe(200);
    expect(answer.json.deliveryWait).toEqual({ since, expiresAt: since });
    expect(answer.body).not.toContain('delivery-secret-token');
  });

  it('is 404 for an unknown or malformed id', async () => {
    expect((await demo.get('/orders/ord_doesnotexist000')).statusCode).toBe(404);
    expect((await demo.get('/orders/not%20an%20id')).json.error.code).toBe('not_found');
  });
});

describe('PATCH /orders/{orderId}', () => {
  const address = {
    name: 'Ada Lovelace',
    line1: '10 Rue de la Paix',
    city: 'Paris',
    postalCode: '75002',
    country: 'FR',
  };

  it('fixes the address before release and recomputes the region from the seller origin', async () => {
    const order = await orderIn('STOCK_RESERVED');

    const answer = await demo.patch(`/orders/${order.orderId}`, { shippingAddress: address });

    expect(answer.statusCode).toBe(200);
    expect(answer.json.shippingAddress).toEqual({ ...address, line2: '', region: '' });
    expect(answer.json.region).toBe('international');
    expect((await getOrder(order.orderId))?.region).toBe('international');
  });

  it('fixes the address of a FAILED_TO_RELEASE order', async () => {
    const order = await orderIn('FAILED_TO_RELEASE');

    const answer = await demo.patch(`/orders/${order.orderId}`, {
      shippingAddress: { ...address, country: 'US' },
    });

    expect(answer.statusCode).toBe(200);
    expect(answer.json.region).toBe('domestic');
  });

  it('is 409 once released and 400 for a bad address', async () => {
    const released = await orderIn('RELEASED');
    const pending = await orderIn('PENDING');

    const late = await demo.patch(`/orders/${released.orderId}`, { shippingAddress: address });
    const badPostalCode = await demo.patch(`/orders/${pending.orderId}`, {
      shippingAddress: { ...address, postalCode: '' },
    });
    const noSuchCountry = await demo.patch(`/orders/${pending.orderId}`, {
      shippingAddress: { ...address, country: 'ZZ' },
    });

    expect(late.statusCode).toBe(409);
    expect(late.json.error.code).toBe('address_locked');
    expect(badPostalCode.json.error.details).toEqual([
      { field: 'shippingAddress.postalCode', message: 'must be a postal code' },
    ]);
    expect(noSuchCountry.json.error.details).toEqual([
      { field: 'shippingAddress.country', message: 'must be an ISO 3166-1 alpha-2 country code' },
    ]);
  });
});

describe('POST /orders/{orderId}/cancel', () => {
  it('cancels, returns the reserved stock and stops the execution', async () => {
    const before = (await getStock('demo', 'MUG-RED'))!;
    const order = await orderIn('ON_HOLD');
    expect((await getStock('demo', 'MUG-RED'))!.reserved).toBe(before.reserved + 1);

    const answer = await demo.post(`/orders/${order.orderId}/cancel`, { reason: 'customer asked' });

    expect(answer.statusCode).toBe(200);
    expect(answer.json.status).toBe('CANCELLED');
    expect(answer.json.history.at(-1)).toMatchObject({
      status: 'CANCELLED',
      actor: 'seller',
      reason: 'customer asked',
    });
    expect(await getStock('demo', 'MUG-RED')).toEqual(before);
    expect((await getOrder(order.orderId))?.hold?.taskToken).toBeUndefined();
    const stops = stepFunctions.sfn.commandCalls(StopExecutionCommand);
    expect(stops.map((stop) => stop.args[0].input.executionArn)).toEqual([executionArn(order.orderId)]);
  });

  it('cancels without a body', async () => {
    const order = await orderIn('PENDING');

    const answer = await demo.post(`/orders/${order.orderId}/cancel`);

    expect(answer.statusCode).toBe(200);
  });

  it('is 409 once released or finished', async () => {
    for (const status of ['RELEASED', 'SHIPPED', 'DELIVERED', 'CANCELLED'] as const) {
      const order = await orderIn(status);

      const answer = await demo.post(`/orders/${order.orderId}/cancel`, {});

      expect(answer.statusCode, status).toBe(409);
      expect((await getOrder(order.orderId))?.status).toBe(status);
    }
    expect(stepFunctions.sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
  });
});

describe('POST /orders/{orderId}/hold', () => {
  it('records the request on an order not yet past its stock reservation; asking again changes nothing', async () => {
    const order = await orderIn('PENDING');

    const first = await demo.post(`/orders/${order.orderId}/hold`, { reason: 'call the customer' });
    const again = await demo.post(`/orders/${order.orderId}/hold`);

    expect(first.statusCode).toBe(200);
    expect(first.json.holdRequest).toEqual({ reason: 'call the customer', at: expect.any(String) });
    expect(again.statusCode).toBe(200);
    expect(again.json.holdRequest).toEqual(first.json.holdRequest);
    expect((await getOrder(order.orderId))?.holdRequest).toEqual(first.json.holdRequest);
  });

  it('is 409 once the release is under way or done, and changes nothing; a held order stays as it is', async () => {
    const reserved = await orderIn('STOCK_RESERVED');
    const failed = await orderIn('FAILED_TO_RELEASE');
    const shipped = await orderIn('SHIPPED');
    const held = await orderIn('ON_HOLD');

    for (const order of [reserved, failed, shipped]) {
      const answer = await demo.post(`/orders/${order.orderId}/hold`);
      expect(answer.statusCode, order.status).toBe(409);
      expect(answer.json.error.code).toBe('not_holdable');
      expect((await getOrder(order.orderId))?.holdRequest).toBeUndefined();
    }
    const onHold = await demo.post(`/orders/${held.orderId}/hold`);
    expect(onHold.statusCode).toBe(200);
    expect(onHold.json.status).toBe('ON_HOLD');
    expect(onHold.json.holdRequest).toBeUndefined();
  });

  it("is 404 for another seller's order", async () => {
    const order = await orderIn('PENDING');

    const answer = await sellerClient(ACME.apiKey).post(`/orders/${order.orderId}/hold`);

    expect(answer.statusCode).toBe(404);
    expect((await getOrder(order.orderId))?.holdRequest).toBeUndefined();
  });
});

describe('POST /orders/{orderId}/release', () => {
  it('sends the task token once, removes it, and answers 202', async () => {
    const order = await orderIn('ON_HOLD', { taskToken: 'token-release-1' });

    const answer = await demo.post(`/orders/${order.orderId}/release`);

    expect(answer.statusCode).toBe(202);
    expect(answer.json).toEqual({ orderId: order.orderId, status: 'ON_HOLD' });
    const sends = stepFunctions.sfn.commandCalls(SendTaskSuccessCommand);
    expect(sends.map((send) => send.args[0].input)).toEqual([
      { taskToken: 'token-release-1', output: JSON.stringify({ releasedBy: 'seller' }) },
    ]);
    expect((await getOrder(order.orderId))?.hold?.taskToken).toBeUndefined();
  });

  it('lets only one of two concurrent releases send the token', async () => {
    const order = await orderIn('ON_HOLD');

    const answers = await Promise.all([1, 2].map(() => demo.post(`/orders/${order.orderId}/release`)));

    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([202, 409]);
    expect(stepFunctions.sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
  });

  it('is 409 when the order is not held or the hold has expired', async () => {
    const pending = await orderIn('PENDING');
    const expired = await orderIn('ON_HOLD');
    stepFunctions.sfn
      .on(SendTaskSuccessCommand)
      .rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));

    const notHeld = await demo.post(`/orders/${pending.orderId}/release`);
    const timedOut = await demo.post(`/orders/${expired.orderId}/release`);

    expect(notHeld.json.error.code).toBe('not_on_hold');
    expect(timedOut.statusCode).toBe(409);
    expect(timedOut.json.error.code).toBe('hold_expired');
  });

  it('puts the token back when Step Functions cannot be reached, so the seller can try again', async () => {
    const order = await orderIn('ON_HOLD', { taskToken: 'token-kept' });
    stepFunctions.sfn.on(SendTaskSuccessCommand).rejectsOnce(new Error('socket hang up')).resolves({});

    const failed = await demo.post(`/orders/${order.orderId}/release`);
    const again = await demo.post(`/orders/${order.orderId}/release`);

    expect(failed.statusCode).toBe(500);
    expect(failed.body).not.toContain('socket');
    expect(again.statusCode).toBe(202);
  });
});

describe('POST /orders/release (bulk)', () => {
  it('answers one result per id, in order', async () => {
    const held = await orderIn('ON_HOLD');
    const pending = await orderIn('PENDING');
    const acmeHeld = await orderIn('ON_HOLD', { sellerId: 'acme' });

    const answer = await demo.post('/orders/release', {
      orderIds: [held.orderId, pending.orderId, 'ord_missing00000', acmeHeld.orderId, held.orderId],
    });

    expect(answer.statusCode).toBe(200);
    expect(answer.json.results).toEqual([
      { orderId: held.orderId, statusCode: 202, status: 'ON_HOLD' },
      { orderId: pending.orderId, statusCode: 409, error: expect.objectContaining({ code: 'not_on_hold' }) },
      { orderId: 'ord_missing00000', statusCode: 404, error: expect.objectContaining({ code: 'not_found' }) },
      { orderId: acmeHeld.orderId, statusCode: 404, error: expect.objectContaining({ code: 'not_found' }) },
    ]);
    expect(stepFunctions.sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
  });

  it('takes at most 100 ids', async () => {
    const ids = Array.from({ length: 101 }, (_, index) => `ord_${String(index).padStart(12, '0')}`);

    const answer = await demo.post('/orders/release', { orderIds: ids });

    expect(answer.statusCode).toBe(400);
    expect(answer.json.error.details[0].field).toBe('orderIds');
  });
});

describe('POST /orders/{orderId}/retry', () => {
  it('retries a FAILED_TO_RELEASE order as attempt 2 from ReleaseOrder', async () => {
    const order = await orderIn('FAILED_TO_RELEASE');

    const answer = await demo.post(`/orders/${order.orderId}/retry`);

    expect(answer.statusCode).toBe(202);
    const name = `${order.orderId}-2`;
    expect(answer.json).toEqual({
      orderId: order.orderId,
      status: 'FAILED_TO_RELEASE',
      attempt: 2,
      executionName: name,
    });
    expect(stepFunctions.executions()).toEqual([
      {
        name,
        input: {
          orderId: order.orderId,
          sellerId: 'demo',
          attempt: 2,
          resumeAt: 'ReleaseOrder',
          paymentWait: { Payload: { orderId: order.orderId, timeoutSeconds: expect.any(Number) } },
        },
      },
    ]);
    expect((await getOrder(order.orderId))?.workflow).toMatchObject({ attempt: 2, executionName: name });
  });

  it('retries an OUT_OF_STOCK order from ReserveStock, back in PAYMENT_VERIFIED', async () => {
    const order = await orderIn('OUT_OF_STOCK');

    const answer = await demo.post(`/orders/${order.orderId}/retry`);

    expect(answer.statusCode).toBe(202);
    expect(answer.json.status).toBe('PAYMENT_VERIFIED');
    expect(stepFunctions.executions()[0]?.input).toMatchObject({ attempt: 2, resumeAt: 'ReserveStock' });
    const stored = await getOrder(order.orderId);
    expect(stored?.history.at(-1)).toMatchObject({
      status: 'PAYMENT_VERIFIED',
      actor: 'seller',
      reason: 'retry',
    });
  });

  it('lets only one of two concurrent retries start a run', async () => {
    const order = await orderIn('FAILED_TO_RELEASE');

    const answers = await Promise.all([1, 2].map(() => demo.post(`/orders/${order.orderId}/retry`)));

    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([202, 409]);
    expect(stepFunctions.started.size).toBe(1);
  });

  it('is 409 for an order that did not fail', async () => {
    const order = await orderIn('PENDING');

    const answer = await demo.post(`/orders/${order.orderId}/retry`);

    expect(answer.statusCode).toBe(409);
    expect(answer.json.error.code).toBe('not_retryable');
  });
});

describe('inventory', () => {
  it('sets and reads stock, keeping reserved units', async () => {
    const put = await demo.put('/inventory/LAMP-01', { available: 12 });
    const got = await demo.get('/inventory/LAMP-01');

    expect(put.statusCode).toBe(200);
    expect(got.json).toEqual({ sku: 'LAMP-01', available: 12, reserved: 0 });
  });

  it('refuses bad amounts and SKUs, and is 404 for a SKU never stocked', async () => {
    expect((await demo.put('/inventory/LAMP-01', { available: -1 })).statusCode).toBe(400);
    expect((await demo.put('/inventory/LAMP-01', { available: 1.5 })).statusCode).toBe(400);
    expect((await demo.put('/inventory/LAMP-01', { available: '3' })).statusCode).toBe(400);
    // A SKU may hold spaces and any script, but no control character and no space at either end.
    expect((await demo.put('/inventory/bad%00sku', { available: 3 })).statusCode).toBe(400);
    expect((await demo.put('/inventory/%20padded', { available: 3 })).statusCode).toBe(400);
    expect((await demo.put('/inventory/Gr%C3%B6%C3%9Fe%20M', { available: 3 })).statusCode).toBe(200);
    expect((await demo.get('/inventory/NEVER-STOCKED')).statusCode).toBe(404);
  });
});

describe('system routes', () => {
  it('GET /health is 200 when the table answers', async () => {
    const answer = await call({ method: 'GET', path: '/health' });

    expect(answer.statusCode).toBe(200);
    expect(answer.json).toEqual({ status: 'ok' });
  });

  it('answers unknown routes with 404 and known paths with the wrong method with 405', async () => {
    const unknown = await call({ method: 'GET', path: '/nope' });
    const wrongMethod = await call({ method: 'DELETE', path: '/orders/ord_123456789' });

    expect(unknown.statusCode).toBe(404);
    expect(unknown.json.error.code).toBe('route_not_found');
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.headers.allow).toBe('GET, PATCH');
  });

  it('serves every documented operation (none is a route_not_found)', async () => {
    const document = (await call({ method: 'GET', path: '/openapi.json' })).json;

    for (const [path, operations] of Object.entries(document.paths as Record<string, object>)) {
      for (const method of Object.keys(operations)) {
        const concrete = path.replace(/\{(\w+)\}/g, (_, name: string) =>
          name === 'sku' ? 'MUG-RED' : 'ord_123456789',
        );
        const answer = await call({ method: method.toUpperCase(), path: concrete });

        expect(answer.json?.error?.code, `${method} ${path}`).not.toBe('route_not_found');
        expect(answer.statusCode, `${method} ${path}`).not.toBe(405);
      }
    }
  });
});

describe('the stored order', () => {
  it('is byte-identical to what was sent in free-text fields', async () => {
    const name = 'Zoë Ångström 👩‍🚀 \u202Etxet';
    const answer = await demo.post(
      '/orders',
      orderInput({ notes: 'line one\nline two\ttab', customer: { name, email: 'zoe@example.com' } }),
    );

    const stored = await getOrder(answer.json.orderId);

    expect(stored?.customer.name).toBe(name);
    expect(stored?.notes).toBe('line one\nline two\ttab');
  });
});
