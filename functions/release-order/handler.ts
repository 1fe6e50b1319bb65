import type { Order } from '../shared/domain/order.js';
import type { OrderStatus } from '../shared/domain/status.js';
import { nowIso } from '../shared/clock.js';
import { OrderCancelledError, ReleaseRejectedError } from '../shared/errors.js';
import { logger, metrics } from '../shared/logger.js';
import { getReservation } from '../shared/store/inventory.js';
import { requireOrder, transition } from '../shared/store/orders.js';
import { orderTaskInput, taskHandler } from '../shared/task.js';

const ALREADY_RELEASED: readonly OrderStatus[] = [
  'RELEASED',
  'SHIPPED',
  'IN_TRANSIT',
  'DELIVERED',
  'DELIVERY_EXCEPTION',
];

/** The checks an order must pass before it is picked; the first failure is the reason. */
export function releaseProblem(order: Order, reservationState: string | undefined): string | undefined {
  if (order.shippingAddress.postalCode === '00000') return 'address_undeliverable';
  const unnamed = order.items.filter((line) => line.name.trim() === '').map((line) => line.sku);
  if (unnamed.length > 0) return `line_without_name: ${unnamed.join(', ')}`;
  if (reservationState !== 'HELD') return 'stock_not_reserved';
  return undefined;
}

/** STOCK_RESERVED / ON_HOLD / FAILED_TO_RELEASE → RELEASED, or ReleaseRejected with the reason. */
export const handler = taskHandler(orderTaskInput, async ({ orderId }) => {
  const order = await requireOrder(orderId);
  if (order.status === 'CANCELLED') throw new OrderCancelledError(`order ${orderId} was cancelled`);
  if (ALREADY_RELEASED.includes(order.status)) return { status: order.status };
  const problem = releaseProblem(order, (await getReservation(orderId))?.state);
  if (problem) {
    logger.warn('release rejected', { reason: problem });
    throw new ReleaseRejectedError(problem);
  }
  const released = await transition(
    orderId,
    'RELEASED',
    {
      actor: 'workflow',
      set: { release: { releasedAt: nowIso() } },
      remove: order.hold?.taskToken ? ['hold.taskToken'] : [],
    },
    order,
  );
  metrics.addMetric('OrdersReleased', 'Count', 1);
  metrics.addMetric('TimeToRelease', 'Milliseconds', Date.now() - Date.parse(order.createdAt));
  logger.info('order released');
  return { status: released.status };
});
