import { setStock } from '../../functions/shared/store/inventory.js';
import { addApiKey, putSeller } from '../../functions/shared/store/seller-admin.js';

/** The two sellers of the local defaults (DESIGN.md), with their keys, secrets and demo stock. */
export const DEMO = { sellerId: 'demo', apiKey: 'demo-api-key', webhookSecret: 'demo-webhook-secret' };
export const ACME = { sellerId: 'acme', apiKey: 'acme-api-key', webhookSecret: 'acme-webhook-secret' };

export async function seedSellers(): Promise<void> {
  await putSeller({ sellerId: DEMO.sellerId, originCountry: 'US', webhookSecrets: [DEMO.webhookSecret] });
  await putSeller({ sellerId: ACME.sellerId, originCountry: 'DE', webhookSecrets: [ACME.webhookSecret] });
  await addApiKey(DEMO.sellerId, DEMO.apiKey);
  await addApiKey(ACME.sellerId, ACME.apiKey);
  await setStock(DEMO.sellerId, 'MUG-RED', 100);
  await setStock(DEMO.sellerId, 'TEE-BLK-M', 50);
  await setStock(DEMO.sellerId, 'POSTER-A2', 10);
  await setStock(ACME.sellerId, 'MUG-RED', 7);
}
