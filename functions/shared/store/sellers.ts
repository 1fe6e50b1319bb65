import { createHash } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import type { Seller } from '../domain/seller.js';
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
const recentSellers = new Map<string, { seller: Seller | undefined; until: number }>();

/** getSeller for the request path: at most one read per seller per SELLER_CACHE_MS in a warm function. */
export async function getSellerCached(sellerId: string): Promise<Seller | undefined> {
  const cached = recentSellers.get(sellerId);
  if (cached && cached.until > Date.now()) return cached.seller;
  const seller = await getSeller(sellerId);
  recentSellers.set(sellerId, { seller, until: Date.now() + SELLER_CACHE_MS });
  return seller;
}

export async function sellerIdForApiKey(apiKey: string): Promise<string | undefined> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: tableName(), Key: keys.apiKey(hashApiKey(apiKey)) }),
  );
  return Item?.sellerId as string | undefined;
}
