import { randomBytes } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import { nowIso } from '../clock.js';
import { sellerSettingsSchema, type Seller, type SellerSettings } from '../domain/seller.js';
import { keys } from './schema.js';
import { hashApiKey, newCursorKey } from './sellers.js';
import { tableName } from './table.js';

/** Creating sellers and their API keys: for the admin command, the local seed and the tests. */

export const newSecret = (prefix: string): string => `${prefix}_${randomBytes(24).toString('base64url')}`;

export async function putSeller(
  input: { sellerId: string; name?: string; webhookSecrets: string[] } & Partial<SellerSettings> &
    Pick<SellerSettings, 'originCountry'>,
): Promise<Seller> {
  const settings = sellerSettingsSchema.parse(input);
  const seller: Seller = {
    ...settings,
    sellerId: input.sellerId,
    name: input.name ?? input.sellerId,
    webhookSecrets: input.webhookSecrets,
    createdAt: nowIso(),
  };
  await documents.send(
    new PutCommand({ TableName: tableName(), Item: { ...keys.seller(seller.sellerId), ...seller } }),
  );
  return seller;
}

export async function addApiKey(sellerId: string, apiKey: string): Promise<void> {
  await documents.send(
    new PutCommand({
      TableName: tableName(),
      Item: { ...keys.apiKey(hashApiKey(apiKey)), sellerId, createdAt: nowIso(), cursorKey: newCursorKey() },
    }),
  );
}
