import type { OrderSummary } from './api.js';

/**
 * Why an order waits for its seller, in the seeds' words ("Failed to Release: an attempt to prepare this
 * order for release failed"), and the one action that carries it on. The codes are the API's: the park
 * reasons of functions/shared/domain/order.ts and the hold reasons of reserve-stock's holdReason.
 */
export type Fix = 'address' | 'stock' | 'release' | 'retry' | 'cancel';

interface Explanation {
  words: string;
  fix: Fix;
}

const REASONS: Record<string, Explanation> = {
  bad_address: {
    words: 'The entered address is incorrect: confirm the recipient’s address with the customer',
    fix: 'address',
  },
  no_delivery_name: { words: 'There is no delivery name on the shipping address', fix: 'address' },
  unknown_sku: {
    words: 'A product has no SKU you stock: stock the SKU or map the product to one',
    fix: 'stock',
  },
  inventory: { words: 'Not enough stock: check the inventory for each product', fix: 'stock' },
  payment_not_received: {
    words: 'The payment was not received in time: retry once it is paid',
    fix: 'retry',
  },
  payment_pending: {
    words: 'Waiting for the payment: it goes on once paid; cancel it if it will not be',
    fix: 'cancel',
  },
  manual_release_mode: { words: 'Not yet released: your release mode is manual', fix: 'release' },
  review_threshold: {
    words: 'Held for review: the total is at or above your review threshold',
    fix: 'release',
  },
  discount_codes: { words: 'Held for review: the order has discount codes', fix: 'release' },
  custom_tag: { words: 'Held for review: the order is tagged custom', fix: 'release' },
  seller_hold: { words: 'Held: you asked to see it before it is released', fix: 'release' },
};

/** The reason code an order waits with, from the status's own record or else its last history entry. */
export function reasonCode(order: OrderSummary): string {
  return (
    order.problems?.[0]?.reason ??
    order.paymentWait?.reason ??
    order.release?.failureReason ??
    order.hold?.reason ??
    order.history.at(-1)?.reason ??
    ''
  );
}

/** What the seller reads about a waiting order, and what fixes it. */
export function explain(order: OrderSummary): Explanation {
  const code = reasonCode(order);
  const known = REASONS[code.split(':')[0]!];
  if (known) return known;
  if (order.status === 'ON_HOLD') return { words: `Held: ${code || 'waiting for you'}`, fix: 'release' };
  if (order.status === 'OUT_OF_STOCK') return { words: `Out of stock: ${code}`, fix: 'stock' };
  // A label the carrier refused (label_refused: …) and other release failures: check, then try again.
  return {
    words: `An attempt to prepare this order for release failed${code ? `: ${code}` : ''}. Please double-check and try again`,
    fix: 'retry',
  };
}

/** The statuses in which an order waits for its seller: the needs-attention screen lists them. */
export const NEEDS_ATTENTION = ['FAILED_TO_RELEASE', 'OUT_OF_STOCK', 'ON_HOLD', 'PAYMENT_FAILED', 'PENDING'];
