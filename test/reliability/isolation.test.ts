import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '../../functions/shared/domain/order.js';
import { sampleOrder, signGeneric } from '../../scripts/lib/client.js';
import { shopifyBody, shopifyHmac, shopifyOrderPayload } from '../support/shopify.js';
import { ACME_SELLER, DEMO_SELLER, request, sendGenericWebhook, type Answer } from './support/api.js';
import { startInProcessRuntime } from './support/in-process.js';

type Seller = typeof DEMO_SELLER | typeof ACME_SELLER;

// Slow enough that held orders stay held (168 h is 10 min here) and nothing moves while we look.
let runtime: Awaited<ReturnType<typeof startInProcessRuntime>>;

beforeAll(async () => {
  runtime = await startInProcessRuntime({ timeScale: 1_000 });
});
afterAll(() => runtime?.cleanUp());

const call = (
  seller: Seller,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) =>
  request(`${runtime.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${seller.apiKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

/** What a seller owns that the other one must not reach: held and failed orders, a Shopify order, a SKU. */
interface Estate {
  seller: Seller;
  marker: string;
  onlySku: string;
  idempotencyKey: string;
  held: string;
  failed: string;
  shopify: string;
  shopifyOrderId: string;
  /** A webhook endpoint the seller subscribed, its URL carrying the marker. */
  endpointId: string;
}

async function statusOf(seller: Seller, orderId: string): Promise<string> {
  return (await call(seller, 'GET', `/orders/${orderId}`)).json.status as string;
}

async function until(seller: Seller, orderId: string, status: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await statusOf(seller, orderId)) !== status) {
    if (Date.now() > deadline) throw new Error(`${orderId} never reached ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function buildEstate(seller: Seller, onlySku: string): Promise<Estate> {
  const marker = `SECRET-${seller.sellerId}-${randomUUID().slice(0, 8)}`;
  for (const sku of ['MUG-RED', onlySku])
    expect((await call(seller, 'PUT', `/inventory/${sku}`, { available: 20 })).status).toBe(200);
  const mug = [{ sku: 'MUG-RED', productId: 'p-1', name: 'Red mug', quantity: 1, unitPrice: '12.50' }];
  const customer = { name: marker, email: `${marker.toLowerCase()}@example.com` };
  const idempotencyKey = `key-${marker}`;
  const held = await call(
    seller,
    'POST',
    '/orders',
    sampleOrder({ externalOrderId: marker, customer, items: mug, tags: ['custom'] }),
    {
      'idempotency-key': idempotencyKey,
    },
  );
  const failed = await sendGenericWebhook(
    runtime.url,
    JSON.stringify(
      sampleOrder({
        customer,
        items: mug,
        shippingAddress: { ...sampleOrder().shippingAddress, postalCode: '00000' },
      }),
    ),
    seller,
  );
  const shopifyOrderId = String(8_000_000_000 + Math.floor(Math.random() * 1e6));
  const raw = shopifyBody(
    shopifyOrderPayload({
      tags: 'custom',
      email: customer.email,
      line_items: [{ sku: 'MUG-RED', quantity: 1, price: '12.50', title: 'Mug' }],
    }),
    shopifyOrderId,
  );
  const shopify = await request(`${runtime.url}/webhooks/shopify/${seller.sellerId}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-shopify-hmac-sha256': shopifyHmac(raw, seller.webhookSecret),
    },
    body: raw,
  });
  const endpoint = await call(seller, 'POST', '/webhook-endpoints', {
    url: `https://hooks.example.com/${marker}`,
  });
  expect([held.status, failed.status, shopify.status, endpoint.status]).toEqual([201, 202, 202, 201]);
  const estate = {
    seller,
    marker,
    onlySku,
    idempotencyKey,
    held: held.json.orderId as string,
    failed: failed.json.orderId as string,
    shopify: shopify.json.orderId as string,
    shopifyOrderId,
    endpointId: endpoint.json.id as string,
  };
  await until(seller, estate.held, 'ON_HOLD');
  await until(seller, estate.failed, 'FAILED_TO_RELEASE');
  await until(seller, estate.shopify, 'ON_HOLD');
  return estate;
}

/** Every route behind an API key, aimed at the victim's ids; each says what a correct refusal looks like. */
function attacks(attacker: Seller, victim: Estate): Record<string, () => Promise<void>> {
  const refused = (answer: Answer) => {
    expect([403, 404]).toContain(answer.status);
    expect(answer.text).not.toContain(victim.marker.toLowerCase());
    expect(answer.text).not.toContain(victim.marker);
  };
  const address = { name: 'X', line1: '1 St', city: 'Berlin', postalCode: '10115', country: 'DE' };
  return {
    getOrder: async () => refused(await call(attacker, 'GET', `/orders/${victim.held}`)),
    // Counts only the attacker's own orders: the victim's three held or failed orders are not in them.
    countOrders: async () => {
      const answer = await call(attacker, 'GET', '/orders/counts');
      expect(answer.status).toBe(200);
      const own = await call(attacker, 'GET', '/orders?status=ON_HOLD&limit=200');
      expect(answer.json.counts.ON_HOLD).toBe(own.json.items.length);
    },
    // Webhooks out: the victim's endpoint is not the attacker's to read, delete or replay to.
    createWebhookEndpoint: async () => {
      const answer = await call(attacker, 'POST', '/webhook-endpoints', {
        url: `https://hooks.example.com/${attacker.sellerId}`,
      });
      expect(answer.status).toBe(201);
      expect(answer.json.id).not.toBe(victim.endpointId);
    },
    listWebhookEndpoints: async () => {
      const answer = await call(attacker, 'GET', '/webhook-endpoints');
      expect(answer.status).toBe(200);
      expect(answer.text).not.toContain(victim.endpointId);
      expect(answer.text).not.toContain(victim.marker);
    },
    deleteWebhookEndpoint: async () =>
      refused(await call(attacker, 'DELETE', `/webhook-endpoints/${victim.endpointId}`)),
    listWebhookDeliveries: async () =>
      refused(await call(attacker, 'GET', `/webhook-endpoints/${victim.endpointId}/deliveries`)),
    replayWebhookDelivery: async () =>
      refused(
        await call(
          attacker,
          'POST',
          `/webhook-endpoints/${victim.endpointId}/deliveries/${encodeURIComponent(`${victim.held}:0`)}/replay`,
        ),
      ),
    fixShippingAddress: async () =>
      refused(await call(attacker, 'PATCH', `/orders/${victim.failed}`, { shippingAddress: address })),
    cancelOrder: async () => refused(await call(attacker, 'POST', `/orders/${victim.held}/cancel`)),
    releaseOrder: async () => refused(await call(attacker, 'POST', `/orders/${victim.held}/release`)),
    holdOrder: async () => refused(await call(attacker, 'POST', `/orders/${victim.failed}/hold`)),
    getOrderLabel: async () => refused(await call(attacker, 'GET', `/orders/${victim.held}/label`)),
    getInvoice: async () =>
      refused(await call(attacker, 'GET', `/orders/${victim.held}/documents/invoice.pdf`)),
    getPackingSlip: async () =>
      refused(await call(attacker, 'GET', `/orders/${victim.held}/documents/packing-slip.pdf`)),
    getInvoices: async () =>
      refused(
        await call(attacker, 'POST', '/documents/invoices', { orderIds: [victim.held, victim.failed] }),
      ),
    getPackingSlips: async () =>
      refused(
        await call(attacker, 'POST', '/documents/packing-slips', { orderIds: [victim.held, victim.shopify] }),
      ),
    listStock: async () => {
      const answer = await call(attacker, 'GET', '/inventory?limit=200');
      expect(answer.status).toBe(200);
      expect(answer.text).not.toContain(victim.onlySku);
    },
    // The attacker's own settings: the victim's are checked unchanged below.
    getSettings: async () => expect((await call(attacker, 'GET', '/settings')).status).toBe(200),
    changeSettings: async () =>
      expect((await call(attacker, 'PATCH', '/settings', { releaseSlaHours: 47 })).status).toBe(200),
    retryOrder: async () => refused(await call(attacker, 'POST', `/orders/${victim.failed}/retry`)),
    releaseOrders: async () => {
      const answer = await call(attacker, 'POST', '/orders/release', {
        orderIds: [victim.held, victim.shopify],
      });
      expect(answer.json.results.map((result: { statusCode: number }) => result.statusCode)).toEqual([
        404, 404,
      ]);
      expect(answer.text).not.toContain(victim.marker);
    },
    searchOrders: async () => {
      for (const query of [
        'limit=200',
        `externalOrderId=${victim.marker}`,
        `email=${victim.marker.toLowerCase()}%40example.com`,
        'sku=MUG-RED',
        'status=ON_HOLD',
      ]) {
        const answer = await call(attacker, 'GET', `/orders?${query}`);
        expect(answer.status, query).toBe(200);
        for (const id of [victim.held, victim.failed, victim.shopify])
          expect(answer.text, query).not.toContain(id);
        expect(answer.text, query).not.toContain(victim.marker);
      }
    },
    exportOrders: async () => {
      const answer = await call(attacker, 'GET', '/orders/export.csv?limit=1000');
      expect(answer.status).toBe(200);
      for (const id of [victim.held, victim.failed, victim.shopify]) expect(answer.text).not.toContain(id);
    },
    createOrder: async () => {
      // The victim's external id and Idempotency-Key make a new order for the attacker, not a hit on theirs.
      const answer = await call(
        attacker,
        'POST',
        '/orders',
        sampleOrder({ externalOrderId: victim.marker }),
        {
          'idempotency-key': victim.idempotencyKey,
        },
      );
      expect(answer.status).toBe(201);
      expect([victim.held, victim.failed, victim.shopify]).not.toContain(answer.json.orderId);
    },
    getStock: async () => refused(await call(attacker, 'GET', `/inventory/${victim.onlySku}`)),
    mapProductToSku: async () => {
      // Writes the attacker's own mapping of a product id; the victim's orders are checked unchanged below.
      const answer = await call(attacker, 'PUT', '/sku-mappings/product/632910392', { sku: victim.onlySku });
      expect(answer.json).toEqual({ kind: 'product', id: '632910392', sku: victim.onlySku });
    },
    setStock: async () => {
      // Writes the attacker's own record of that SKU; the victim's is checked unchanged below.
      const answer = await call(attacker, 'PUT', `/inventory/${victim.onlySku}`, { available: 999 });
      expect(answer.json).toEqual({ sku: victim.onlySku, available: 999, reserved: 0 });
    },
  };
}

async function snapshot(estate: Estate) {
  const orders: Record<string, Order> = {};
  for (const id of [estate.held, estate.failed, estate.shopify])
    orders[id] = (await call(estate.seller, 'GET', `/orders/${id}`)).json as Order;
  const stock = (await call(estate.seller, 'GET', `/inventory/${estate.onlySku}`)).json as unknown;
  const endpoints = (await call(estate.seller, 'GET', '/webhook-endpoints')).json as unknown;
  const settings = (await call(estate.seller, 'GET', '/settings')).json as unknown;
  return { orders, stock, endpoints, settings };
}

describe('seller isolation over HTTP', () => {
  it("every seller route and webhook, tried with one seller's credentials on the other's ids, reaches nothing", async () => {
    const estates = {
      demo: await buildEstate(DEMO_SELLER, 'POSTER-A2'),
      acme: await buildEstate(ACME_SELLER, 'ACME-ONLY'),
    };
    const { routes } = await import('../../functions/api/routes/index.js');
    const keyed = routes.filter((route) => route.auth === 'sellerApiKey').map((route) => route.operationId);

    for (const [attacker, victim] of [
      [ACME_SELLER, estates.demo],
      [DEMO_SELLER, estates.acme],
    ] as const) {
      const before = await snapshot(victim);
      const plan = attacks(attacker, victim);
      expect(Object.keys(plan).sort(), 'an attack for every route behind an API key').toEqual(
        [...keyed].sort(),
      );

      for (const attack of Object.values(plan)) await attack();
      // Webhooks: the attacker's secret on the victim's path, and a cancel of the victim's Shopify order.
      const body = JSON.stringify(sampleOrder());
      const forged = await request(`${runtime.url}/webhooks/orders/${victim.seller.sellerId}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-orderflow-signature': signGeneric(attacker.webhookSecret, body),
        },
        body,
      });
      const forgedShopify = await request(`${runtime.url}/webhooks/shopify/${victim.seller.sellerId}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-shopify-hmac-sha256': shopifyHmac(body, attacker.webhookSecret),
        },
        body,
      });
      // The victim's Shopify order id, cancelled, signed by the attacker: it can only be the attacker's own.
      const cancel = shopifyBody(
        shopifyOrderPayload({ cancelled_at: '2026-01-10T12:00:00-05:00', cancel_reason: 'fraud' }),
        victim.shopifyOrderId,
      );
      const cancelled = await request(`${runtime.url}/webhooks/shopify/${attacker.sellerId}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-shopify-hmac-sha256': shopifyHmac(cancel, attacker.webhookSecret),
          'x-shopify-topic': 'orders/cancelled',
        },
        body: cancel,
      });

      expect(forged.status).toBe(401);
      expect(forgedShopify.status).toBe(401);
      expect(cancelled.status).toBe(202);
      expect([victim.held, victim.failed, victim.shopify]).not.toContain(cancelled.json.orderId);
      expect(await snapshot(victim)).toEqual(before);
      const names = runtime.stepFunctions.engine
        .listExecutions({ maxResults: 1000 })
        .executions.map((e) => e.name);
      expect(names.filter((name) => name.startsWith(`${victim.failed}-`))).toEqual([]);
    }
  });
});
