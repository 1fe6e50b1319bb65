import type { StageName } from '../stage-names.js';
import { ROUTE_KINDS, STAGE_THROTTLES, type Throttle } from '../throttles.js';
import type { Auth } from '../../functions/api/auth.js';

/** A route as the api function's router declares it. */
export interface ThrottledRoute {
  method: string;
  path: string;
  auth: Auth;
}

/**
 * API Gateway's token bucket: `burstLimit` tokens to start with, `rateLimit` more each second up to the
 * burst, one per request; an empty bucket answers 429. Written here because it is a dozen lines and the
 * gateway must count exactly as API Gateway documents it (no library models its route throttles).
 */
class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly throttle: Throttle,
    private readonly now: () => number,
  ) {
    this.tokens = throttle.burstLimit;
    this.at = now();
  }

  take(): boolean {
    const now = this.now();
    const refill = ((now - this.at) / 1000) * this.throttle.rateLimit;
    this.tokens = Math.min(this.throttle.burstLimit, this.tokens + refill);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * Whether API Gateway would let a request through: one bucket per route (a route's throttle is its own,
 * not shared with the other routes of its kind), and one for `$default` (paths no route matches), under
 * the stage's limits for the route's kind (infra/throttles.ts).
 */
export function routeThrottle(
  routes: readonly ThrottledRoute[],
  stage: StageName,
  now: () => number = () => performance.now(),
): (method: string, path: string) => boolean {
  const limits = STAGE_THROTTLES[stage];
  const matchers = routes.map((route) => ({
    method: route.method.toUpperCase(),
    pattern: new RegExp(`^${route.path.replace(/\{\w+\}/g, '[^/]+').replace(/\./g, '\\.')}/?$`),
    bucket: new TokenBucket(limits[ROUTE_KINDS[route.auth]], now),
  }));
  const fallback = new TokenBucket(limits.public, now);
  return (method, path) => {
    const route = matchers.find((candidate) => candidate.method === method && candidate.pattern.test(path));
    return (route?.bucket ?? fallback).take();
  };
}
