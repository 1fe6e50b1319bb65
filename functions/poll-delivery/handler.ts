import { HOUR_MS, addBusinessMs, nowIso } from '../shared/clock.js';
import { isTerminal } from '../shared/domain/status.js';
import { trackingFor } from '../shared/providers/index.js';
import { logger, metrics } from '../shared/logger.js';
import { requireOrder, transition, updateOrder } from '../shared/store/orders.js';
import { orderTaskInput, taskHandler } from '../shared/task.js';

/** Polls after the estimate are this far apart, and give up after this many: the loop is bounded. */
export const POLL_INTERVAL_MS = 12 * HOUR_MS;
export const MAX_POLLS = 30;

/** SHIPPED / IN_TRANSIT → IN_TRANSIT, DELIVERED or DELIVERY_EXCEPTION, with the next poll time. */
export const handler = taskHandler(orderTaskInput, async ({ orderId }) => {
  const order = await requireOrder(orderId);
  if (isTerminal(order.status)) return { status: order.status };
  const shipment = order.shipment;
  if (!shipment) throw new Error(`order ${orderId} has no shipment to track`);
  const polls = shipment.polls + 1;
  const tracking = await (await trackingFor(order)).track(shipment, order.shippingAddress, order.sellerId);
  if (tracking.status === 'DELIVERED') {
    await transition(
      orderId,
      'DELIVERED',
      { actor: 'workflow', set: { shipment: { ...shipment, polls, deliveredAt: tracking.at } } },
      order,
    );
    metrics.addMetric('OrdersDelivered', 'Count', 1);
    metrics.addMetric('TimeToDelivery', 'Milliseconds', Date.now() - Date.parse(order.createdAt));
    logger.info('delivered');
    return { status: 'DELIVERED' };
  }
  const exception =
    tracking.status === 'EXCEPTION' ? tracking.reason : polls >= MAX_POLLS ? 'tracking_expired' : undefined;
  if (exception) {
    await transition(
      orderId,
      'DELIVERY_EXCEPTION',
      { actor: 'workflow', reason: exception, set: { shipment: { ...shipment, polls, exception } } },
      order,
    );
    metrics.addMetric('DeliveryExceptions', 'Count', 1);
    logger.warn('delivery exception', { reason: exception });
    return { status: 'DELIVERY_EXCEPTION' };
  }
  const nextPollAt = addBusinessMs(nowIso(), POLL_INTERVAL_MS);
  const updated = { ...shipment, polls };
  if (order.status === 'SHIPPED')
    await transition(orderId, 'IN_TRANSIT', { actor: 'workflow', set: { shipment: updated } }, order);
  else await updateOrder(orderId, { shipment: updated }, { status: ['IN_TRANSIT'] });
  return { status: 'IN_TRANSIT', nextPollAt };
});
