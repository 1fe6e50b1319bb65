import * as z from 'zod/mini';
import { addBusinessMs, nowIso, timeScale } from '../shared/clock.js';
import type { Hold, Order } from '../shared/domain/order.js';
import { OrderCancelledError } from '../shared/errors.js';
import { logger } from '../shared/logger.js';
import { requireOrder, transition, updateOrder } from '../shared/store/orders.js';
import { taskHandler } from '../shared/task.js';

const input = z.object({
  orderId: z.string().check(z.minLength(1)),
  taskToken: z.string().check(z.minLength(1)),
  reason: z.string().check(z.minLength(1)),
  timeoutSeconds: z.number().check(z.positive()),
});

/** Flagged this long before the authorisation ends: a day for the seller to release or cancel. */
export const AUTHORIZATION_MARGIN_MS = 24 * 3600 * 1000;

// timeoutSeconds is already scaled to real time; expiresAt reports the hold's business length.
const holdEnd = (since: string, timeoutSeconds: number) =>
  addBusinessMs(since, timeoutSeconds * 1000 * timeScale());

/**
 * A payment authorised for capture at release (Stripe manual capture) lapses after a while; a hold that
 * may outlast it is flagged on the order, for the seller to release or cancel the order before it does.
 */
function authorizationWarning(
  authorization: Order['authorization'],
  holdExpiresAt: string,
): { warning?: string } {
  if (!authorization) return {};
  if (Date.parse(authorization.expiresAt) - AUTHORIZATION_MARGIN_MS > Date.parse(holdExpiresAt)) return {};
  return {
    warning:
      `payment_authorization_expires: the ${authorization.provider} authorisation ends at ` +
      `${authorization.expiresAt}; release or cancel the order before then, or its payment cannot be captured`,
  };
}

/**
 * STOCK_RESERVED → ON_HOLD, keeping the task token the seller's release call sends back. The state
 * waits (.waitForTaskToken) until then or until its timeout, which cancels the order.
 */
export const handler = taskHandler(input, async ({ orderId, taskToken, reason, timeoutSeconds }) => {
  const current = await requireOrder(orderId);
  if (current.status === 'CANCELLED') throw new OrderCancelledError(`order ${orderId} was cancelled`);
  const since = nowIso();
  const expiresAt = holdEnd(since, timeoutSeconds);
  const hold: Hold = {
    reason,
    since,
    expiresAt,
    taskToken,
    ...authorizationWarning(current.authorization, expiresAt),
  };
  if (hold.warning) logger.warn('payment authorisation ends before the hold', { warning: hold.warning });
  // A re-entered hold (a Lambda retry, a resumed execution) keeps the newest token.
  const order =
    current.status === 'ON_HOLD'
      ? await updateOrder(orderId, { hold }, { status: ['ON_HOLD'] })
      : await transition(orderId, 'ON_HOLD', { actor: 'workflow', reason, set: { hold } });
  logger.info('order on hold', { reason, expiresAt: hold.expiresAt });
  return { status: order.status };
});
