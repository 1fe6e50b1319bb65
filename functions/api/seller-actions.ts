import { regionOf, type Address, type Order } from '../shared/domain/order.js';
import {
  allowedFrom,
  canTransition,
  HOLDABLE,
  RETRYABLE,
  type Actor,
  type OrderStatus,
} from '../shared/domain/status.js';
import { IllegalTransitionError } from '../shared/errors.js';
import { logger, metrics } from '../shared/logger.js';
import {
  claimRetry,
  markWorkflowStarted,
  restoreHoldToken,
  takeHoldToken,
} from '../shared/store/executions.js';
import { voidPayment } from '../shared/providers/index.js';
import { transitionWithStock } from '../shared/store/inventory.js';
import { getOrder, requireOrder, updateOrder } from '../shared/store/orders.js';
import { getSeller } from '../shared/store/sellers.js';
import { sendRelease, startExecution, stopExecution } from '../shared/workflow.js';
import { ApiError } from './http.js';

/** What a seller (or a storefront's cancel webhook) can do to an order once it exists. */

/**
 * The order as clients see it: never a task token (a hold's, a payment wait's, a delivery wait's), which
 * would let anyone send it.
 */
export function publicOrder(order: Order): Order {
  let visible = order;
  if (visible.hold?.taskToken) {
    const { taskToken: _token, ...hold } = visible.hold;
    visible = { ...visible, hold };
  }
  if (visible.paymentWait?.taskToken) {
    const { taskToken: _token, ...paymentWait } = visible.paymentWait;
    visible = { ...visible, paymentWait };
  }
  if (visible.deliveryWait?.taskToken) {
    const { taskToken: _token, ...deliveryWait } = visible.deliveryWait;
    visible = { ...visible, deliveryWait };
  }
  return visible;
}

/**
 * Cancels an order that is not yet released, returning any reserved stock in the same transaction,
 * then stops its execution. Re-reads once if the order moved on between the read and the write.
 */
export async function cancelOrder(order: Order, actor: Actor, reason: string): Promise<Order> {
  let current = order;
  for (let attempt = 0; ; attempt++) {
    if (!canTransition(current.status, 'CANCELLED')) {
      throw new IllegalTransitionError(current.orderId, current.status, 'CANCELLED');
    }
    try {
      const cancelled = await transitionWithStock(current.orderId, 'CANCELLED', {
        actor,
        reason,
        stock: 'return',
        remove: current.hold?.taskToken ? ['hold.taskToken'] : [],
      });
      // Counted with the workflow's cancellations (mark-status), which this one stops before they happen.
      metrics.addMetric('OrdersCancelled', 'Count', 1);
      await stopExecution(cancelled.workflow.executionName, `cancelled by ${actor}: ${reason}`);
      logger.info('order cancelled', { orderId: cancelled.orderId, actor });
      // The cancel stands whatever the provider says; a void that failed is the operator's to finish.
      await voidPayment(cancelled).catch((error: unknown) =>
        logger.error('the payment of a cancelled order was not voided: void it with the provider', {
          orderId: cancelled.orderId,
          error: error as Error,
        }),
      );
      return cancelled;
    } catch (error) {
      if (!(error instanceof IllegalTransitionError) || attempt >= 2) throw error;
      current = await requireOrder(order.orderId);
    }
  }
}

/**
 * Releases a held order: the token is removed with a conditional write first, so of two concurrent
 * callers only one sends it. If sending fails, the token goes back for another try.
 */
export async function releaseHeldOrder(order: Order): Promise<Order> {
  const taskToken = order.hold?.taskToken;
  if (order.status !== 'ON_HOLD' || !taskToken) {
    throw new ApiError(
      409,
      'not_on_hold',
      `order ${order.orderId} is ${order.status}, not waiting for release`,
    );
  }
  if (!(await takeHoldToken(order.orderId, taskToken))) {
    throw new ApiError(409, 'not_on_hold', `order ${order.orderId} is already being released`);
  }
  let delivered: boolean;
  try {
    delivered = await sendRelease(taskToken, { releasedBy: 'seller' });
  } catch (error) {
    await restoreHoldToken(order.orderId, taskToken);
    throw error;
  }
  if (!delivered) {
    throw new ApiError(409, 'hold_expired', `order ${order.orderId} is no longer waiting for release`);
  }
  logger.info('release sent', { orderId: order.orderId });
  // A seller's hold is answered by this release: a later retry of the order is not held for it again.
  if (order.holdRequest) await updateOrder(order.orderId, { holdRequest: null });
  return (await getOrder(order.orderId)) ?? order;
}

/**
 * Asks for the order to wait for the seller before it is released: ReserveStock holds it (ON_HOLD, reason
 * `seller_hold`), and the seller releases it as any held order. Asking again changes nothing.
 */
export async function requestHold(order: Order, reason: string): Promise<Order> {
  if (order.status === 'ON_HOLD' || order.holdRequest) return order;
  if (!HOLDABLE.includes(order.status)) {
    throw new ApiError(
      409,
      'not_holdable',
      order.status === 'STOCK_RESERVED' || order.status === 'FAILED_TO_RELEASE'
        ? `order ${order.orderId} is ${order.status}: its release is under way or next; cancel it instead`
        : `order ${order.orderId} is ${order.status}; only ${HOLDABLE.join(', ')} orders can be held`,
    );
  }
  return updateOrder(
    order.orderId,
    { holdRequest: { reason, at: new Date().toISOString() } },
    { status: HOLDABLE },
  );
}

/**
 * Removes a retried order's messages from the release DLQ: the retry is the answer to them, and a retry
 * that fails again sends a new one. The SQS SDK loads on the first retry, not with the API. A failure
 * here does not undo the retry: it is logged, and the message can be acknowledged with `npm run ops`.
 */
async function clearReleaseDlq(orderId: string): Promise<void> {
  try {
    const { removeOrderMessages } = await import('../shared/release-dlq.js');
    const removed = await removeOrderMessages(orderId);
    logger.info('release DLQ messages removed', { orderId, messages: removed.length });
  } catch (error) {
    logger.error('could not remove the release DLQ messages of a retried order', {
      orderId,
      error: error as Error,
    });
  }
}

/**
 * Starts the next execution of a FAILED_TO_RELEASE, OUT_OF_STOCK or PAYMENT_FAILED order at the step that failed. A
 * FAILED_TO_RELEASE order's DLQ messages go once the retry is claimed and before its run starts, so a
 * run that fails again cannot have its new message removed with them.
 */
export async function retryOrder(order: Order) {
  if (!RETRYABLE.includes(order.status)) {
    throw new ApiError(
      409,
      'not_retryable',
      `order ${order.orderId} is ${order.status}; only ${RETRYABLE.join(', ')} orders can be retried`,
    );
  }
  const claim = await claimRetry(order);
  if (order.status === 'FAILED_TO_RELEASE') await clearReleaseDlq(order.orderId);
  const seller = await getSeller(order.sellerId);
  await startExecution(claim.order, claim.attempt, claim.resumeAt, seller?.paymentWaitHours);
  await markWorkflowStarted(order.orderId, claim.executionName);
  logger.info('retry started', { orderId: order.orderId, execution: claim.executionName });
  return claim;
}

/**
 * The address can change while the order can still be cancelled: before release, or while a release
 * failed (say, on an undeliverable address). Read from the transition table, so the two cannot drift.
 */
export const ADDRESS_EDITABLE: readonly OrderStatus[] = allowedFrom('CANCELLED');

export async function fixShippingAddress(order: Order, shippingAddress: Address): Promise<Order> {
  if (!ADDRESS_EDITABLE.includes(order.status)) {
    throw new ApiError(
      409,
      'address_locked',
      `order ${order.orderId} is ${order.status}; the address can change only before release or after a failed one`,
    );
  }
  const seller = await getSeller(order.sellerId);
  const region = seller ? regionOf(shippingAddress, seller.originCountry) : order.region;
  return updateOrder(order.orderId, { shippingAddress, region }, { status: ADDRESS_EDITABLE });
}
