import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAGE_THROTTLES } from '../../infra/throttles.js';
import { sampleOrder } from '../../scripts/lib/client.js';
import { ACME_SELLER, DEMO_SELLER, request, sendGenericWebhook, type Answer } from './support/api.js';
import { startInProcessRuntime } from './support/in-process.js';

/**
 * Issue 13's load test: unsigned junk at ten times the webhook limit, while two sellers send valid
 * orders, one through the seller API and one through signed webhooks, with the local gateway enforcing
 * the dev stage's API Gateway throttles (ORDERFLOW_THROTTLE_STAGE). The junk spends the webhook route's
 * limit and nothing else; the seller API never sees a 429; the webhooks get through as storefronts'
 * retries carry them; every order flows to DELIVERED, and the junk writes nothing.
 */
const LIMITS = STAGE_THROTTLES.dev;
const JUNK_PER_SECOND = LIMITS.webhooks.rateLimit * 10;
const JUNK_MS = 12_000;
const ORDERS_EACH = 15;

let runtime: Awaited<ReturnType<typeof startInProcessRuntime>>;

beforeAll(async () => {
  runtime = await startInProcessRuntime({ throttleStage: 'dev', timeScale: 200_000 });
});
afterAll(() => runtime?.cleanUp());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Junk at a fixed rate to the generic webhook route: unsigned, wrongly signed, unknown sellers. */
async function junk(url: string, until: number): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  const sent: Promise<void>[] = [];
  const started = Date.now();
  for (let index = 0; Date.now() < until; index++) {
    const due = started + (index * 1000) / JUNK_PER_SECOND;
    if (due > Date.now()) await sleep(due - Date.now());
    const seller = ['demo', 'acme', `nobody-${index % 7}`][index % 3];
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (index % 2)
      headers['x-orderflow-signature'] = `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`;
    sent.push(
      request(`${url}/webhooks/orders/${seller}`, { method: 'POST', headers, body: '{"junk":true}' }).then(
        (answer) => void (statuses[answer.status] = (statuses[answer.status] ?? 0) + 1),
        () => void (statuses[0] = (statuses[0] ?? 0) + 1),
      ),
    );
  }
  await Promise.all(sent);
  return statuses;
}

describe('junk at 10× the webhook limit while two sellers send orders', () => {
  it("the sellers' orders are accepted and flow; the junk is throttled, refused and writes nothing", async () => {
    const url = runtime.url;
    const api = (
      seller: typeof DEMO_SELLER | typeof ACME_SELLER,
      method: string,
      path: string,
      body?: unknown,
    ) =>
      request(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${seller.apiKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    expect((await api(ACME_SELLER, 'PUT', '/inventory/MUG-RED', { available: 1_000 })).status).toBe(200);

    const until = Date.now() + JUNK_MS;
    const junked = junk(url, until);
    await sleep(1_000); // the junk has spent the webhook route's burst by now

    // Seller one, through the seller API: its own limit, which the junk does not touch.
    const apiAnswers: Answer[] = [];
    const viaApi = (async () => {
      for (let index = 0; index < ORDERS_EACH; index++) {
        apiAnswers.push(await api(DEMO_SELLER, 'POST', '/orders', sampleOrder()));
        await sleep(300);
      }
    })();
    // Seller two, through signed webhooks on the route the junk floods: retried on 429 with backoff, as a
    // storefront retries a delivery that failed.
    const attempts: number[] = [];
    const webhookIds: string[] = [];
    const viaWebhooks = Promise.all(
      Array.from({ length: ORDERS_EACH }, async (_, index) => {
        await sleep(index * 300);
        const body = JSON.stringify(sampleOrder());
        for (let attempt = 1; ; attempt++) {
          const answer = await sendGenericWebhook(url, body, ACME_SELLER);
          if (answer.status !== 429) {
            expect(answer.status, answer.text).toBe(202);
            attempts.push(attempt);
            webhookIds.push(answer.json.orderId as string);
            return;
          }
          await sleep(Math.min(2_000, 100 * 2 ** attempt));
        }
      }),
    );
    await Promise.all([viaApi, viaWebhooks]);
    const junkStatuses = await junked;

    // The seller API answered every order at once: no 429, no retry.
    expect(apiAnswers.map((answer) => answer.status)).toEqual(new Array(ORDERS_EACH).fill(201));
    // The webhook route was spent: most junk was throttled, the rest refused; nothing failed.
    const junkSent = Object.values(junkStatuses).reduce((total, count) => total + count, 0);
    expect(Object.keys(junkStatuses).sort()).toEqual(['401', '429']);
    expect(junkStatuses[429]! / junkSent).toBeGreaterThan(0.8);
    // Each of seller two's webhooks needed retries, and got in.
    expect(webhookIds).toHaveLength(ORDERS_EACH);
    expect(Math.max(...attempts)).toBeGreaterThan(1);

    // Every order flows to DELIVERED.
    const orderIds = [...apiAnswers.map((answer) => answer.json.orderId as string), ...webhookIds];
    const { engine } = runtime.stepFunctions;
    const executions = await Promise.all(orderIds.map((orderId) => engine.awaitExecution(orderId, 120_000)));
    expect(executions.map((execution) => execution.status)).toEqual(
      new Array(orderIds.length).fill('SUCCEEDED'),
    );
    const { getOrder } = await import('../../functions/shared/store/orders.js');
    const statuses = await Promise.all(orderIds.map(async (orderId) => (await getOrder(orderId))?.status));
    expect(statuses).toEqual(new Array(orderIds.length).fill('DELIVERED'));

    // The junk wrote nothing: each seller has exactly the orders it sent.
    for (const [seller, sent] of [
      [DEMO_SELLER, ORDERS_EACH],
      [ACME_SELLER, ORDERS_EACH],
    ] as const) {
      const list = await api(seller, 'GET', '/orders?limit=100');
      expect(list.status).toBe(200);
      expect(list.json.items, seller.sellerId).toHaveLength(sent);
    }
  });
});
