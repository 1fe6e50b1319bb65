import * as z from 'zod';
import type { OrderNotice } from '../domain/order.js';
import { ACTORS, ORDER_STATUSES, type OrderStatus } from '../domain/status.js';

/**
 * The domain events orderflow publishes: one per status change of an order, read from the table's change
 * stream (never sent by the writer), so an event exists exactly when its write committed. This schema is
 * the contract: the published JSON Schema (order-event.v1.schema.json, /openapi.json) is generated from it.
 * A change that would break a consumer is a new `version`, published beside the old one.
 */
export const ORDER_EVENT_VERSION = 1;

/** The event type each status change publishes. */
export const EVENT_TYPE_OF: Readonly<Record<OrderStatus, `order.${string}`>> = {
  PENDING: 'order.received',
  PAYMENT_VERIFIED: 'order.payment_verified',
  PAYMENT_FAILED: 'order.payment_failed',
  STOCK_RESERVED: 'order.stock_reserved',
  OUT_OF_STOCK: 'order.out_of_stock',
  ON_HOLD: 'order.held',
  RELEASED: 'order.released',
  FAILED_TO_RELEASE: 'order.failed_to_release',
  SHIPPED: 'order.shipped',
  IN_TRANSIT: 'order.in_transit',
  DELIVERED: 'order.delivered',
  DELIVERY_EXCEPTION: 'order.delivery_exception',
  CANCELLED: 'order.cancelled',
};

/** The event a notice (a history entry that changes no status) publishes: `order.<notice>`. */
export const NOTICE_EVENT_TYPE: Readonly<Record<OrderNotice, `order.${string}`>> = {
  shopify_sync_failed: 'order.shopify_sync_failed',
  shopify_tracking_missing: 'order.shopify_tracking_missing',
  shopify_fulfillment_held: 'order.shopify_fulfillment_held',
};

export const ORDER_EVENT_TYPES = [
  ...new Set([...Object.values(EVENT_TYPE_OF), ...Object.values(NOTICE_EVENT_TYPE)]),
] as [`order.${string}`, ...`order.${string}`[]];
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

/** Where an event comes from on the EventBridge bus (`source`); its `detail-type` is the event type. */
export const ORDER_EVENT_SOURCE = 'orderflow.orders';

const shipmentData = z
  .object({
    carrier: z.string(),
    service: z.string(),
    trackingNumber: z.string(),
    trackingUrl: z.string().nullable().describe('the carrier’s tracking page, when the carrier has one'),
    estimatedDeliveryAt: z.string().nullable(),
  })
  .describe('order.shipped');

const problemData = z.object({
  reason: z.string().describe('unknown_sku, inventory, no_delivery_name, bad_address…'),
  field: z.string().describe('where the problem is, as `items.2.sku` or `shippingAddress.postalCode`'),
  message: z.string(),
});

export const orderEventSchema = z
  .object({
    id: z
      .string()
      .describe('`<orderId>:<history index>`: stable across redeliveries; consumers dedupe on it'),
    type: z
      .enum(ORDER_EVENT_TYPES)
      .describe(
        'a status change (order.received … order.cancelled), or a notice that keeps the status ' +
          '(order.shopify_*: what happened to the order in the seller’s Shopify shop, `reason` says what)',
      ),
    version: z.literal(ORDER_EVENT_VERSION),
    occurredAt: z.string().describe('when the status changed (UTC ISO-8601), from the order history'),
    sellerId: z.string(),
    orderId: z.string(),
    externalOrderId: z.string().nullable(),
    sequence: z
      .number()
      .int()
      .min(0)
      .describe('the history index: orders the events of one order, which arrive in this order'),
    status: z.enum(ORDER_STATUSES),
    previousStatus: z.enum(ORDER_STATUSES).nullable(),
    reason: z
      .string()
      .nullable()
      .describe(
        'why, for exits and parked orders: unknown_sku, inventory, no_delivery_name, bad_address, ' +
          'payment_pending, payment_not_received, hold_expired, a hold reason, a cancellation reason…',
      ),
    actor: z.enum(ACTORS),
    data: z
      .object({
        shipment: shipmentData.optional(),
        problems: z
          .array(problemData)
          .optional()
          .describe('what the seller must fix, on order.out_of_stock and order.failed_to_release'),
      })
      .describe(
        'type-specific details: `shipment` on order.shipped, order.in_transit and order.delivered; ' +
          '`problems` on parked orders',
      ),
  })
  .meta({ title: `orderflow order event, version ${ORDER_EVENT_VERSION}` });

export type OrderEvent = z.infer<typeof orderEventSchema>;

export const orderEventId = (orderId: string, sequence: number): string => `${orderId}:${sequence}`;

/** The JSON Schema of the event, as committed beside this file and served in /openapi.json. */
export function orderEventJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(orderEventSchema, { io: 'output' }) as Record<string, unknown>;
  return { ...schema, $id: `https://orderflow.dev/schemas/order-event.v${ORDER_EVENT_VERSION}.json` };
}

const EVENT_KEYS = Object.keys(orderEventSchema.shape) as (keyof OrderEvent)[];

/**
 * The event with its fields in the schema's order: a stored event (a DynamoDB map) comes back with them
 * in any order, and what a seller receives should read the same every time.
 */
export function inSchemaOrder(event: OrderEvent): OrderEvent {
  const ordered = Object.fromEntries(
    EVENT_KEYS.filter((key) => key in event).map((key) => [key, event[key]]),
  ) as OrderEvent;
  const { shipment, problems } = event.data;
  ordered.data = {
    ...(shipment
      ? {
          shipment: {
            carrier: shipment.carrier,
            service: shipment.service,
            trackingNumber: shipment.trackingNumber,
            trackingUrl: shipment.trackingUrl,
            estimatedDeliveryAt: shipment.estimatedDeliveryAt,
          },
        }
      : {}),
    ...(problems
      ? { problems: problems.map(({ reason, field, message }) => ({ reason, field, message })) }
      : {}),
  };
  return ordered;
}
