import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';

/**
 * Errors the state machine routes on: the class name is the `Error` Step Functions matches in
 * Retry and Catch, so these names are part of the contract with statemachine.asl.json.
 */
export class TransientError extends Error {
  override name = 'TransientError';
}
export class PaymentDeclinedError extends Error {
  override name = 'PaymentDeclined';
}
/**
 * The order cannot be reserved: `inventory` (not enough stock) or `unknown_sku` (a line with no SKU, or
 * one the seller does not stock). The message is the reason code MarkOutOfStock records; `lines` are the
 * indexes of the lines at fault.
 */
export class OutOfStockError extends Error {
  override name = 'OutOfStock';
  constructor(
    readonly reason: 'inventory' | 'unknown_sku',
    readonly lines: number[],
    readonly skus: string[] = [],
    /** What is wrong when it is not a line's: say, more SKUs than one reservation can hold. */
    readonly detail?: string,
  ) {
    super(reason);
  }
}
/** The storefront has not been paid yet (Shopify `pending`): the order waits for it (AwaitPayment). */
export class PaymentPendingError extends Error {
  override name = 'PaymentPending';
}
/** The payment arrived while the wait for it was being set up: verify it again rather than wait. */
export class PaymentReceivedError extends Error {
  override name = 'PaymentReceived';
}
/** The order's delivery was settled (a push, nothing to ship) before its wait for the carrier was set up. */
export class DeliverySettledError extends Error {
  override name = 'DeliverySettled';
}
/**
 * The carrier refused the label for good (a 4xx: an address it cannot verify at purchase, a rate it no
 * longer sells, an account it will not charge): retrying would not help, so the order is parked
 * FAILED_TO_RELEASE with the carrier's message and a message in the release DLQ.
 */
export class CarrierRefusedError extends Error {
  override name = 'CarrierRefused';
}
export class ReleaseRejectedError extends Error {
  override name = 'ReleaseRejected';
}
export class OrderCancelledError extends Error {
  override name = 'OrderCancelled';
}

/** A write that the transition table forbids; the API maps it to 409. */
export class IllegalTransitionError extends Error {
  override name = 'IllegalTransition';
  constructor(
    readonly orderId: string,
    readonly from: string | undefined,
    readonly to: string,
  ) {
    super(`order ${orderId} cannot go from ${from ?? 'nowhere'} to ${to}`);
  }
}

export class NotFoundError extends Error {
  override name = 'NotFound';
}

/**
 * An AWS failure that a later attempt may get past: throttling, a 5xx, a timeout or a dropped connection,
 * as the SDK classifies them. The SDK has already retried it a few times; what reaches our code keeps
 * AWS's own name (ThrottlingException, InternalServerError, ...), which no Retry rule would match.
 */
export function isRetryableAwsError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const failure = error as Parameters<typeof isTransientError>[0];
  return isThrottlingError(failure) || isTransientError(failure) || isServerError(failure);
}

/**
 * What a task function reports to the state machine: a retryable AWS failure becomes a TransientError,
 * which every task state retries; anything else (a business outcome, an AccessDenied, a bug) keeps its name.
 */
export function forStateMachine(error: unknown): unknown {
  if (error instanceof TransientError || !isRetryableAwsError(error)) return error;
  const failure = error as Error;
  return new TransientError(`${failure.name}: ${failure.message}`, { cause: error });
}
