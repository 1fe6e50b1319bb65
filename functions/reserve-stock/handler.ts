import { HOUR_MS, scaledMs } from '../shared/clock.js';
import { toMinor } from '../shared/domain/money.js';
import type { Order } from '../shared/domain/order.js';
import type { Seller } from '../shared/domain/seller.js';
import { logger, metrics } from '../shared/logger.js';
import { reserveStock } from '../shared/store/inventory.js';
import { getSellerCached } from '../shared/store/sellers.js';
import { orderTaskInput, taskHandler } from '../shared/task.js';

/** Why the seller must look at this order before it is released, if they must. */
export function holdReason(order: Order, seller: Seller): string | undefined {
  if (seller.releaseMode === 'manual') return 'manual_release_mode';
  if (toMinor(order.total) >= toMinor(seller.reviewThreshold)) return 'review_threshold';
  if (order.discountCodes.length > 0) return 'discount_codes';
  if (order.tags.some((tag) => tag.toLowerCase() === 'custom')) return 'custom_tag';
  return undefined;
}

/** PAYMENT_VERIFIED → STOCK_RESERVED (or OutOfStock), then decides whether the order waits for the seller. */
export const handler = taskHandler(orderTaskInput, async ({ orderId }) => {
  const order = await reserveStock(orderId);
  const seller = await getSellerCached(order.sellerId);
  if (!seller) throw new Error(`seller ${order.sellerId} not found`);
  const reason = holdReason(order, seller);
  logger.info('stock reserved', { holdReason: reason });
  metrics.addMetric('StockReserved', 'Count', 1);
  if (!reason) return { hold: false };
  const holdTimeoutSeconds = Math.max(1, Math.round(scaledMs(seller.holdTimeoutHours * HOUR_MS) / 1000));
  // AwaitRelease reads this as its input; see the state's Comment for why it is called Payload.
  return { hold: true, Payload: { orderId, reason, timeoutSeconds: holdTimeoutSeconds } };
});
