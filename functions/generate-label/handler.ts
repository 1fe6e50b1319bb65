import { labelsFor } from '../shared/providers/labels.js';
import { nowIso, scaledMs } from '../shared/clock.js';
import { ships } from '../shared/domain/lines.js';
import type { Shipment } from '../shared/domain/order.js';
import { logger, metrics } from '../shared/logger.js';
import { transitionWithStock } from '../shared/store/inventory.js';
import { storeLabelFile } from '../shared/store/label-files.js';
import { requireOrder } from '../shared/store/orders.js';
import { orderTaskInput, taskHandler } from '../shared/task.js';

/**
 * What the workflow goes on with: the poll time, and how long AwaitDelivery waits for the carrier's push
 * (the estimate plus the carrier's grace period, in real seconds; at least 1, as Step Functions asks). It is
 * shaped `{Payload: {...}}` for the same reason as AwaitRelease's input (see that state's Comment).
 */
function delivery(orderId: string, status: string, estimatedDeliveryAt: string, pushGraceMs: number) {
  const waitMs = Date.parse(estimatedDeliveryAt) - Date.now() + scaledMs(pushGraceMs);
  const timeoutSeconds = Math.max(1, Math.ceil(waitMs / 1000));
  return { status, nextPollAt: estimatedDeliveryAt, wait: { Payload: { orderId, timeoutSeconds } } };
}

/**
 * RELEASED → SHIPPED: buys the label (once per order, however often it runs: see LabelService), stores its
 * file in the label bucket, and takes the reserved stock out of the warehouse in the same write as the
 * status change. The file is stored before the order is SHIPPED, so a shipped order has its file; a retry
 * after a crash in between gets the same label back and overwrites the same key with the same file.
 */
export const handler = taskHandler(orderTaskInput, async ({ orderId }) => {
  const order = await requireOrder(orderId);
  const labels = await labelsFor(order);
  if (order.shipment) {
    return delivery(orderId, order.status, order.shipment.estimatedDeliveryAt, labels.pushGraceMs);
  }
  if (!order.items.some(ships)) {
    // Nothing to ship (gift cards, downloads): complete without a label; the wait ends at once (settled).
    const done = await transitionWithStock(
      orderId,
      'DELIVERED',
      { actor: 'workflow', reason: 'nothing_to_ship', stock: 'consume', from: ['RELEASED'] },
      order,
    );
    logger.info('nothing to ship');
    return delivery(orderId, done.status, nowIso(), 0);
  }
  const request = {
    idempotencyKey: orderId,
    orderId,
    sellerId: order.sellerId,
    method: order.shippingMethod,
    region: order.region,
    address: order.shippingAddress,
  };
  const label = await labels.buyLabel(request);
  const labelKey = await storeLabelFile(order.sellerId, orderId, await labels.labelFile(label, request));
  // The carrier's file URL stays with the purchase: the seller downloads the stored copy.
  const { fileUrl: _fileUrl, ...bought } = label;
  const shipment: Shipment = { ...bought, labelKey, polls: 0 };
  const shipped = await transitionWithStock(
    orderId,
    'SHIPPED',
    { actor: 'workflow', stock: 'consume', set: { shipment } },
    order,
  );
  metrics.addMetric('OrdersShipped', 'Count', 1);
  logger.info('label bought', { trackingNumber: label.trackingNumber, carrier: label.carrier });
  return delivery(orderId, shipped.status, label.estimatedDeliveryAt, labels.pushGraceMs);
});
