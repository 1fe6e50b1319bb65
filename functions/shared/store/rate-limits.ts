import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import { keys, TTL_ATTRIBUTE } from './schema.js';
import { tableName } from './table.js';

/**
 * A seller's share of the seller API: at most `perSecond` requests in each second, counted in one item
 * per seller and second, so every API container counts against the same limit (API Gateway's throttles
 * are per route, not per caller). One conditional UpdateItem a request; a minute later DynamoDB's TTL
 * removes the window. True when the request may go on.
 */
export async function takeApiRequest(
  sellerId: string,
  perSecond: number,
  nowMs = Date.now(),
): Promise<boolean> {
  const second = Math.floor(nowMs / 1000);
  try {
    await documents.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.rateWindow(sellerId, second),
        UpdateExpression: 'ADD #requests :one SET #ttl = if_not_exists(#ttl, :ttl)',
        ConditionExpression: 'attribute_not_exists(#requests) OR #requests < :limit',
        ExpressionAttributeNames: { '#requests': 'requests', '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ':one': 1, ':limit': perSecond, ':ttl': second + 60 },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
