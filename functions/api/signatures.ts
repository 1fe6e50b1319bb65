import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** How far a signed webhook's timestamp may be from our clock, either way. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

const hmac = (secret: string, ...parts: (string | Buffer)[]): Buffer => {
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(part);
  return mac.digest();
};

/** Equal-length buffers compared in constant time; a length mismatch is simply unequal. */
function sameBytes(expected: Buffer, given: Buffer): boolean {
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Every check tries this many secrets, a seller's own and then stand-ins, and never stops early: a
 * rejection costs the same whether the seller exists (and however many secrets it has, up to this, the
 * most the admin command lets a seller hold) or not, so timing does not tell which sellers exist.
 */
export const SECRET_SLOTS = 4;
/** Random per process: no signature can match it. */
const STAND_IN = randomBytes(32).toString('base64url');

function anySecretMatches(secrets: readonly string[], matches: (secret: string) => boolean): boolean {
  let matched = false;
  for (let slot = 0; slot < Math.max(SECRET_SLOTS, secrets.length); slot++) {
    const secret = secrets[slot];
    const same = matches(secret ?? STAND_IN);
    matched = (same && secret !== undefined) || matched;
  }
  return matched;
}

/**
 * Shopify: `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body. Every current secret is
 * tried, so a secret can be rotated without dropping deliveries.
 */
export function verifyShopifyHmac(
  rawBody: Buffer,
  header: string | undefined,
  secrets: readonly string[],
): boolean {
  if (!header || !/^[A-Za-z0-9+/]{43}=$/.test(header.trim())) return false;
  const given = Buffer.from(header.trim(), 'base64');
  return anySecretMatches(secrets, (secret) => sameBytes(hmac(secret, rawBody), given));
}

export interface OrderflowSignature {
  timestamp: number;
  signatures: Buffer[];
}

/** `t=<unix seconds>,v1=<hex>[,v1=<hex>…]`; anything else is no signature. */
export function parseOrderflowSignature(header: string | undefined): OrderflowSignature | undefined {
  if (!header || header.length > 1000) return undefined;
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const [key, value = ''] = part.trim().split('=', 2) as [string, string?];
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  return timestamp === undefined || signatures.length === 0 ? undefined : { timestamp, signatures };
}

/**
 * Generic webhooks: `X-Orderflow-Signature` signs `<t>.<raw body>`, and `t` must lie within the tolerance
 * window, so a captured delivery cannot be replayed later.
 */
export function verifyOrderflowSignature(
  rawBody: Buffer,
  header: string | undefined,
  secrets: readonly string[],
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  const parsed = parseOrderflowSignature(header);
  if (!parsed || Math.abs(nowSeconds - parsed.timestamp) > SIGNATURE_TOLERANCE_SECONDS) return false;
  return anySecretMatches(secrets, (secret) => {
    const expected = hmac(secret, `${parsed.timestamp}.`, rawBody);
    return parsed.signatures.reduce((matched, given) => sameBytes(expected, given) || matched, false);
  });
}

/** The header a sender puts on a generic webhook (for senders, the docs and tests). */
export function signOrderflowWebhook(
  rawBody: string | Buffer,
  secret: string,
  timestamp = Math.floor(Date.now() / 1000),
): string {
  return `t=${timestamp},v1=${hmac(secret, `${timestamp}.`, rawBody).toString('hex')}`;
}

/**
 * EasyPost: `X-Hmac-Signature: hmac-sha256-hex=<hex>`, the HMAC-SHA256 of the raw body with the webhook
 * secret NFKD-normalized. No timestamp is signed, so a replay is caught by the event id instead.
 */
export function verifyEasyPostHmac(
  rawBody: Buffer,
  header: string | undefined,
  secrets: readonly string[],
): boolean {
  const hex = /^hmac-sha256-hex=([0-9a-f]{64})$/i.exec(header?.trim() ?? '')?.[1];
  if (!hex) return false;
  const given = Buffer.from(hex, 'hex');
  return anySecretMatches(secrets, (secret) => sameBytes(hmac(secret.normalize('NFKD'), rawBody), given));
}
