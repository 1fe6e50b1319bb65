import type { Order } from '../../functions/shared/domain/order.js';
import type { OrderStatus } from '../../functions/shared/domain/status.js';
import { reserveStock } from '../../functions/shared/store/inventory.js';
import { createOrder, requireOrder, transition } from '../../functions/shared/store/orders.js';
import { newOrder } from './orders.js';

/** The history of an order that goes straight through, without a hold, to DELIVERED. */
export const DELIVERED_HISTORY: readonly OrderStatus[] = [
  'PENDING',
  'PAYMENT_VERIFIED',
  'STOCK_RESERVED',
  'RELEASED',
  'SHIPPED',
  'DELIVERED',
];

/**
 * A stored order walked (the way the workflow would walk it) to the status a test needs, without running
 * the workflow. ON_HOLD orders carry a task token.
 */
export async function orderIn(
  status: OrderStatus,
  options: Parameters<typeof newOrder>[0] & { taskToken?: string } = {},
): Promise<Order> {
  const { taskToken = `token-${Math.random().toString(36).slice(2)}`, ...rest } = options;
  const order = newOrder({ items: [{ sku: 'MUG-RED', quantity: 1, name: 'Red mug' }], ...rest });
  await createOrder(order, []);
  const id = order.orderId;
  const step = (to: OrderStatus, set?: Record<string, unknown>) =>
    transition(id, to, { actor: 'workflow', ...(set ? { set } : {}) });
  if (status === 'PENDING') return requireOrder(id);
  if (status === 'CANCELLED' || status === 'PAYMENT_FAILED') return step(status);
  await step('PAYMENT_VERIFIED');
  if (status === 'PAYMENT_VERIFIED') return requireOrder(id);
  if (status === 'OUT_OF_STOCK') return step('OUT_OF_STOCK');
  await reserveStock(id);
  if (status === 'STOCK_RESERVED') return requireOrder(id);
  if (status === 'ON_HOLD') {
    const since = new Date().toISOString();
    return step('ON_HOLD', { hold: { reason: 'manual_release_mode', since, expiresAt: since, taskToken } });
  }
  if (status === 'FAILED_TO_RELEASE') {
    return step('FAILED_TO_RELEASE', { release: { failureReason: 'bad_address' } });
  }
  await step('RELEASED', { release: { releasedAt: new Date().toISOString() } });
  if (status === 'RELEASED') return requireOrder(id);
  await step('SHIPPED');
  if (status === 'SHIPPED') return requireOrder(id);
  return step(status);
}
