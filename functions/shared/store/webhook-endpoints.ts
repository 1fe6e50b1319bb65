import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import { nowIso } from '../clock.js';
import { NotFoundError } from '../errors.js';
import { keys } from './schema.js';
import { tableName } from './table.js';

/** A seller's subscription to order events: where they go, which types, and the secret that signs them. */
export interface WebhookEndpoint {
  endpointId: string;
  sellerId: string;
  url: string;
  /** Event types delivered; empty means every type. */
  events: string[];
  /** Signs each delivery (`X-Orderflow-Signature`); shown to the seller once, when created. */
  secret: string;
  createdAt: string;
  /** Set when the seller deletes it: nothing more is delivered, and it no longer lists. */
  deletedAt?: string;
}

const strip = (item: Record<string, unknown>): WebhookEndpoint => {
  const { PK: _pk, SK: _sk, ...endpoint } = item;
  return endpoint as unknown as WebhookEndpoint;
};

export async function createWebhookEndpoint(
  sellerId: string,
  url: string,
  events: string[],
): Promise<WebhookEndpoint> {
  const endpoint: WebhookEndpoint = {
    endpointId: `whe_${randomBytes(12).toString('hex')}`,
    sellerId,
    url,
    events,
    secret: `whsec_${randomBytes(24).toString('base64url')}`,
    createdAt: nowIso(),
  };
  await documents.send(
    new PutCommand({
      TableName: tableName(),
      Item: { ...keys.webhookEndpoint(sellerId, endpoint.endpointId), ...endpoint },
      ConditionExpression: 'attribute_not_exists(PK)',
    }),
  );
  return endpoint;
}

/** The seller's endpoints that are not deleted, oldest first. */
export async function listWebhookEndpoints(sellerId: string): Promise<WebhookEndpoint[]> {
  const endpoints: WebhookEndpoint[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const { Items = [], LastEvaluatedKey } = await documents.send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        FilterExpression: 'attribute_not_exists(deletedAt)',
        ExpressionAttributeValues: { ':pk': keys.webhookEndpoint(sellerId, '').PK, ':prefix': 'WEBHOOK#' },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    endpoints.push(...Items.map(strip));
    startKey = LastEvaluatedKey;
  } while (startKey);
  return endpoints.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** The endpoint, deleted or not; another seller's does not exist. */
export async function getWebhookEndpoint(sellerId: string, endpointId: string): Promise<WebhookEndpoint> {
  const { Item } = await documents.send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.webhookEndpoint(sellerId, endpointId),
      ConsistentRead: true,
    }),
  );
  if (!Item) throw new NotFoundError(`webhook endpoint ${endpointId} not found`);
  return strip(Item);
}

/** Marks it deleted (kept, so its deliveries still read): nothing more is sent to it. */
export async function deleteWebhookEndpoint(sellerId: string, endpointId: string): Promise<void> {
  try {
    await documents.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.webhookEndpoint(sellerId, endpointId),
        UpdateExpression: 'SET deletedAt = if_not_exists(deletedAt, :now)',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':now': nowIso() },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException)
      throw new NotFoundError(`webhook endpoint ${endpointId} not found`);
    throw error;
  }
}

/** Whether an endpoint takes events of this type. */
export const subscribesTo = (endpoint: WebhookEndpoint, type: string): boolean =>
  !endpoint.deletedAt && (endpoint.events.length === 0 || endpoint.events.includes(type));
