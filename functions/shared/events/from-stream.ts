import type { HistoryEntry, Order } from '../domain/order.js';
import { keys } from '../store/schema.js';
import {
  EVENT_TYPE_OF,
  NOTICE_EVENT_TYPE,
  ORDER_EVENT_VERSION,
  orderEventId,
  type OrderEvent,
} from './order-event.js';

/** An item as the change stream shows it, unmarshalled; undefined when there is no such image. */
export type StreamImage = Record<string, unknown> | undefined;

const isOrderItem = (image: StreamImage): image is Record<string, unknown> =>
  !!image && image.SK === keys.order('').SK && String(image.PK).startsWith('ORDER#');

/**
 * The events one change of an item publishes: one per history entry the change appended to an order, in
 * history order. Every transition appends exactly one entry (store/orders.ts), so a change of status is
 * exactly one event (and a notice, an entry that keeps the status, one event of its own type), and a write that changed no status (an address fix, workflow bookkeeping) or another
 * item (stock, lookups) none. The id is the entry's index, so a redelivered record makes the same events.
 */
export function orderEventsOf(oldImage: StreamImage, newImage: StreamImage): OrderEvent[] {
  if (!isOrderItem(newImage)) return [];
  const order = newImage as unknown as Order;
  const before = isOrderItem(oldImage) ? ((oldImage.history as HistoryEntry[] | undefined)?.length ?? 0) : 0;
  const history = order.history ?? [];
  const events: OrderEvent[] = [];
  for (let sequence = before; sequence < history.length; sequence++) {
    events.push(eventAt(order, sequence));
  }
  return events;
}

function eventAt(order: Order, sequence: number): OrderEvent {
  const entry = order.history[sequence]!;
  // A notice keeps the status and is an event of its own type (order.shopify_sync_failed...).
  const type = entry.notice ? NOTICE_EVENT_TYPE[entry.notice] : EVENT_TYPE_OF[entry.status];
  const shipment = order.shipment;
  const withShipment = shipment && ['SHIPPED', 'IN_TRANSIT', 'DELIVERED'].includes(entry.status);
  // Only the latest entry has the order's current problems: an earlier one's were those of its time.
  const problems =
    sequence === order.history.length - 1 && ['OUT_OF_STOCK', 'FAILED_TO_RELEASE'].includes(entry.status)
      ? order.problems
      : undefined;
  return {
    id: orderEventId(order.orderId, sequence),
    type,
    version: ORDER_EVENT_VERSION,
    occurredAt: entry.at,
    sellerId: order.sellerId,
    orderId: order.orderId,
    externalOrderId: order.externalOrderId ?? null,
    sequence,
    status: entry.status,
    previousStatus: sequence > 0 ? order.history[sequence - 1]!.status : null,
    reason: entry.reason ?? null,
    actor: entry.actor,
    data: {
      ...(withShipment
        ? {
            shipment: {
              carrier: shipment.carrier,
              service: shipment.service,
              trackingNumber: shipment.trackingNumber,
              trackingUrl: shipment.trackingUrl ?? null,
              estimatedDeliveryAt: shipment.estimatedDeliveryAt ?? null,
            },
          }
        : {}),
      ...(problems?.length
        ? { problems: problems.map(({ reason, field, message }) => ({ reason, field, message })) }
        : {}),
    },
  };
}
