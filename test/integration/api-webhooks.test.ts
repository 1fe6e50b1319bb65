import { StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getOrder, transition } from '../../functions/shared/store/orders.js';
import { putSeller } from '../../functions/shared/store/seller-admin.js';
import { searchOrders } from '../../functions/shared/store/search.js';
import { call, sellerClient } from '../support/http.js';
import { orderInput } from '../support/orders.js';
import { DEMO, seedSellers } from '../support/sellers.js';
import {
  orderflowSignature,
  shopifyBody,
  shopifyHmac,
  shopifyOrderPayload,
  SHOPIFY_ORDER_ID,
} from '../support/shopify.js';
import { mockStepFunctions } from '../support/step-functions.js';
import { countItems } from '../support/table.js';

const stepFunctions = mockStepFunctions();

beforeAll(seedSellers);
afterEach(() => stepFunctions.reset());

type Payload = Record<string, unknown>;
const lines = (payload: Payload) => payload.line_items as Payload[];
const address = (payload: Payload) => payload.shipping_address as Payload;

let nextId = 5_000_000_000_000;
const uniqueShopifyId = () => String(nextId++);

function deliverShopify(
  rawBody: string,
  headers: Record<string, string> = {},
  options: { secret?: string; base64?: boolean } = {},
) {
  return call({
    method: 'POST',
    path: '/webhooks/shopify/demo',
    headers: {
      'x-shopify-hmac-sha256': shopifyHmac(rawBody, options.secret ?? DEMO.webhookSecret),
      'x-shopify-topic': 'orders/create',
      'x-shopify-shop-domain': 'demo.myshopify.com',
      ...headers,
    },
    body: options.base64 ? Buffer.from(rawBody) : rawBody,
  });
}

function deliverGeneric(
  rawBody: string,
  signature = orderflowSignature(rawBody, DEMO.webhookSecret),
  sellerId = 'demo',
) {
  return call({
    method: 'POST',
    path: `/webhooks/orders/${sellerId}`,
    headers: { 'x-orderflow-signature': signature },
    body: rawBody,
  });
}

describe('POST /webhooks/shopify/{sellerId}', () => {
  it('verifies the HMAC of the raw body and maps the Shopify order to ours', async () => {
    const raw = shopifyBody(shopifyOrderPayload());

    const answer = await deliverShopify(raw, { 'x-shopify-webhook-id': 'wh-map-1' });

    expect(answer.statusCode).toBe(202);
    expect(answer.json).toEqual({
      orderId: expect.stringMatching(/^ord_/),
      status: 'PENDING',
      duplicate: false,
    });
    const order = await getOrder(answer.json.orderId);
    expect(order).toMatchObject({
      sellerId: 'demo',
      source: 'shopify',
      externalOrderId: SHOPIFY_ORDER_ID,
      externalOrderName: '#9999',
      channel: 'shopify',
      customer: { name: 'Jon Snow', email: 'jon@example.com', phone: '+16135551111' },
      shippingAddress: {
        name: 'Steve Shipper',
        line1: '123 Shipping Street',
        line2: 'Suite 4',
        city: 'Shippington',
        region: 'KY',
        postalCode: '40003',
        country: 'US',
      },
      items: [
        { sku: 'MUG-RED', productId: '632910392', name: 'Red Mug - Large', quantity: 1, unitPrice: '12.50' },
        { sku: 'TEE-BLK-M', productId: '632910393', name: 'Black Tee - M', quantity: 1, unitPrice: '12.00' },
      ],
      currency: 'USD',
      payment: {
        provider: 'shopify',
        reference: `bogus:${SHOPIFY_ORDER_ID}`,
        amount: '34.50',
        financialStatus: 'paid',
      },
      shippingMethod: 'express',
      discountCodes: [],
      tags: ['vip', 'gift'],
      notes: 'Leave at the back door',
      total: '24.50',
      region: 'domestic',
      status: 'PENDING',
    });
    expect(order?.history).toEqual([expect.objectContaining({ status: 'PENDING', actor: 'storefront' })]);
    expect(stepFunctions.executions()).toEqual([
      {
        name: order!.orderId,
        input: {
          orderId: order!.orderId,
          sellerId: 'demo',
          attempt: 1,
          paymentWait: { Payload: { orderId: order!.orderId, timeoutSeconds: expect.any(Number) } },
        },
      },
    ]);
  });

  it('honours isBase64Encoded: the signature covers the decoded bytes', async () => {
    const raw = shopifyBody(shopifyOrderPayload({ note: 'Grüße 👋' }), uniqueShopifyId());

    const answer = await deliverShopify(raw, {}, { base64: true });

    expect(answer.statusCode).toBe(202);
    expect((await getOrder(answer.json.orderId))?.notes).toBe('Grüße 👋');
  });

  it('answers a wrong secret, an altered body or a missing header with 401 and writes nothing', async () => {
    const raw = shopifyBody(shopifyOrderPayload(), uniqueShopifyId());
    const genuineHmac = shopifyHmac(raw, DEMO.webhookSecret);
    const forge = (path: string, body: string, headers: Record<string, string>) =>
      call({ method: 'POST', path, headers: { 'x-shopify-topic': 'orders/create', ...headers }, body });
    const before = await countItems();

    const answers = [
      await deliverShopify(raw, {}, { secret: 'not-the-secret' }),
      await forge('/webhooks/shopify/demo', raw.replace('"quantity":1', '"quantity":9'), {
        'x-shopify-hmac-sha256': genuineHmac,
      }),
      await forge('/webhooks/shopify/demo', raw, {}),
      await forge('/webhooks/shopify/demo', raw, { 'x-shopify-hmac-sha256': 'not base64 at all' }),
      await forge('/webhooks/shopify/acme', raw, { 'x-shopify-hmac-sha256': genuineHmac }),
      await forge('/webhooks/shopify/nobody', raw, { 'x-shopify-hmac-sha256': genuineHmac }),
    ];

    for (const answer of answers) {
      expect(answer.statusCode).toBe(401);
      expect(answer.json.error.code).toBe('unauthorized');
    }
    expect(await countItems()).toBe(before);
    expect(stepFunctions.started.size).toBe(0);
  });

  it('takes one order from 20 concurrent deliveries of the same webhook', async () => {
    const shopifyId = uniqueShopifyId();
    const raw = shopifyBody(shopifyOrderPayload(), shopifyId);

    const answers = await Promise.all(
      Array.from({ length: 20 }, () => deliverShopify(raw, { 'x-shopify-webhook-id': 'wh-storm' })),
    );

    const ids = new Set(answers.map((answer) => answer.json.orderId));
    expect(ids.size).toBe(1);
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([...Array(19).fill(200), 202]);
    expect(answers.filter((answer) => answer.json.duplicate)).toHaveLength(19);
    const [orderId] = [...ids] as [string];
    const stored = await searchOrders(
      'demo',
      { externalOrderId: shopifyId },
      { limit: 10, cursorKey: 'test' },
    );
    expect(stored.items.map((order) => order.orderId)).toEqual([orderId]);
    // Distinct executions that came to exist: one, named after the order.
    expect([...stepFunctions.started.keys()]).toEqual([orderId]);
  });

  it('recognises a repeat by webhook id, and the same Shopify order under another webhook id', async () => {
    const id = uniqueShopifyId();
    const raw = shopifyBody(shopifyOrderPayload(), id);
    const first = await deliverShopify(raw, { 'x-shopify-webhook-id': `wh-${id}` });

    const redelivered = await deliverShopify(raw, { 'x-shopify-webhook-id': `wh-${id}` });
    const otherSubscription = await deliverShopify(raw, { 'x-shopify-webhook-id': `wh-${id}-b` });

    expect(first.statusCode).toBe(202);
    for (const answer of [redelivered, otherSubscription]) {
      expect(answer.statusCode).toBe(200);
      expect(answer.json).toEqual({ orderId: first.json.orderId, status: 'PENDING', duplicate: true });
    }
    expect(stepFunctions.started.size).toBe(1);
  });

  it('recovers an order written but never started when the webhook is redelivered', async () => {
    const shopifyId = uniqueShopifyId();
    const raw = shopifyBody(shopifyOrderPayload(), shopifyId);
    stepFunctions.sfn.on(StartExecutionCommand).rejectsOnce(new Error('connection reset'));

    const crashed = await deliverShopify(raw, { 'x-shopify-webhook-id': 'wh-crash' });
    const written = await searchOrders(
      'demo',
      { externalOrderId: shopifyId },
      { limit: 1, cursorKey: 'test' },
    );
    expect(crashed.statusCode).toBe(500);
    expect(stepFunctions.started.size).toBe(0);
    stepFunctions.reset();

    const redelivered = await deliverShopify(raw, { 'x-shopify-webhook-id': 'wh-crash' });

    expect(redelivered.statusCode).toBe(200);
    expect(redelivered.json).toMatchObject({ orderId: written.items[0]!.orderId, duplicate: true });
    expect([...stepFunctions.started.keys()]).toEqual([written.items[0]!.orderId]);
  });

  it.each([
    ['a line without a SKU', (p: Payload) => (lines(p)[1]!.sku = null)],
    ['a SKU the seller does not stock', (p: Payload) => (lines(p)[1]!.sku = 'NOT-STOCKED')],
    [
      'a gift card line',
      (p: Payload) =>
        lines(p).push({ title: 'Gift card', sku: '', quantity: 1, price: '25.00', gift_card: true }),
    ],
    ['no shipping address (pickup)', (p: Payload) => (p.shipping_address = null)],
    ['no postal code', (p: Payload) => (address(p).zip = null)],
    [
      'no recipient name',
      (p: Payload) => Object.assign(address(p), { name: null, first_name: null, last_name: null }),
    ],
    ['51 lines', (p: Payload) => (p.line_items = Array.from({ length: 51 }, () => lines(p)[0]))],
    ['an invalid email', (p: Payload) => Object.assign(p, { email: 'not-an-email', customer: null })],
  ])('stores an authentic order with %s (202) and starts its workflow', async (_label, change) => {
    const payload = shopifyOrderPayload();
    change(payload);
    const raw = shopifyBody(payload, uniqueShopifyId());

    const answer = await deliverShopify(raw);

    expect(answer.statusCode).toBe(202);
    expect(answer.json).toMatchObject({ status: 'PENDING', duplicate: false });
    expect((await getOrder(answer.json.orderId))?.externalOrderName).toBe('#9999');
    expect([...stepFunctions.started.keys()]).toEqual([answer.json.orderId]);
  });

  it('takes a JPY order as Shopify writes it ("1200.00") and keeps it in yen ("1200")', async () => {
    const payload = shopifyOrderPayload({ currency: 'JPY', total_price: '1200.00' });
    payload.line_items = [{ ...lines(payload)[0]!, price: '1200.00', quantity: 1 }];

    const answer = await deliverShopify(shopifyBody(payload, uniqueShopifyId()));

    expect(answer.statusCode).toBe(202);
    expect(await getOrder(answer.json.orderId)).toMatchObject({
      currency: 'JPY',
      total: '1200',
      items: [{ unitPrice: '1200' }],
      payment: { amount: '1200' },
    });
  });

  it('still refuses what is not an order, naming the Shopify field', async () => {
    const raw = shopifyBody(
      shopifyOrderPayload({ currency: 'dollars', email: 'not-an-email' }),
      uniqueShopifyId(),
    );
    const before = await countItems();

    const answer = await deliverShopify(raw);

    expect(answer.statusCode).toBe(400);
    expect(answer.json.error.details.map((detail: { field: string }) => detail.field)).toEqual(['currency']);
    expect(await countItems()).toBe(before);
  });

  it('refuses topics it does not handle', async () => {
    const raw = shopifyBody(shopifyOrderPayload(), uniqueShopifyId());

    const answer = await deliverShopify(raw, { 'x-shopify-topic': 'products/create' });

    expect(answer.statusCode).toBe(400);
    expect(answer.json.error.code).toBe('unsupported_topic');
  });
});

describe('Shopify orders/cancelled', () => {
  const cancelledBody = (id: string) =>
    shopifyBody(
      { ...shopifyOrderPayload(), cancelled_at: '2026-01-10T12:00:00-05:00', cancel_reason: 'customer' },
      id,
    );
  const cancel = (id: string, eventId?: string) =>
    deliverShopify(cancelledBody(id), {
      'x-shopify-topic': 'orders/cancelled',
      ...(eventId ? { 'x-shopify-event-id': eventId } : {}),
    });

  it('cancels an order not yet released and stops its execution; a repeat changes nothing', async () => {
    const id = uniqueShopifyId();
    const created = await deliverShopify(shopifyBody(shopifyOrderPayload(), id));

    const cancelled = await cancel(id);
    const again = await cancel(id);

    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json).toEqual({ orderId: created.json.orderId, status: 'CANCELLED', duplicate: true });
    expect(again.json).toEqual(cancelled.json);
    const order = await getOrder(created.json.orderId);
    expect(order?.history.at(-1)).toMatchObject({
      status: 'CANCELLED',
      actor: 'storefront',
      reason: 'shopify_cancelled:customer',
    });
    expect(order?.history.filter((entry) => entry.status === 'CANCELLED')).toHaveLength(1);
    expect(order?.storefrontEvents?.map((event) => event.outcome)).toEqual([
      'cancelled',
      'already_cancelled',
    ]);
    expect(stepFunctions.sfn.commandCalls(StopExecutionCommand)).toHaveLength(1);
  });

  it('cancels nothing when a captured create body is replayed under the cancel topic', async () => {
    const id = uniqueShopifyId();
    const createBody = shopifyBody(shopifyOrderPayload(), id);
    const created = await deliverShopify(createBody);

    const replayed = await deliverShopify(createBody, { 'x-shopify-topic': 'orders/cancelled' });

    expect(replayed.statusCode).toBe(200);
    expect(replayed.json).toMatchObject({ orderId: created.json.orderId, status: 'PENDING' });
    const order = await getOrder(created.json.orderId);
    expect(order?.status).toBe('PENDING');
    expect(order?.storefrontEvents).toEqual([
      expect.objectContaining({ topic: 'orders/cancelled', outcome: expect.stringMatching(/^ignored/) }),
    ]);
    expect(stepFunctions.sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
  });

  it('keeps a cancelled order it never saw created: stored, and cancelled', async () => {
    const answer = await cancel(uniqueShopifyId());

    expect(answer.statusCode).toBe(202);
    expect(answer.json).toMatchObject({ status: 'CANCELLED', duplicate: false });
    expect((await getOrder(answer.json.orderId))?.history.map((entry) => entry.status)).toEqual([
      'PENDING',
      'CANCELLED',
    ]);
  });

  it('records a cancellation that comes after release (200) and changes nothing', async () => {
    const id = uniqueShopifyId();
    const created = await deliverShopify(shopifyBody(shopifyOrderPayload(), id));
    const orderId = created.json.orderId as string;
    for (const status of ['PAYMENT_VERIFIED', 'STOCK_RESERVED', 'RELEASED'] as const) {
      if (status === 'STOCK_RESERVED') {
        const { reserveStock } = await import('../../functions/shared/store/inventory.js');
        await reserveStock(orderId);
      } else await transition(orderId, status, { actor: 'workflow' });
    }

    const late = await cancel(id);

    expect(late.statusCode).toBe(200);
    const order = await getOrder(orderId);
    expect(order?.status).toBe('RELEASED');
    expect(order?.storefrontEvents?.at(-1)?.outcome).toBe('too_late: the order is RELEASED');
  });

  it('acts once on a repeated X-Shopify-Event-Id', async () => {
    const id = uniqueShopifyId();
    await deliverShopify(shopifyBody(shopifyOrderPayload(), id));

    const first = await cancel(id, 'evt-cancel-1');
    const repeat = await cancel(id, 'evt-cancel-1');

    expect(first.json.status).toBe('CANCELLED');
    expect(repeat.statusCode).toBe(200);
    expect(repeat.json).toMatchObject({ status: 'CANCELLED', duplicate: true });
    const order = await getOrder(first.json.orderId);
    expect(order?.storefrontEvents).toEqual([
      expect.objectContaining({ eventId: 'evt-cancel-1', outcome: 'cancelled' }),
    ]);
  });
});

describe('Shopify orders/updated', () => {
  const update = (id: string, changes: Record<string, unknown>, updatedAt: string, eventId?: string) =>
    deliverShopify(shopifyBody(shopifyOrderPayload({ ...changes, updated_at: updatedAt }), id), {
      'x-shopify-topic': 'orders/updated',
      ...(eventId ? { 'x-shopify-event-id': eventId } : {}),
    });
  const newAddress = {
    ...(shopifyOrderPayload().shipping_address as Record<string, unknown>),
    name: 'Sam Other',
    address1: '9 New Road',
    zip: '40004',
  };

  it('applies address, name and line changes made before release; an older update changes nothing', async () => {
    const id = uniqueShopifyId();
    const created = await deliverShopify(
      shopifyBody(shopifyOrderPayload({ updated_at: '2026-01-10T11:00:00-05:00' }), id),
    );
    const orderId = created.json.orderId as string;
    const oneMug = [{ ...lines(shopifyOrderPayload())[0]!, quantity: 3 }];

    const updated = await update(
      id,
      {
        shipping_address: newAddress,
        customer: null,
        billing_address: { name: 'Jo Buyer' },
        line_items: oneMug,
      },
      '2026-01-10T12:00:00-05:00',
    );
    const stale = await update(id, {}, '2026-01-10T11:30:00-05:00');

    expect([updated.statusCode, stale.statusCode]).toEqual([200, 200]);
    const order = (await getOrder(orderId))!;
    expect(order.shippingAddress).toMatchObject({
      name: 'Sam Other',
      line1: '9 New Road',
      postalCode: '40004',
    });
    expect(order.customer.name).toBe('Jo Buyer');
    expect(order.items).toEqual([
      expect.objectContaining({ sku: 'MUG-RED', quantity: 3, unitPrice: '12.50' }),
    ]);
    expect(order.total).toBe('37.50');
    expect(order.storefrontEvents?.map((event) => event.outcome)).toEqual([
      'updated: address, customer name, lines',
      expect.stringMatching(/^ignored: older/),
    ]);
  });

  it('never undoes a seller’s fix with an update that did not change that part', async () => {
    const id = uniqueShopifyId();
    const created = await deliverShopify(
      shopifyBody(shopifyOrderPayload({ updated_at: '2026-01-10T11:00:00-05:00' }), id),
    );
    const orderId = created.json.orderId as string;
    const fix = {
      name: 'Fixed Name',
      line1: '1 Fixed St',
      city: 'Fixton',
      postalCode: '40005',
      country: 'US',
    };
    await sellerClient(DEMO.apiKey).patch(`/orders/${orderId}`, { shippingAddress: fix });

    const tagsOnly = await update(id, { tags: 'vip, rush' }, '2026-01-10T12:00:00-05:00');

    expect(tagsOnly.statusCode).toBe(200);
    expect((await getOrder(orderId))?.shippingAddress).toMatchObject(fix);
  });

  it('records an update that comes after release, for the seller to see, and changes nothing', async () => {
    const id = uniqueShopifyId();
    const created = await deliverShopify(shopifyBody(shopifyOrderPayload(), id));
    const orderId = created.json.orderId as string;
    const { reserveStock } = await import('../../functions/shared/store/inventory.js');
    await transition(orderId, 'PAYMENT_VERIFIED', { actor: 'workflow' });
    await reserveStock(orderId);
    await transition(orderId, 'RELEASED', { actor: 'workflow' });

    const late = await update(id, { shipping_address: newAddress }, '2026-01-10T13:00:00-05:00', 'evt-upd-9');
    const seen = await sellerClient(DEMO.apiKey).get(`/orders/${orderId}`);

    expect(late.statusCode).toBe(200);
    expect(seen.json.shippingAddress.name).toBe('Steve Shipper');
    expect(seen.json.storefrontEvents).toEqual([
      {
        topic: 'orders/updated',
        eventId: 'evt-upd-9',
        updatedAt: '2026-01-10T13:00:00-05:00',
        receivedAt: expect.any(String),
        outcome: 'recorded, not applied: the order is RELEASED (address)',
      },
    ]);
  });

  it('applies the address but not the lines once stock is reserved', async () => {
    const id = uniqueShopifyId();
    const created = await deliverShopify(shopifyBody(shopifyOrderPayload(), id));
    const orderId = created.json.orderId as string;
    const { reserveStock } = await import('../../functions/shared/store/inventory.js');
    await transition(orderId, 'PAYMENT_VERIFIED', { actor: 'workflow' });
    await reserveStock(orderId);

    await update(
      id,
      { shipping_address: newAddress, line_items: [lines(shopifyOrderPayload())[0]] },
      '2026-01-10T13:00:00-05:00',
    );

    const order = (await getOrder(orderId))!;
    expect(order.shippingAddress.name).toBe('Sam Other');
    expect(order.items).toHaveLength(2);
    expect(order.storefrontEvents?.at(-1)?.outcome).toBe(
      'updated: address; lines not applied: stock is reserved (the order is STOCK_RESERVED)',
    );
  });
});

describe('Shopify test orders', () => {
  it('keeps a test: true order and marks it as a test', async () => {
    const answer = await deliverShopify(shopifyBody(shopifyOrderPayload({ test: true }), uniqueShopifyId()));
    const real = await deliverShopify(shopifyBody(shopifyOrderPayload({ test: false }), uniqueShopifyId()));

    expect(answer.statusCode).toBe(202);
    expect((await getOrder(answer.json.orderId))?.test).toBe(true);
    expect((await getOrder(real.json.orderId))?.test).toBeUndefined();
  });
});

describe('POST /webhooks/orders/{sellerId}', () => {
  it('takes a signed generic order (202), and a repeat of its external id (200, same order)', async () => {
    const raw = JSON.stringify(orderInput({ externalOrderId: 'web-1001' }));

    const first = await deliverGeneric(raw);
    const repeat = await deliverGeneric(raw);

    expect(first.statusCode).toBe(202);
    expect(repeat.statusCode).toBe(200);
    expect(repeat.json).toEqual({ orderId: first.json.orderId, status: 'PENDING', duplicate: true });
    expect((await getOrder(first.json.orderId))?.source).toBe('webhook');
    expect(stepFunctions.started.size).toBe(1);
  });

  it('accepts a timestamp inside the ±300 s window and refuses one outside it', async () => {
    const now = Math.floor(Date.now() / 1000);
    const body = (id: string) => JSON.stringify(orderInput({ externalOrderId: id }));
    const raws = ['w-1', 'w-2', 'w-3', 'w-4'].map(body);
    const before = await countItems();

    const stale = await deliverGeneric(raws[0]!, orderflowSignature(raws[0]!, DEMO.webhookSecret, now - 301));
    const future = await deliverGeneric(
      raws[1]!,
      orderflowSignature(raws[1]!, DEMO.webhookSecret, now + 301),
    );
    expect(await countItems()).toBe(before);
    const late = await deliverGeneric(raws[2]!, orderflowSignature(raws[2]!, DEMO.webhookSecret, now - 290));
    const early = await deliverGeneric(raws[3]!, orderflowSignature(raws[3]!, DEMO.webhookSecret, now + 290));

    expect([stale.statusCode, future.statusCode]).toEqual([401, 401]);
    expect([late.statusCode, early.statusCode]).toEqual([202, 202]);
  });

  it('refuses a wrong secret, an altered body, a malformed or missing header', async () => {
    const raw = JSON.stringify(orderInput({ externalOrderId: 'w-forged' }));
    const before = await countItems();

    const answers = await Promise.all([
      deliverGeneric(raw, orderflowSignature(raw, 'wrong-secret')),
      deliverGeneric(raw.replace('Ada', 'Eve'), orderflowSignature(raw, DEMO.webhookSecret)),
      deliverGeneric(raw, 'v1=abc'),
      call({ method: 'POST', path: '/webhooks/orders/demo', body: raw }),
    ]);

    expect(answers.map((answer) => answer.statusCode)).toEqual([401, 401, 401, 401]);
    expect(await countItems()).toBe(before);
  });

  it('accepts any of a seller’s current secrets, so a secret can be rotated', async () => {
    await putSeller({
      sellerId: 'rotating',
      originCountry: 'US',
      webhookSecrets: ['old-secret', 'new-secret'],
    });
    const { setStock } = await import('../../functions/shared/store/inventory.js');
    await setStock('rotating', 'MUG-RED', 5);
    const raws = ['r-1', 'r-2'].map((id) => JSON.stringify(orderInput({ externalOrderId: id })));

    const withOld = await deliverGeneric(raws[0]!, orderflowSignature(raws[0]!, 'old-secret'), 'rotating');
    const withNew = await deliverGeneric(raws[1]!, orderflowSignature(raws[1]!, 'new-secret'), 'rotating');

    expect([withOld.statusCode, withNew.statusCode]).toEqual([202, 202]);
  });

  it('needs an external id on webhooks', async () => {
    const { externalOrderId: _id, ...input } = orderInput();
    const raw = JSON.stringify(input);

    const answer = await deliverGeneric(raw);

    expect(answer.statusCode).toBe(400);
    expect(answer.json.error.details).toEqual([
      { field: 'externalOrderId', message: 'is required on webhooks, to recognise repeats' },
    ]);
  });
});
