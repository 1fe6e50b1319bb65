import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import { nowIso } from '../clock.js';
import type { Order } from '../domain/order.js';
import type { OrderStatus } from '../domain/status.js';
import { IllegalTransitionError } from '../errors.js';
import { executionName, type ResumeAt } from '../workflow.js';
import { fromItem, requireOrder, transitionUpdate } from './orders.js';
import { keys } from './schema.js';
import { tableName } from './table.js';

/**
 * The order's bookkeeping about its Step Functions execution: which run is current, whether it was
 * started, and who may send a held order's task token. Each write is conditional, so two callers
 * racing (two retries, two release clicks) cannot both act.
 */

async function conditionalUpdate(input: Omit<UpdateCommandInput, 'TableName'>) {
  try {
    const { Attributes } = await documents.send(
      new UpdateCommand({ TableName: tableName(), ReturnValues: 'ALL_NEW', ...input }),
    );
    return Attributes;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

/** Records that the named execution was started; a later run having replaced it is left alone. */
export async function markWorkflowStarted(orderId: string, name: string): Promise<void> {
  await conditionalUpdate({
    Key: keys.order(orderId),
    UpdateExpression: 'SET #wf.#startedAt = if_not_exists(#wf.#startedAt, :at)',
    ConditionExpression: '#wf.#name = :name',
    ExpressionAttributeNames: { '#wf': 'workflow', '#startedAt': 'startedAt', '#name': 'executionName' },
    ExpressionAttributeValues: { ':at': nowIso(), ':name': name },
  });
}

/**
 * Removes a held order's task token if it is still the one given: whoever removes it is the one caller
 * who sends it. False if another release (or a timeout, or a newer hold) got there first.
 */
export async function takeHoldToken(orderId: string, taskToken: string): Promise<boolean> {
  const updated = await conditionalUpdate({
    Key: keys.order(orderId),
    UpdateExpression: 'REMOVE #hold.#token',
    ConditionExpression: '#status = :onHold AND #hold.#token = :token',
    ExpressionAttributeNames: { '#hold': 'hold', '#token': 'taskToken', '#status': 'status' },
    ExpressionAttributeValues: { ':onHold': 'ON_HOLD', ':token': taskToken },
  });
  return updated !== undefined;
}

/** Puts a taken token back when sending it failed, so the seller can release again. */
export async function restoreHoldToken(orderId: string, taskToken: string): Promise<void> {
  await conditionalUpdate({
    Key: keys.order(orderId),
    UpdateExpression: 'SET #hold.#token = :token',
    ConditionExpression:
      '#status = :onHold AND attribute_exists(#hold) AND attribute_not_exists(#hold.#token)',
    ExpressionAttributeNames: { '#hold': 'hold', '#token': 'taskToken', '#status': 'status' },
    ExpressionAttributeValues: { ':onHold': 'ON_HOLD', ':token': taskToken },
  });
}

export interface RetryClaim {
  order: Order;
  attempt: number;
  executionName: string;
  resumeAt: ResumeAt;
}

/**
 * Claims the next execution attempt for a seller's retry, conditional on the order still being in the
 * status and attempt it was read in. An OUT_OF_STOCK order also goes back to PAYMENT_VERIFIED in the
 * same write, a PAYMENT_FAILED one to PENDING. Throws IllegalTransitionError when the order is not retryable or a concurrent retry won.
 */
export async function claimRetry(order: Order): Promise<RetryClaim> {
  const attempt = order.workflow.attempt + 1;
  const name = executionName(order.orderId, attempt);
  const workflow = { executionName: name, attempt };
  const attemptCondition = {
    names: { '#wf': 'workflow', '#attempt': 'attempt' },
    values: { ':attempt': order.workflow.attempt },
  };
  let updated: Record<string, unknown> | undefined;
  let resumeAt: ResumeAt;
  const retryTo = (to: OrderStatus, remove: string[] = []) => {
    const update = transitionUpdate(order, to, {
      actor: 'seller',
      reason: 'retry',
      from: [order.status],
      set: { workflow },
      remove,
    });
    return conditionalUpdate({
      ...update,
      ConditionExpression: `(${update.ConditionExpression}) AND #wf.#attempt = :attempt`,
      ExpressionAttributeNames: { ...update.ExpressionAttributeNames, ...attemptCondition.names },
      ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ...attemptCondition.values },
    });
  };
  if (order.status === 'OUT_OF_STOCK') {
    resumeAt = 'ReserveStock';
    updated = await retryTo('PAYMENT_VERIFIED');
  } else if (order.status === 'PAYMENT_FAILED') {
    // Back to PENDING: the payment is verified again, and waited for again if it is still not there.
    resumeAt = 'VerifyPayment';
    updated = await retryTo('PENDING', order.paymentWait ? ['paymentWait'] : []);
  } else if (order.status === 'FAILED_TO_RELEASE') {
    resumeAt = 'ReleaseOrder';
    // The retry takes the failure with it: a second retry while this one runs finds none to retry.
    // A failed retry run records its failure again (mark-status), which allows the next retry.
    updated = await conditionalUpdate({
      Key: keys.order(order.orderId),
      UpdateExpression: 'SET #wf = :workflow, #updatedAt = :at REMOVE #release.#failureReason',
      ConditionExpression:
        '#status = :status AND #wf.#attempt = :attempt AND attribute_exists(#release.#failureReason)',
      ExpressionAttributeNames: {
        ...attemptCondition.names,
        '#status': 'status',
        '#updatedAt': 'updatedAt',
        '#release': 'release',
        '#failureReason': 'failureReason',
      },
      ExpressionAttributeValues: {
        ...attemptCondition.values,
        ':workflow': workflow,
        ':status': 'FAILED_TO_RELEASE',
        ':at': nowIso(),
      },
    });
  } else {
    throw new IllegalTransitionError(order.orderId, order.status, 'retry');
  }
  if (!updated) {
    const current = await requireOrder(order.orderId);
    throw new IllegalTransitionError(order.orderId, current.status, 'retry');
  }
  return { order: fromItem(updated), attempt, executionName: name, resumeAt };
}

/**
 * Records the storefront's new payment status of an order not yet verified (PENDING, or PAYMENT_FAILED
 * for a seller's retry), taking the token of a wait for the payment in the same write: whoever takes it
 * is the one caller who sends it. `changed` is false when the order had this status already, or is past
 * payment.
 */
export async function recordFinancialStatus(
  orderId: string,
  financialStatus: string,
): Promise<{ changed: boolean; taskToken?: string }> {
  // DynamoDB refuses to REMOVE a path under a map that is not there, and the payment may come before the
  // workflow has set up its wait: each write states whether the wait exists, and a write that guessed
  // wrong (the wait came or went meanwhile) is made again the other way.
  for (let tries = 0; tries < 4; tries++) {
    const waiting = tries % 2 === 0;
    try {
      const { Attributes } = await documents.send(
        new UpdateCommand({
          TableName: tableName(),
          Key: keys.order(orderId),
          UpdateExpression:
            'SET #payment.#fs = :fs, #updatedAt = :at' + (waiting ? ' REMOVE #wait.#token' : ''),
          ConditionExpression:
            '#status IN (:pending, :failed) AND (attribute_not_exists(#payment.#fs) OR #payment.#fs <> :fs)' +
            (waiting ? ' AND attribute_exists(#wait)' : ' AND attribute_not_exists(#wait)'),
          ExpressionAttributeNames: {
            '#payment': 'payment',
            '#fs': 'financialStatus',
            '#wait': 'paymentWait',
            ...(waiting ? { '#token': 'taskToken' } : {}),
            '#status': 'status',
            '#updatedAt': 'updatedAt',
          },
          ExpressionAttributeValues: {
            ':fs': financialStatus,
            ':pending': 'PENDING',
            ':failed': 'PAYMENT_FAILED',
            ':at': nowIso(),
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const taskToken = (Attributes as Order | undefined)?.paymentWait?.taskToken;
      return { changed: true, ...(taskToken ? { taskToken } : {}) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = await requireOrder(orderId);
      const recordable =
        ['PENDING', 'PAYMENT_FAILED'].includes(current.status) &&
        current.payment.financialStatus !== financialStatus;
      // Moved on, or this status already: nothing changes. Otherwise the write guessed the wait wrong.
      if (!recordable) return { changed: false };
    }
  }
  throw new Error(`order ${orderId}: its payment wait kept changing while orders/paid was recorded`);
}

/** Puts a taken payment-wait token back when sending it failed, so the next orders/paid can send it. */
export async function restorePaymentToken(orderId: string, taskToken: string): Promise<void> {
  await conditionalUpdate({
    Key: keys.order(orderId),
    UpdateExpression: 'SET #wait.#token = :token',
    ConditionExpression:
      '#status = :pending AND attribute_exists(#wait) AND attribute_not_exists(#wait.#token)',
    ExpressionAttributeNames: { '#wait': 'paymentWait', '#token': 'taskToken', '#status': 'status' },
    ExpressionAttributeValues: { ':pending': 'PENDING', ':token': taskToken },
  });
}

/**
 * Forgets a delivery wait's token once the carrier's final status has been sent with it (or it was no
 * longer waited on); a newer token (a re-entered wait) is left alone.
 */
export async function dropDeliveryToken(orderId: string, taskToken: string): Promise<void> {
  await conditionalUpdate({
    Key: keys.order(orderId),
    UpdateExpression: 'REMOVE #wait.#token',
    ConditionExpression: '#wait.#token = :token',
    ExpressionAttributeNames: { '#wait': 'deliveryWait', '#token': 'taskToken' },
    ExpressionAttributeValues: { ':token': taskToken },
  });
}
