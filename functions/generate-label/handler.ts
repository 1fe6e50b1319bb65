import { labelsFor } from '../shared/providers/index.js';
import { nowIso } from '../shared/clock.js';
import { ships } from '../shared/domain/lines.js';
import type { Shipment } from '../shared/domain/order.js';
import { logger, metrics } from '../shared/logger.js';
import { transitionWithStock } from '../shared/store/inventory.js';
import { requireOrder } from '../shared/store/orders.js';
import { orderTaskInput, taskHandler } from '../shared/task.js';

/**
 * RELEASED → SHIPPED: buys the label (once per order, however often it runs: see LabelService) and takes
 * the reserved stock out of the warehouse in the same write as the status change.
 */
export const handler = taskHandler(orderTaskInput, async ({ orderId }) => {
  const order = await requireOrder(orderId);
  if (order.shipment) return { status: order.status, nextPollAt: order.shipment.estimatedDeliveryAt };
  if (!order.items.some(ships)) {
    // Nothing to ship (gift cards, downloads): complete without a label; the poll finds it DELIVERED.
    const done = await transitionWithStock(
      orderId,
      'DELIVERED',
      { actor: 'workflow', reason: 'nothing_to_ship', stock: 'consume', from: ['RELEASED'] },
      order,
    );
    logger.info('nothing to ship');
    return { status: done.status, nextPollAt: nowIso() };
  }
  const label = await (
    await labelsFor(order)
  ).buyLabel({
    idempotencyKey: orderId,
    orderId,
    sellerId: order.sellerId,
    method: order.shippingMethod,
    region: order.region,
    address: order.shippingAddress,
  });
  const shipment: Shipment = { ...label, polls: 0 };
  const shipped = await transitionWithStock(
    orderId,
    'SHIPPED',
    { actor: 'workflow', stock: 'consume', set: { shipment } },
    order,
  );
  metrics.addMetric('OrdersShipped', 'Count', 1);
  logger.info('label bought', { trackingNumber: label.trackingNumber, carrier: label.carrier });
  return { status: shipped.status, nextPollAt: label.estimatedDeliveryAt };
});
