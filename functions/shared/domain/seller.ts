import * as z from 'zod';
import { parseAmount } from './money.js';
import type { Address } from './order.js';
import type { Parcel, SellerProviders, ShopifyConnection } from './providers.js';

export * from './providers.js';

/**
 * Order totals at or above which an order is held for review, per currency, each in its own minor units:
 * `{"USD": "1000.00", "JPY": "150000"}`. An order in a currency with no threshold is not held for its
 * value (there is no rate to compare it by); set one for every currency the store sells in.
 */
export const reviewThresholdsSchema = z
  .record(z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code'), z.string())
  .superRefine((thresholds, context) => {
    for (const [currency, amount] of Object.entries(thresholds)) {
      if (parseAmount(amount, currency) === undefined)
        context.addIssue({ code: 'custom', path: [currency], message: `must be a ${currency} amount` });
    }
  });

export const sellerSettingsSchema = z.object({
  originCountry: z.string().regex(/^[A-Z]{2}$/),
  releaseMode: z.enum(['auto', 'manual']).default('auto'),
  reviewThresholds: reviewThresholdsSchema.default({ USD: '1000.00' }),
  /** How long an order not yet paid (Shopify `pending`) waits for payment before PAYMENT_FAILED. */
  paymentWaitHours: z
    .number()
    .positive()
    .max(24 * 365)
    .default(72),
  holdTimeoutHours: z
    .number()
    .positive()
    .max(24 * 365)
    .default(168),
  releaseSlaHours: z
    .number()
    .positive()
    .max(24 * 365)
    .default(24),
});
export type SellerSettings = z.infer<typeof sellerSettingsSchema>;

export interface Seller extends SellerSettings {
  /** Absent on a profile from before providers were chosen: DEFAULT_PROVIDERS. */
  providers?: SellerProviders;
  /** The Shopify shop orderflow sends fulfillments and tracking back to; absent, none is sent. */
  shopify?: ShopifyConnection;
  /** Where parcels leave from: the label's sender, which a real carrier requires. */
  shipFrom?: Address;
  /** The business's address on invoices and packing slips; `shipFrom` stands in when it is absent. */
  businessAddress?: Address;
  parcel?: Parcel;
  /** A profile written before thresholds were per currency: its one threshold, in USD. */
  reviewThreshold?: string;
  sellerId: string;
  /** The business's name, as its documents show it (the seller id when none was given). */
  name: string;
  createdAt: string;
}

/**
 * The secrets a seller's storefront signs its webhooks with, kept apart from the profile (which every
 * task reads) in an item only the api may read (store/webhook-secrets.ts).
 */
export interface StorefrontSecrets {
  /** HMAC secrets for webhooks; several so a secret can be rotated without downtime. */
  webhookSecrets: string[];
  /** Secrets replaced by a rotation: still accepted until their `until` (ISO), then ignored. */
  retiringWebhookSecrets?: RetiringSecret[];
}

export interface RetiringSecret {
  secret: string;
  until: string;
}

/** The secrets a webhook may be signed with now: the current ones and those still in their overlap. */
export function acceptedWebhookSecrets(seller: StorefrontSecrets, nowMs = Date.now()): string[] {
  const retiring = (seller.retiringWebhookSecrets ?? []).filter(({ until }) => Date.parse(until) > nowMs);
  return [...seller.webhookSecrets, ...retiring.map(({ secret }) => secret)];
}
