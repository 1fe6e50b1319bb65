import { createHash } from 'node:crypto';
import type { OrderSource } from '../domain/order.js';

/**
 * Idempotency scopes: each names one way the same order can arrive twice. A scope is kept in one of two
 * ways (see createOrder):
 * - as the order's id, `orderIdFor(scope)`: a storefront webhook's order is keyed by the storefront's own
 *   order id, so a repeat lands on the same item and one conditional put both dedupes and stores it;
 * - as an idempotency record beside the order, for the seller API, whose create may carry two scopes (an
 *   Idempotency-Key and an externalOrderId) that must each find the order.
 */
export const scopes = {
  external: (sellerId: string, source: OrderSource, externalOrderId: string) =>
    `external#${sellerId}#${source}#${externalOrderId}`,
  idempotencyKey: (sellerId: string, key: string) => `idempotency-key#${sellerId}#${key}`,
  /** A provider's payment (a Stripe PaymentIntent) → the order it pays: how its webhooks find the order. */
  providerPayment: (sellerId: string, provider: string, reference: string) =>
    `provider-payment#${sellerId}#${provider}#${reference}`,
  /** A carrier's tracking number → the order it ships (tracking codes are unique per carrier account at most). */
  providerTracking: (sellerId: string, provider: string, trackingNumber: string) =>
    `provider-tracking#${sellerId}#${provider}#${trackingNumber}`,
  /** A provider's webhook event, once acted on: a redelivery of it changes nothing. */
  providerEvent: (sellerId: string, provider: string, eventId: string) =>
    `provider-event#${sellerId}#${provider}#${eventId}`,
};

/**
 * Whether a scope's record is forgotten after a while (DynamoDB TTL): only an Idempotency-Key is, after
 * 30 days, as a payment API's keys are. An external order id names the order for good: its record never
 * expires, so the id stays unique and a search by it keeps finding the order.
 */
export const scopeExpires = (scope: string): boolean =>
  scope.startsWith('idempotency-key#') || scope.startsWith('provider-event#');

/** The id of the order a scope's first delivery created, when the scope is kept as the id. */
export const orderIdFor = (scope: string): string =>
  `ord_${createHash('sha256').update(scope).digest('hex').slice(0, 24)}`;
