import { createHash, randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import { HOUR_MS, nowIso } from '../clock.js';
import type { Seller } from '../domain/seller.js';
import { ExpiringLru } from '../expiring-lru.js';
import { logger } from '../logger.js';
import { keys } from './schema.js';
import { tableName } from './table.js';

/**
 * Reading sellers and their API keys: what the functions need. Creating them is in seller-admin.ts, which
 * validates settings with zod and so stays out of the task functions' bundles.
 */

/** API keys are random 32-byte secrets, so a plain SHA-256 is a safe way to store and look them up. */
export const hashApiKey = (apiKey: string): string => createHash('sha256').update(apiKey).digest('hex');

export async function getSeller(sellerId: string): Promise<Seller | undefined> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: tableName(), Key: keys.seller(sellerId) }),
  );
  if (!Item) return undefined;
  const { PK: _pk, SK: _sk, ...seller } = Item;
  return seller as Seller;
}

/** Seller profiles read recently by this process; a changed secret or setting applies within this long. */
export const SELLER_CACHE_MS = 30_000;
/**
 * How long "no such seller" is remembered: briefly, since anyone can name sellers in webhook URLs (each
 * a read without it), and a seller created meanwhile must not wait long to be known.
 */
export const SELLER_MISS_CACHE_MS = 5_000;
/** At most this many sellers (and misses) are remembered: junk seller ids cannot grow the cache. */
export const SELLER_CACHE_SIZE = 1_000;

const recentSellers = new ExpiringLru<Seller | undefined>(SELLER_CACHE_SIZE);

/** How many sellers (and misses) this process remembers; for tests. */
export const cachedSellerCount = (): number => recentSellers.size;
/** Forgets every remembered seller; for tests, which stand in for the 30 s a function would wait. */
export const forgetCachedSellers = (): void => recentSellers.clear();

/**
 * getSeller for the request path: at most one read per seller per SELLER_CACHE_MS in a warm function,
 * and per SELLER_MISS_CACHE_MS for a seller that does not exist.
 */
export async function getSellerCached(sellerId: string): Promise<Seller | undefined> {
  const cached = recentSellers.get(sellerId);
  if (cached) return cached.value;
  const seller = await getSeller(sellerId);
  recentSellers.set(sellerId, seller, seller ? SELLER_CACHE_MS : SELLER_MISS_CACHE_MS);
  return seller;
}

/** A random key that signs what the API hands out to the holder of one API key (its search cursors). */
export const newCursorKey = (): string => randomBytes(32).toString('base64url');

/** The seller an API key belongs to, and the key's own secret for signing its cursors. */
export interface ApiKeyOwner {
  sellerId: string;
  cursorKey: string;
}

/** Last use is recorded at most this often per key, so a busy key costs no write per request. */
export const LAST_USE_RESOLUTION_MS = HOUR_MS;

export async function apiKeyOwner(apiKey: string): Promise<ApiKeyOwner | undefined> {
  const key = keys.apiKey(hashApiKey(apiKey));
  const { Item } = await documents.send(new GetCommand({ TableName: tableName(), Key: key }));
  if (typeof Item?.sellerId !== 'string') return undefined;
  const sellerId = Item.sellerId;
  const lastUsedAt = typeof Item.lastUsedAt === 'string' ? Date.parse(Item.lastUsedAt) : 0;
  const recent = Date.now() - lastUsedAt < LAST_USE_RESOLUTION_MS;
  if (typeof Item.cursorKey === 'string') {
    if (!recent) await recordUse(key, Item.cursorKey).catch((error: unknown) => logUseNotRecorded(error));
    return { sellerId, cursorKey: Item.cursorKey };
  }
  // A key made before keys had their own cursor key gets one now, once.
  const cursorKey = await recordUse(key, newCursorKey());
  return cursorKey === undefined ? undefined : { sellerId, cursorKey };
}

/**
 * Sets the key's last use, and its cursor key if it has none. A key revoked meanwhile is not written
 * back (undefined).
 */
async function recordUse(key: Record<string, string>, cursorKey: string): Promise<string | undefined> {
  try {
    const { Attributes } = await documents.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: key,
        UpdateExpression: 'SET lastUsedAt = :now, cursorKey = if_not_exists(cursorKey, :cursorKey)',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':now': nowIso(), ':cursorKey': cursorKey },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes?.cursorKey as string;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

/** The request goes on without it: last use is for the seller's key list, not for access. */
function logUseNotRecorded(error: unknown): void {
  logger.warn('API key last use not recorded', { error: error as Error });
}
