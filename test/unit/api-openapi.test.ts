import { describe, expect, it } from 'vitest';
import { handler, routerRoutes } from '../../functions/api/handler.js';
import { apiEvent, lambdaContext } from '../support/http.js';

async function openApi() {
  const result = (await handler(apiEvent({ method: 'GET', path: '/openapi.json' }), lambdaContext())) as {
    statusCode: number;
    body: string;
  };
  return { statusCode: result.statusCode, document: JSON.parse(result.body) };
}

const operationsOf = (paths: Record<string, Record<string, unknown>>) =>
  Object.entries(paths)
    .flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    )
    .sort();

describe('GET /openapi.json', () => {
  it('documents exactly the routes the router serves', async () => {
    const { statusCode, document } = await openApi();

    expect(statusCode).toBe(200);
    expect(document.openapi).toBe('3.1.0');
    expect(operationsOf(document.paths)).toEqual(
      routerRoutes.map((route) => `${route.method} ${route.path}`).sort(),
    );
  });

  it('covers every route of the HTTP contract', async () => {
    const { document } = await openApi();

    expect(operationsOf(document.paths)).toEqual(
      [
        'GET /health',
        'GET /openapi.json',
        'POST /webhooks/shopify/{sellerId}',
        'POST /webhooks/orders/{sellerId}',
        'POST /webhooks/stripe/{sellerId}',
        'POST /webhooks/easypost/{sellerId}',
        'POST /webhooks/shippo/{sellerId}',
        'POST /orders',
        'GET /orders/{orderId}',
        'GET /orders/{orderId}/label',
        'GET /orders',
        'GET /orders/export.csv',
        'GET /orders/counts',
        'POST /sessions',
        'GET /sessions/current',
        'DELETE /sessions/current',
        'PATCH /orders/{orderId}',
        'POST /orders/{orderId}/cancel',
        'POST /orders/{orderId}/hold',
        'POST /orders/{orderId}/release',
        'POST /orders/release',
        'POST /orders/{orderId}/retry',
        'GET /orders/{orderId}/documents/invoice.pdf',
        'GET /orders/{orderId}/documents/packing-slip.pdf',
        'POST /documents/packing-slips',
        'POST /documents/invoices',
        'PUT /inventory/{sku}',
        'GET /inventory/{sku}',
        'GET /inventory',
        'GET /settings',
        'PATCH /settings',
        'PUT /sku-mappings/{kind}/{id}',
        'POST /webhook-endpoints',
        'GET /webhook-endpoints',
        'DELETE /webhook-endpoints/{endpointId}',
        'GET /webhook-endpoints/{endpointId}/deliveries',
        'POST /webhook-endpoints/{endpointId}/deliveries/{eventId}/replay',
      ].sort(),
    );
  });

  it('describes the label download as a PDF behind the seller API key', async () => {
    const { document } = await openApi();

    const operation = document.paths['/orders/{orderId}/label'].get;

    expect(Object.keys(operation.responses['200'].content)).toEqual(['application/pdf']);
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '404']));
    expect(operation.security).toEqual(document.paths['/orders/{orderId}'].get.security);
  });

  it('publishes the order event schema, and the signed POST seller endpoints receive', async () => {
    const { document } = await openApi();
    const { orderEventJsonSchema } = await import('../../functions/shared/events/order-event.js');
    const { $schema: _dialect, ...schema } = orderEventJsonSchema();

    expect(document.components.schemas.OrderEvent).toEqual(schema);
    const post = document.webhooks.orderEvent.post;
    expect(post.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/OrderEvent',
    });
    expect(post.parameters.map((p: { name: string }) => p.name)).toEqual(['X-Orderflow-Signature']);
  });

  it('describes bodies, parameters, security and errors from the schemas in use', async () => {
    const { document } = await openApi();
    const create = document.paths['/orders'].post;
    const search = document.paths['/orders'].get;

    expect(create.security).toEqual([{ sellerApiKey: [] }, { sellerSession: [] }]);
    expect(create.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['customer', 'shippingAddress', 'items', 'currency', 'payment']),
    );
    expect(Object.keys(create.responses).sort()).toEqual([
      '200',
      '201',
      '400',
      '401',
      '403',
      '413',
      '415',
      '422',
    ]);
    expect(create.parameters.map((p: { name: string }) => p.name)).toContain('Idempotency-Key');
    expect(search.parameters.map((p: { name: string }) => p.name).sort()).toEqual(
      [
        'status',
        'sku',
        'productId',
        'email',
        'externalOrderId',
        'from',
        'to',
        'region',
        'limit',
        'cursor',
      ].sort(),
    );
    expect(document.paths['/orders/{orderId}'].get.parameters[0]).toMatchObject({
      name: 'orderId',
      in: 'path',
    });
    expect(document.paths['/webhooks/shopify/{sellerId}'].post.security).toEqual([{ shopifyHmac: [] }]);
    expect(document.paths['/sessions'].post.security).toEqual([]);
    expect(document.paths['/sessions/current'].delete.security).toEqual([{ sellerSession: [] }]);
    expect(document.components.securitySchemes.sellerSession).toMatchObject({
      type: 'apiKey',
      in: 'cookie',
      name: 'orderflow_session',
    });
    expect(document.components.schemas.Error.properties.error.required).toEqual(['code', 'message']);
  });
});
