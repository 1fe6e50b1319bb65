import { HOUR_MS, scaledMs } from '../shared/clock.js';
import { parseAmount, toMinor } from '../shared/domain/money.js';
import type { Order, Problem } from '../shared/domain/order.js';
import { OutOfStockError } from '../shared/errors.js';
import type { Seller } from '../shared/domain/seller.js';
import { logger, metrics } from '../shared/logger.js';
import { reserveStock } from '../shared/store/inventory.js';
import { requireOrder, updateOrder } from '../shared/store/orders.js';
import { applySkuMappings } from '../shared/store/sku-mappings.js';
import { getSellerCached } from '../shared/store/sellers.js';
import { orderTaskInput, taskHandler } from '../shared/task.js';

/** The seller's review threshold for the currency, in its minor units; none for a currency not set. */
export function reviewThreshold(seller: Seller, currency: string): bigint | undefined {
  const amount =
    seller.reviewThresholds?.[currency] ??
    (currency === 'USD' && !seller.reviewThresholds ? seller.reviewThreshold : undefined);
  return amount === undefined ? undefined : parseAmount(amount, currency);
}

/** Why the seller must look at this order before it is released, if they must. */
export function holdReason(order: Order, seller: Seller): string | undefined {
  if (order.holdRequest) return 'seller_hold';
  if (seller.releaseMode === 'manual') return 'manual_release_mode';
  const threshold = reviewThreshold(seller, order.currency);
  if (threshold !== undefined && toMinor(order.total, order.currency) >= threshold) return 'review_threshold';
  if (order.discountCodes.length > 0) return 'discount_codes';
  if (order.tags.some((tag) => tag.toLowerCase() === 'custom')) return 'custom_tag';
  return undefined;
}

/** What the seller sees about each line at fault. */
export function stockProblems(order: Pick<Order, 'items'>, error: OutOfStockError): Problem[] {
  if (error.detail) return [{ reason: error.reason, field: 'items', message: error.detail }];
  return error.lines.map((index) => {
    const line = order.items[index]!;
    const label = `line ${index + 1}${line.name ? ` (${line.name})` : ''}`;
    const message =
      error.reason === 'inventory'
        ? `not enough stock of ${line.sku} for ${label}`
        : line.sku
          ? `${label}: SKU ${line.sku} is not stocked; stock it or map the product to a SKU`
          : `${label} has no SKU; map its product or variant to a SKU`;
    return { reason: error.reason, field: `items.${index}.sku`, message };
  });
}

/**
 * Reserves the order's stock. Lines whose SKU is unknown get the SKU the seller mapped their product to,
 * once, before the order is parked; what is still wrong is kept on the order for the seller.
 */
async function reserve(orderId: string): Promise<Order> {
  try {
    try {
      return await reserveStock(orderId);
    } catch (error) {
      if (!(error instanceof OutOfStockError) || error.reason !== 'unknown_sku') throw error;
      if (!(await applySkuMappings(await requireOrder(orderId), error.lines))) throw error;
      return await reserveStock(orderId);
    }
  } catch (error) {
    if (error instanceof OutOfStockError) {
      const problems = stockProblems(await requireOrder(orderId), error);
      await updateOrder(orderId, { problems }, { status: ['PAYMENT_VERIFIED'] });
    }
    throw error;
  }
}

/** PAYMENT_VERIFIED → STOCK_RESERVED (or OutOfStock), then decides whether the order waits for the seller. */
export const handler = taskHandler(orderTaskInput, async ({ orderId }) => {
  const order = await reserve(orderId);
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
