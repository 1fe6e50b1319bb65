import { paymentsFor } from '../shared/providers/index.js';
import { logger } from '../shared/logger.js';
import { indexOrder, requireOrder, transition } from '../shared/store/orders.js';
import { OrderCancelledError } from '../shared/errors.js';
import { orderTaskInput, taskHandler } from '../shared/task.js';

/**
 * PENDING → PAYMENT_VERIFIED, after indexing the order's SKUs, products and email for search (the first task of
 * every order does it, so intake stays one write). Declines and transient provider errors surface to the
 * state machine.
 */
export const handler = taskHandler(orderTaskInput, async ({ orderId }) => {
  const order = await requireOrder(orderId);
  if (order.status === 'PENDING' || order.status === 'CANCELLED') await indexOrder(order);
  if (order.status === 'CANCELLED') throw new OrderCancelledError(`order ${orderId} was cancelled`);
  if (order.status !== 'PENDING') return { status: order.status };
  const payment = await (await paymentsFor(order)).verify(order);
  // An authorisation to capture at release: kept, so a hold that would outlast it is flagged (AwaitRelease).
  const authorization = payment?.authorizationExpiresAt
    ? { authorization: { provider: order.payment.provider, expiresAt: payment.authorizationExpiresAt } }
    : undefined;
  const verified = await transition(
    orderId,
    'PAYMENT_VERIFIED',
    { actor: 'workflow', ...(authorization ? { set: authorization } : {}) },
    order,
  );
  logger.info('payment verified', { status: verified.status });
  return { status: verified.status };
});
