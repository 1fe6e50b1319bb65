import { DAY_MS, HOUR_MS, MINUTE_MS, scaledMs } from '../clock.js';
import type { Order } from './order.js';
import type { OrderStatus } from './status.js';

/**
 * When the delivery sweeper next needs to look at an open order. The sweeper's index (`Open`) is sorted
 * by this time, so a sweep reads only the orders that are due, not every open order.
 *
 * - Every status write sets it to the write plus the stuck threshold: the one look that tells whether the
 *   workflow carried on after the write.
 * - After a look that finds the workflow alive, the next look is the next moment something can be wrong:
 *   the release deadline (SLA) while the order is not released, the carrier's estimate plus the overdue
 *   margin for a parcel, a hold's expiry; and for statuses that should move within minutes, as long again
 *   as the order has already been quiet. Statuses that wait for the seller (OUT_OF_STOCK,
 *   FAILED_TO_RELEASE, ON_HOLD) therefore leave the hot path after their first look and come back only
 *   when they turn late, then at doubling intervals.
 */

/**
 * A workflow gets this long after its last write before the sweeper calls it stuck; never less than a
 * real minute, however fast simulated time runs, so an order between its write and its start is left be.
 */
export const STUCK_AFTER_MS = 15 * MINUTE_MS;
/** A parcel this long past the carrier's estimate is overdue. */
export const OVERDUE_AFTER_MS = 2 * DAY_MS;
/** The release SLA of a seller who set none. */
export const DEFAULT_RELEASE_SLA_HOURS = 24;

export const stuckAfterMs = (): number => Math.max(scaledMs(STUCK_AFTER_MS), MINUTE_MS);

/** Statuses an order has before it is released: it is late once the seller's SLA has passed. */
const NOT_RELEASED: ReadonlySet<OrderStatus> = new Set([
  'PENDING',
  'PAYMENT_VERIFIED',
  'STOCK_RESERVED',
  'ON_HOLD',
  'OUT_OF_STOCK',
  'FAILED_TO_RELEASE',
]);

/** The first look after a status write at `writtenAt` (ISO). */
export function firstLookAt(writtenAt: string): string {
  return new Date(Date.parse(writtenAt) + stuckAfterMs()).toISOString();
}

type Scheduled = Pick<Order, 'status' | 'createdAt' | 'updatedAt' | 'hold' | 'shipment'>;

/** When the order turns late for release, if it is not released yet. */
export function releaseDeadline(order: Scheduled, slaHours = DEFAULT_RELEASE_SLA_HOURS): number | undefined {
  if (!NOT_RELEASED.has(order.status)) return undefined;
  return Date.parse(order.createdAt) + scaledMs(slaHours * HOUR_MS);
}

/** When a parcel on its way turns overdue. */
export function overdueAt(order: Scheduled): number | undefined {
  const estimate = order.shipment?.estimatedDeliveryAt;
  if ((order.status !== 'SHIPPED' && order.status !== 'IN_TRANSIT') || !estimate) return undefined;
  return Date.parse(estimate) + scaledMs(OVERDUE_AFTER_MS);
}

/** Until when a quiet workflow in this status is normal; undefined when it waits for the seller. */
function quietUntil(order: Scheduled, backoff: number): number | undefined {
  switch (order.status) {
    case 'SHIPPED':
    case 'IN_TRANSIT':
      return overdueAt(order) ?? backoff;
    case 'ON_HOLD':
      return order.hold ? Date.parse(order.hold.expiresAt) + stuckAfterMs() : backoff;
    case 'OUT_OF_STOCK':
    case 'FAILED_TO_RELEASE':
      return undefined;
    default:
      return backoff;
  }
}

/** The next look after one at `now` that found nothing to resume (epoch ms, always after `now`). */
export function nextLook(order: Scheduled, now: number, slaHours?: number): number {
  const backoff = now + Math.max(stuckAfterMs(), now - Date.parse(order.updatedAt));
  const upcoming = [releaseDeadline(order, slaHours), quietUntil(order, backoff)].filter(
    (at): at is number => at !== undefined && at > now,
  );
  return upcoming.length ? Math.min(...upcoming) : backoff;
}
