import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import { nowIso } from '../clock.js';
import type { HistoryEntry, OrderNotice } from '../domain/order.js';
import type { TrackingInfo } from '../providers/shopify-admin.js';
import { requireOrder } from './orders.js';
import { keys } from './schema.js';
import { tableName } from './table.js';

/**
 * What orderflow did in a seller's Shopify shop for one order, in an item of its own beside the order
 * (`ORDER#<id>` / `SHOPIFY`): the fulfillment it made and the tracking Shopify confirmed. Shopify's
 * fulfillmentCreate takes no idempotency key, so a claim is written before creating: a second worker
 * waits while it is fresh, and whoever comes after a claim that never recorded its fulfillment (a crash
 * between Shopify's answer and this record) looks for it among the order's fulfillments before creating.
 */
export interface ShopifySyncRecord {
  fulfillmentId?: string;
  tracking?: TrackingInfo;
  /** A creation in progress since then (removed when it ends, either way). */
  claimedAt?: string;
  /** When the first creation started: a fulfillment Shopify made since then may be ours. */
  firstClaimedAt?: string;
  /** The notices given, by what caused them, so a repeated event does not repeat its notice. */
  noticeKeys?: Set<string>;
}

export async function getShopifySync(orderId: string): Promise<ShopifySyncRecord> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: tableName(), Key: keys.shopifySync(orderId), ConsistentRead: true }),
  );
  return (Item ?? {}) as ShopifySyncRecord;
}

/**
 * Claims the creation of the order's fulfillment: false while another worker's claim is younger than
 * `staleMs` (longer than the function may run), or once a fulfillment is recorded.
 */
export async function claimFulfillment(
  orderId: string,
  staleMs: number,
): Promise<{ claimed: true; firstClaimedAt: string; retaken: boolean } | { claimed: false }> {
  const now = nowIso();
  try {
    const { Attributes } = await documents.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.shopifySync(orderId),
        UpdateExpression: 'SET claimedAt = :now, firstClaimedAt = if_not_exists(firstClaimedAt, :now)',
        ConditionExpression:
          'attribute_not_exists(fulfillmentId) AND (attribute_not_exists(claimedAt) OR claimedAt < :stale)',
        ExpressionAttributeValues: {
          ':now': now,
          ':stale': new Date(Date.parse(now) - staleMs).toISOString(),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const firstClaimedAt = Attributes!.firstClaimedAt as string;
    // An earlier claim that never recorded a fulfillment: it may have made one.
    return { claimed: true, firstClaimedAt, retaken: firstClaimedAt !== now };
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return { claimed: false };
    throw error;
  }
}

/** Ends a claim whose creation failed in a way this worker saw: the next attempt need not wait it out. */
export async function releaseClaim(orderId: string): Promise<void> {
  await documents.send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.shopifySync(orderId),
      UpdateExpression: 'REMOVE claimedAt',
    }),
  );
}

/** The fulfillment made (or found), with the tracking Shopify holds for it; ends the claim. */
export async function recordFulfillment(
  orderId: string,
  fulfillmentId: string,
  tracking: TrackingInfo | undefined,
): Promise<void> {
  await documents.send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.shopifySync(orderId),
      UpdateExpression: `SET fulfillmentId = :id${tracking ? ', tracking = :tracking' : ''} REMOVE claimedAt`,
      ExpressionAttributeValues: { ':id': fulfillmentId, ...(tracking ? { ':tracking': tracking } : {}) },
    }),
  );
}

/**
 * Tells the seller what happened in their shop: a history entry that keeps the order's status (and so
 * an order event, `order.<notice>`), given once per `key` (what caused it: an event id, say), in one
 * transaction with the record of it.
 */
export async function addNotice(
  orderId: string,
  notice: OrderNotice,
  reason: string,
  key: string,
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const { status } = await requireOrder(orderId);
    const entry: HistoryEntry = { status, at: nowIso(), actor: 'system', reason, notice };
    try {
      await documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: tableName(),
                Key: keys.shopifySync(orderId),
                UpdateExpression: 'ADD noticeKeys :keys',
                ConditionExpression: 'NOT contains(noticeKeys, :key)',
                ExpressionAttributeValues: { ':keys': new Set([key]), ':key': key },
              },
            },
            {
              Update: {
                TableName: tableName(),
                Key: keys.order(orderId),
                UpdateExpression: 'SET #history = list_append(#history, :entry), #updatedAt = :at',
                // The entry says the status it was given in: a transition in between reads it again.
                ConditionExpression: '#status = :status',
                ExpressionAttributeNames: {
                  '#history': 'history',
                  '#updatedAt': 'updatedAt',
                  '#status': 'status',
                },
                ExpressionAttributeValues: { ':entry': [entry], ':at': entry.at, ':status': status },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [record, order] = error.CancellationReasons ?? [];
      if (record?.Code === 'ConditionalCheckFailed') return false;
      if (order?.Code !== 'ConditionalCheckFailed' || attempt >= 5) throw error;
    }
  }
}
