import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import { HOUR_MS } from '../clock.js';
import { keys, TTL_ATTRIBUTE } from './schema.js';
import { apiKeyOwner, hashApiKey, newCursorKey } from './sellers.js';
import { tableName } from './table.js';

/**
 * Console sessions: a seller's API key exchanged for a short-lived random token that the browser keeps in
 * an HttpOnly cookie. Only the token's SHA-256 is stored (like API keys), with the hash of the key it was
 * made from, so revoking that key ends its sessions too. Real time, not the local runtime's scaled time:
 * a session's length is a security setting, not a business duration.
 */
export const SESSION_LIFETIME_MS = 8 * HOUR_MS;

export interface Session {
  sellerId: string;
  /** Sent by the console in X-CSRF-Token with every state-changing request (the cookie alone is not enough). */
  csrfToken: string;
  /** Signs the search cursors handed out in this session. */
  cursorKey: string;
  /** ISO time after which the session is refused. */
  expiresAt: string;
}

const newToken = (): string => randomBytes(32).toString('base64url');

/** A new session for the holder of `apiKey`, with its token; undefined (nothing written) for a bad key. */
export async function createSession(
  apiKey: string,
  nowMs = Date.now(),
): Promise<{ token: string; session: Session } | undefined> {
  const owner = await apiKeyOwner(apiKey);
  if (!owner) return undefined;
  const token = newToken();
  // The TTL attribute (epoch seconds) is the expiry itself, so the two cannot disagree.
  const expiresAtSeconds = Math.floor((nowMs + SESSION_LIFETIME_MS) / 1000);
  const csrfToken = newToken();
  const cursorKey = newCursorKey();
  await documents.send(
    new PutCommand({
      TableName: tableName(),
      Item: {
        ...keys.session(hashApiKey(token)),
        sellerId: owner.sellerId,
        apiKeyHash: hashApiKey(apiKey),
        csrfToken,
        cursorKey,
        createdAt: new Date(nowMs).toISOString(),
        [TTL_ATTRIBUTE]: expiresAtSeconds,
      },
      // A 256-bit token never repeats; the condition only makes sure a session is never overwritten.
      ConditionExpression: 'attribute_not_exists(PK)',
    }),
  );
  return {
    token,
    session: { sellerId: owner.sellerId, csrfToken, cursorKey, expiresAt: isoOf(expiresAtSeconds) },
  };
}

const isoOf = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString();

/**
 * The session a token names, while it has not expired or been ended and the API key it was made from
 * still exists. DynamoDB's TTL deletes expired items only eventually, so expiry is checked here.
 */
export async function activeSession(token: string, nowMs = Date.now()): Promise<Session | undefined> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: tableName(), Key: keys.session(hashApiKey(token)) }),
  );
  const expiresAt = Item?.[TTL_ATTRIBUTE] as unknown;
  if (typeof Item?.sellerId !== 'string' || typeof expiresAt !== 'number' || expiresAt * 1000 <= nowMs)
    return undefined;
  const key = await documents.send(
    new GetCommand({ TableName: tableName(), Key: keys.apiKey(String(Item.apiKeyHash)) }),
  );
  if (key.Item?.sellerId !== Item.sellerId) return undefined;
  return {
    sellerId: Item.sellerId,
    csrfToken: String(Item.csrfToken),
    cursorKey: String(Item.cursorKey),
    expiresAt: isoOf(expiresAt),
  };
}

/**
 * Ends a session now: it expires at once and DynamoDB's TTL removes it. An update, not a delete, so the
 * API needs no DeleteItem grant; ending an ended or unknown session changes nothing.
 */
export async function endSession(token: string, nowMs = Date.now()): Promise<void> {
  try {
    await documents.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.session(hashApiKey(token)),
        UpdateExpression: 'SET endedAt = :now, #ttl = :ttl',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: {
          ':now': new Date(nowMs).toISOString(),
          ':ttl': Math.floor(nowMs / 1000),
        },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
