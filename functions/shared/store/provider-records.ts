import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import { nowIso } from '../clock.js';
import { scopes } from './idempotency.js';
import { keys } from './schema.js';
import { tableName } from './table.js';

/** Provider events are remembered as long as Stripe retries them (3 days), with a wide margin. */
const EVENT_TTL_SECONDS = 30 * 24 * 3600;

/** Records which order a carrier's tracking number belongs to, for its tracking webhooks. Safe to repeat. */
export async function rememberTracking(
  sellerId: string,
  provider: string,
  trackingNumber: string,
  orderId: string,
): Promise<void> {
  await documents.send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.idempotency(scopes.providerTracking(sellerId, provider, trackingNumber)),
      UpdateExpression: 'SET orderId = :orderId',
      ExpressionAttributeValues: { ':orderId': orderId },
    }),
  );
}

export async function trackedOrderId(
  sellerId: string,
  provider: string,
  trackingNumber: string,
): Promise<string | undefined> {
  const { Item } = await documents.send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.idempotency(scopes.providerTracking(sellerId, provider, trackingNumber)),
      ConsistentRead: true,
    }),
  );
  return typeof Item?.orderId === 'string' ? Item.orderId : undefined;
}

/** Records which order a provider's payment pays, so the provider's webhooks can find it. Safe to repeat. */
export async function rememberPaymentOrder(
  sellerId: string,
  provider: string,
  reference: string,
  orderId: string,
): Promise<void> {
  await documents.send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.idempotency(scopes.providerPayment(sellerId, provider, reference)),
      UpdateExpression: 'SET orderId = :orderId',
      ExpressionAttributeValues: { ':orderId': orderId },
    }),
  );
}

export async function paymentOrderId(
  sellerId: string,
  provider: string,
  reference: string,
): Promise<string | undefined> {
  const { Item } = await documents.send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.idempotency(scopes.providerPayment(sellerId, provider, reference)),
      ConsistentRead: true,
    }),
  );
  return typeof Item?.orderId === 'string' ? Item.orderId : undefined;
}

/** The outcome a provider event was acted on with, if it was. */
export async function handledEvent(
  sellerId: string,
  provider: string,
  eventId: string,
): Promise<string | undefined> {
  const { Item } = await documents.send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.idempotency(scopes.providerEvent(sellerId, provider, eventId)),
      ConsistentRead: true,
    }),
  );
  return typeof Item?.outcome === 'string' ? Item.outcome : undefined;
}

/**
 * Records that an event was acted on, after it was (an event whose handling failed is handled again when
 * the provider redelivers it). False when a concurrent delivery recorded it first.
 */
export async function recordEvent(
  sellerId: string,
  provider: string,
  eventId: string,
  outcome: string,
): Promise<boolean> {
  try {
    await documents.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.idempotency(scopes.providerEvent(sellerId, provider, eventId)),
        UpdateExpression: 'SET outcome = :outcome, handledAt = :at, expiresAt = :expires',
        ConditionExpression: 'attribute_not_exists(PK)',
        ExpressionAttributeValues: {
          ':outcome': outcome,
          ':at': nowIso(),
          ':expires': Math.floor(Date.now() / 1000) + EVENT_TTL_SECONDS,
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
