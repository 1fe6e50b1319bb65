/**
 * The providers a seller can choose, in a module of their own without zod: the task functions read these
 * and must not load the settings schema (seller.ts) to do it.
 */
/** Who takes the payment and who carries the parcel, chosen per seller (`npm run seller -- set-providers`). */
export const PAYMENT_PROVIDERS = ['sandbox', 'shopify', 'stripe'] as const;
export type PaymentProviderName = (typeof PAYMENT_PROVIDERS)[number];
export const CARRIER_PROVIDERS = ['sandbox', 'easypost', 'shippo'] as const;
export type CarrierProviderName = (typeof CARRIER_PROVIDERS)[number];

export interface SellerProviders {
  payment: PaymentProviderName;
  carrier: CarrierProviderName;
}

/** A seller who never chose: the sandbox, which only a stage that allows it serves (ALLOW_SANDBOX_PROVIDERS). */
export const DEFAULT_PROVIDERS: SellerProviders = { payment: 'sandbox', carrier: 'sandbox' };

/** Providers that hold a seller's credentials (secrets, kept apart from the profile: store/provider-secrets.ts). */
export const CREDENTIALED_PROVIDERS = ['stripe', 'easypost', 'shippo'] as const;
export type CredentialedProvider = (typeof CREDENTIALED_PROVIDERS)[number];

/** The parcel a real carrier is asked to rate when the seller gave none: 10 × 8 × 4 in, 1 lb. */
export const DEFAULT_PARCEL = { lengthIn: 10, widthIn: 8, heightIn: 4, weightOz: 16 };
export type Parcel = typeof DEFAULT_PARCEL;
