import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type BatchWriteCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import { logger } from '../logger.js';
import { nowIso } from '../clock.js';
import type { HistoryEntry, Order, StorefrontEvent } from '../domain/order.js';
import { firstLookAt } from '../domain/sweep-schedule.js';
import { allowedFrom, isTerminal, type Actor, type OrderStatus } from '../domain/status.js';
import { IllegalTransitionError, NotFoundError, TransientError } from '../errors.js';
import { orderIdFor, scopeExpires } from './idempotency.js';
import { indexKeys, keys, type LookupKind } from './schema.js';
import { tableName, transactWrite, type TransactItem } from './table.js';

const IDEMPOTENCY_TTL_SECONDS = 30 * 24 * 3600;

type StoredOrder = Order & Record<string, unknown>;

function strip(item: Record<string, unknown>): Order {
  const {
    PK: _pk,
    SK: _sk,
    GSI1PK: _1,
    GSI1SK: _2,
    GSI2PK: _3,
    GSI2SK: _4,
    GSI4PK: _5,
    GSI4SK: _6,
    ...order
  } = item;
  return order as unknown as Order;
}

export async function getOrder(orderId: string): Promise<Order | undefined> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: tableName(), Key: keys.order(orderId), ConsistentRead: true }),
  );
  return Item ? strip(Item) : undefined;
}

/** The order if it exists and belongs to the seller; another seller's order does not exist for them. */
export async function getSellerOrder(sellerId: string, orderId: string): Promise<Order> {
  const order = await getOrder(orderId);
  if (!order || order.sellerId !== sellerId) throw new NotFoundError(`order ${orderId} not found`);
  return order;
}

export async function requireOrder(orderId: string): Promise<Order> {
  const order = await getOrder(orderId);
  if (!order) throw new NotFoundError(`order ${orderId} not found`);
  return order;
}

/**
 * The order's lookups (ByLookup): one item per distinct SKU, product and email. Lookup items, not index
 * keys on the order item: an order has many SKUs, and a ByLookup entry of the order item itself would be
 * rewritten (and billed) with every status change.
 */
function lookupItems(order: Order): Record<string, unknown>[] {
  const lookups = new Map<string, [LookupKind, string]>();
  // A storefront order may come without a SKU on a line or without an email: nothing to find it by.
  for (const line of order.items) {
    if (line.sku) lookups.set(`SKU#${line.sku}`, ['SKU', line.sku]);
    if (line.productId) lookups.set(`PRODUCT#${line.productId}`, ['PRODUCT', line.productId]);
  }
  const email = order.customer.email.toLowerCase();
  if (email) lookups.set(`EMAIL#${email}`, ['EMAIL', email]);
  return [...lookups.values()].map(([kind, value]) => ({
    PK: keys.order(order.orderId).PK,
    SK: `LOOKUP#${kind}#${value}`,
    orderId: order.orderId,
    ...indexKeys.byLookup(order.sellerId, kind, value, order.createdAt, order.orderId),
  }));
}

/**
 * Writes the order's lookups, so a search by SKU, product or email finds it. The workflow's first task
 * does this rather than intake, which keeps a new order to one write: a lookup trails its order by
 * one task, as a global index trails its table. Safe to repeat (each put is the same item).
 */
export async function indexOrder(order: Order): Promise<void> {
  const puts = lookupItems(order).map((Item) => ({ PutRequest: { Item } }));
  // BatchWriteItem takes at most 25 writes a call (AWS and DynamoDB Local refuse more).
  const chunks: (typeof puts)[] = [];
  for (let start = 0; start < puts.length; start += BATCH_WRITE_LIMIT) {
    chunks.push(puts.slice(start, start + BATCH_WRITE_LIMIT));
  }
  await Promise.all(chunks.map((chunk) => batchWrite(chunk, order.orderId)));
}

/** Largest number of writes one BatchWriteItem call accepts. */
export const BATCH_WRITE_LIMIT = 25;

/** One batch of puts, with what DynamoDB leaves unprocessed (it throttled them) sent again after a pause. */
async function batchWrite(
  puts: NonNullable<BatchWriteCommandInput['RequestItems']>[string],
  orderId: string,
): Promise<void> {
  let requests: BatchWriteCommandInput['RequestItems'] = { [tableName()]: puts };
  for (let attempt = 0; Object.keys(requests ?? {}).length; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
    if (attempt > 8) throw new TransientError(`the lookups of order ${orderId} were not all written`);
    ({ UnprocessedItems: requests } = await documents.send(
      new BatchWriteCommand({ RequestItems: requests }),
    ));
  }
}

/** The order item: its fields, its keys and the indexes it is in. */
export function orderItem(order: Order): Record<string, unknown> {
  return {
    ...keys.order(order.orderId),
    ...indexKeys.bySeller(order.sellerId, order.createdAt, order.orderId),
    ...indexKeys.byStatus(order.sellerId, order.status, order.createdAt, order.orderId),
    ...indexKeys.open(order.orderId, firstLookAt(order.updatedAt)),
    ...order,
  };
}

/**
 * Writes a new order, once. Its id is its first idempotency record: when the id derives from a scope
 * (`orderIdFor`), a repeat of the scope finds the order there, and the write is a single conditional
 * put. Any further `idempotencyScopes` are written as records in the same transaction. If the id or a
 * scope is taken already (a repeated webhook, a reused Idempotency-Key), nothing is written and the order
 * that owns it is returned instead.
 */
export async function createOrder(
  order: Order,
  idempotencyScopes: string[],
  /** A digest of the request that created it, kept on its idempotency records (see IdempotencyMatch). */
  requestDigest?: string,
): Promise<{ order: Order; duplicate: boolean; dedupedBy?: IdempotencyMatch }> {
  const put = {
    TableName: tableName(),
    Item: orderItem(order),
    ConditionExpression: 'attribute_not_exists(PK)',
  };
  const created = () => {
    logTransition(order, order.status, { actor: order.history[0]?.actor ?? 'system' });
    return { order, duplicate: false };
  };
  if (!idempotencyScopes.length) {
    try {
      await documents.send(new PutCommand(put));
      return created();
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return { order: await requireOrder(order.orderId), duplicate: true };
    }
  }
  const expiresAt = Math.floor(Date.now() / 1000) + IDEMPOTENCY_TTL_SECONDS;
  const items: TransactItem[] = [
    { Put: put },
    ...idempotencyScopes.map((scope) => ({
      Put: {
        TableName: tableName(),
        Item: {
          ...keys.idempotency(scope),
          orderId: order.orderId,
          createdAt: order.createdAt,
          ...(requestDigest ? { requestDigest } : {}),
          ...(scopeExpires(scope) ? { expiresAt } : {}),
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    })),
  ];
  for (let attempt = 0; attempt < 5; attempt++) {
    const result = await transactWrite(items);
    if (result.ok) return created();
    const existing = await findIdempotencyOwner(idempotencyScopes);
    if (existing) return { order: existing.order, duplicate: true, dedupedBy: existing.match };
    // The scope's owner is being written by a concurrent request whose transaction has not committed.
    await new Promise((resolve) => setTimeout(resolve, 20 * (attempt + 1)));
  }
  throw new Error(`order ${order.orderId} could not be written: its idempotency record is held elsewhere`);
}

/** Which scope found a repeat's order, and the digest of the request that first claimed that scope. */
export interface IdempotencyMatch {
  scope: string;
  requestDigest?: string;
}

/** The order a scope belongs to (kept as the order's id, or as an idempotency record), and which scope. */
async function findIdempotencyOwner(
  scopes: string[],
): Promise<{ order: Order; match: IdempotencyMatch } | undefined> {
  for (const scope of scopes) {
    const byId = await getOrder(orderIdFor(scope));
    if (byId) return { order: byId, match: { scope } };
    const { Item } = await documents.send(
      new GetCommand({ TableName: tableName(), Key: keys.idempotency(scope), ConsistentRead: true }),
    );
    const order = Item ? await getOrder(Item.orderId as string) : undefined;
    if (order) {
      const requestDigest = Item!.requestDigest as string | undefined;
      return { order, match: { scope, ...(requestDigest ? { requestDigest } : {}) } };
    }
  }
  return undefined;
}

/** The order a scope belongs to: kept as the order's id, or as an idempotency record. */
export async function findByIdempotency(scopes: string[]): Promise<Order | undefined> {
  return (await findIdempotencyOwner(scopes))?.order;
}

export interface TransitionOptions {
  actor: Actor;
  reason?: string;
  /** Further attributes to set in the same write (say, `shipment`). */
  set?: Record<string, unknown>;
  /** Attributes to remove in the same write (say, `hold.taskToken`). */
  remove?: string[];
  /** Narrow the statuses this write may start from (always within the transition table). */
  from?: readonly OrderStatus[];
}

/**
 * The update that moves an order to `to`, conditional on the transition table, appending one history
 * entry and keeping the status and open-order indexes in step. Usable alone or inside a transaction.
 */
export function transitionUpdate(
  order: Pick<Order, 'orderId' | 'sellerId' | 'createdAt'>,
  to: OrderStatus,
  options: TransitionOptions,
): UpdateCommandInput & {
  UpdateExpression: string;
  ConditionExpression: string;
  Key: Record<string, string>;
} {
  const at = nowIso();
  const from = (options.from ?? allowedFrom(to)).filter((status) => allowedFrom(to).includes(status));
  const entry: HistoryEntry = {
    status: to,
    at,
    actor: options.actor,
    ...(options.reason ? { reason: options.reason } : {}),
  };
  const names: Record<string, string> = {
    '#status': 'status',
    '#history': 'history',
    '#updatedAt': 'updatedAt',
  };
  const values: Record<string, unknown> = {
    ':to': to,
    ':entry': [entry],
    ':at': at,
    ...indexValues(order, to, at),
  };
  const sets = [
    '#status = :to',
    '#history = list_append(#history, :entry)',
    '#updatedAt = :at',
    'GSI2PK = :gsi2pk',
  ];
  const removes = [...(options.remove ?? [])];
  if (isTerminal(to)) removes.push('GSI4PK', 'GSI4SK');
  else sets.push('GSI4PK = :gsi4pk', 'GSI4SK = :gsi4sk');
  Object.entries(options.set ?? {}).forEach(([name, value], index) => {
    names[`#set${index}`] = name;
    values[`:set${index}`] = value;
    sets.push(`#set${index} = :set${index}`);
  });
  const removeExpressions = removes.map((path, index) =>
    path
      .split('.')
      .map((part, depth) => {
        names[`#rm${index}_${depth}`] = part;
        return `#rm${index}_${depth}`;
      })
      .join('.'),
  );
  from.forEach((status, index) => (values[`:from${index}`] = status));
  return {
    TableName: tableName(),
    Key: keys.order(order.orderId),
    UpdateExpression:
      `SET ${sets.join(', ')}` + (removeExpressions.length ? ` REMOVE ${removeExpressions.join(', ')}` : ''),
    ConditionExpression: from.length
      ? `#status IN (${from.map((_, index) => `:from${index}`).join(', ')})`
      : 'attribute_not_exists(PK)',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/**
 * The order a committed `transitionUpdate` leaves, for writes that cannot return it (a transaction):
 * `order` as read, with the update's status, history entry, timestamp, sets and removes applied. The
 * write was conditional on the status read, so only a field some other writer changed in between could
 * differ from the table, and no other writer changes an order's fields while the status stays put.
 */
export function applyTransition(
  order: Order,
  update: ReturnType<typeof transitionUpdate>,
  options: TransitionOptions,
): Order {
  const values = update.ExpressionAttributeValues as {
    ':to': OrderStatus;
    ':at': string;
    ':entry': HistoryEntry[];
  };
  const next = { ...structuredClone(order), ...structuredClone(options.set ?? {}) } as Record<
    string,
    unknown
  >;
  for (const path of options.remove ?? []) {
    const parts = path.split('.');
    const parent = parts
      .slice(0, -1)
      .reduce<unknown>((at, part) => (at as Record<string, unknown> | undefined)?.[part], next);
    if (parent && typeof parent === 'object') delete (parent as Record<string, unknown>)[parts.at(-1)!];
  }
  return {
    ...(next as unknown as Order),
    status: values[':to'],
    updatedAt: values[':at'],
    history: [...order.history, ...values[':entry']],
  };
}

function indexValues(order: Pick<Order, 'orderId' | 'sellerId' | 'createdAt'>, to: OrderStatus, at: string) {
  const status = indexKeys.byStatus(order.sellerId, to, order.createdAt, order.orderId);
  if (isTerminal(to)) return { ':gsi2pk': status.GSI2PK };
  const open = indexKeys.open(order.orderId, firstLookAt(at));
  return { ':gsi2pk': status.GSI2PK, ':gsi4pk': open.GSI4PK, ':gsi4sk': open.GSI4SK };
}

/** One structured line per status change: what people and log queries follow an order by. */
export function logTransition(
  order: Pick<Order, 'orderId' | 'sellerId'>,
  to: OrderStatus,
  options: TransitionOptions,
): void {
  logger.info('status changed', {
    orderId: order.orderId,
    sellerId: order.sellerId,
    status: to,
    actor: options.actor,
    ...(options.reason ? { reason: options.reason } : {}),
  });
}

/**
 * Moves an order to `to`. A retry of a transition that already happened (same target status) returns
 * the order unchanged, without a second history entry; any other refusal is an IllegalTransitionError.
 * `read` is the order as the caller has just read it, to save a second read: the write is conditional
 * on the status in the table either way, so a stale copy can only make it fail and re-read.
 */
export async function transition(
  orderId: string,
  to: OrderStatus,
  options: TransitionOptions,
  read?: Order,
): Promise<Order> {
  const order = read ?? (await requireOrder(orderId));
  if (order.status === to) return order;
  try {
    const { Attributes } = await documents.send(
      new UpdateCommand({ ...transitionUpdate(order, to, options), ReturnValues: 'ALL_NEW' }),
    );
    logTransition(order, to, options);
    return strip(Attributes as StoredOrder);
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const current = await requireOrder(orderId);
    if (current.status === to) return current;
    throw new IllegalTransitionError(orderId, current.status, to);
  }
}

/** Sets attributes on an order without a status change (workflow bookkeeping, address fixes). */
export async function updateOrder(
  orderId: string,
  set: Record<string, unknown>,
  condition?: { status: readonly OrderStatus[] },
): Promise<Order> {
  const names: Record<string, string> = { '#updatedAt': 'updatedAt' };
  const values: Record<string, unknown> = { ':at': nowIso() };
  const sets = ['#updatedAt = :at'];
  Object.entries(set).forEach(([name, value], index) => {
    names[`#f${index}`] = name;
    values[`:f${index}`] = value;
    sets.push(`#f${index} = :f${index}`);
  });
  const statuses = condition?.status ?? [];
  // DynamoDB refuses a name the expressions do not use: #status only with a status condition.
  if (statuses.length) names['#status'] = 'status';
  statuses.forEach((status, index) => (values[`:s${index}`] = status));
  const statusCondition = statuses.length
    ? ` AND #status IN (${statuses.map((_, index) => `:s${index}`).join(', ')})`
    : '';
  try {
    const { Attributes } = await documents.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.order(orderId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: `attribute_exists(PK)${statusCondition}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return strip(Attributes as StoredOrder);
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const current = await getOrder(orderId);
    if (!current) throw new NotFoundError(`order ${orderId} not found`);
    throw new IllegalTransitionError(orderId, current.status, current.status);
  }
}

/**
 * Appends a storefront event to the order, with any fields the event changed, in one write. Repeats of an
 * event are caught by the caller (it reads the order first); a concurrent repeat may append twice, which
 * only shows the seller that it came twice.
 */
export async function recordStorefrontEvent(
  orderId: string,
  event: StorefrontEvent,
  set: Record<string, unknown> = {},
): Promise<Order> {
  const names: Record<string, string> = { '#events': 'storefrontEvents', '#updatedAt': 'updatedAt' };
  const values: Record<string, unknown> = { ':event': [event], ':none': [], ':at': nowIso() };
  const sets = ['#events = list_append(if_not_exists(#events, :none), :event)', '#updatedAt = :at'];
  Object.entries(set).forEach(([name, value], index) => {
    names[`#f${index}`] = name;
    values[`:f${index}`] = value;
    sets.push(`#f${index} = :f${index}`);
  });
  const { Attributes } = await documents.send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.order(orderId),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnValues: 'ALL_NEW',
    }),
  );
  return strip(Attributes as StoredOrder);
}

export interface OrderPage {
  items: Order[];
  lastKey?: Record<string, unknown>;
}

/** One page of an index query, newest first; the caller filters and paginates. */
export async function queryIndex(
  index: { name: string; partition: string },
  partitionValue: string,
  limit: number,
  startKey?: Record<string, unknown>,
): Promise<{ items: Record<string, unknown>[]; lastKey?: Record<string, unknown> }> {
  const { Items = [], LastEvaluatedKey } = await documents.send(
    new QueryCommand({
      TableName: tableName(),
      IndexName: index.name,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': index.partition },
      ExpressionAttributeValues: { ':pk': partitionValue },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: startKey,
    }),
  );
  return { items: Items, lastKey: LastEvaluatedKey };
}

export { strip as fromItem };
