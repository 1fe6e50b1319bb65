import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  parseOrderflowSignature,
  signOrderflowWebhook,
  verifyOrderflowSignature,
  verifyShopifyHmac,
} from '../../functions/api/signatures.js';

const body = Buffer.from('{"id":820982911946154508,"email":"jon@example.com","note":"Grüße"}');
const shopifyDigest = (secret: string) => createHmac('sha256', secret).update(body).digest('base64');
const orderflowDigest = (secret: string, t: number) =>
  createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');

describe('Shopify HMAC', () => {
  it('accepts the base64 HMAC-SHA256 of the raw body under any current secret', () => {
    expect(verifyShopifyHmac(body, shopifyDigest('s1'), ['s1'])).toBe(true);
    expect(verifyShopifyHmac(body, shopifyDigest('s2'), ['s1', 's2'])).toBe(true);
  });

  it('refuses another secret, another body, a missing or malformed header, and no secrets', () => {
    expect(verifyShopifyHmac(body, shopifyDigest('other'), ['s1'])).toBe(false);
    expect(verifyShopifyHmac(Buffer.from(`${body} `), shopifyDigest('s1'), ['s1'])).toBe(false);
    expect(verifyShopifyHmac(body, undefined, ['s1'])).toBe(false);
    expect(verifyShopifyHmac(body, 'abc', ['s1'])).toBe(false);
    expect(verifyShopifyHmac(body, shopifyDigest('s1').slice(0, -2) + 'A=', ['s1'])).toBe(false);
    expect(verifyShopifyHmac(body, shopifyDigest('s1'), [])).toBe(false);
  });
});

describe('X-Orderflow-Signature', () => {
  const now = 1_800_000_000;

  it('accepts t and a v1 HMAC of "<t>.<raw body>" within 300 s either way', () => {
    for (const t of [now, now - 300, now + 300]) {
      expect(verifyOrderflowSignature(body, `t=${t},v1=${orderflowDigest('s1', t)}`, ['s1'], now)).toBe(true);
    }
  });

  it('refuses stale or future timestamps, other secrets and altered bodies', () => {
    const at = (t: number, secret = 's1') => `t=${t},v1=${orderflowDigest(secret, t)}`;
    expect(verifyOrderflowSignature(body, at(now - 301), ['s1'], now)).toBe(false);
    expect(verifyOrderflowSignature(body, at(now + 301), ['s1'], now)).toBe(false);
    expect(verifyOrderflowSignature(body, at(now, 'other'), ['s1'], now)).toBe(false);
    expect(verifyOrderflowSignature(Buffer.from('{}'), at(now), ['s1'], now)).toBe(false);
  });

  it('takes several v1 values (a sender mid-rotation) and ignores unknown parts', () => {
    const header = `t=${now}, v0=zzz, v1=${orderflowDigest('old', now)}, v1=${orderflowDigest('new', now)}`;
    expect(verifyOrderflowSignature(body, header, ['new'], now)).toBe(true);
  });

  it('parses only well-formed headers', () => {
    expect(parseOrderflowSignature('v1=' + 'a'.repeat(64))).toBeUndefined();
    expect(parseOrderflowSignature(`t=${now}`)).toBeUndefined();
    expect(parseOrderflowSignature(`t=soon,v1=${'a'.repeat(64)}`)).toBeUndefined();
    expect(parseOrderflowSignature(`t=${now},v1=${'a'.repeat(63)}`)).toBeUndefined();
    expect(parseOrderflowSignature('x'.repeat(2000))).toBeUndefined();
    expect(parseOrderflowSignature(`t=${now},v1=${'a'.repeat(64)}`)?.timestamp).toBe(now);
  });

  it('signs the way it verifies', () => {
    expect(signOrderflowWebhook(body, 's1', now)).toBe(`t=${now},v1=${orderflowDigest('s1', now)}`);
  });
});
