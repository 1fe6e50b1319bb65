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
export const CREDENTIALED_PROVIDERS = ['stripe', 'easypost', 'shippo', 'shopify'] as const;
export type CredentialedProvider = (typeof CREDENTIALED_PROVIDERS)[number];

/**
 * A seller's Shopify shop, where orderflow sends fulfillments back (`npm run seller -- connect-shopify`).
 * The Admin API access token is a credential (provider `shopify`, store/provider-secrets.ts), never here.
 */
export interface ShopifyConnection {
  /** `<shop>.myshopify.com`. */
  shopDomain: string;
  /** Whether Shopify emails the customer the shipping confirmation when orderflow fulfils; default true. */
  notifyCustomer: boolean;
  connectedAt: string;
}

/** A shop's own domain, as Shopify names it: never another host, since the token is sent there. */
export const SHOP_DOMAIN_PATTERN = /^[a-z0-9][a-z0-9-]{0,59}\.myshopify\.com$/;

/** The parcel a real carrier is asked to rate when the seller gave none: 10 × 8 × 4 in, 1 lb. */
export const DEFAULT_PARCEL = { lengthIn: 10, widthIn: 8, heightIn: 4, weightOz: 16 };
export type Parcel = typeof DEFAULT_PARCEL;
