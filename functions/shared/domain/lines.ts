import type { LineItem } from './order.js';
import { fromMinor, toMinor } from './money.js';

/**
 * Arithmetic over an order's lines. Apart from the order's schemas (order.ts), so the workflow's functions,
 * which need these but never parse an order, do not load zod.
 */

/**
 * A SKU the seller can stock: what stock records, mappings and the inventory API are keyed by. As
 * storefronts allow them: 1-64 characters, spaces, slashes and any script included, but no control or
 * format characters and no space at either end.
 */
export const SKU_PATTERN = /^(?=[^]{1,64}$)[^\s\p{C}](?:[^\p{C}]*[^\s\p{C}])?$/u;

/** The sum of the lines, exact (bigint minor units), written with the currency's minor units. */
export function orderTotal(
  items: readonly Pick<LineItem, 'quantity' | 'unitPrice'>[],
  currency: string,
): string {
  const minor = items.reduce(
    (sum, line) => sum + toMinor(line.unitPrice, currency) * BigInt(line.quantity),
    0n,
  );
  return fromMinor(minor, currency);
}

/** Whether a line is shipped: all are, but those marked otherwise (gift cards, downloads). */
export const ships = (line: Pick<LineItem, 'requiresShipping'>): boolean => line.requiresShipping !== false;

/**
 * The most distinct SKUs one order can reserve: a reservation is one TransactWriteItems (at most 100
 * items) of the status write, the reservation and one update per SKU. An order with more waits (OUT_OF_STOCK,
 * reason inventory) for the seller to split it.
 */
export const MAX_RESERVABLE_SKUS = 98;

/** Quantity per SKU; an order may list the same SKU on several lines. */
export function quantitiesBySku(items: readonly Pick<LineItem, 'sku' | 'quantity'>[]): Map<string, number> {
  const bySku = new Map<string, number>();
  for (const { sku, quantity } of items) bySku.set(sku, (bySku.get(sku) ?? 0) + quantity);
  return bySku;
}
