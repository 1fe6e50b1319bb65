import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderEvent } from '../../functions/shared/events/order-event.js';
import { orderEventSchema } from '../../functions/shared/events/order-event.js';
import { setStock } from '../../functions/shared/store/inventory.js';
import { createOrder, getOrder } from '../../functions/shared/store/orders.js';
import { putSeller } from '../../functions/shared/store/seller-admin.js';
import { startExecution } from '../../functions/shared/workflow.js';
import type { Handler } from '../../infra/local/aws/lambda.js';
import { startLocalEventBus, type LocalEventBus } from '../../infra/local/events/bus.js';
import { startStreamPoller, type StreamPoller } from '../../infra/local/events/stream-poller.js';
import { newOrder } from '../support/orders.js';
import { startWorkflowHarness, type WorkflowHarness } from '../support/workflow.js';

let harness: WorkflowHarness;
let bus: LocalEventBus;
let poller: StreamPoller;
let publisher: Handler;
/** Set by the fault drill: which entries the bus refuses. */
let refuse: (() => boolean) | undefined;
const checkpoints = mkdtempSync(join(tmpdir(), 'orderflow-stream-'));

const startPoller = () =>
  startStreamPoller({
    endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB!,
    tableName: process.env.ORDERS_TABLE!,
    handler: publisher,
    idleMs: 50,
    checkpointFile: join(checkpoints, 'checkpoints.json'),
  });

beforeAll(async () => {
  bus = await startLocalEventBus({
    name: `events-${randomUUID().slice(0, 8)}`,
    refuse: () => refuse?.() ?? false,
  });
  // Configuration only, as the stack gives it: the bus's name, and EventBridge's endpoint.
  process.env.ORDER_EVENTS_BUS = bus.name;
  process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = bus.endpoint;
  harness = await startWorkflowHarness();
  const { handler } = await import('../../functions/publish-events/handler.js');
  publisher = harness.parity.deployed('publish-events', handler as Handler);
  poller = startPoller();
  await putSeller({ sellerId: 'events', originCountry: 'US', webhookSecrets: [] });
  await setStock('events', 'MUG', 100);
});
afterAll(async () => {
  await poller.stop();
  await harness.stop();
  await bus.stop();
  rmSync(checkpoints, { recursive: true, force: true });
});

const eventsOf = (orderId: string): OrderEvent[] =>
  bus
    .events()
    .map((event) => event.detail as OrderEvent)
    .filter((event) => event.orderId === orderId);

async function deliveredOrder() {
  const order = newOrder({ sellerId: 'events', items: [{ sku: 'MUG', quantity: 1 }] });
  await createOrder(order, []);
  await startExecution(order);
  await harness.stepFunctions.engine.awaitExecution(order.orderId, 30_000);
  await poller.drained();
  return (await getOrder(order.orderId))!;
}

/** The distinct events of each order, by id (a consumer dedupes on it), in the order they first came. */
function firstSeen(events: OrderEvent[]): Map<string, OrderEvent[]> {
  const seen = new Set<string>();
  const byOrder = new Map<string, OrderEvent[]>();
  for (const event of events) {
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    byOrder.set(event.orderId, [...(byOrder.get(event.orderId) ?? []), event]);
  }
  return byOrder;
}

async function happyOrders(count: number) {
  const methods = ['standard', 'express', 'economy'] as const;
  const orders = Array.from({ length: count }, (_, index) =>
    newOrder({
      sellerId: 'events',
      items: [{ sku: 'MUG', quantity: 1 }],
      shippingMethod: methods[index % methods.length],
    }),
  );
  for (const order of orders) await createOrder(order, []);
  await Promise.all(orders.map((order) => startExecution(order)));
  await Promise.all(
    orders.map((order) => harness.stepFunctions.engine.awaitExecution(order.orderId, 60_000)),
  );
  await poller.drained();
  return Promise.all(orders.map(async (order) => (await getOrder(order.orderId))!));
}

describe('order events from the table stream, on the local bus', () => {
  it('publish received → … → delivered for a happy order, each once, in order, with stable ids', async () => {
    const order = await deliveredOrder();

    const events = eventsOf(order.orderId);

    expect(order.status).toBe('DELIVERED');
    expect(events.map((event) => event.type)).toEqual([
      'order.received',
      'order.payment_verified',
      'order.stock_reserved',
      'order.released',
      'order.shipped',
      'order.delivered',
    ]);
    expect(events.map((event) => event.id)).toEqual(
      order.history.map((_, index) => `${order.orderId}:${index}`),
    );
    expect(events.map((event) => event.occurredAt)).toEqual(order.history.map((entry) => entry.at));
    for (const event of events) expect(orderEventSchema.parse(event)).toEqual(event);
    const shipped = events.find((event) => event.type === 'order.shipped')!;
    expect(shipped.data.shipment).toMatchObject({
      carrier: order.shipment!.carrier,
      service: order.shipment!.service,
      trackingNumber: order.shipment!.trackingNumber,
    });
    expect(bus.events().filter((e) => e.source === 'orderflow.orders').length).toBeGreaterThanOrEqual(6);
  });

  it('publish every happy order of a concurrent batch once each, in order', async () => {
    const before = bus.events().length;

    const orders = await happyOrders(6);

    const published = bus
      .events()
      .slice(before)
      .map((event) => event.detail as OrderEvent);
    expect(new Set(published.map((event) => event.id)).size).toBe(published.length);
    for (const order of orders) {
      expect(order.status).toBe('DELIVERED');
      const events = published.filter((event) => event.orderId === order.orderId);
      expect(events.map((event) => event.sequence)).toEqual(order.history.map((_, index) => index));
      expect(events.map((event) => event.type)).toEqual(
        expect.arrayContaining(['order.received', 'order.shipped', 'order.delivered']),
      );
    }
  });

  it('when the bus refuses entries, retries them: every event at least once, each order still in order', async () => {
    // A third of the entries refused (seeded): the publisher reports the record, the mapping retries it.
    let seed = 7;
    let refused = 0;
    refuse = () => {
      seed = (seed * 48271) % 2147483647;
      if (seed % 3 === 0) refused++;
      return seed % 3 === 0;
    };
    const before = bus.events().length;
    try {
      const orders = await happyOrders(4);

      const distinct = firstSeen(
        bus
          .events()
          .slice(before)
          .map((event) => event.detail as OrderEvent),
      );
      expect(refused).toBeGreaterThan(0);
      for (const order of orders) {
        expect(distinct.get(order.orderId)?.map((event) => event.sequence)).toEqual(
          order.history.map((_, index) => index),
        );
      }
    } finally {
      refuse = undefined;
    }
  });

  it('resumes after a restart of the mapping where it stopped: nothing lost, nothing out of order', async () => {
    const before = bus.events().length;
    await poller.stop();
    const order = newOrder({ sellerId: 'events', items: [{ sku: 'MUG', quantity: 1 }] });
    await createOrder(order, []);
    await startExecution(order);
    await harness.stepFunctions.engine.awaitExecution(order.orderId, 30_000);
    expect(eventsOf(order.orderId)).toEqual([]);

    poller = startPoller();
    await poller.drained();

    const stored = (await getOrder(order.orderId))!;
    const events = eventsOf(order.orderId);
    expect(events.map((event) => event.sequence)).toEqual(stored.history.map((_, index) => index));
    expect(events.map((event) => event.status)).toEqual(stored.history.map((entry) => entry.status));
    // Resumed from its checkpoint: what it had published before the restart is not published again.
    expect(
      bus
        .events()
        .slice(before)
        .map((event) => (event.detail as OrderEvent).orderId),
    ).toEqual(events.map(() => order.orderId));
  });
});
