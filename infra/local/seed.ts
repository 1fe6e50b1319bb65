import { addApiKey, putSeller } from '../../functions/shared/store/seller-admin.js';
import { getSeller } from '../../functions/shared/store/sellers.js';
import { setStock } from '../../functions/shared/store/inventory.js';

/** The design's two local sellers, so tenant isolation can be tried from the first minute. */
export const LOCAL_SELLERS = [
  {
    sellerId: 'demo',
    apiKey: 'demo-api-key',
    webhookSecret: 'demo-webhook-secret',
    originCountry: 'US',
    reviewThresholds: { USD: '1000.00', JPY: '150000' },
  },
  {
    sellerId: 'acme',
    apiKey: 'acme-api-key',
    webhookSecret: 'acme-webhook-secret',
    originCountry: 'DE',
    reviewThresholds: { EUR: '1000.00', USD: '1000.00' },
  },
] as const;

export const LOCAL_STOCK = { demo: { 'MUG-RED': 100, 'TEE-BLK-M': 50, 'POSTER-A2': 10 } } as const;

/** Seeds sellers and stock on first start only: a restart never resets what the user changed. */
export async function seed(): Promise<boolean> {
  if (await getSeller('demo')) return false;
  for (const [sellerId, stock] of Object.entries(LOCAL_STOCK)) {
    for (const [sku, available] of Object.entries(stock)) await setStock(sellerId, sku, available);
  }
  // demo's profile is written last: it is the marker that seeding finished.
  for (const seller of [...LOCAL_SELLERS].reverse()) {
    await addApiKey(seller.sellerId, seller.apiKey);
    await putSeller({
      sellerId: seller.sellerId,
      originCountry: seller.originCountry,
      reviewThresholds: seller.reviewThresholds,
      webhookSecrets: [seller.webhookSecret],
    });
  }
  return true;
}
