import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { acceptedWebhookSecrets, type Seller } from '../shared/domain/seller.js';
import { metrics } from '../shared/logger.js';
import { getProviderCredentials } from '../shared/store/provider-secrets.js';
import { apiKeyOwner, getSellerCached, type ApiKeyOwner } from '../shared/store/sellers.js';
import { getWebhookSecretsCached } from '../shared/store/webhook-secrets.js';
import { ApiError, header, type ApiEvent } from './http.js';
import { verifyEasyPostHmac, verifyOrderflowSignature, verifyShopifyHmac } from './signatures.js';

export type Auth =
  | 'sellerApiKey'
  | 'shopifyHmac'
  | 'orderflowSignature'
  | 'stripeSignature'
  | 'easypostHmac'
  | 'shippoSignature'
  | 'none';

/** Webhooks a provider signs with the secrets kept with the seller's credentials for it. */
const PROVIDER_SCHEMES = {
  stripeSignature: { provider: 'stripe', header: 'stripe-signature', name: 'Stripe-Signature' },
  easypostHmac: { provider: 'easypost', header: 'x-hmac-signature', name: 'X-Hmac-Signature' },
  shippoSignature: { provider: 'shippo', header: 'shippo-auth-signature', name: 'Shippo-Auth-Signature' },
} as const;

export const SELLER_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const BEARER = /^Bearer ([\x21-\x7e]{8,512})$/i;

const unauthorized = (message: string, challenge?: string) =>
  new ApiError(
    401,
    'unauthorized',
    message,
    undefined,
    challenge ? { 'www-authenticate': challenge } : undefined,
  );

/** The seller whose API key is in `Authorization: Bearer …`; the key is looked up by its hash only. */
export async function authenticateSeller(event: ApiEvent): Promise<ApiKeyOwner> {
  const apiKey = BEARER.exec(header(event, 'authorization') ?? '')?.[1];
  const owner = apiKey ? await apiKeyOwner(apiKey) : undefined;
  if (!owner) throw unauthorized('a valid API key is required (Authorization: Bearer <key>)', 'Bearer');
  return owner;
}

/**
 * The seller a webhook claims to come from, if its signature over the raw body matches one of that
 * seller's secrets. Unknown sellers and bad signatures get the same answer after the same work: an
 * unknown seller's check runs against stand-in secrets (see signatures.ts).
 */
export async function authenticateWebhook(
  event: ApiEvent,
  rawBody: Buffer,
  scheme: Exclude<Auth, 'sellerApiKey' | 'none'>,
): Promise<Seller> {
  const sellerId = event.pathParameters?.sellerId ?? '';
  const providerScheme =
    scheme in PROVIDER_SCHEMES ? PROVIDER_SCHEMES[scheme as keyof typeof PROVIDER_SCHEMES] : undefined;
  // The storefront's secrets are read with the profile, for a seller that exists or not: the same reads.
  const [seller, storefront] = SELLER_ID_PATTERN.test(sellerId)
    ? await Promise.all([
        getSellerCached(sellerId),
        providerScheme ? undefined : getWebhookSecretsCached(sellerId),
      ])
    : [undefined, undefined];
  const secrets = !seller
    ? []
    : providerScheme
      ? ((await getProviderCredentials(sellerId, providerScheme.provider))?.webhookSecrets ?? [])
      : acceptedWebhookSecrets(storefront ?? { webhookSecrets: [] });
  let valid: boolean;
  if (scheme === 'shopifyHmac')
    valid = verifyShopifyHmac(rawBody, header(event, 'x-shopify-hmac-sha256'), secrets);
  else if (scheme === 'easypostHmac')
    valid = verifyEasyPostHmac(rawBody, header(event, 'x-hmac-signature'), secrets);
  // Stripe's and (as third parties describe it) Shippo's signatures are ours: t=, any v1 of "<t>.<raw body>".
  else
    valid = verifyOrderflowSignature(
      rawBody,
      header(event, providerScheme?.header ?? 'x-orderflow-signature'),
      secrets,
    );
  if (!seller || !valid) {
    metrics.addMetric('WebhookSignatureRejected', MetricUnit.Count, 1);
    throw unauthorized(
      scheme === 'shopifyHmac'
        ? 'the X-Shopify-Hmac-Sha256 signature does not match'
        : `the ${providerScheme?.name ?? 'X-Orderflow-Signature'} is missing, stale or does not match`,
    );
  }
  return seller;
}
