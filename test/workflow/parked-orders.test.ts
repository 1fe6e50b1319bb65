import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '../../functions/shared/domain/order.js';
import { getStock, setStock } from '../../functions/shared/store/inventory.js';
import { getOrder } from '../../functions/shared/store/orders.js';
import { searchOrders } from '../../functions/shared/store/search.js';
import { addApiKey, putSeller } from '../../functions/shared/store/seller-admin.js';
import { call, sellerClient } from '../support/http.js';
import { shopifyBody, shopifyHmac, shopifyOrderPayload } from '../support/shopify.js';
import { startWorkflowHarness, type WorkflowHarness } from '../support/workflow.js';

/**
 * Authentic Shopify orders that cannot ship as they are: each is stored, parked with its reason in the
 * status where the problem shows, fixed by the seller through the API, retried, and delivered.
 */

const SELLER = 'parks';
const SECRET = 'parks-webhook-secret';
const seller = sellerClient('parks-api-key');
let harness: WorkflowHarness;

beforeAll(async () => {
  harness = await startWorkflowHarness();
  await putSeller({ sellerId: SELLER, originCountry: 'US', webhookSecrets: [SECRET] });
  await addApiKey(SELLER, 'parks-api-key');
  await setStock(SELLER, 'MUG-RED', 100);
  await setStock(SELLER, 'TEE-BLK-M', 100);
  // Sellers whose unpaid orders wait a year, and one hour, for their payment.
  for (const [sellerId, paymentWaitHours] of [
    ['patient', 8760],
    ['hasty', 1],
  ] as const) {
    await putSeller({ sellerId, originCountry: 'US', webhookSecrets: [SECRET], paymentWaitHours });
    await addApiKey(sellerId, `${sellerId}-api-key`);
    await setStock(sellerId, 'MUG-RED', 100);
    await setStock(sellerId, 'TEE-BLK-M', 100);
  }
});
afterAll(() => harness.stop());

type Payload = Record<string, unknown>;
let nextId = 6_100_000_000_000_000_000n;

function deliver(sellerId: string, topic: string, payload: Payload, id: string) {
  const raw = shopifyBody(payload, id);
  return call({
    method: 'POST',
    path: `/webhooks/shopify/${sellerId}`,
    headers: { 'x-shopify-hmac-sha256': shopifyHmac(raw, SECRET), 'x-shopify-topic': topic },
    body: raw,
  });
}

async function receive(change: (payload: Payload) => void, sellerId = SELLER): Promise<string> {
  const payload = shopifyOrderPayload();
  change(payload);
  const answer = await deliver(sellerId, 'orders/create', payload, String(nextId++));
  expect(answer.statusCode).toBe(202);
  return answer.json.orderId as string;
}

async function waitFor(orderId: string, test: (order: Order) => boolean): Promise<Order> {
  for (let tries = 0; tries < 500; tries++) {
    const order = await getOrder(orderId);
    if (order && test(order)) return order;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`order ${orderId} never got there`);
}

async function settle(orderId: string, attempt = 1): Promise<Order> {
  const name = attempt === 1 ? orderId : `${orderId}-${attempt}`;
  const execution = await harness.stepFunctions.engine.awaitExecution(name, 30_000);
  expect(execution.status).toBe('SUCCEEDED');
  return (await getOrder(orderId))!;
}

async function retry(orderId: string, attempt: number, client = seller): Promise<Order> {
  const answer = await client.post(`/orders/${orderId}/retry`);
  expect(answer.statusCode).toBe(202);
  return settle(orderId, attempt);
}

const dlqFor = async (orderId: string) =>
  (await harness.dlqMessages()).filter((message) => message.orderId === orderId);
const statuses = (order: Order) => order.history.map((entry) => entry.status);
const lines = (payload: Payload) => payload.line_items as Payload[];
const shipTo = (payload: Payload) => payload.shipping_address as Payload;
const fixedAddress = {
  name: 'Steve Shipper',
  line1: '123 Shipping Street',
  city: 'Shippington',
  region: 'KY',
  postalCode: '40003',
  country: 'US',
};

describe('an authentic order that cannot ship waits for its seller, then goes on', () => {
  it('unknown_sku, a line without a SKU: mapping its variant to a SKU carries it on, and later orders too', async () => {
    const withoutSku = (payload: Payload) =>
      Object.assign(lines(payload)[1]!, { sku: null, variant_id: 4242 });
    const orderId = await receive(withoutSku);

    const parked = await settle(orderId);

    expect(statuses(parked)).toEqual(['PENDING', 'PAYMENT_VERIFIED', 'OUT_OF_STOCK']);
    expect(parked.history.at(-1)).toMatchObject({ reason: 'unknown_sku', actor: 'workflow' });
    expect(parked.problems).toEqual([
      { reason: 'unknown_sku', field: 'items.1.sku', message: expect.stringContaining('has no SKU') },
    ]);
    const waiting = await searchOrders(SELLER, { status: 'OUT_OF_STOCK' }, { limit: 100, cursorKey: 'test' });
    expect(waiting.items.map((order) => order.orderId)).toContain(orderId);

    const mapped = await seller.put('/sku-mappings/variant/4242', { sku: 'TEE-BLK-M' });
    const delivered = await retry(orderId, 2);

    expect(mapped.statusCode).toBe(200);
    expect(delivered.status).toBe('DELIVERED');
    expect(delivered.items[1]!.sku).toBe('TEE-BLK-M');
    expect(delivered.problems).toBeUndefined();
    const bySku = await searchOrders(SELLER, { sku: 'TEE-BLK-M' }, { limit: 100, cursorKey: 'test' });
    expect(bySku.items.map((order) => order.orderId)).toContain(orderId);

    const later = await settle(await receive(withoutSku));
    expect(later.status).toBe('DELIVERED');
  });

  it('unknown_sku, a SKU the seller does not stock yet: stocking it carries the order on', async () => {
    const orderId = await receive((payload) => (lines(payload)[0]!.sku = 'NEW-ARRIVAL'));

    const parked = await settle(orderId);

    expect(parked.status).toBe('OUT_OF_STOCK');
    expect(parked.history.at(-1)!.reason).toBe('unknown_sku');
    expect(parked.problems).toEqual([
      { reason: 'unknown_sku', field: 'items.0.sku', message: expect.stringContaining('NEW-ARRIVAL') },
    ]);

    expect((await seller.put('/inventory/NEW-ARRIVAL', { available: 3 })).statusCode).toBe(200);
    const delivered = await retry(orderId, 2);

    expect(statuses(delivered)).toEqual([
      'PENDING',
      'PAYMENT_VERIFIED',
      'OUT_OF_STOCK',
      'PAYMENT_VERIFIED',
      'STOCK_RESERVED',
      'RELEASED',
      'SHIPPED',
      'DELIVERED',
    ]);
    expect(await getStock(SELLER, 'NEW-ARRIVAL')).toEqual({ sku: 'NEW-ARRIVAL', available: 2, reserved: 0 });
  });

  it('inventory: out of stock waits, and goes on once restocked', async () => {
    await setStock(SELLER, 'SCARCE', 0);
    const orderId = await receive((payload) => (lines(payload)[0]!.sku = 'SCARCE'));

    const parked = await settle(orderId);

    expect(parked.status).toBe('OUT_OF_STOCK');
    expect(parked.history.at(-1)!.reason).toBe('inventory');
    expect(parked.problems).toEqual([
      { reason: 'inventory', field: 'items.0.sku', message: expect.stringContaining('SCARCE') },
    ]);

    await setStock(SELLER, 'SCARCE', 1);
    expect((await retry(orderId, 2)).status).toBe('DELIVERED');
  });

  it('no_delivery_name: FAILED_TO_RELEASE with a DLQ message; the seller names the recipient and retries', async () => {
    const orderId = await receive((payload) =>
      Object.assign(shipTo(payload), { name: null, first_name: null, last_name: null }),
    );

    const parked = await settle(orderId);

    expect(statuses(parked)).toEqual(['PENDING', 'PAYMENT_VERIFIED', 'STOCK_RESERVED', 'FAILED_TO_RELEASE']);
    expect(parked.release).toEqual({ failureReason: 'no_delivery_name' });
    expect(parked.problems).toEqual([
      { reason: 'no_delivery_name', field: 'shippingAddress.name', message: 'no recipient name' },
    ]);
    expect((await dlqFor(orderId)).map((message) => message.reason)).toEqual(['no_delivery_name']);

    const patched = await seller.patch(`/orders/${orderId}`, { shippingAddress: fixedAddress });
    const delivered = await retry(orderId, 2);

    expect(patched.statusCode).toBe(200);
    expect(statuses(delivered).slice(-4)).toEqual(['FAILED_TO_RELEASE', 'RELEASED', 'SHIPPED', 'DELIVERED']);
    expect(delivered.shippingAddress.name).toBe('Steve Shipper');
    expect(delivered.problems).toBeUndefined();
  });

  it('bad_address: a pickup order with no shipping address waits; the seller gives one and retries', async () => {
    const orderId = await receive((payload) => (payload.shipping_address = null));

    const parked = await settle(orderId);

    expect(parked.status).toBe('FAILED_TO_RELEASE');
    expect(parked.release).toEqual({ failureReason: 'no_delivery_name' });
    expect(parked.problems!.map((problem) => problem.reason)).toEqual([
      'no_delivery_name',
      'bad_address',
      'bad_address',
      'bad_address',
      'bad_address',
    ]);

    await seller.patch(`/orders/${orderId}`, { shippingAddress: fixedAddress });
    expect((await retry(orderId, 2)).status).toBe('DELIVERED');
  });

  it('bad_address: a missing postal code waits with that field named; fixed, it is delivered', async () => {
    const orderId = await receive((payload) => (shipTo(payload).zip = null));

    const parked = await settle(orderId);

    expect(parked.release).toEqual({ failureReason: 'bad_address' });
    expect(parked.problems).toEqual([
      { reason: 'bad_address', field: 'shippingAddress.postalCode', message: 'no postal code' },
    ]);
    expect((await dlqFor(orderId)).map((message) => message.reason)).toEqual(['bad_address']);

    await seller.patch(`/orders/${orderId}`, { shippingAddress: fixedAddress });
    const delivered = await retry(orderId, 2);

    expect(delivered.status).toBe('DELIVERED');
    expect(delivered.shippingAddress.postalCode).toBe('40003');
  });
});

describe('an order not yet paid waits for its payment', () => {
  it('waits PENDING until orders/paid, then is verified and delivered', async () => {
    const id = String(nextId++);
    const pending = shopifyOrderPayload({ financial_status: 'pending', gateway: 'Cash on Delivery (COD)' });
    const created = await deliver('patient', 'orders/create', pending, id);
    const orderId = created.json.orderId as string;

    const waiting = await waitFor(orderId, (order) => order.paymentWait !== undefined);
    const seen = await sellerClient('patient-api-key').get(`/orders/${orderId}`);
    const paid = await deliver('patient', 'orders/paid', { ...pending, financial_status: 'paid' }, id);
    const delivered = await settle(orderId);

    expect(waiting.status).toBe('PENDING');
    expect(waiting.paymentWait).toMatchObject({ reason: 'payment_pending' });
    expect(seen.json.paymentWait).toEqual({
      reason: 'payment_pending',
      since: expect.any(String),
      expiresAt: expect.any(String),
    });
    expect(paid.statusCode).toBe(200);
    expect(statuses(delivered)).toEqual([
      'PENDING',
      'PAYMENT_VERIFIED',
      'STOCK_RESERVED',
      'RELEASED',
      'SHIPPED',
      'DELIVERED',
    ]);
    expect(delivered.payment.financialStatus).toBe('paid');
    expect(delivered.storefrontEvents).toEqual([
      expect.objectContaining({ topic: 'orders/paid', outcome: 'payment_paid: verifying' }),
    ]);
  });

  it('ends PAYMENT_FAILED (payment_not_received) after the wait; paid later, the seller retries it to DELIVERED', async () => {
    const id = String(nextId++);
    const pending = shopifyOrderPayload({ financial_status: 'pending' });
    const created = await deliver('hasty', 'orders/create', pending, id);
    const orderId = created.json.orderId as string;

    const failed = await settle(orderId);

    expect(statuses(failed)).toEqual(['PENDING', 'PAYMENT_FAILED']);
    expect(failed.history.at(-1)).toMatchObject({ reason: 'payment_not_received', actor: 'workflow' });

    const paid = await deliver('hasty', 'orders/paid', { ...pending, financial_status: 'paid' }, id);
    const delivered = await retry(orderId, 2, sellerClient('hasty-api-key'));

    expect(paid.statusCode).toBe(200);
    expect(statuses(delivered)).toEqual([
      'PENDING',
      'PAYMENT_FAILED',
      'PENDING',
      'PAYMENT_VERIFIED',
      'STOCK_RESERVED',
      'RELEASED',
      'SHIPPED',
      'DELIVERED',
    ]);
  });
});

describe('lines as a storefront sends them', () => {
  const mug = () => lines(shopifyOrderPayload())[0]!;
  const giftCard = {
    title: 'Gift card',
    name: 'Gift card $25',
    sku: null,
    product_id: 1111,
    variant_id: 2222,
    quantity: 1,
    price: '25.00',
    requires_shipping: false,
    gift_card: true,
  };

  it('keeps a gift card line in the total but never reserves or ships it', async () => {
    const before = (await getStock(SELLER, 'MUG-RED'))!;
    const orderId = await receive((payload) => (payload.line_items = [mug(), giftCard]));

    const delivered = await settle(orderId);

    expect(delivered.status).toBe('DELIVERED');
    expect(delivered.total).toBe('37.50');
    expect(delivered.items[1]).toMatchObject({ sku: '', requiresShipping: false });
    expect(delivered.shipment).toBeDefined();
    expect(await getStock(SELLER, 'MUG-RED')).toEqual({ ...before, available: before.available - 1 });
  });

  it('completes an order with nothing to ship without a label, and needs no address', async () => {
    const orderId = await receive((payload) => {
      payload.line_items = [giftCard];
      payload.shipping_address = null;
    });

    const done = await settle(orderId);

    expect(statuses(done)).toEqual([
      'PENDING',
      'PAYMENT_VERIFIED',
      'STOCK_RESERVED',
      'RELEASED',
      'DELIVERED',
    ]);
    expect(done.history.at(-1)).toMatchObject({ reason: 'nothing_to_ship' });
    expect(done.shipment).toBeUndefined();
    expect(done.total).toBe('25.00');
  });

  it('delivers an order of 250 lines, as many as Shopify allows', async () => {
    await setStock(SELLER, 'MUG-RED', 500);
    await setStock(SELLER, 'TEE-BLK-M', 500);
    const orderId = await receive(
      (payload) =>
        (payload.line_items = Array.from({ length: 250 }, (_, index) => ({
          ...mug(),
          sku: index % 2 ? 'MUG-RED' : 'TEE-BLK-M',
          quantity: 1,
          price: '1.99',
        }))),
    );

    const delivered = await settle(orderId);

    expect(delivered.status).toBe('DELIVERED');
    expect(delivered.items).toHaveLength(250);
    expect(delivered.total).toBe('497.50');
  });

  it('takes SKUs as storefronts write them: spaces, slashes, any script', async () => {
    const sku = 'Tee / Größe M';
    const stocked = await seller.put(`/inventory/${encodeURIComponent(sku)}`, { available: 2 });
    const orderId = await receive((payload) => (payload.line_items = [{ ...mug(), sku }]));

    const delivered = await settle(orderId);

    expect(stocked.json).toEqual({ sku, available: 2, reserved: 0 });
    expect(delivered.status).toBe('DELIVERED');
    expect(await getStock(SELLER, sku)).toEqual({ sku, available: 1, reserved: 0 });
    const found = await seller.get('/orders', { sku });
    expect(found.json.items.map((order: Order) => order.orderId)).toContain(orderId);
  });

  it('parks an order of more different SKUs than one reservation holds, saying so', async () => {
    const skus = Array.from({ length: 120 }, (_, index) => `MANY-${index}`);
    for (const sku of skus) await setStock(SELLER, sku, 5);
    const orderId = await receive(
      (payload) => (payload.line_items = skus.map((sku) => ({ ...mug(), sku, quantity: 1 }))),
    );

    const parked = await settle(orderId);

    expect(parked.status).toBe('OUT_OF_STOCK');
    expect(parked.history.at(-1)!.reason).toBe('inventory');
    expect(parked.problems).toEqual([
      { reason: 'inventory', field: 'items', message: expect.stringContaining('120 different SKUs') },
    ]);
    expect(await getStock(SELLER, 'MANY-0')).toEqual({ sku: 'MANY-0', available: 5, reserved: 0 });
  });
});
