import * as z from 'zod/mini';
import { addBusinessMs, nowIso, timeScale } from '../shared/clock.js';
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

/**
 * STOCK_RESERVED → ON_HOLD, keeping the task token the seller's release call sends back. The state
 * waits (.waitForTaskToken) until then or until its timeout, which cancels the order.
 */
export const handler = taskHandler(input, async ({ orderId, taskToken, reason, timeoutSeconds }) => {
  const current = await requireOrder(orderId);
  if (current.status === 'CANCELLED') throw new OrderCancelledError(`order ${orderId} was cancelled`);
  const since = nowIso();
  // timeoutSeconds is already scaled to real time; expiresAt reports the hold's business length.
  const hold = {
    reason,
    since,
    expiresAt: addBusinessMs(since, timeoutSeconds * 1000 * timeScale()),
    taskToken,
  };
  // A re-entered hold (a Lambda retry, a resumed execution) keeps the newest token.
  const order =
    current.status === 'ON_HOLD'
      ? await updateOrder(orderId, { hold }, { status: ['ON_HOLD'] })
      : await transition(orderId, 'ON_HOLD', { actor: 'workflow', reason, set: { hold } });
  logger.info('order on hold', { reason, expiresAt: hold.expiresAt });
  return { status: order.status };
});
