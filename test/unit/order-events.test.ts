import { readFileSync } from 'node:fs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEntry, Order } from '../../functions/shared/domain/order.js';
import { orderEventsOf } from '../../functions/shared/events/from-stream.js';
import {
  orderEventJsonSchema,
  inSchemaOrder,
  orderEventSchema,
  type OrderEvent,
} from '../../functions/shared/events/order-event.js';
import { orderItem } from '../../functions/shared/store/orders.js';
import { keys } from '../../functions/shared/store/schema.js';
import { handler } from '../../functions/publish-events/handler.js';
import { lambdaContext } from '../support/http.js';
import { newOrder } from '../support/orders.js';

const eventBridge = mockClient(EventBridgeClient);
beforeAll(() => {
  process.env.ORDER_EVENTS_BUS = 'order-events';
});
afterEach(() => eventBridge.reset());

const entry = (status: HistoryEntry['status'], extra: Partial<HistoryEntry> = {}): HistoryEntry => ({
  status,
  at: new Date().toISOString(),
  actor: 'workflow',
  ...extra,
});
const withHistory = (order: Order, ...more: HistoryEntry[]): Order => ({
  ...order,
  status: more.at(-1)?.status ?? order.status,
  history: [...order.history, ...more],
});
const image = (order: Order) => orderItem(order);

describe('order events from stream images', () => {
  it('a new order is one order.received, numbered 0', () => {
    const order = newOrder();

    const events = orderEventsOf(undefined, image(order));

    expect(events).toEqual([
      expect.objectContaining({
        id: `${order.orderId}:0`,
        type: 'order.received',
        sequence: 0,
        status: 'PENDING',
        previousStatus: null,
        occurredAt: order.history[0]!.at,
        sellerId: order.sellerId,
      }),
    ]);
  });

  it('a transition is one event, numbered by its history entry, with the parked reason', () => {
    const order = withHistory(newOrder(), entry('PAYMENT_VERIFIED'));
    const parked = withHistory(order, entry('OUT_OF_STOCK', { reason: 'inventory' }));

    const events = orderEventsOf(image(order), image(parked));

    expect(
      events.map(({ id, type, previousStatus, reason }) => ({ id, type, previousStatus, reason })),
    ).toEqual([
      {
        id: `${order.orderId}:2`,
        type: 'order.out_of_stock',
        previousStatus: 'PAYMENT_VERIFIED',
        reason: 'inventory',
      },
    ]);
  });

  it('a parked order’s event says what the seller must fix', () => {
    const order = withHistory(newOrder(), entry('PAYMENT_VERIFIED'), entry('STOCK_RESERVED'));
    const problems = [
      { reason: 'bad_address' as const, field: 'shippingAddress.postalCode', message: 'undeliverable' },
    ];
    const parked = { ...withHistory(order, entry('FAILED_TO_RELEASE', { reason: 'bad_address' })), problems };

    const [event] = orderEventsOf(image(order), image(parked));

    expect(event).toMatchObject({
      type: 'order.failed_to_release',
      reason: 'bad_address',
      data: { problems },
    });
    expect(orderEventSchema.parse(event)).toEqual(event);
  });

  it('a write that changes no status, and items that are not orders, publish nothing', () => {
    const order = newOrder();
    const stock = { ...keys.stock('demo', 'MUG'), available: 3 };

    expect(orderEventsOf(image(order), { ...image(order), updatedAt: 'later' })).toEqual([]);
    expect(orderEventsOf(undefined, stock)).toEqual([]);
    expect(orderEventsOf(image(order), undefined)).toEqual([]);
  });

  it('order.shipped carries carrier, service and tracking', () => {
    const order = newOrder();
    const shipment = {
      carrier: 'sandbox-post',
      service: 'Ground',
      trackingNumber: 'SBX1',
      trackingUrl: 'https://track.example/SBX1',
      labelId: 'l1',
      shippedAt: 'x',
      estimatedDeliveryAt: '2026-01-01T00:00:00.000Z',
      polls: 0,
    };
    const shipped = { ...withHistory(order, entry('SHIPPED')), shipment };

    const [event] = orderEventsOf(image(order), image(shipped));

    expect(event!.type).toBe('order.shipped');
    expect(event!.data.shipment).toEqual({
      carrier: 'sandbox-post',
      service: 'Ground',
      trackingNumber: 'SBX1',
      trackingUrl: 'https://track.example/SBX1',
      estimatedDeliveryAt: '2026-01-01T00:00:00.000Z',
    });
    expect(orderEventSchema.parse(event)).toEqual(event);
  });
});

describe('the published JSON Schema', () => {
  it('is the committed order-event.v1.schema.json, generated from the zod schema', () => {
    const committed = JSON.parse(
      readFileSync(
        new URL('../../functions/shared/events/order-event.v1.schema.json', import.meta.url),
        'utf8',
      ),
    ) as unknown;

    expect(committed).toEqual(orderEventJsonSchema());
  });
});

const record = (sequence: string, before: Order | undefined, after: Order): DynamoDBRecord => ({
  eventName: before ? 'MODIFY' : 'INSERT',
  dynamodb: {
    SequenceNumber: sequence,
    ...(before ? { OldImage: marshall(image(before), { removeUndefinedValues: true }) as never } : {}),
    NewImage: marshall(image(after), { removeUndefinedValues: true }) as never,
  },
});

describe('publish-events', () => {
  it('puts each record’s events on the bus, in stream order', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
    const order = newOrder();
    const verified = withHistory(order, entry('PAYMENT_VERIFIED'));

    const result = await handler(
      { Records: [record('1', undefined, order), record('2', order, verified)] },
      lambdaContext(),
    );

    expect(result).toEqual({ batchItemFailures: [] });
    const sent = eventBridge.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries!);
    expect(sent.map((e) => [e.EventBusName, e.Source, e.DetailType])).toEqual([
      ['order-events', 'orderflow.orders', 'order.received'],
      ['order-events', 'orderflow.orders', 'order.payment_verified'],
    ]);
    expect((JSON.parse(sent[1]!.Detail!) as OrderEvent).id).toBe(`${order.orderId}:1`);
  });

  it('reports the first record it could not publish, so the mapping retries from there in order', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] })
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'x' }] });
    const order = newOrder();
    const verified = withHistory(order, entry('PAYMENT_VERIFIED'));
    const reserved = withHistory(verified, entry('STOCK_RESERVED'));

    const result = await handler(
      {
        Records: [
          record('10', undefined, order),
          record('11', order, verified),
          record('12', verified, reserved),
        ],
      },
      lambdaContext(),
    );

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '11' }] });
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(2);
  });
});

describe('an event read back from the table', () => {
  it('is put back in the schema’s field order, for the seller to read', () => {
    const order = newOrder();
    const [event] = orderEventsOf(undefined, image(order));
    const shuffled = Object.fromEntries(Object.entries(event!).reverse()) as OrderEvent;

    const ordered = inSchemaOrder(shuffled);

    expect(JSON.stringify(ordered)).toBe(JSON.stringify(event));
  });
});
