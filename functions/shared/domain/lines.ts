import type { LineItem } from './order.js';
import { fromMinor, toMinor } from './money.js';

/**
 * Arithmetic over an order's lines. Apart from the order's schemas (order.ts), so the workflow's functions,
 * which need these but never parse an order, do not load zod.
 */

/** A SKU the seller can stock: what stock records, mappings and the inventory API are keyed by. */
export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

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

/** Quantity per SKU; an order may list the same SKU on several lines. */
export function quantitiesBySku(items: readonly Pick<LineItem, 'sku' | 'quantity'>[]): Map<string, number> {
  const bySku = new Map<string, number>();
  for (const { sku, quantity } of items) bySku.set(sku, (bySku.get(sku) ?? 0) + quantity);
  return bySku;
}
