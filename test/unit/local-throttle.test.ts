import { describe, expect, it } from 'vitest';
import { routeThrottle, type ThrottledRoute } from '../../infra/local/throttle.js';
import { STAGE_THROTTLES } from '../../infra/throttles.js';

const ROUTES: ThrottledRoute[] = [
  { method: 'POST', path: '/webhooks/orders/{sellerId}', auth: 'orderflowSignature' },
  { method: 'POST', path: '/webhooks/shopify/{sellerId}', auth: 'shopifyHmac' },
  { method: 'POST', path: '/orders', auth: 'sellerApiKey' },
  { method: 'GET', path: '/health', auth: 'none' },
];
const { webhooks, sellerApi, public: open } = STAGE_THROTTLES.dev;

function throttle() {
  let now = 0;
  const admit = routeThrottle(ROUTES, 'dev', () => now);
  const count = (method: string, path: string, requests: number) =>
    Array.from({ length: requests }, () => admit(method, path)).filter(Boolean).length;
  return { count, advance: (ms: number) => (now += ms) };
}

describe('the local gateway throttles as API Gateway does', () => {
  it('a route lets its burst through at once, then its rate each second, and answers no more', () => {
    const { count, advance } = throttle();
    expect(count('POST', '/webhooks/orders/demo', webhooks.burstLimit * 3)).toBe(webhooks.burstLimit);
    advance(1000);
    expect(count('POST', '/webhooks/orders/acme', webhooks.burstLimit)).toBe(webhooks.rateLimit);
    advance(60_000);
    // Tokens never pile up beyond the burst.
    expect(count('POST', '/webhooks/orders/demo', webhooks.burstLimit * 3)).toBe(webhooks.burstLimit);
  });

  it("a spent webhook route takes nothing from the seller API's or another webhook route's", () => {
    const { count } = throttle();
    count('POST', '/webhooks/orders/demo', 10_000);
    expect(count('POST', '/orders', sellerApi.burstLimit * 2)).toBe(sellerApi.burstLimit);
    expect(count('POST', '/webhooks/shopify/demo', webhooks.burstLimit * 2)).toBe(webhooks.burstLimit);
  });

  it('paths no route matches, and methods a route does not serve, share the $default (public) limit', () => {
    const { count } = throttle();
    expect(count('GET', '/no/such/path', open.burstLimit)).toBe(open.burstLimit);
    expect(count('PUT', '/orders', 1)).toBe(0);
    expect(count('GET', '/health', open.burstLimit * 2)).toBe(open.burstLimit);
  });
});
