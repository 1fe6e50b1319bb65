import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  QueryCommand,
  UpdateCommand,
  type BatchGetCommandInput,
  type BatchGetCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import type { Order } from '../domain/order.js';
import { TransientError } from '../errors.js';
import { INDEXES, indexKeys, keys, openShard } from './schema.js';
import { tableName } from './table.js';

/**
 * The delivery sweeper's reads and writes of the Open index, whose sort key is when the sweeper next
 * needs to look at an order (domain/sweep-schedule.ts).
 */

/** What the sweeper reads of an order: enough to decide, not its lines or history. */
export type SweptOrder = Pick<
  Order,
  'orderId' | 'sellerId' | 'status' | 'createdAt' | 'updatedAt' | 'workflow' | 'hold' | 'shipment' | 'release'
>;
const SWEPT_FIELDS = [
  'orderId',
  'sellerId',
  'status',
  'createdAt',
  'updatedAt',
  'workflow',
  'hold',
  'shipment',
  // A FAILED_TO_RELEASE order without its failure reason is a retry whose run is gone (resumePoint).
  'release',
  INDEXES.open.sort,
] as const;

export interface DueOrder {
  order: SweptOrder;
  /** The order's Open sort key as read, for a conditional reschedule. */
  sortKey: string;
  /** When the order is due (epoch ms), as the table has it now. */
  dueAt: number;
}

/** How many open orders are in each status, as the Open index has them (it trails its table). */
export type StatusCounts = Map<string, number>;

function tally(counts: StatusCounts, items: readonly Record<string, unknown>[]): void {
  for (const { status } of items) {
    if (typeof status === 'string') counts.set(status, (counts.get(status) ?? 0) + 1);
  }
}

/**
 * The ids of one shard's orders due at or before `now` (epoch ms), the longest due first; the status of
 * each entry read is added to `counts`.
 */
export async function dueOrderIds(
  shard: number,
  now: number,
  limit: number,
  startKey?: Record<string, unknown>,
  counts: StatusCounts = new Map(),
): Promise<{ orderIds: string[]; lastKey?: Record<string, unknown> }> {
  const { Items = [], LastEvaluatedKey } = await documents.send(
    new QueryCommand({
      TableName: tableName(),
      IndexName: INDEXES.open.name,
      // Sort keys are `<dueAt>#<orderId>`: every one due at `now` or earlier sorts below `now` + 1 ms.
      KeyConditionExpression: '#pk = :shard AND #sk < :after',
      ExpressionAttributeNames: { '#pk': INDEXES.open.partition, '#sk': INDEXES.open.sort },
      ExpressionAttributeValues: { ':shard': openShard(shard), ':after': dueBound(now) },
      Limit: limit,
      ExclusiveStartKey: startKey,
    }),
  );
  tally(counts, Items);
  return {
    orderIds: Items.map((item) => (item[INDEXES.open.sort] as string).split('#')[1]!),
    lastKey: LastEvaluatedKey,
  };
}

const dueBound = (now: number): string => new Date(now + 1).toISOString();

/**
 * Adds to `counts` the statuses of one shard's orders not yet due at `now`: the rest of the shard beside
 * the due part dueOrderIds reads, so a sweep reads each index entry once and counts every open order.
 * Only the status is read (the index projects it), in pages of up to 1 MB.
 */
export async function countNotDue(shard: number, now: number, counts: StatusCounts): Promise<void> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: INDEXES.open.name,
        KeyConditionExpression: '#pk = :shard AND #sk >= :after',
        ExpressionAttributeNames: {
          '#pk': INDEXES.open.partition,
          '#sk': INDEXES.open.sort,
          '#status': 'status',
        },
        ExpressionAttributeValues: { ':shard': openShard(shard), ':after': dueBound(now) },
        ProjectionExpression: '#status',
        ExclusiveStartKey: startKey,
      }),
    );
    tally(counts, page.Items ?? []);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

/**
 * The orders as the table has them now (a consistent read: the index trails its table), up to 100. Orders
 * no longer open are left out.
 */
export async function readOpenOrders(orderIds: readonly string[]): Promise<DueOrder[]> {
  if (orderIds.length === 0) return [];
  const names = Object.fromEntries(SWEPT_FIELDS.map((field, index) => [`#f${index}`, field]));
  let request: BatchGetCommandInput['RequestItems'] = {
    [tableName()]: {
      Keys: orderIds.map((orderId) => keys.order(orderId)),
      ConsistentRead: true,
      ProjectionExpression: Object.keys(names).join(', '),
      ExpressionAttributeNames: names,
    },
  };
  const items: Record<string, unknown>[] = [];
  for (let attempt = 0; Object.keys(request ?? {}).length; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
    if (attempt > 8) throw new TransientError('the due orders were not all read');
    const answer: BatchGetCommandOutput = await documents.send(
      new BatchGetCommand({ RequestItems: request }),
    );
    items.push(...(answer.Responses?.[tableName()] ?? []));
    request = answer.UnprocessedKeys;
  }
  return items.flatMap((item) => {
    const sortKey = item[INDEXES.open.sort] as string | undefined;
    if (!sortKey) return [];
    const { [INDEXES.open.sort]: _sortKey, ...order } = item;
    return [{ order: order as unknown as SweptOrder, sortKey, dueAt: Date.parse(sortKey.split('#')[0]!) }];
  });
}

/** The Open sort key for a look at `dueAt` (epoch ms), to set with a write of the order. */
export const lookAt = (orderId: string, dueAt: number): Record<string, string> =>
  indexKeys.open(orderId, new Date(dueAt).toISOString());

/**
 * Moves the order's next look to `dueAt` (epoch ms), unless it changed since it was read (a status
 * write sets its own next look). False when it had.
 */
export async function scheduleLook(entry: DueOrder, dueAt: number): Promise<boolean> {
  const { order, sortKey } = entry;
  try {
    await documents.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.order(order.orderId),
        UpdateExpression: 'SET #sk = :next',
        ConditionExpression: '#sk = :seen AND #status = :status',
        ExpressionAttributeNames: { '#sk': INDEXES.open.sort, '#status': 'status' },
        ExpressionAttributeValues: {
          ':next': lookAt(order.orderId, dueAt)[INDEXES.open.sort],
          ':seen': sortKey,
          ':status': order.status,
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
