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
import { countIndexPartition } from './index-counts.js';
import { INDEXES, OPEN_SHARDS, indexKeys, keys, openShard } from './schema.js';
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

/** The ids of one shard's orders due at or before `now` (epoch ms), the longest due first. */
export async function dueOrderIds(
  shard: number,
  now: number,
  limit: number,
  startKey?: Record<string, unknown>,
): Promise<{ orderIds: string[]; lastKey?: Record<string, unknown> }> {
  const { Items = [], LastEvaluatedKey } = await documents.send(
    new QueryCommand({
      TableName: tableName(),
      IndexName: INDEXES.open.name,
      // Sort keys are `<dueAt>#<orderId>`: every one due at `now` or earlier sorts below `now` + 1 ms.
      KeyConditionExpression: '#pk = :shard AND #sk < :after',
      ExpressionAttributeNames: { '#pk': INDEXES.open.partition, '#sk': INDEXES.open.sort },
      ExpressionAttributeValues: { ':shard': openShard(shard), ':after': new Date(now + 1).toISOString() },
      Limit: limit,
      ExclusiveStartKey: startKey,
    }),
  );
  return {
    orderIds: Items.map((item) => (item[INDEXES.open.sort] as string).split('#')[1]!),
    lastKey: LastEvaluatedKey,
  };
}

/**
 * How many orders are open: the entries of every shard of the Open index, counted by DynamoDB (keys only,
 * so a page covers thousands). A gauge for the dashboard, not an exact figure: the index trails its table.
 */
export async function countOpenOrders(): Promise<number> {
  const counts = await Promise.all(
    Array.from({ length: OPEN_SHARDS }, (_, shard) => countIndexPartition(INDEXES.open, openShard(shard))),
  );
  return counts.reduce((sum, count) => sum + count, 0);
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
