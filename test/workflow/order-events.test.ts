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
  bus = await startLocalEventBus({ name: `events-${randomUUID().slice(0, 8)}` });
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
