import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { BatchGetCommand, QueryCommand, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import type { OrderStatus } from '../domain/status.js';
import { ORDER_SOURCES, type Order, type Region } from '../domain/order.js';
import { scopes } from './idempotency.js';
import { findByIdempotency, fromItem } from './orders.js';
import { INDEXES, indexKeys, keys, type LookupKind } from './schema.js';
import { tableName } from './table.js';

/**
 * A seller's order search, newest first. The most selective filter picks the index (an exact lookup of
 * external id, email, SKU or product; else the status; else all of the seller's orders), the date range
 * narrows its sort key, and the remaining filters are applied to each order read.
 */
export interface OrderFilters {
  status?: OrderStatus;
  sku?: string;
  productId?: string;
  email?: string;
  externalOrderId?: string;
  /** Inclusive bounds on createdAt, as full ISO-8601 UTC timestamps. */
  from?: string;
  to?: string;
  region?: Region;
}

export interface OrderPage {
  items: Order[];
  nextCursor: string | null;
}

/** A cursor that cannot be decoded, or was issued for other filters. */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursor';
}

interface Plan {
  index: (typeof INDEXES)[keyof typeof INDEXES];
  partition: string;
  /** The base-table sort key of the items in this index, needed to rebuild a start key. */
  itemSortKey: string;
  lookup: boolean;
}

function planFor(sellerId: string, filters: OrderFilters): Plan {
  const lookups: [LookupKind, string | undefined][] = [
    ['EMAIL', filters.email?.toLowerCase()],
    ['SKU', filters.sku],
    ['PRODUCT', filters.productId],
  ];
  const chosen = lookups.find(([, value]) => value);
  if (chosen) {
    const [kind, value] = chosen as [LookupKind, string];
    return {
      index: INDEXES.byLookup,
      partition: indexKeys.byLookup(sellerId, kind, value, '', '').GSI3PK,
      itemSortKey: `LOOKUP#${kind}#${value}`,
      lookup: true,
    };
  }
  if (filters.status) {
    return {
      index: INDEXES.byStatus,
      partition: indexKeys.byStatus(sellerId, filters.status, '', '').GSI2PK,
      itemSortKey: keys.order('').SK,
      lookup: false,
    };
  }
  return {
    index: INDEXES.bySeller,
    partition: indexKeys.bySeller(sellerId, '', '').GSI1PK,
    itemSortKey: keys.order('').SK,
    lookup: false,
  };
}

function matches(order: Order, sellerId: string, filters: OrderFilters): boolean {
  return (
    order.sellerId === sellerId &&
    (!filters.status || order.status === filters.status) &&
    (!filters.region || order.region === filters.region) &&
    (!filters.sku || order.items.some((line) => line.sku === filters.sku)) &&
    (!filters.productId || order.items.some((line) => line.productId === filters.productId)) &&
    (!filters.email || order.customer.email.toLowerCase() === filters.email.toLowerCase()) &&
    (!filters.externalOrderId || order.externalOrderId === filters.externalOrderId) &&
    (!filters.from || order.createdAt >= filters.from) &&
    (!filters.to || order.createdAt <= filters.to)
  );
}

// ---- cursors ---------------------------------------------------------------------------------------

/** Sort keys are `<createdAt>#<orderId>`. */
const SORT_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z#[A-Za-z0-9_-]{1,100}$/;
const MAX_CURSOR_LENGTH = 400;

/** Ties a cursor to the seller and filters it was issued for, so it cannot be replayed elsewhere. */
export function filterFingerprint(sellerId: string, filters: OrderFilters): string {
  const canonical = JSON.stringify([
    sellerId,
    ...Object.entries(filters)
      .filter(([, v]) => v)
      .sort(),
  ]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}

const mac = (key: string, fingerprint: string, payload: string): Buffer =>
  createHmac('sha256', key).update(`${fingerprint}.${payload}`).digest();

/**
 * Opaque to clients: `<payload>.<signature>`, both base64url. The payload is the last position examined;
 * the signature is an HMAC, with a key the client never sees, over it and the search's fingerprint. An
 * edited or forged cursor (which DynamoDB would refuse as a start key, or which would start elsewhere)
 * and one from other filters are told apart from a real one before anything is read.
 */
export function encodeCursor(position: string, fingerprint: string, key: string): string {
  const payload = Buffer.from(JSON.stringify({ p: position })).toString('base64url');
  return `${payload}.${mac(key, fingerprint, payload).toString('base64url')}`;
}

export function decodeCursor(cursor: string, fingerprint: string, key: string): string {
  const [payload = '', signature = '', ...rest] = cursor.split('.');
  if (cursor.length > MAX_CURSOR_LENGTH || rest.length > 0 || !/^[A-Za-z0-9_-]+$/.test(payload + signature)) {
    throw new InvalidCursorError('the cursor is malformed');
  }
  const expected = mac(key, fingerprint, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new InvalidCursorError(
      'the cursor was not issued for this search: pass nextCursor unchanged, with the same filters and API key',
    );
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('the cursor is malformed');
  }
  const { p } = (decoded ?? {}) as { p?: unknown };
  if (typeof p !== 'string' || !SORT_KEY.test(p)) throw new InvalidCursorError('the cursor is malformed');
  return p;
}

// ---- the query ---------------------------------------------------------------------------------------

const PAGE_SIZE = 100;

async function ordersById(orderIds: string[]): Promise<Map<string, Order>> {
  const found = new Map<string, Order>();
  for (let start = 0; start < orderIds.length; start += 100) {
    let requested: Record<string, unknown>[] | undefined = [
      ...new Set(orderIds.slice(start, start + 100)),
    ].map((orderId) => keys.order(orderId));
    for (let attempt = 0; requested?.length; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
      const { Responses, UnprocessedKeys }: BatchGetCommandOutput = await documents.send(
        new BatchGetCommand({ RequestItems: { [tableName()]: { Keys: requested } } }),
      );
      for (const item of Responses?.[tableName()] ?? []) {
        const order = fromItem(item);
        found.set(order.orderId, order);
      }
      requested = UnprocessedKeys?.[tableName()]?.Keys;
    }
  }
  return found;
}

/** Every scope an order with this external id may have been stored under, one per source. */
const externalScopes = (sellerId: string, externalOrderId: string): string[] =>
  ORDER_SOURCES.map((source) => scopes.external(sellerId, source, externalOrderId));

/**
 * An external id names at most one order per source, found by its idempotency scope (the order's id
 * for webhooks, a record for the seller API): no index to query.
 */
async function byExternalId(
  sellerId: string,
  externalOrderId: string,
  filters: OrderFilters,
  options: SearchOptions,
  fingerprint: string,
): Promise<OrderPage> {
  const after = options.cursor ? decodeCursor(options.cursor, fingerprint, options.cursorKey) : undefined;
  const found = await Promise.all(
    externalScopes(sellerId, externalOrderId).map((scope) => findByIdempotency([scope])),
  );
  const positioned = found
    .filter((order): order is Order => !!order && matches(order, sellerId, filters))
    .map((order) => ({ order, position: `${order.createdAt}#${order.orderId}` }))
    .filter(({ position }) => !after || position < after)
    .sort((a, b) => (a.position < b.position ? 1 : -1));
  const page = positioned.slice(0, options.limit);
  const last = page.at(-1);
  return {
    items: page.map(({ order }) => order),
    nextCursor:
      positioned.length > page.length && last
        ? encodeCursor(last.position, fingerprint, options.cursorKey)
        : null,
  };
}

export interface SearchOptions {
  limit: number;
  cursor?: string;
  /** Signs the cursors this search issues and checks the one it is given (the caller's API key's). */
  cursorKey: string;
  /** How many index entries one page may examine before it stops with a cursor. */
  budget?: number;
  /**
   * A page ends before the order that would take it past this many bytes, each order counted by
   * `sizeOf` (what it adds to the answer), so no answer outgrows Lambda's 6 MB; a page holds at least
   * one order whatever its size.
   */
  maxBytes?: { limit: number; sizeOf: (order: Order) => number };
}

/**
 * One page of a seller's orders, newest first. The cursor marks the last order examined, so a page
 * that stopped early (the limit, or the examination budget for sparse filters) resumes right after it.
 */
export async function searchOrders(
  sellerId: string,
  filters: OrderFilters,
  options: SearchOptions,
): Promise<OrderPage> {
  const fingerprint = filterFingerprint(sellerId, filters);
  if (filters.externalOrderId) {
    return byExternalId(sellerId, filters.externalOrderId, filters, options, fingerprint);
  }
  const plan = planFor(sellerId, filters);
  const budget = options.budget ?? Math.max(1000, options.limit * 10);
  const sortName = plan.index.sort;
  let startKey: Record<string, unknown> | undefined;
  if (options.cursor) {
    const position = decodeCursor(options.cursor, fingerprint, options.cursorKey);
    const orderId = position.slice(position.indexOf('#') + 1);
    startKey = {
      [plan.index.partition]: plan.partition,
      [sortName]: position,
      PK: keys.order(orderId).PK,
      SK: plan.itemSortKey,
    };
  }
  const items: Order[] = [];
  let examined = 0;
  let bytes = 0;
  let position: string | undefined;
  let more = true;
  while (items.length < options.limit && examined < budget) {
    const page = await documents.send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: plan.index.name,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :low AND :high',
        ExpressionAttributeNames: { '#pk': plan.index.partition, '#sk': sortName },
        ExpressionAttributeValues: {
          ':pk': plan.partition,
          ':low': filters.from ?? '0',
          // Above every sort key: a four-digit year, then the order id.
          ':high': `${filters.to ?? '9999-12-31T23:59:59.999Z'}#\uffff`,
        },
        ScanIndexForward: false,
        Limit: Math.min(PAGE_SIZE, budget - examined),
        ExclusiveStartKey: startKey,
      }),
    );
    const rows = page.Items ?? [];
    const orders = plan.lookup
      ? await ordersById(rows.map((row) => row.orderId as string))
      : new Map(rows.map((row) => [row.orderId as string, fromItem(row)]));
    let index = 0;
    for (; index < rows.length && items.length < options.limit; index++) {
      const row = rows[index]!;
      const order = orders.get(row.orderId as string);
      const kept = order && matches(order, sellerId, filters) ? order : undefined;
      if (kept && options.maxBytes) {
        const size = options.maxBytes.sizeOf(kept);
        // Full: the cursor stays on the order before, so the next page starts with this one.
        if (items.length > 0 && bytes + size > options.maxBytes.limit) break;
        bytes += size;
      }
      examined++;
      position = row[sortName] as string;
      if (kept) items.push(kept);
    }
    startKey = page.LastEvaluatedKey;
    if (index === rows.length && !startKey) {
      more = false;
      break;
    }
    if (index < rows.length) break;
  }
  return {
    items,
    nextCursor: more && position ? encodeCursor(position, fingerprint, options.cursorKey) : null,
  };
}
