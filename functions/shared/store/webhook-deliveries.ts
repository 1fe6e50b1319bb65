import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import { DAY_MS, nowIso } from '../clock.js';
import type { OrderEvent } from '../events/order-event.js';
import { NotFoundError } from '../errors.js';
import { keys } from './schema.js';
import { tableName } from './table.js';

export type DeliveryStatus = 'pending' | 'failing' | 'delivered' | 'dead' | 'cancelled';

/** One event for one endpoint: what the seller sees of its delivery, and the event, for a replay. */
export interface WebhookDelivery {
  endpointId: string;
  sellerId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  createdAt: string;
  lastAttemptAt?: string;
  /** The last failure: an HTTP status and the start of the answer, or the network error. */
  lastError?: string;
  deliveredAt?: string;
  event: OrderEvent;
}

/** Deliveries are kept 30 days, then DynamoDB's TTL removes them. */
const DELIVERY_TTL_MS = 30 * DAY_MS;

const strip = (item: Record<string, unknown>): WebhookDelivery => {
  const { PK: _pk, SK: _sk, expiresAt: _ttl, claimedUntil: _claim, ...delivery } = item;
  return delivery as unknown as WebhookDelivery;
};

/**
 * Records that `event` is to be delivered to the endpoint, once: a repeat of the event (the bus delivers
 * at least once) finds the record and answers false, so each endpoint gets each event once.
 */
export async function recordDelivery(
  endpoint: { endpointId: string; sellerId: string },
  event: OrderEvent,
): Promise<{ created: boolean; delivery: WebhookDelivery }> {
  const delivery: WebhookDelivery = {
    endpointId: endpoint.endpointId,
    sellerId: endpoint.sellerId,
    eventId: event.id,
    eventType: event.type,
    status: 'pending',
    attempts: 0,
    createdAt: nowIso(),
    event,
  };
  try {
    await documents.send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...keys.webhookDelivery(endpoint.endpointId, event.id),
          ...delivery,
          expiresAt: Math.floor((Date.now() + DELIVERY_TTL_MS) / 1000),
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
    return { created: true, delivery };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return { created: false, delivery: await getDelivery(endpoint.endpointId, event.id) };
  }
}

export async function getDelivery(endpointId: string, eventId: string): Promise<WebhookDelivery> {
  const { Item } = await documents.send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.webhookDelivery(endpointId, eventId),
      ConsistentRead: true,
    }),
  );
  if (!Item) throw new NotFoundError(`delivery of ${eventId} to ${endpointId} not found`);
  return strip(Item);
}

/** The endpoint's deliveries, newest event id last, a page at a time. */
export async function listDeliveries(
  endpointId: string,
  limit: number,
  startAfter?: string,
): Promise<{ items: WebhookDelivery[]; next?: string }> {
  const { Items = [], LastEvaluatedKey } = await documents.send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.webhookDelivery(endpointId, '').PK, ':prefix': 'DELIVERY#' },
      Limit: limit,
      ...(startAfter ? { ExclusiveStartKey: keys.webhookDelivery(endpointId, startAfter) } : {}),
    }),
  );
  const next = LastEvaluatedKey ? String(LastEvaluatedKey.SK).replace(/^DELIVERY#/, '') : undefined;
  return { items: Items.map(strip), ...(next ? { next } : {}) };
}

/**
 * Takes the delivery for one attempt, for `leaseMs`: false when it is delivered, or another attempt holds
 * it. A repeated event can queue a second message for one delivery (see queue-webhooks); the two attempts,
 * side by side, would otherwise both reach the seller. A holder that dies frees it when the lease ends.
 */
export async function claimAttempt(endpointId: string, eventId: string, leaseMs: number): Promise<boolean> {
  const now = Date.now();
  try {
    await documents.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.webhookDelivery(endpointId, eventId),
        UpdateExpression: 'SET claimedUntil = :until',
        ConditionExpression:
          'attribute_exists(PK) AND #status <> :delivered AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':until': now + leaseMs, ':now': now, ':delivered': 'delivered' },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * The outcome of one attempt: attempts counts attempts made, as SQS counts the message's receives. It
 * frees the delivery's claim.
 */
export async function recordAttempt(
  endpointId: string,
  eventId: string,
  outcome: { status: Exclude<DeliveryStatus, 'pending'>; attempts: number; error?: string },
): Promise<void> {
  const at = nowIso();
  const sets = ['#status = :status', 'attempts = :attempts', 'lastAttemptAt = :at'];
  const values: Record<string, unknown> = {
    ':status': outcome.status,
    ':attempts': outcome.attempts,
    ':at': at,
  };
  if (outcome.error !== undefined) {
    sets.push('lastError = :error');
    values[':error'] = outcome.error.slice(0, 500);
  }
  if (outcome.status === 'delivered') sets.push('deliveredAt = :at');
  await documents.send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.webhookDelivery(endpointId, eventId),
      UpdateExpression: `SET ${sets.join(', ')} REMOVE claimedUntil`,
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: values,
    }),
  );
}

/** A replay starts the delivery over: pending, attempts counted from zero again. */
export async function restartDelivery(endpointId: string, eventId: string): Promise<void> {
  await documents.send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.webhookDelivery(endpointId, eventId),
      UpdateExpression: 'SET #status = :pending, attempts = :zero REMOVE deliveredAt, claimedUntil',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':pending': 'pending', ':zero': 0 },
    }),
  );
}
