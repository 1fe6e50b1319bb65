import * as z from 'zod/mini';
import { TransientError } from '../shared/errors.js';
import { logger, metrics } from '../shared/logger.js';
import { voidPayment } from '../shared/providers/index.js';
import { transitionWithStock } from '../shared/store/inventory.js';
import { transition } from '../shared/store/orders.js';
import { recordReleaseFailure } from '../shared/store/release-failure.js';
import { taskHandler } from '../shared/task.js';

const FAILURE_STATUSES = ['PAYMENT_FAILED', 'OUT_OF_STOCK', 'FAILED_TO_RELEASE', 'CANCELLED'] as const;

/** Each status's count, spelled out: test/infra reads the names from the bundle to check the dashboard's. */
const COUNTED_AS = {
  PAYMENT_FAILED: 'OrdersPaymentFailed',
  OUT_OF_STOCK: 'OrdersOutOfStock',
  FAILED_TO_RELEASE: 'OrdersFailedToRelease',
  CANCELLED: 'OrdersCancelled',
} as const satisfies Record<(typeof FAILURE_STATUSES)[number], string>;

const input = z.object({
  orderId: z.string().check(z.minLength(1)),
  status: z.enum(FAILURE_STATUSES),
  reason: z.optional(z.string()),
  /** What a Catch put at ResultPath: the error name and its cause. */
  error: z.optional(z.object({ Error: z.string(), Cause: z.optional(z.string()) })),
});

/** The reason a caught error carries: Lambda errors arrive as a JSON Cause with errorMessage. */
export function reasonOf(error: { Error: string; Cause?: string } | undefined): string | undefined {
  if (!error) return undefined;
  try {
    const cause = JSON.parse(error.Cause ?? '') as { errorMessage?: unknown };
    if (typeof cause.errorMessage === 'string' && cause.errorMessage) return cause.errorMessage;
  } catch {
    // a plain-text cause
  }
  return error.Cause || error.Error;
}

/** The status a business failure ends in, recorded with its reason; a cancellation returns the stock. */
export const handler = taskHandler(input, async ({ orderId, status, reason, error }) => {
  const why = reason ?? reasonOf(error) ?? status.toLowerCase();
  const order =
    status === 'CANCELLED'
      ? await transitionWithStock(orderId, status, { actor: 'workflow', reason: why, stock: 'return' })
      : status === 'FAILED_TO_RELEASE'
        ? await recordReleaseFailure(orderId, why)
        : await transition(orderId, status, { actor: 'workflow', reason: why });
  // A hold that expired cancels the order: its authorisation is released (a retry finds it voided).
  if (status === 'CANCELLED') {
    await voidPayment(order).catch((error: unknown) => {
      // Stripe down: the state's Retry tries again (the cancel above is done already and is not repeated).
      if (error instanceof TransientError) throw error;
      logger.error('the payment of a cancelled order was not voided: void it with the provider', {
        error: error as Error,
      });
    });
  }
  metrics.addMetric(COUNTED_AS[status], 'Count', 1);
  logger.info('order marked', { status, reason: why });
  return { status: order.status, reason: why, at: order.updatedAt };
});
