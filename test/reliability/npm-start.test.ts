import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleOrder } from '../../scripts/lib/client.js';
import { shopifyBody, shopifyHmac, shopifyOrderPayload } from '../support/shopify.js';
import {
  awaitSettled,
  clientFor,
  DEMO_SELLER,
  request,
  sendGenericWebhook,
  serverErrors,
  stockOf,
} from './support/api.js';
import {
  cleanUp,
  freeRuntimePorts,
  startRuntimeProcess,
  tempDataDir,
  type RuntimeProcess,
} from './support/runtime-process.js';
import { DELIVERED_HISTORY } from '../support/order-states.js';

const dataDir = tempDataDir();
let runtime: RuntimeProcess | undefined;

afterAll(() => cleanUp(dataDir));

describe('npm start', () => {
  it('takes a Shopify and a generic webhook to DELIVERED over HTTP, then stops cleanly on SIGTERM', async () => {
    runtime = startRuntimeProcess({
      dataDir,
      ports: await freeRuntimePorts(),
      timeScale: 200_000,
      launcher: 'npm-start',
    });
    await runtime.ready();
    const demo = clientFor(runtime.url);
    const raw = shopifyBody(shopifyOrderPayload(), String(Date.now()));
    const shopify = await request(`${runtime.url}/webhooks/shopify/${DEMO_SELLER.sellerId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-shopify-hmac-sha256': shopifyHmac(raw, DEMO_SELLER.webhookSecret),
        'x-shopify-topic': 'orders/create',
        'x-shopify-webhook-id': randomUUID(),
      },
      body: raw,
    });
    const generic = await sendGenericWebhook(runtime.url, JSON.stringify(sampleOrder()));

    expect(shopify.status, shopify.text).toBe(202);
    expect(generic.status, generic.text).toBe(202);
    const ids = [shopify.json.orderId as string, generic.json.orderId as string];
    const orders = await awaitSettled(demo, ids, 60_000);
    expect(serverErrors.unexpected()).toEqual([]);
    for (const id of ids) {
      const order = orders.get(id)!;
      expect(order.status).toBe('DELIVERED');
      // IN_TRANSIT shows only when a poll comes before the carrier's estimate.
      expect(order.history.map((entry) => entry.status).filter((status) => status !== 'IN_TRANSIT')).toEqual(
        DELIVERED_HISTORY,
      );
      expect(order.shipment?.trackingNumber).toMatch(/\S/);
    }
    expect(orders.get(ids[0]!)!.source).toBe('shopify');
    expect(orders.get(ids[1]!)!.source).toBe('webhook');
    // The Shopify order has a mug and a tee, the generic one a mug: both shipped, so both left stock.
    expect(await stockOf(demo, 'MUG-RED')).toEqual({ available: 98, reserved: 0 });
    expect(await stockOf(demo, 'TEE-BLK-M')).toEqual({ available: 49, reserved: 0 });

    const exit = await runtime.kill('SIGTERM');

    expect(exit, runtime.output()).toEqual({ code: 0, signal: null });
    expect(runtime.output()).toContain('SIGTERM: stopping');
  });
});
