import type { z } from 'zod';
import type { Seller } from '../shared/domain/seller.js';
import { IllegalTransitionError, NotFoundError, TransientError } from '../shared/errors.js';
import { ENV, numberEnv } from '../shared/config.js';
import { takeApiRequest } from '../shared/store/rate-limits.js';
import { InvalidCursorError } from '../shared/store/search.js';
import {
  authenticateSeller,
  authenticateSession,
  authenticateWebhook,
  type Auth,
  type SellerCaller,
} from './auth.js';
import {
  ApiError,
  badRequest,
  errorResult,
  parseJson,
  rawBody,
  requireJsonContentType,
  validate,
  type ApiEvent,
  type ApiResult,
} from './http.js';

/**
 * One route of the API, described once: the router dispatches on it, the adapter below enforces its
 * auth and input schemas, and /openapi.json is generated from it.
 */
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json. */
  contentType?: string;
}

export interface HeaderDoc {
  name: string;
  description: string;
  required?: boolean;
}

export interface ApiRequest<Body, Query> {
  event: ApiEvent;
  raw: Buffer;
  params: Record<string, string | undefined>;
  body: Body;
  query: Query;
  /** The authenticated seller ('' on public routes). */
  sellerId: string;
  /** The secret of the API key used, for signing search cursors ('' on other routes). */
  cursorKey: string;
  /** The seller record, loaded for webhooks (their secrets were needed anyway). */
  seller?: Seller;
  /** The console session the request came with, if it came with one. */
  session?: SellerCaller['session'];
}

interface RouteShape {
  method: Method;
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  auth: Auth;
  headers?: HeaderDoc[];
  /** Set with `body` when an empty body is acceptable (it is then validated as `{}`). */
  bodyOptional?: boolean;
  /** The body is parsed as JSON but the handler validates it (its schema depends on a header). */
  bodyValidatedByHandler?: boolean;
  responses: Record<number, ResponseDoc>;
}

export interface RouteDefinition<Body extends z.ZodType, Query extends z.ZodType> extends RouteShape {
  body?: Body;
  query?: Query;
  handle(request: ApiRequest<z.output<Body>, z.output<Query>>): Promise<ApiResult>;
}

export interface Route extends RouteShape {
  body?: z.ZodType;
  query?: z.ZodType;
  handle(request: ApiRequest<unknown, unknown>): Promise<ApiResult>;
}

export function defineRoute<
  Body extends z.ZodType = z.ZodType<undefined>,
  Query extends z.ZodType = z.ZodType<undefined>,
>(definition: RouteDefinition<Body, Query>): Route {
  return definition as unknown as Route;
}

/** SELLER_API_RATE_PER_SECOND, read when first needed; 0 when unset (no per-seller limit). */
let sellerApiRate: number | undefined;

/** 429 when the seller has used up this second's share of the seller API. */
async function withinSellerRate(sellerId: string): Promise<void> {
  sellerApiRate ??= process.env[ENV.sellerApiRate] ? numberEnv(ENV.sellerApiRate, 0) : 0;
  if (!sellerApiRate || (await takeApiRequest(sellerId, sellerApiRate))) return;
  throw new ApiError(
    429,
    'rate_limited',
    `more than ${sellerApiRate} seller API requests in a second; try again in a second`,
    undefined,
    { 'retry-after': '1' },
  );
}

/** Known failures as the contract's answers; anything else is a bug and goes to the error handler. */
export function errorResponse(error: unknown): ApiResult {
  if (error instanceof ApiError) return errorResult(error);
  if (error instanceof IllegalTransitionError) {
    return errorResult(new ApiError(409, 'illegal_transition', error.message));
  }
  if (error instanceof NotFoundError) return errorResult(new ApiError(404, 'not_found', error.message));
  if (error instanceof InvalidCursorError) {
    return errorResult(
      badRequest('invalid_cursor', error.message, [{ field: 'query.cursor', message: error.message }]),
    );
  }
  if (error instanceof TransientError) {
    return errorResult(
      new ApiError(503, 'unavailable', 'the service is busy; try again shortly', undefined, {
        'retry-after': '1',
      }),
    );
  }
  throw error;
}

/**
 * The Lambda-side of a route: size limit, then credentials (on the raw body, for signatures), then
 * media type, JSON and schema checks, then the handler. Order matters: nothing is parsed before the
 * sender is known, and nothing reaches the handler unvalidated.
 */
export function routeHandler(route: Route) {
  return async (event: ApiEvent): Promise<ApiResult> => {
    try {
      const raw = rawBody(event);
      let sellerId = '';
      let cursorKey = '';
      let seller: Seller | undefined;
      let session: SellerCaller['session'];
      if (route.auth === 'sellerApiKey' || route.auth === 'sellerSession') {
        ({ sellerId, cursorKey, session } =
          route.auth === 'sellerApiKey' ? await authenticateSeller(event) : await authenticateSession(event));
        await withinSellerRate(sellerId);
      } else if (route.auth !== 'none') {
        seller = await authenticateWebhook(event, raw, route.auth);
        sellerId = seller.sellerId;
      }
      let body: unknown;
      if (route.body) {
        if (raw.length === 0 && !route.bodyOptional)
          throw badRequest('body_required', 'a JSON body is required');
        if (raw.length > 0) requireJsonContentType(event);
        const parsed = raw.length > 0 ? parseJson(raw) : {};
        body = route.bodyValidatedByHandler ? parsed : validate(route.body, parsed, 'body');
      }
      const query = route.query
        ? validate(route.query, event.queryStringParameters ?? {}, 'query')
        : undefined;
      const params = event.pathParameters ?? {};
      return await route.handle({
        event,
        raw,
        params,
        body,
        query,
        sellerId,
        cursorKey,
        ...(seller ? { seller } : {}),
        ...(session ? { session } : {}),
      });
    } catch (error) {
      return errorResponse(error);
    }
  };
}
