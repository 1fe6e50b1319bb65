import { WEBHOOK_RETRY_DELAYS_MS, backoffSeconds } from './webhooks/retry-schedule.js';

/**
 * The order events the Shopify fulfillment sync takes (the stack's rule on the order events bus, and its
 * local stand-in): those that carry a shipment (its tracking may have changed since the last) and a
 * cancellation.
 */
export const SHOPIFY_SYNC_EVENT_TYPES = [
  'order.shipped',
  'order.in_transit',
  'order.delivered',
  'order.cancelled',
] as const;

/**
 * How long a sync that failed in a way a later attempt may get past (Shopify unavailable, or its bucket
 * empty for longer than the function can wait) waits before the next attempt; after the last, the message
 * goes to the sync's dead-letter queue and the order gets a notice. The webhook deliveries' first six
 * delays: about 4 hours in all.
 */
export const SHOPIFY_SYNC_RETRY_DELAYS_MS = WEBHOOK_RETRY_DELAYS_MS.slice(0, 6);

export const SHOPIFY_SYNC_MAX_ATTEMPTS = SHOPIFY_SYNC_RETRY_DELAYS_MS.length + 1;

export const syncRetryDelaySeconds = (attempt: number): number =>
  backoffSeconds(SHOPIFY_SYNC_RETRY_DELAYS_MS, attempt);
