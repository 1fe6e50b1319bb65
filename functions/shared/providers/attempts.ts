import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { documents } from '../clients.js';
import { keys } from '../store/schema.js';
import { tableName } from '../store/table.js';

/**
 * Idempotency keys for a provider's mutating calls: `<orderId>:<step>:<attempt>`. A provider that keeps
 * the answer it gave a key (Stripe keeps even its 500s) would give a retry that same failure again, so
 * the attempt moves on only once the provider has answered with a failure; a retry after a crash or a
 * dropped connection reuses the key and gets the first call's result, never a second charge.
 */
export async function idempotencyKey(orderId: string, step: string): Promise<string> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: tableName(), Key: keys.providerCall(orderId, step), ConsistentRead: true }),
  );
  const attempt = typeof Item?.attempt === 'number' ? Item.attempt : 1;
  return `${orderId}:${step}:${attempt}`;
}

/** The provider answered `key` with a failure it keeps: the next call of the step gets a new key. */
export async function advanceAttempt(key: string): Promise<void> {
  const [orderId, step, attempt] = splitKey(key);
  try {
    await documents.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.providerCall(orderId, step),
        UpdateExpression: 'SET attempt = :next',
        // Only from the attempt that failed: two concurrent failures advance it once.
        ConditionExpression:
          attempt === 1 ? 'attribute_not_exists(attempt) OR attempt = :at' : 'attempt = :at',
        ExpressionAttributeValues: { ':next': attempt + 1, ':at': attempt },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

function splitKey(key: string): [string, string, number] {
  const parts = key.split(':');
  const attempt = Number(parts.pop());
  const step = parts.pop()!;
  return [parts.join(':'), step, attempt];
}
