import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import { nowIso } from '../clock.js';
import type { Order } from '../domain/order.js';
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
 * same write. Throws IllegalTransitionError when the order is not retryable or a concurrent retry won.
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
  if (order.status === 'OUT_OF_STOCK') {
    resumeAt = 'ReserveStock';
    const update = transitionUpdate(order, 'PAYMENT_VERIFIED', {
      actor: 'seller',
      reason: 'retry',
      from: ['OUT_OF_STOCK'],
      set: { workflow },
    });
    updated = await conditionalUpdate({
      ...update,
      ConditionExpression: `(${update.ConditionExpression}) AND #wf.#attempt = :attempt`,
      ExpressionAttributeNames: { ...update.ExpressionAttributeNames, ...attemptCondition.names },
      ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ...attemptCondition.values },
    });
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
