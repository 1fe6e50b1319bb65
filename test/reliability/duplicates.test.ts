import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleOrder } from '../../scripts/lib/client.js';
import { shopifyBody, shopifyHmac, shopifyOrderPayload } from '../support/shopify.js';
import {
  awaitSettled,
  clientFor,
  DEMO_SELLER,
  inParallel,
  request,
  sendGenericWebhook,
  serverErrors,
  stockOf,
  type Answer,
} from './support/api.js';
import { startInProcessRuntime } from './support/in-process.js';

let runtime: Awaited<ReturnType<typeof startInProcessRuntime>>;

beforeAll(async () => {
  runtime = await startInProcessRuntime();
});
afterAll(() => runtime?.cleanUp());

/** One webhook, redeliverable: a storefront sends the same body (and Shopify the same webhook id). */
type Webhook = () => Promise<Answer>;

function genericWebhook(): Webhook {
  const body = JSON.stringify(sampleOrder());
  return () => sendGenericWebhook(runtime.url, body);
}

function shopifyWebhook(index: number): Webhook {
  const raw = shopifyBody(shopifyOrderPayload({ name: `#${index}` }), String(7_000_000_000 + index));
  const headers = {
    'content-type': 'application/json',
    'x-shopify-hmac-sha256': shopifyHmac(raw, DEMO_SELLER.webhookSecret),
    'x-shopify-topic': 'orders/create',
    'x-shopify-webhook-id': randomUUID(),
  };
  return () => request(`${runtime.url}/webhooks/shopify/demo`, { method: 'POST', headers, body: raw });
}

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

describe('duplicate webhooks', () => {
  it('100 webhooks each delivered 5 times, concurrently and out of order: 100 orders, 100 executions', async () => {
    const demo = clientFor(runtime.url);
    for (const sku of ['MUG-RED', 'TEE-BLK-M'])
      expect((await demo.request('PUT', `/inventory/${sku}`, { available: 1000 })).status).toBe(200);
    const webhooks = Array.from({ length: 100 }, (_, i) => (i % 2 ? genericWebhook() : shopifyWebhook(i)));
    const deliveries = shuffled(
      webhooks.flatMap((send, webhook) => Array.from({ length: 5 }, () => ({ send, webhook }))),
    );

    const answers = await inParallel(deliveries, 64, async ({ send, webhook }) => ({
      webhook,
      answer: await send(),
    }));

    const byWebhook = new Map<number, Answer[]>();
    for (const { webhook, answer } of answers)
      byWebhook.set(webhook, [...(byWebhook.get(webhook) ?? []), answer]);
    for (const [webhook, received] of byWebhook) {
      expect(received.map((answer) => answer.status).sort(), `webhook ${webhook}`).toEqual([
        200, 200, 200, 200, 202,
      ]);
      expect(new Set(received.map((answer) => answer.json.orderId)).size, `webhook ${webhook}`).toBe(1);
      expect(received.filter((answer) => answer.json.duplicate === false)).toHaveLength(1);
    }
    const orderIds = [...byWebhook.values()].map((received) => received[0]!.json.orderId as string);
    expect(new Set(orderIds).size).toBe(100);

    const listed = await demo.request<{ items: { orderId: string }[]; nextCursor?: string }>(
      'GET',
      '/orders?limit=200',
    );
    expect(listed.body.items.map((order) => order.orderId).sort()).toEqual([...orderIds].sort());
    const executions = runtime.stepFunctions.engine.listExecutions({ maxResults: 1000 }).executions;
    expect(executions.map((execution) => execution.name).sort()).toEqual([...orderIds].sort());

    // Each order took its stock once: 50 Shopify orders (a mug and a tee) and 50 generic (a mug).
    const orders = await awaitSettled(demo, orderIds, 60_000);
    expect([...orders.values()].every((order) => order.status === 'DELIVERED')).toBe(true);
    expect(serverErrors.unexpected()).toEqual([]);
    expect(await stockOf(demo, 'MUG-RED')).toEqual({ available: 900, reserved: 0 });
    expect(await stockOf(demo, 'TEE-BLK-M')).toEqual({ available: 950, reserved: 0 });
  });
});
