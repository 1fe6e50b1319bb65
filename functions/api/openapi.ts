import * as z from 'zod';
import type { HeaderDoc, ResponseDoc, Route } from './route.js';
import { orderEventJsonSchema } from '../shared/events/order-event.js';
import { errorSchema } from './schemas.js';
import { CSRF_HEADER, SESSION_COOKIE } from './auth.js';

/**
 * The OpenAPI 3.1 document, generated from the same route table the router uses and the same zod
 * schemas the handlers validate with, so the document cannot describe a route or field that is not there.
 */
type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

const SECURITY: Record<Route['auth'], Record<string, string[]>[]> = {
  // Either the key or a console session (OpenAPI: alternatives are separate requirement objects).
  sellerApiKey: [{ sellerApiKey: [] }, { sellerSession: [] }],
  sellerSession: [{ sellerSession: [] }],
  shopifyHmac: [{ shopifyHmac: [] }],
  orderflowSignature: [{ orderflowSignature: [] }],
  stripeSignature: [{ stripeSignature: [] }],
  easypostHmac: [{ easypostHmac: [] }],
  shippoSignature: [{ shippoSignature: [] }],
  none: [],
};

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

function responseObject(doc: ResponseDoc) {
  if (!doc.schema) return errorResponse(doc.description);
  return {
    description: doc.description,
    content: { [doc.contentType ?? 'application/json']: { schema: jsonSchema(doc.schema, 'output') } },
  };
}

function parameters(route: Route) {
  const path = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const querySchema = route.query ? jsonSchema(route.query, 'input') : undefined;
  const properties = (querySchema?.properties ?? {}) as Record<string, JsonSchema>;
  const query = Object.entries(properties).map(([name, schema]) => {
    const { description, ...rest } = schema;
    return { name, in: 'query', required: false, ...(description ? { description } : {}), schema: rest };
  });
  const headers = (route.headers ?? []).map((doc: HeaderDoc) => ({
    name: doc.name,
    in: 'header',
    required: doc.required ?? false,
    description: doc.description,
    schema: { type: 'string' },
  }));
  return [...path, ...query, ...headers];
}

function operation(route: Route) {
  const responses: Record<string, unknown> = {};
  for (const [status, doc] of Object.entries(route.responses)) responses[status] = responseObject(doc);
  if (route.body || route.query || route.path.includes('{')) {
    responses['400'] ??= errorResponse('invalid input; `details` lists the failing fields');
  }
  if (route.auth !== 'none')
    responses['401'] ??= errorResponse('missing or invalid credentials or signature');
  if ((route.auth === 'sellerApiKey' || route.auth === 'sellerSession') && route.method !== 'GET')
    responses['403'] ??= errorResponse(`in a session: the ${CSRF_HEADER} header is missing or wrong`);
  if (route.body) {
    responses['413'] ??= errorResponse('body over 256 KB');
    responses['415'] ??= errorResponse('body is not application/json');
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    security: SECURITY[route.auth],
    parameters: parameters(route),
    ...(route.body
      ? {
          requestBody: {
            required: !route.bodyOptional,
            content: { 'application/json': { schema: jsonSchema(route.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

/** The order event's JSON Schema without its dialect, which the document's own (3.1) already is. */
function orderEventComponent(): JsonSchema {
  const { $schema: _dialect, ...schema } = orderEventJsonSchema();
  return schema;
}

export function openApiDocument(routes: readonly Route[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'orderflow',
      version: '1.0.0',
      description: 'Order intake (storefront webhooks) and the seller API of orderflow.',
    },
    paths,
    // What orderflow sends: the order events, signed like the generic webhook it receives.
    webhooks: {
      orderEvent: {
        post: {
          operationId: 'orderEvent',
          summary: 'An order event, POSTed to each seller webhook endpoint subscribed to its type',
          parameters: [
            {
              name: 'X-Orderflow-Signature',
              in: 'header',
              required: true,
              description:
                't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>"> with the endpoint secret',
              schema: { type: 'string' },
            },
          ],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/OrderEvent' } } },
          },
          responses: { '200': { description: 'any 2xx acknowledges the event; anything else is retried' } },
        },
      },
    },
    components: {
      schemas: { Error: jsonSchema(errorSchema, 'output'), OrderEvent: orderEventComponent() },
      securitySchemes: {
        sellerApiKey: { type: 'http', scheme: 'bearer', description: 'a seller API key' },
        sellerSession: {
          type: 'apiKey',
          in: 'cookie',
          name: SESSION_COOKIE,
          description: `a console session from POST /sessions; state-changing requests also need its ${CSRF_HEADER} header (else 403)`,
        },
        shopifyHmac: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Shopify-Hmac-Sha256',
          description: 'base64 HMAC-SHA256 of the raw body with the seller webhook secret',
        },
        orderflowSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Orderflow-Signature',
          description: 't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">',
        },
        stripeSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'Stripe-Signature',
          description:
            't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">[,v1=…] with the seller\'s Stripe endpoint secret(s)',
        },
        easypostHmac: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Hmac-Signature',
          description:
            "hmac-sha256-hex=<hex HMAC-SHA256 of the raw body with the seller's EasyPost webhook secret>",
        },
        shippoSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'Shippo-Auth-Signature',
          description:
            't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>"> with the seller\'s Shippo webhook secret',
        },
      },
    },
  };
}
