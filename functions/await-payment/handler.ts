import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { documents } from '../shared/clients.js';
import { addBusinessMs, nowIso, timeScale } from '../shared/clock.js';
import type { PaymentWait } from '../shared/domain/order.js';
import { OrderCancelledError, PaymentReceivedError } from '../shared/errors.js';
import { logger } from '../shared/logger.js';
import { shopifyPaymentState } from '../shared/providers/payment.js';
import { requireOrder } from '../shared/store/orders.js';
import { keys } from '../shared/store/schema.js';
import { tableName } from '../shared/store/table.js';
import { taskHandler } from '../shared/task.js';

const input = z.object({
  orderId: z.string().check(z.minLength(1)),
  taskToken: z.string().check(z.minLength(1)),
  timeoutSeconds: z.number().check(z.positive()),
});

/**
 * Keeps the task token on a PENDING order whose payment has not come yet, for the storefront's
 * orders/paid (webhooks) to send back; the state waits (.waitForTaskToken) until then or until the
 * seller's paymentWaitHours, which end in PAYMENT_FAILED (payment_not_received). The token is written
 * only if the payment status is still the one that was found unpaid: a payment that came in between
 * is verified again at once (PaymentReceived) rather than waited for.
 */
export const handler = taskHandler(input, async ({ orderId, taskToken, timeoutSeconds }) => {
  const order = await requireOrder(orderId);
  if (order.status === 'CANCELLED') throw new OrderCancelledError(`order ${orderId} was cancelled`);
  if (order.status !== 'PENDING') throw new PaymentReceivedError(`order ${orderId} is ${order.status}`);
  // The storefront's orders/paid may have landed between the verification and now, with no wait to end:
  // verify again rather than wait for a payment that has come.
  // (A provider's webhook records its settled status as `stripe_<status>`: that is news to verify too.)
  const financialStatusNow = order.payment.financialStatus;
  if (shopifyPaymentState(financialStatusNow) !== 'pending' || financialStatusNow?.startsWith('stripe_')) {
    throw new PaymentReceivedError(`the payment of order ${orderId} is ${order.payment.financialStatus}`);
  }
  const since = nowIso();
  const paymentWait: PaymentWait = {
    reason: 'payment_pending',
    since: order.paymentWait?.since ?? since,
    // timeoutSeconds is already scaled to real time; expiresAt reports the wait's business length.
    expiresAt: addBusinessMs(since, timeoutSeconds * 1000 * timeScale()),
    taskToken,
  };
  const financialStatus = order.payment.financialStatus;
  try {
    await documents.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.order(orderId),
        UpdateExpression: 'SET #wait = :wait',
        ConditionExpression:
          '#status = :pending AND ' +
          (financialStatus === undefined ? 'attribute_not_exists(#payment.#fs)' : '#payment.#fs = :fs'),
        ExpressionAttributeNames: {
          '#wait': 'paymentWait',
          '#status': 'status',
          '#payment': 'payment',
          '#fs': 'financialStatus',
        },
        ExpressionAttributeValues: {
          ':wait': paymentWait,
          ':pending': 'PENDING',
          ...(financialStatus === undefined ? {} : { ':fs': financialStatus }),
        },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const current = await requireOrder(orderId);
    if (current.status === 'CANCELLED') throw new OrderCancelledError(`order ${orderId} was cancelled`);
    throw new PaymentReceivedError(`the payment of order ${orderId} changed while the wait was set up`);
  }
  logger.info('waiting for payment', { financialStatus, expiresAt: paymentWait.expiresAt });
  return { status: order.status };
});
