import type { Auth } from '../functions/api/auth.js';
import type { StageName } from './stage-names.js';

/**
 * API Gateway's throttles, per stage and per kind of route: what the stack deploys, and what the local
 * gateway enforces when it is asked to (ORDERFLOW_THROTTLE_STAGE), so a load test meets the same limits.
 * No aws-cdk-lib here: the local runtime imports this module.
 */

/** Steady-state requests per second, and the burst above it (API Gateway's token bucket). */
export interface Throttle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/**
 * Which callers a route serves. Each kind has its own API Gateway throttle, so junk sent to a webhook URL
 * (which anyone can reach) uses up the webhook limit only, never the sellers' API.
 */
export type RouteKind = 'webhooks' | 'sellerApi' | 'public';

/** Which throttle a route of the api function is under, by who calls it. */
export const ROUTE_KINDS: Readonly<Record<Auth, RouteKind>> = {
  shopifyHmac: 'webhooks',
  orderflowSignature: 'webhooks',
  stripeSignature: 'webhooks',
  easypostHmac: 'webhooks',
  shippoSignature: 'webhooks',
  sellerApiKey: 'sellerApi',
  sellerSession: 'sellerApi',
  none: 'public',
};

/** Per kind of route; `public` also covers paths no route matches (the API answers those 404). */
export const STAGE_THROTTLES: Readonly<Record<StageName, Readonly<Record<RouteKind, Throttle>>>> = {
  dev: {
    webhooks: { rateLimit: 20, burstLimit: 40 },
    sellerApi: { rateLimit: 50, burstLimit: 100 },
    public: { rateLimit: 5, burstLimit: 10 },
  },
  prod: {
    webhooks: { rateLimit: 200, burstLimit: 400 },
    sellerApi: { rateLimit: 500, burstLimit: 1000 },
    public: { rateLimit: 10, burstLimit: 20 },
  },
};

/**
 * Seller API requests one seller may make a second, whatever API Gateway's route throttles still allow:
 * the api function counts them per seller (functions/shared/store/rate-limits.ts), so one seller's script
 * cannot use up the limit every seller shares.
 */
export const SELLER_API_RATE: Readonly<Record<StageName, number>> = { dev: 10, prod: 50 };
