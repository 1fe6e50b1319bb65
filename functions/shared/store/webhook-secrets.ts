import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import type { StorefrontSecrets } from '../domain/seller.js';
import { ExpiringLru } from '../expiring-lru.js';
import { keys } from './schema.js';
import { SELLER_CACHE_MS, SELLER_CACHE_SIZE, SELLER_MISS_CACHE_MS } from './sellers.js';
import { tableName } from './table.js';

/**
 * Reading the secrets a seller's storefront signs webhooks with. They live in their own partition
 * (SECRET#<sellerId>), which only the api's role may read: the task functions read the profile and never
 * hold them. Written by the admin commands (seller-admin.ts).
 */

export async function getWebhookSecrets(sellerId: string): Promise<StorefrontSecrets | undefined> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: tableName(), Key: keys.webhookSecrets(sellerId) }),
  );
  if (!Item) return undefined;
  return {
    webhookSecrets: Array.isArray(Item.webhookSecrets) ? (Item.webhookSecrets as string[]) : [],
    ...(Array.isArray(Item.retiringWebhookSecrets)
      ? { retiringWebhookSecrets: Item.retiringWebhookSecrets as StorefrontSecrets['retiringWebhookSecrets'] }
      : {}),
  };
}

const recentSecrets = new ExpiringLru<StorefrontSecrets | undefined>(SELLER_CACHE_SIZE);

/** Forgets every remembered secret; for tests, which stand in for the 30 s a function would wait. */
export const forgetCachedWebhookSecrets = (): void => recentSecrets.clear();

/**
 * getWebhookSecrets for the request path: a change applies within SELLER_CACHE_MS, as a setting does; "no
 * secrets" (a seller that does not exist) is remembered as briefly as a missing seller is.
 */
export async function getWebhookSecretsCached(sellerId: string): Promise<StorefrontSecrets | undefined> {
  const cached = recentSecrets.get(sellerId);
  if (cached) return cached.value;
  const secrets = await getWebhookSecrets(sellerId);
  recentSecrets.set(sellerId, secrets, secrets ? SELLER_CACHE_MS : SELLER_MISS_CACHE_MS);
  return secrets;
}
