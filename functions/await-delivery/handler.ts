import * as z from 'zod/mini';
import { nowIso } from '../shared/clock.js';
import type { DeliveryWait } from '../shared/domain/order.js';
import { DeliverySettledError, IllegalTransitionError } from '../shared/errors.js';
import { logger } from '../shared/logger.js';
import { requireOrder, updateOrder } from '../shared/store/orders.js';
import { taskHandler } from '../shared/task.js';

const input = z.object({
  orderId: z.string().check(z.minLength(1)),
  taskToken: z.string().check(z.minLength(1)),
  timeoutSeconds: z.number().check(z.positive()),
});

/** Still on its way: the statuses a carrier's push can move on. */
const UNDER_WAY = ['SHIPPED', 'IN_TRANSIT'] as const;

/**
 * Keeps the task token on a shipped order, for the carrier's tracking webhook to send back with the final
 * status (DELIVERED or DELIVERY_EXCEPTION); the state waits (.waitForTaskToken) until then or until the
 * estimate plus a grace period, after which the workflow polls the carrier. The token is written only while
 * the order is under way, and the webhook's final write returns the token it found: a push that lands
 * before the token is kept ends the wait here (DeliverySettled), one after it sends the token.
 */
export const handler = taskHandler(input, async ({ orderId, taskToken, timeoutSeconds }) => {
  const order = await requireOrder(orderId);
  const settled = () => new DeliverySettledError(`order ${orderId} is ${order.status}`);
  if (!(UNDER_WAY as readonly string[]).includes(order.status)) throw settled();
  const since = nowIso();
  // timeoutSeconds is real time already (generate-label scaled it): expiresAt is when the wait ends.
  const deliveryWait: DeliveryWait = {
    since,
    expiresAt: new Date(Date.parse(since) + timeoutSeconds * 1000).toISOString(),
    taskToken,
  };
  try {
    // A re-entered wait (a Lambda retry) keeps the newest token.
    await updateOrder(orderId, { deliveryWait }, { status: UNDER_WAY });
  } catch (error) {
    if (!(error instanceof IllegalTransitionError)) throw error;
    throw new DeliverySettledError(`order ${orderId} is ${error.from ?? 'gone'}`);
  }
  logger.info('waiting for the carrier', { expiresAt: deliveryWait.expiresAt });
  return { status: order.status };
});
