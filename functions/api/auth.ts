import { createHash, timingSafeEqual } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { acceptedWebhookSecrets, type Seller } from '../shared/domain/seller.js';
import { metrics } from '../shared/logger.js';
import { getProviderCredentials } from '../shared/store/provider-secrets.js';
import { apiKeyOwner, getSellerCached, type ApiKeyOwner } from '../shared/store/sellers.js';
import { activeSession, SESSION_LIFETIME_MS, type Session } from '../shared/store/sessions.js';
import { getWebhookSecretsCached } from '../shared/store/webhook-secrets.js';
import { ApiError, header, type ApiEvent } from './http.js';
import { verifyEasyPostHmac, verifyOrderflowSignature, verifyShopifyHmac } from './signatures.js';

/**
 * How a route knows its caller. `sellerApiKey`: the seller's API key (Authorization: Bearer) or a console
 * session made from it (the session cookie, plus X-CSRF-Token on state-changing methods);
 * `sellerSession`: the session cookie only (the routes about the session itself).
 */
export type Auth =
  | 'sellerApiKey'
  | 'sellerSession'
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

/** The console's session cookie: HttpOnly (no script reads it), Secure, SameSite=Strict, whole origin. */
export const SESSION_COOKIE = 'orderflow_session';
/** The header that must carry the session's CSRF token on every state-changing request made with the cookie. */
export const CSRF_HEADER = 'X-CSRF-Token';
const COOKIE_ATTRIBUTES = 'HttpOnly; Secure; SameSite=Strict; Path=/';
/** Session tokens are 32 random bytes in base64url; anything else names no session and is not looked up. */
const SESSION_TOKEN = /^[A-Za-z0-9_-]{43}$/;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const sessionCookie = (token: string): string =>
  `${SESSION_COOKIE}=${token}; ${COOKIE_ATTRIBUTES}; Max-Age=${SESSION_LIFETIME_MS / 1000}`;
export const clearedSessionCookie = (): string => `${SESSION_COOKIE}=; ${COOKIE_ATTRIBUTES}; Max-Age=0`;

/** A seller's caller: by API key, or by a session (then with its token, to end it). */
export interface SellerCaller extends ApiKeyOwner {
  session?: Session & { token: string };
}

/** The session token in the request's cookies (API Gateway's payload 2.0 gives them apart from the headers). */
function sessionToken(event: ApiEvent): string | undefined {
  const prefix = `${SESSION_COOKIE}=`;
  return event.cookies?.find((cookie) => cookie.startsWith(prefix))?.slice(prefix.length);
}

const sameSecret = (given: string, expected: string): boolean =>
  timingSafeEqual(
    createHash('sha256').update(given).digest(),
    createHash('sha256').update(expected).digest(),
  );

/**
 * The seller of the API key in `Authorization: Bearer …` (looked up by its hash only), or, without that
 * header, of the session cookie. An Authorization header is always the credential when present, so a bad
 * key is refused even beside a good cookie.
 */
export async function authenticateSeller(event: ApiEvent): Promise<SellerCaller> {
  const authorization = header(event, 'authorization');
  if (authorization === undefined && sessionToken(event) !== undefined) return authenticateSession(event);
  const apiKey = BEARER.exec(authorization ?? '')?.[1];
  const owner = apiKey ? await apiKeyOwner(apiKey) : undefined;
  if (!owner) throw unauthorized('a valid API key is required (Authorization: Bearer <key>)', 'Bearer');
  return owner;
}

/**
 * The seller of the session cookie. A session is refused once it has expired or ended, or when its API key
 * has been revoked (401); with it, a state-changing method also needs the session's X-CSRF-Token (403):
 * SameSite=Strict already keeps the cookie off cross-site requests, the token is the second lock.
 */
export async function authenticateSession(event: ApiEvent): Promise<Required<SellerCaller>> {
  const token = sessionToken(event);
  const session = token && SESSION_TOKEN.test(token) ? await activeSession(token) : undefined;
  if (!token || !session) throw unauthorized('no active session: sign in again (POST /sessions)');
  if (!SAFE_METHODS.has(event.requestContext.http.method.toUpperCase())) {
    const given = header(event, CSRF_HEADER) ?? '';
    if (!sameSecret(given, session.csrfToken)) {
      throw new ApiError(
        403,
        'csrf_token_invalid',
        `a state-changing request in a session needs the session's ${CSRF_HEADER} header`,
      );
    }
  }
  return { sellerId: session.sellerId, cursorKey: session.cursorKey, session: { ...session, token } };
}

/**
 * The seller a webhook claims to come from, if its signature over the raw body matches one of that
 * seller's secrets. Unknown sellers and bad signatures get the same answer after the same work: an
 * unknown seller's check runs against stand-in secrets (see signatures.ts).
 */
export async function authenticateWebhook(
  event: ApiEvent,
  rawBody: Buffer,
  scheme: Exclude<Auth, 'sellerApiKey' | 'sellerSession' | 'none'>,
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
