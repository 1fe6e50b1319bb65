import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import type { CredentialedProvider } from '../domain/providers.js';
import { keys } from './schema.js';
import { tableName } from './table.js';

/**
 * A seller's credentials for one provider: the API key the adapter sends, and the secrets the provider
 * signs its webhooks with (several during a rotation). Kept in an item of their own, never in the seller
 * profile, so no code that reads or returns a profile ever holds them; written only by the admin command
 * (seller-admin.ts), never logged, never part of an API answer.
 */
export interface ProviderCredentials {
  apiKey: string;
  webhookSecrets: string[];
}

/** A credential change applies within this long in a warm function, as a seller setting does. */
export const CREDENTIALS_CACHE_MS = 30_000;

const recent = new Map<string, { value: ProviderCredentials | undefined; until: number }>();

export async function getProviderCredentials(
  sellerId: string,
  provider: CredentialedProvider,
): Promise<ProviderCredentials | undefined> {
  const cacheKey = `${sellerId}\u0000${provider}`;
  const cached = recent.get(cacheKey);
  if (cached && cached.until > Date.now()) return cached.value;
  const { Item } = await documents.send(
    new GetCommand({ TableName: tableName(), Key: keys.providerSecret(sellerId, provider) }),
  );
  const value =
    typeof Item?.apiKey === 'string'
      ? {
          apiKey: Item.apiKey,
          webhookSecrets: Array.isArray(Item.webhookSecrets) ? (Item.webhookSecrets as string[]) : [],
        }
      : undefined;
  if (recent.size > 1_000) recent.clear();
  recent.set(cacheKey, { value, until: Date.now() + CREDENTIALS_CACHE_MS });
  return value;
}

/** For tests, which stand in for the 30 s a function would wait. */
export const forgetCachedCredentials = (): void => recent.clear();
