import { BatchGetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import { nowIso } from '../clock.js';
import type { Order } from '../domain/order.js';
import { indexOrder, updateOrder } from './orders.js';
import { keys } from './schema.js';
import { tableName } from './table.js';

/**
 * A seller's mappings from a storefront's product or variant to one of their SKUs: how a line that came
 * without a SKU (or with one the seller does not stock) finds the SKU it is. A mapping applies to every
 * later order too. A variant's mapping wins over its product's.
 */
export type MappingKind = 'variant' | 'product';

export interface SkuMapping {
  kind: MappingKind;
  id: string;
  sku: string;
}

export async function putSkuMapping(sellerId: string, mapping: SkuMapping): Promise<SkuMapping> {
  await documents.send(
    new PutCommand({
      TableName: tableName(),
      Item: { ...keys.skuMapping(sellerId, mapping.kind, mapping.id), sku: mapping.sku, updatedAt: nowIso() },
    }),
  );
  return mapping;
}

/** The SKU each line maps to, if any, in one BatchGetItem for all of them. */
async function mappedSkus(sellerId: string, lines: Order['items']): Promise<(string | undefined)[]> {
  const wanted = lines.flatMap((line) => [
    ...(line.variantId ? [keys.skuMapping(sellerId, 'variant', line.variantId)] : []),
    ...(line.productId ? [keys.skuMapping(sellerId, 'product', line.productId)] : []),
  ]);
  const unique = [...new Map(wanted.map((key) => [key.SK, key])).values()];
  const found = new Map<string, string>();
  for (let start = 0; start < unique.length; start += 100) {
    let request: Record<string, unknown>[] = unique.slice(start, start + 100);
    for (let attempt = 0; request.length && attempt < 5; attempt++) {
      const { Responses, UnprocessedKeys } = await documents.send(
        new BatchGetCommand({ RequestItems: { [tableName()]: { Keys: request, ConsistentRead: true } } }),
      );
      for (const item of Responses?.[tableName()] ?? []) found.set(item.SK as string, item.sku as string);
      request = (UnprocessedKeys?.[tableName()]?.Keys as Record<string, unknown>[] | undefined) ?? [];
    }
  }
  return lines.map(
    (line) =>
      (line.variantId && found.get(keys.skuMapping(sellerId, 'variant', line.variantId).SK)) ||
      (line.productId && found.get(keys.skuMapping(sellerId, 'product', line.productId).SK)) ||
      undefined,
  );
}

/**
 * Gives the named lines of a PAYMENT_VERIFIED order the SKUs the seller mapped their products to, and
 * indexes the order under them (search by the new SKU finds it).
 * Returns whether any line changed.
 */
export async function applySkuMappings(order: Order, lineIndexes: number[]): Promise<boolean> {
  const mapped = await mappedSkus(
    order.sellerId,
    lineIndexes.map((index) => order.items[index]!),
  );
  let changed = false;
  const items = order.items.map((line) => ({ ...line }));
  lineIndexes.forEach((index, position) => {
    const sku = mapped[position];
    const line = items[index]!;
    if (!sku || sku === line.sku) return;
    line.sku = sku;
    changed = true;
  });
  if (!changed) return false;
  const updated = await updateOrder(order.orderId, { items }, { status: ['PAYMENT_VERIFIED'] });
  await indexOrder(updated);
  return true;
}
