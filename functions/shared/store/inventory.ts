import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import { nowIso } from '../clock.js';
import { MAX_RESERVABLE_SKUS, quantitiesBySku, ships, SKU_PATTERN } from '../domain/lines.js';
import type { Order } from '../domain/order.js';
import { RESERVING_STATUSES, type Actor, type OrderStatus } from '../domain/status.js';
import { IllegalTransitionError, OrderCancelledError, OutOfStockError } from '../errors.js';
import {
  applyTransition,
  logTransition,
  requireOrder,
  transitionUpdate,
  type TransitionOptions,
} from './orders.js';
import { keys } from './schema.js';
import { tableName, transactWrite, type TransactItem } from './table.js';

export interface Stock {
  sku: string;
  available: number;
  reserved: number;
}

export async function getStock(sellerId: string, sku: string): Promise<Stock | undefined> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: tableName(), Key: keys.stock(sellerId, sku), ConsistentRead: true }),
  );
  return Item
    ? { sku, available: Item.available as number, reserved: (Item.reserved as number) ?? 0 }
    : undefined;
}

/** A page of the seller's stock records in SKU order; `after` is the last SKU of the page before. */
export async function listStock(
  sellerId: string,
  limit: number,
  after?: string,
): Promise<{ items: Stock[]; next?: string }> {
  const { Items = [], LastEvaluatedKey } = await documents.send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: {
        ':pk': keys.stock(sellerId, '').PK,
        ':prefix': keys.stock(sellerId, '').SK,
      },
      Limit: limit,
      ...(after ? { ExclusiveStartKey: keys.stock(sellerId, after) } : {}),
    }),
  );
  const skuOf = (sk: unknown) => String(sk).slice(keys.stock(sellerId, '').SK.length);
  return {
    items: Items.map((item) => ({
      sku: skuOf(item.SK),
      available: item.available as number,
      reserved: (item.reserved as number) ?? 0,
    })),
    ...(LastEvaluatedKey ? { next: skuOf(LastEvaluatedKey.SK) } : {}),
  };
}

/** SKUs this process has seen a stock record for. Stock records are never deleted, so this never goes stale. */
const stockedSkus = new Set<string>();

/** Whether the seller keeps a stock record for the SKU; known ones cost no read. */
export async function isStocked(sellerId: string, sku: string): Promise<boolean> {
  const key = `${sellerId}#${sku}`;
  if (stockedSkus.has(key)) return true;
  const stocked = (await getStock(sellerId, sku)) !== undefined;
  if (stocked) stockedSkus.add(key);
  return stocked;
}

/** Sets the stock on hand that is free to reserve; what is reserved stays reserved. */
export async function setStock(sellerId: string, sku: string, available: number): Promise<Stock> {
  const { Attributes } = await documents.send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.stock(sellerId, sku),
      UpdateExpression:
        'SET available = :available, reserved = if_not_exists(reserved, :zero), updatedAt = :at',
      ExpressionAttributeValues: { ':available': available, ':zero': 0, ':at': nowIso() },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return { sku, available: Attributes!.available as number, reserved: Attributes!.reserved as number };
}

function stockMoves(
  order: Pick<Order, 'sellerId' | 'items'>,
  update: string,
  condition: string | undefined,
): TransactItem[] {
  return [...quantitiesBySku(order.items.filter(ships))].map(([sku, quantity]) => ({
    Update: {
      TableName: tableName(),
      Key: keys.stock(order.sellerId, sku),
      UpdateExpression: update,
      ...(condition ? { ConditionExpression: condition } : {}),
      ExpressionAttributeValues: { ':q': quantity, ...(update.includes(':zero') ? { ':zero': 0 } : {}) },
    },
  }));
}

/**
 * Reserves every line of a PAYMENT_VERIFIED order and marks it STOCK_RESERVED, in one transaction:
 * all lines or none, never below zero. A retry after success finds the order reserved and does nothing.
 */
export async function reserveStock(orderId: string, actor: Actor = 'workflow'): Promise<Order> {
  const order = await requireOrder(orderId);
  if (order.status === 'STOCK_RESERVED' || order.status === 'ON_HOLD') return order;
  const unkeyed = linesWhere(order, (line) => !SKU_PATTERN.test(line.sku));
  if (unkeyed.length) throw new OutOfStockError('unknown_sku', unkeyed);
  const skuCount = quantitiesBySku(order.items.filter(ships)).size;
  if (skuCount > MAX_RESERVABLE_SKUS) {
    throw new OutOfStockError(
      'inventory',
      [],
      [],
      `${skuCount} different SKUs to ship; one order can reserve at most ${MAX_RESERVABLE_SKUS}: split it`,
    );
  }
  const options: TransitionOptions = {
    actor,
    from: ['PAYMENT_VERIFIED'],
    ...(order.problems ? { remove: ['problems'] } : {}),
  };
  const statusUpdate = transitionUpdate(order, 'STOCK_RESERVED', options);
  const items: TransactItem[] = [
    { Update: statusUpdate },
    {
      Put: {
        TableName: tableName(),
        Item: { ...keys.reservation(orderId), state: 'HELD', items: order.items.filter(ships), at: nowIso() },
        ConditionExpression: 'attribute_not_exists(PK) OR #state <> :held',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':held': 'HELD' },
      },
    },
    ...stockMoves(
      order,
      'SET available = available - :q, reserved = if_not_exists(reserved, :zero) + :q',
      'available >= :q',
    ),
  ];
  const result = await transactWrite(items);
  if (result.ok) {
    logTransition(order, 'STOCK_RESERVED', { actor });
    return applyTransition(order, statusUpdate, options);
  }
  const current = await requireOrder(orderId);
  if (current.status === 'STOCK_RESERVED' || current.status === 'ON_HOLD') return current;
  if (current.status === 'CANCELLED') throw new OrderCancelledError(`order ${orderId} was cancelled`);
  if (result.reasons[0] !== 'None' && result.reasons[0] !== undefined) {
    throw new IllegalTransitionError(orderId, current.status, 'STOCK_RESERVED');
  }
  const skus = [...quantitiesBySku(order.items.filter(ships)).keys()].filter(
    (_, index) => result.reasons[index + 2] === 'ConditionalCheckFailed',
  );
  // Only on this failure path: which of the short SKUs the seller has no stock record for at all.
  const records = await Promise.all(skus.map((sku) => getStock(order.sellerId, sku)));
  const unknown = new Set(skus.filter((_, index) => !records[index]));
  if (unknown.size) {
    throw new OutOfStockError(
      'unknown_sku',
      linesWhere(order, (line) => unknown.has(line.sku)),
      [...unknown],
    );
  }
  throw new OutOfStockError(
    'inventory',
    linesWhere(order, (line) => skus.includes(line.sku)),
    skus,
  );
}

function linesWhere(order: Pick<Order, 'items'>, test: (line: Order['items'][number]) => boolean): number[] {
  return order.items.flatMap((line, index) => (ships(line) && test(line) ? [index] : []));
}

/**
 * Changes the status of an order that may hold stock; if it does, the stock goes back (or, on
 * shipping, leaves the warehouse) in the same transaction, so stock and status never disagree.
 * `read`, the order as the caller has just read it, saves reading it again: the transaction is
 * conditional on that status, so a stale copy can only make it fail and re-read.
 */
export async function transitionWithStock(
  orderId: string,
  to: OrderStatus,
  options: TransitionOptions & { stock: 'return' | 'consume' },
  read?: Order,
): Promise<Order> {
  const order = read ?? (await requireOrder(orderId));
  if (order.status === to) return order;
  const holdsStock = RESERVING_STATUSES.includes(order.status) || order.status === 'RELEASED';
  const statusOptions: TransitionOptions = { ...options, from: [order.status] };
  const statusUpdate = transitionUpdate(order, to, statusOptions);
  const items: TransactItem[] = [{ Update: statusUpdate }];
  if (holdsStock) {
    items.push(
      {
        Update: {
          TableName: tableName(),
          Key: keys.reservation(orderId),
          UpdateExpression: 'SET #state = :next, settledAt = :at',
          ConditionExpression: '#state = :held',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':held': 'HELD',
            ':next': options.stock === 'return' ? 'RETURNED' : 'SHIPPED',
            ':at': nowIso(),
          },
        },
      },
      ...stockMoves(
        order,
        options.stock === 'return'
          ? 'SET available = available + :q, reserved = reserved - :q'
          : 'SET reserved = reserved - :q',
        undefined,
      ),
    );
  }
  const result = await transactWrite(items);
  if (result.ok) {
    logTransition(order, to, options);
    return applyTransition(order, statusUpdate, statusOptions);
  }
  const current = await requireOrder(orderId);
  if (current.status === to) return current;
  throw new IllegalTransitionError(orderId, current.status, to);
}

export async function getReservation(orderId: string): Promise<{ state: string } | undefined> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: tableName(), Key: keys.reservation(orderId), ConsistentRead: true }),
  );
  return Item ? { state: Item.state as string } : undefined;
}
