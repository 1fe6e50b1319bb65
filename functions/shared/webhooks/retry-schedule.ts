import { HOUR_MS, MINUTE_MS, scaledMs } from '../clock.js';

/**
 * How long a delivery that failed waits before its next attempt, by attempts made: 33 hours and 38
 * minutes from the first attempt to the last, so an endpoint that is down for a day still gets every
 * event. After the last attempt the message goes to the dead-letter queue (the queue's maxReceiveCount is
 * WEBHOOK_MAX_ATTEMPTS) and the delivery can be replayed.
 */
export const WEBHOOK_RETRY_DELAYS_MS = [
  30_000,
  2 * MINUTE_MS,
  10 * MINUTE_MS,
  30 * MINUTE_MS,
  HOUR_MS,
  2 * HOUR_MS,
  4 * HOUR_MS,
  6 * HOUR_MS,
  8 * HOUR_MS,
  12 * HOUR_MS,
] as const;

export const WEBHOOK_MAX_ATTEMPTS = WEBHOOK_RETRY_DELAYS_MS.length + 1;

/** SQS's longest visibility timeout: 12 hours. */
const MAX_VISIBILITY_SECONDS = 12 * 3600;

/**
 * The visibility timeout (whole seconds, scaled by ORDERFLOW_TIME_SCALE) after failed attempt `attempt`
 * of a schedule of `delays` (the last one repeats).
 */
export function backoffSeconds(delays: readonly number[], attempt: number): number {
  const delay = delays[Math.min(attempt, delays.length) - 1] ?? 0;
  return Math.min(MAX_VISIBILITY_SECONDS, Math.round(scaledMs(delay) / 1000));
}

/** The webhook deliveries' backoff after failed attempt `attempt`. */
export const retryDelaySeconds = (attempt: number): number =>
  backoffSeconds(WEBHOOK_RETRY_DELAYS_MS, attempt);

/** The deliverer's timeout (the stack sets it from this): how long one attempt may hold a delivery. */
export const DELIVERER_TIMEOUT_MS = 30_000;
