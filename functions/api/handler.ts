import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpRouterHandler from '@middy/http-router';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { logger, metrics, publishMetrics } from '../shared/logger.js';
import { ApiError, errorResult } from './http.js';
import { routeHandler } from './route.js';
import { routes } from './routes/index.js';

/** The router's table: exactly the routes /openapi.json documents. */
export const routerRoutes = routes.map((route) => ({
  method: route.method,
  path: route.path,
  handler: routeHandler(route),
}));

const routePatterns = routes.map((route) => ({
  method: route.method,
  pattern: new RegExp(`^${route.path.replace(/\{\w+\}/g, '[^/]+').replace(/\./g, '\\.')}/?$`),
}));

/** 404 for a path we do not serve; 405 (with Allow) for a path served under other methods. */
function noRoute({ method, path }: { method: string; path: string }) {
  const allowed = routePatterns.filter((route) => route.pattern.test(path)).map((route) => route.method);
  if (allowed.length) {
    return errorResult(
      new ApiError(405, 'method_not_allowed', `${method.slice(0, 10)} is not allowed here`, undefined, {
        allow: [...new Set(allowed)].join(', '),
      }),
    );
  }
  return errorResult(new ApiError(404, 'route_not_found', 'no such route'));
}

/**
 * The API Gateway (HTTP API, payload 2.0) entry point for webhooks and the seller API. Routes turn every
 * client error into the contract's JSON answer themselves; the error handler only ever sees bugs, and
 * answers them with a bare 500 that carries no stack trace.
 */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(publishMetrics(metrics))
  .use(httpHeaderNormalizer())
  .use(
    httpErrorHandler({
      logger: (error: unknown) => logger.error('unhandled error', { error: error as Error }),
      fallbackMessage: JSON.stringify({ error: { code: 'internal_error', message: 'internal error' } }),
    }),
  )
  .handler(
    httpRouterHandler<APIGatewayProxyEventV2, APIGatewayProxyResultV2>({
      routes: routerRoutes,
      notFoundResponse: noRoute,
    }),
  );
