import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nowIso } from '../../functions/shared/clock.js';
import type { Order, Shipment } from '../../functions/shared/domain/order.js';
import type { OrderStatus } from '../../functions/shared/domain/status.js';
import { reserveStock, setStock } from '../../functions/shared/store/inventory.js';
import { createOrder, requireOrder, transition, updateOrder } from '../../functions/shared/store/orders.js';
import { connectShopify, putSeller } from '../../functions/shared/store/seller-admin.js';
import { runAs, startAwsParity, type AwsParity } from '../../infra/local/aws/index.js';
import type { Handler } from '../../infra/local/aws/lambda.js';
import {
  startLocalEventBus,
  startLocalShopifySync,
  startStreamPoller,
  targetEnvelope,
  type BusEvent,
  type LocalEventBus,
  type LocalShopifySync,
  type StreamPoller,
} from '../../infra/local/events/index.js';
import { LOCAL_REGION } from '../../infra/local/services.js';
import { startShopifyStandIn, type ShopifyStandIn } from '../../infra/local/standins/shopify.js';
import { newOrder } from '../support/orders.js';

const SHOP = 'sync-test.myshopify.com';
const seller = { sellerId: 'shopify-sync' };

let shopify: ShopifyStandIn;
let bus: LocalEventBus;
let poller: StreamPoller;
let sync: LocalShopifySync;
let parity: AwsParity;
let queueUrl: string;
const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
/** Copies of these orders' order.shipped events are put on the queue again: the bus delivers at least once. */
const duplicated = new Set<string>();

beforeAll(async () => {
  shopify = await startShopifyStandIn();
  const suffix = randomUUID().slice(0, 8);
  const queue = await sqs.send(
    new CreateQueueCommand({ QueueName: `shopify-sync-${suffix}`, Attributes: { VisibilityTimeout: '180' } }),
  );
  queueUrl = queue.QueueUrl!;
  bus = await startLocalEventBus({ name: `events-${suffix}` });
  // Configuration only, as the runtime gives it: every backoff rounds to 0 s at this scale.
  Object.assign(process.env, {
    ORDER_EVENTS_BUS: bus.name,
    AWS_ENDPOINT_URL_EVENTBRIDGE: bus.endpoint,
    SHOPIFY_SYNC_URL: queueUrl,
    SHOPIFY_API_URL: shopify.url,
    ORDERFLOW_TIME_SCALE: '1000000',
  });
  parity = await startAwsParity();
  const deployed = async (name: 'publish-events' | 'sync-shopify') =>
    parity.deployed(
      name,
      (name === 'publish-events'
        ? (await import('../../functions/publish-events/handler.js')).handler
        : (await import('../../functions/sync-shopify/handler.js')).handler) as Handler,
    );
  poller = startStreamPoller({
    endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB!,
    tableName: process.env.ORDERS_TABLE!,
    handler: await deployed('publish-events'),
    idleMs: 50,
  });
  bus.subscribe(async (event: BusEvent) => {
    const detail = event.detail as { orderId: string };
    if (event['detail-type'] !== 'order.shipped' || !duplicated.has(detail.orderId)) return;
    const body = JSON.stringify(targetEnvelope(event, LOCAL_REGION));
    for (let copy = 0; copy < 2; copy++)
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  });
  sync = startLocalShopifySync({
    bus,
    sqsEndpoint: process.env.AWS_ENDPOINT_URL_SQS!,
    queueUrl,
    syncer: await deployed('sync-shopify'),
    asSyncer: (work) =>
      runAs({ name: 'sync-shopify', statements: parity.model.functions['sync-shopify'].statements }, work),
  });
  await putSeller({ sellerId: seller.sellerId, originCountry: 'US', webhookSecrets: [] });
  await connectShopify(seller.sellerId, { shopDomain: SHOP, accessToken: 'shpat_standin0123456789' });
  await setStock(seller.sellerId, 'MUG-RED', 1_000);
  await setStock(seller.sellerId, 'TEE-BLK-M', 1_000);
});
afterAll(async () => {
  await sync?.stop();
  await poller?.stop();
  await bus?.stop();
  await shopify?.stop();
  sqs.destroy();
});

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const shipment = (trackingNumber: string): Shipment => ({
  carrier: 'USPS',
  service: 'Priority',
  trackingNumber,
  trackingUrl: `https://tools.usps.com/go/TrackConfirmAction?tLabels=${trackingNumber}`,
  labelId: `lbl_${trackingNumber}`,
  shippedAt: nowIso(),
  estimatedDeliveryAt: nowIso(),
  polls: 0,
});

/** A Shopify order (its id in externalOrderId, as the Shopify webhook stores it), the shop holding it too. */
async function shopifyOrder(quantities: number[]): Promise<{ order: Order; shopifyId: string }> {
  const shopifyId = String(5_000_000_000_000 + Math.floor(Math.random() * 1e9));
  shopify.addOrder(SHOP, shopifyId, quantities);
  const skus = ['MUG-RED', 'TEE-BLK-M'];
  const base = newOrder({
    sellerId: seller.sellerId,
    items: quantities.map((quantity, index) => ({ sku: skus[index]!, quantity })),
  });
  const order: Order = { ...base, source: 'shopify', externalOrderId: shopifyId, channel: 'shopify' };
  await createOrder(order, []);
  return { order, shopifyId };
}

async function walk(orderId: string, to: 'STOCK_RESERVED' | 'SHIPPED', trackingNumber = '') {
  const step = (status: OrderStatus, set?: Record<string, unknown>) =>
    transition(orderId, status, { actor: 'workflow', ...(set ? { set } : {}) });
  await step('PAYMENT_VERIFIED');
  await reserveStock(orderId);
  if (to === 'STOCK_RESERVED') return;
  await step('RELEASED', { release: { releasedAt: nowIso() } });
  await step('SHIPPED', { shipment: shipment(trackingNumber) });
}

/** Every message taken and done with: none waiting, none in flight, for a whole second. */
async function queueDrained(): Promise<void> {
  let quietSince = Date.now();
  await until('the sync queue drained', async () => {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    const left =
      Number(Attributes.ApproximateNumberOfMessages) +
      Number(Attributes.ApproximateNumberOfMessagesNotVisible);
    if (left > 0) quietSince = Date.now();
    return Date.now() - quietSince >= 1_000 ? true : undefined;
  });
}

const busEventsOf = (orderId: string) =>
  bus.events().filter((event) => (event.detail as { orderId?: string }).orderId === orderId);

describe('fulfillment back to Shopify', () => {
  it('makes one fulfillment with the tracking number through duplicates, THROTTLED and a lost answer', async () => {
    const { order, shopifyId } = await shopifyOrder([2, 1]);
    duplicated.add(order.orderId);
    shopify.drain(SHOP);
    // Shopify makes the fulfillment and the answer is lost: what a crash between "created" and "recorded" leaves.
    shopify.loseNextAnswer('FulfillmentCreate');

    await walk(order.orderId, 'SHIPPED', '9400TEST000001');
    const fulfilled = await until('the fulfillment in the shop', () =>
      shopify.order(SHOP, shopifyId)!.fulfillments.length ? shopify.order(SHOP, shopifyId) : undefined,
    );
    await transition(order.orderId, 'IN_TRANSIT', { actor: 'workflow' });
    await until('the in-transit event on the bus', () =>
      busEventsOf(order.orderId).find((event) => event['detail-type'] === 'order.in_transit'),
    );
    await queueDrained();

    expect(fulfilled.fulfillments).toHaveLength(1);
    expect(fulfilled.fulfillments[0]!.trackingInfo).toEqual([
      {
        company: 'USPS',
        number: '9400TEST000001',
        url: 'https://tools.usps.com/go/TrackConfirmAction?tLabels=9400TEST000001',
      },
    ]);
    expect(fulfilled.fulfillments[0]!.notifyCustomer).toBe(true);
    expect(fulfilled.fulfillmentOrders[0]!.lineItems.map((line) => line.remainingQuantity)).toEqual([0, 0]);
    expect(fulfilled.fulfillmentOrders[0]!.status).toBe('CLOSED');
    expect(shopify.operations.some((op) => op.shop === SHOP && op.outcome === 'throttled')).toBe(true);
    // Shopify acted on one creation: the retry after the lost answer found it instead of making another.
    expect(shopify.calls.filter((call) => call.status === 500)).toHaveLength(1);
    const stored = await requireOrder(order.orderId);
    expect(stored.history.filter((entry) => entry.notice)).toEqual([]);
  });

  it("tells the seller what Shopify refused, in the order's history and events, and does not retry it", async () => {
    const { order, shopifyId } = await shopifyOrder([2]);
    // The merchant fulfils one of the two in Shopify's admin meanwhile: asking for two over-fulfils.
    shopify.beforeNext('FulfillmentCreate', () => {
      shopify.order(SHOP, shopifyId)!.fulfillmentOrders[0]!.lineItems[0]!.remainingQuantity = 1;
    });

    await walk(order.orderId, 'SHIPPED', '9400TEST000002');
    const notice = await until('the notice', async () =>
      (await requireOrder(order.orderId)).history.find((entry) => entry.notice === 'shopify_sync_failed'),
    );
    const event = await until('its event', () =>
      busEventsOf(order.orderId).find((e) => e['detail-type'] === 'order.shopify_sync_failed'),
    );
    await queueDrained();

    expect(notice).toMatchObject({ status: 'SHIPPED', actor: 'system' });
    expect(notice.reason).toContain('Invalid fulfillment order line item quantity requested.');
    expect(event.detail).toMatchObject({ status: 'SHIPPED', reason: notice.reason });
    expect(shopify.order(SHOP, shopifyId)!.fulfillments).toEqual([]);
    const creates = shopify.operations.filter(
      (op) => op.name === 'FulfillmentCreate' && op.outcome !== 'done',
    );
    expect(creates.filter((op) => op.outcome === 'user_errors')).toHaveLength(1);
    expect((await requireOrder(order.orderId)).history.filter((entry) => entry.notice)).toHaveLength(1);
  });

  it('flags an order whose tracking Shopify dropped, and sends the tracking again', async () => {
    const { order, shopifyId } = await shopifyOrder([1]);
    shopify.dropTrackingOnNextCreate();

    await walk(order.orderId, 'SHIPPED', '9400TEST000003');
    const notice = await until('the notice', async () =>
      (await requireOrder(order.orderId)).history.find(
        (entry) => entry.notice === 'shopify_tracking_missing',
      ),
    );
    const fulfillment = await until('the tracking sent again', () => {
      const made = shopify.order(SHOP, shopifyId)!.fulfillments;
      return made[0]?.trackingInfo.length ? made : undefined;
    });

    expect(notice.reason).toContain('9400TEST000003');
    expect(fulfillment).toHaveLength(1);
    expect(fulfillment[0]!.trackingInfo[0]!.number).toBe('9400TEST000003');
    await until('its event', () =>
      busEventsOf(order.orderId).find((e) => e['detail-type'] === 'order.shopify_tracking_missing'),
    );
  });

  it('after a lost answer, finds the fulfillment made without its tracking, instead of making another', async () => {
    const { order, shopifyId } = await shopifyOrder([1]);
    shopify.dropTrackingOnNextCreate();
    shopify.loseNextAnswer('FulfillmentCreate');

    await walk(order.orderId, 'SHIPPED', '9400TEST000006');
    const made = await until('the tracking sent to the fulfillment found', () => {
      const fulfillments = shopify.order(SHOP, shopifyId)!.fulfillments;
      return fulfillments[0]?.trackingInfo.length ? fulfillments : undefined;
    });
    await queueDrained();

    expect(made).toHaveLength(1);
    expect(made[0]!.trackingInfo[0]!.number).toBe('9400TEST000006');
    expect(shopify.order(SHOP, shopifyId)!.fulfillments).toHaveLength(1);
  });

  it('updates the tracking when it changes', async () => {
    const { order, shopifyId } = await shopifyOrder([1]);
    await walk(order.orderId, 'SHIPPED', '9400TEST000004');
    await until('the fulfillment', () => shopify.order(SHOP, shopifyId)!.fulfillments[0]);

    await updateOrder(order.orderId, { shipment: shipment('9400TEST000005') }, { status: ['SHIPPED'] });
    await transition(order.orderId, 'IN_TRANSIT', { actor: 'workflow' });
    const updated = await until('the new tracking number in the shop', () => {
      const made = shopify.order(SHOP, shopifyId)!.fulfillments;
      return made[0]?.trackingInfo[0]?.number === '9400TEST000005' ? made : undefined;
    });

    expect(updated).toHaveLength(1);
  });

  it('puts the fulfillment orders of an order cancelled in orderflow on hold, with a note', async () => {
    const { order, shopifyId } = await shopifyOrder([1]);
    await walk(order.orderId, 'STOCK_RESERVED');

    await transition(order.orderId, 'CANCELLED', { actor: 'seller', reason: 'customer_request' });
    const held = await until('the fulfillment order on hold', () => {
      const fo = shopify.order(SHOP, shopifyId)!.fulfillmentOrders[0]!;
      return fo.status === 'ON_HOLD' ? fo : undefined;
    });
    const notice = await until('the notice', async () =>
      (await requireOrder(order.orderId)).history.find(
        (entry) => entry.notice === 'shopify_fulfillment_held',
      ),
    );

    expect(held.holdNotes[0]).toContain('customer_request');
    expect(notice.status).toBe('CANCELLED');
    expect(shopify.order(SHOP, shopifyId)!.fulfillments).toEqual([]);
  });
});
