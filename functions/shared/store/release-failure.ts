import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import type { Order } from '../domain/order.js';
import { IllegalTransitionError } from '../errors.js';
import {
  fromItem,
  logTransition,
  requireOrder,
  transition,
  transitionUpdate,
  type TransitionOptions,
} from './orders.js';

/**
 * Records why an order's release failed: FAILED_TO_RELEASE, with the reason in a history entry and in
 * `release.failureReason`. A seller's retry leaves the order in FAILED_TO_RELEASE but takes the reason
 * with it (`claimRetry`), so when the retried release fails too the order is in the status already: the
 * failure is recorded again the same way, on condition that the reason is absent. That keeps the order
 * retryable, and a Lambda retry of a write that went through adds no second entry.
 */
export async function recordReleaseFailure(orderId: string, reason: string): Promise<Order> {
  const order = await requireOrder(orderId);
  const options: TransitionOptions = {
    actor: 'workflow',
    reason,
    set: { release: { failureReason: reason } },
  };
  if (order.status !== 'FAILED_TO_RELEASE') return transition(orderId, 'FAILED_TO_RELEASE', options, order);
  if (order.release?.failureReason) return order;
  // The transition table has no FAILED_TO_RELEASE → FAILED_TO_RELEASE: no `from` status, and the
  // condition below in place of the table's.
  const update = transitionUpdate(order, 'FAILED_TO_RELEASE', { ...options, from: [] });
  try {
    const { Attributes } = await documents.send(
      new UpdateCommand({
        ...update,
        ConditionExpression: '#status = :to AND attribute_not_exists(#release.#failureReason)',
        ExpressionAttributeNames: {
          ...update.ExpressionAttributeNames,
          '#release': 'release',
          '#failureReason': 'failureReason',
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    logTransition(order, 'FAILED_TO_RELEASE', options);
    return fromItem(Attributes!);
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const current = await requireOrder(orderId);
    if (current.status === 'FAILED_TO_RELEASE' && current.release?.failureReason) return current;
    throw new IllegalTransitionError(orderId, current.status, 'FAILED_TO_RELEASE');
  }
}
