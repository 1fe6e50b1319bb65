import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../infra/local/services.js';
import { sampleOrder } from '../../../scripts/lib/client.js';
import type { Runtime } from '../../../infra/local/runtime.js';
import { shopifyBody, shopifyHmac, shopifyOrderPayload } from '../../support/shopify.js';
import { clientFor, DEMO_SELLER, request, sendGenericWebhook } from './api.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `check` comes true within `ms`. */
async function eventually(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
}

/**
 * The demo seller's webhook receiver: records each event it is sent, and turns away the first attempt
 * of each, so every delivery is retried once (its backoff) before it is accepted.
 */
const receiver = (() => {
  const attempts = new Map<string, number[]>();
  const accepted: string[] = [];
  let url: Promise<string> | undefined;
  return {
    accepted,
    /** When each attempt to deliver the event came, in ms since the epoch. */
    attemptsAt: (id: string) => attempts.get(id) ?? [],
    url: () =>
      (url ??= new Promise((resolve) => {
        const server = createServer((req, res) => {
          let body = '';
          req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
          req.on('end', () => {
            const id = String((JSON.parse(body || '{}') as { id?: string }).id);
            const times = [...(attempts.get(id) ?? []), Date.now()];
            attempts.set(id, times);
            const attempt = times.length;
            if (attempt > 1) accepted.push(id);
            res.writeHead(attempt > 1 ? 204 : 503).end();
          });
        });
        server.unref();
        server.listen(0, '127.0.0.1', () =>
          resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}/orderflow`),
        );
      })),
  };
})();

/**
 * A Shopify seller of the tour's own, whose unpaid orders wait a year for their payment, connected to its
 * shop (the runtime's Shopify stand-in), where its shipped orders are fulfilled.
 */
const SHOPIFY_SELLER = {
  sellerId: 'tour-shop',
  apiKey: 'tour-shop-api-key',
  webhookSecret: 'tour-shop-webhook-secret',
  shopDomain: 'tour-shop.myshopify.com',
  accessToken: 'shpat_tourshop00000001',
};

/**
 * One pass over everything the deployed functions do, through the local runtime as a seller and a
 * storefront use it: a delivered order, a declined one, two that fail to release (the DLQ: an
 * undeliverable address and a missing recipient name), a held one the seller releases, one created and
 * cancelled through the API, a Shopify order that waits for orders/paid (and is fulfilled in its shop,
 * through a lost answer), a Shopify line without a SKU
 * that the seller maps to one, searches, and a stuck order the sweeper resumes. Returns what did not
 * happen as it should, empty when all did.
 */
export async function tour(runtime: Runtime, deadlineMs = 20_000): Promise<string[]> {
  const problems: string[] = [];
  const demo = clientFor(runtime.url);
  const shop = clientFor(runtime.url, SHOPIFY_SELLER);
  const tag = randomUUID().slice(0, 8);
  await prepareSellers();
  // The demo seller's systems hear of its delivered orders (seller webhooks out); removed at the end.
  const endpoint = await demo.request<{ id?: string }>('POST', '/webhook-endpoints', {
    url: await receiver.url(),
    events: ['order.delivered'],
  });
  if (endpoint.status !== 201) problems.push(`webhook endpoint: answered ${endpoint.status}`);

  const webhook = async (label: string, overrides: Parameters<typeof sampleOrder>[0]) => {
    const answer = await sendGenericWebhook(runtime.url, JSON.stringify(sampleOrder(overrides)));
    if (answer.status !== 202) problems.push(`${label}: webhook answered ${answer.status}`);
    return answer.json?.orderId as string | undefined;
  };
  const statusOf = async (orderId: string, client = demo) => {
    const { status, body } = await client.request<{ status?: string }>('GET', `/orders/${orderId}`);
    return status === 200 ? body.status : `GET answered ${status}`;
  };
  /** A Shopify webhook from the tour's shop, signed as Shopify signs it; `id` is the Shopify order id. */
  const shopify = async (label: string, topic: string, payload: Record<string, unknown>, id: string) => {
    const raw = shopifyBody(payload, id);
    const answer = await request(`${runtime.url}/webhooks/shopify/${SHOPIFY_SELLER.sellerId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-shopify-hmac-sha256': shopifyHmac(raw, SHOPIFY_SELLER.webhookSecret),
        'x-shopify-topic': topic,
      },
      body: raw,
    });
    if (answer.status >= 300) problems.push(`${label}: ${topic} answered ${answer.status}`);
    return answer.json?.orderId as string | undefined;
  };
  // Shopify order ids and variant ids are large integers, unique per pass.
  const shopifyId = () => String(7_000_000_000_000_000_000n + BigInt(Math.floor(Math.random() * 1e15)));
  const describe = (name: string) => {
    try {
      return runtime.stepFunctions.engine.describeExecution(runtime.stepFunctions.engine.executionArn(name));
    } catch {
      return undefined;
    }
  };
  /**
   * Waits for the order to reach `want` and, unless it waits for the seller (ON_HOLD), for its execution to
   * end as it should: a final status is written before the last states (the DLQ message) run.
   */
  /** Whether the release DLQ still holds a message of the order (read without hiding any). */
  const dlqHolds = async (orderId: string): Promise<boolean> => {
    const sqs = new SQSClient({
      endpoint: runtime.sqs.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    try {
      for (let i = 0; i < 3; i++) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: runtime.releaseDlqUrl,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: 0,
            WaitTimeSeconds: 0,
          }),
        );
        if (Messages.some((message) => message.Body?.includes(orderId))) return true;
      }
      return false;
    } finally {
      sqs.destroy();
    }
  };
  const reach = async (
    label: string,
    orderId: string | undefined,
    want: string,
    {
      execution = orderId,
      ends = ['SUCCEEDED'],
      client = demo,
    }: { execution?: string | undefined; ends?: string[]; client?: typeof demo } = {},
  ): Promise<boolean> => {
    if (!orderId || !execution) return false;
    const deadline = Date.now() + deadlineMs;
    let last: string | undefined;
    while (Date.now() < deadline) {
      const run = describe(execution);
      last = await statusOf(orderId, client);
      if (last === want && (want === 'ON_HOLD' || ends.includes(run?.status ?? ''))) return true;
      if (run && run.status !== 'RUNNING' && (last !== want || !ends.includes(run.status))) {
        problems.push(`${label}: ${last}, execution ${run.status} ${run.error ?? ''}`);
        return false;
      }
      await sleep(50);
    }
    problems.push(`${label}: still ${last} after ${deadlineMs} ms, wanted ${want}`);
    return false;
  };

  const { name: _name, ...nameless } = sampleOrder().shippingAddress;
  const unpaidId = shopifyId();
  const unpaidPayload = shopifyOrderPayload({
    financial_status: 'pending',
    gateway: 'Cash on Delivery (COD)',
  });
  const variant = Number(shopifyId().slice(-12));
  const unmappedId = shopifyId();
  const unmappedPayload = (quantity: number) =>
    shopifyOrderPayload({
      line_items: [
        { ...(shopifyOrderPayload().line_items as object[])[0], sku: null, variant_id: variant, quantity },
      ],
    });
  const [happy, declined, undeliverable, unnamed, held, unpaid, unmapped] = await Promise.all([
    webhook('happy', { externalOrderId: `happy-${tag}` }),
    webhook('declined', {
      payment: { provider: 'sandbox', reference: `decline-${tag}`, amount: '12.50' },
    }),
    webhook('undeliverable', {
      shippingAddress: { ...sampleOrder().shippingAddress, postalCode: '00000' },
    }),
    webhook('unnamed', { shippingAddress: nameless as ReturnType<typeof sampleOrder>['shippingAddress'] }),
    webhook('held', { discountCodes: ['WELCOME10'] }),
    shopify('unpaid', 'orders/create', unpaidPayload, unpaidId),
    shopify('unmapped', 'orders/create', unmappedPayload(1), unmappedId),
  ]);

  const api = await fetch(`${runtime.url}/orders`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${demo.options.apiKey}`,
      'content-type': 'application/json',
      'idempotency-key': `tour-${tag}`,
    },
    body: JSON.stringify(sampleOrder({ externalOrderId: `api-${tag}`, discountCodes: ['HOLDME'] })),
  });
  const apiOrderId = ((await api.json().catch(() => ({}))) as { orderId?: string }).orderId;
  if (api.status !== 201) problems.push(`api create: answered ${api.status}`);

  await Promise.all([
    (async () => {
      if (!(await reach('happy', happy, 'DELIVERED'))) return;
      // Its label file, stored by generate-label and sent by the api: a PDF.
      const label = await fetch(`${runtime.url}/orders/${happy}/label`, {
        headers: { authorization: `Bearer ${DEMO_SELLER.apiKey}` },
        signal: AbortSignal.timeout(30_000),
      });
      const file = Buffer.from(await label.arrayBuffer());
      if (label.status !== 200 || file.subarray(0, 5).toString('latin1') !== '%PDF-')
        problems.push(`happy: label download answered ${label.status}, ${file.length} bytes`);
      // Its order events, one per status change, from the table stream to the bus.
      const { body } = await demo.request<{ history?: unknown[] }>('GET', `/orders/${happy}`);
      const wanted = (body.history ?? []).map((_, index) => `${happy}:${index}`);
      const published = () =>
        runtime.orderEvents.bus
          .events()
          .map((event) => String(event.detail.id))
          .filter((id) => id.startsWith(`${happy}:`));
      const complete = () => Promise.resolve(wanted.every((id) => published().includes(id)));
      if (!(await eventually(complete, Math.min(deadlineMs, 10_000))))
        problems.push(`happy: order events ${published().join(', ') || 'none'} of ${wanted.length}`);
      // Its order.delivered, at the seller's endpoint after one retry, then once more by a replay.
      const delivered = wanted.at(-1)!;
      const received = () => receiver.accepted.filter((id) => id === delivered).length;
      if (!(await eventually(() => Promise.resolve(received() === 1), Math.min(deadlineMs, 10_000)))) {
        problems.push(`happy: its webhook was received ${received()} times, not once`);
        return;
      }
      // Retried after its backoff (a moment at this time scale), not after the queue's visibility timeout.
      const [first, second] = receiver.attemptsAt(delivered);
      if (second! - first! > 5_000)
        problems.push(`happy: its webhook was retried after ${second! - first!} ms`);
      // And the seller sees it delivered, on the second attempt.
      const seen = async () => {
        const { body } = await demo.request<{
          items?: { eventId: string; status: string; attempts: number }[];
        }>('GET', `/webhook-endpoints/${endpoint.body.id}/deliveries`);
        const delivery = body.items?.find((item) => item.eventId === delivered);
        return delivery?.status === 'delivered' && delivery.attempts === 2;
      };
      if (!(await eventually(seen, 3_000)))
        problems.push('happy: its webhook delivery is not shown delivered');
      const replay = await demo.request(
        'POST',
        `/webhook-endpoints/${endpoint.body.id}/deliveries/${encodeURIComponent(delivered)}/replay`,
      );
      if (replay.status !== 202) problems.push(`happy: webhook replay answered ${replay.status}`);
      else if (!(await eventually(() => Promise.resolve(received() === 2), Math.min(deadlineMs, 10_000))))
        problems.push(`happy: its replayed webhook was received ${received() - 1} times, not once`);
    })(),
    reach('declined', declined, 'PAYMENT_FAILED'),
    (async () => {
      // Failed releases the seller fixes and retries, one after the other: each retry takes its own
      // message off the DLQ and leaves the other order's there, visible.
      const failed = await Promise.all([
        reach('undeliverable', undeliverable, 'FAILED_TO_RELEASE'),
        reach('unnamed', unnamed, 'FAILED_TO_RELEASE'),
      ]);
      if (failed.includes(false)) return;
      for (const [label, orderId, other] of [
        ['undeliverable', undeliverable!, unnamed!],
        ['unnamed', unnamed!, undefined],
      ] as const) {
        const fixed = await demo.request('PATCH', `/orders/${orderId}`, {
          shippingAddress: sampleOrder().shippingAddress,
        });
        if (fixed.status !== 200) problems.push(`${label}: address fix answered ${fixed.status}`);
        const retry = await demo.request<{ executionName?: string }>('POST', `/orders/${orderId}/retry`);
        if (retry.status !== 202) problems.push(`${label}: retry answered ${retry.status}`);
        else await reach(`${label}, retried`, orderId, 'DELIVERED', { execution: retry.body.executionName });
        if (await dlqHolds(orderId)) problems.push(`${label}: its DLQ message outlived the retry`);
        // Another scan (the unmapped order's retry) may hold it for a moment: seen within seconds, not 60 s.
        if (other && !(await eventually(() => dlqHolds(other), 5_000)))
          problems.push(`${label}: its retry hid another order's DLQ message`);
      }
    })(),
    (async () => {
      // Not paid yet: it waits PENDING until the storefront's orders/paid.
      const deadline = Date.now() + deadlineMs;
      for (;;) {
        const { body } = await shop.request<{ paymentWait?: unknown }>('GET', `/orders/${unpaid}`);
        if (body?.paymentWait) break;
        if (Date.now() > deadline) return problems.push('unpaid: never waited for its payment');
        await sleep(50);
      }
      // Its fulfillment in the shop: Shopify's answer to the first creation is lost on the way back.
      const standIn = runtime.standIns.shopify;
      standIn.loseNextAnswer('FulfillmentCreate');
      const readsBefore = standIn.operations.filter((op) => op.name === 'OrderFulfillment').length;
      await shopify('unpaid', 'orders/paid', { ...unpaidPayload, financial_status: 'paid' }, unpaidId);
      if (!(await reach('unpaid', unpaid, 'DELIVERED', { client: shop }))) return;
      const fulfilled = () => {
        const made = standIn.order(SHOPIFY_SELLER.shopDomain, unpaidId!)?.fulfillments ?? [];
        const reads = standIn.operations.filter((op) => op.name === 'OrderFulfillment').length;
        // One fulfillment with the tracking number, found again by a retry's read after the lost answer.
        return Promise.resolve(
          made.length === 1 && !!made[0]!.trackingInfo[0]?.number && reads >= readsBefore + 2,
        );
      };
      if (!(await eventually(fulfilled, Math.min(deadlineMs, 10_000)))) {
        const made = standIn.order(SHOPIFY_SELLER.shopDomain, unpaidId!)?.fulfillments ?? [];
        problems.push(
          `unpaid: ${made.length} Shopify fulfillment(s) ${JSON.stringify(made.map((f) => f.trackingInfo))}, not one with its tracking, found again after the lost answer`,
        );
      }
    })(),
    (async () => {
      // A line without a SKU: the seller maps its variant to one of theirs, then retries the order.
      if (!(await reach('unmapped', unmapped, 'OUT_OF_STOCK', { client: shop }))) return;
      // While it waits, the customer asks for two: the storefront's update replaces its lines.
      await shopify('unmapped', 'orders/updated', unmappedPayload(2), unmappedId);
      const mapped = await shop.request('PUT', `/sku-mappings/variant/${variant}`, { sku: 'MUG-RED' });
      if (mapped.status !== 200) problems.push(`unmapped: mapping answered ${mapped.status}`);
      const retry = await shop.request<{ executionName?: string }>('POST', `/orders/${unmapped}/retry`);
      if (retry.status !== 202) problems.push(`unmapped: retry answered ${retry.status}`);
      else
        await reach('unmapped, retried', unmapped, 'DELIVERED', {
          execution: retry.body.executionName,
          client: shop,
        });
      const { body } = await shop.request<{ items?: { sku?: string; quantity?: number }[] }>(
        'GET',
        `/orders/${unmapped}`,
      );
      if (body.items?.[0]?.quantity !== 2 || body.items[0].sku !== 'MUG-RED')
        problems.push(`unmapped: shipped ${JSON.stringify(body.items)}, not 2 × MUG-RED`);
    })(),
    (async () => {
      if (!(await reach('held', held, 'ON_HOLD'))) return;
      const release = await demo.request('POST', `/orders/${held}/release`, {});
      if (release.status !== 202) problems.push(`held: release answered ${release.status}`);
      await reach('held', held, 'DELIVERED');
    })(),
    (async () => {
      if (!(await reach('api order', apiOrderId, 'ON_HOLD'))) return;
      const cancel = await demo.request('POST', `/orders/${apiOrderId}/cancel`, { reason: 'tour' });
      if (cancel.status !== 200) problems.push(`api order: cancel answered ${cancel.status}`);
      await reach('api order', apiOrderId, 'CANCELLED', { ends: ['ABORTED', 'SUCCEEDED'] });
    })(),
  ]);

  for (const query of [`sku=MUG-RED`, `status=DELIVERED`, `externalOrderId=happy-${tag}`, `limit=5`]) {
    const { status, body } = await demo.request<{ items?: { orderId: string }[] }>('GET', `/orders?${query}`);
    if (status !== 200 || !body.items?.length)
      problems.push(`search ${query}: ${status}, ${body.items?.length}`);
  }

  // A stuck order: written as intake writes one, long ago, and its workflow never started.
  const { createOrder } = await import('../../../functions/shared/store/orders.js');
  const { newOrder } = await import('../../support/orders.js');
  const longAgo = new Date(Date.now() - 48 * 3600_000).toISOString();
  const stuck = { ...newOrder({ sellerId: 'demo' }), createdAt: longAgo, updatedAt: longAgo };
  stuck.history = [{ status: 'PENDING', at: longAgo, actor: 'storefront' }];
  await createOrder(stuck, []);
  try {
    const report = (await runtime.sweep()) as { resumed?: string[] };
    if (!report?.resumed?.includes(stuck.orderId)) problems.push('sweeper: did not resume the stuck order');
    else await reach('stuck', stuck.orderId, 'DELIVERED', { execution: `${stuck.orderId}-2` });
  } catch (error) {
    problems.push(`sweeper: failed (${(error as Error).name})`);
  }
  if (endpoint.body.id) {
    const removed = await demo.request('DELETE', `/webhook-endpoints/${endpoint.body.id}`);
    if (removed.status !== 200) problems.push(`webhook endpoint: delete answered ${removed.status}`);
  }
  return problems;
}

/**
 * The tour's Shopify seller, written straight to the table as `npm run seller` would, and both sellers'
 * stock topped up: pass after pass of the removal drill would otherwise sell the demo seller out, and
 * orders meant to be held or delivered would end OUT_OF_STOCK before reaching the call under test.
 */
async function prepareSellers(): Promise<void> {
  const { putSeller, addApiKey, connectShopify } =
    await import('../../../functions/shared/store/seller-admin.js');
  const { setStock } = await import('../../../functions/shared/store/inventory.js');
  const { getSeller } = await import('../../../functions/shared/store/sellers.js');
  const { sellerId, apiKey, webhookSecret } = SHOPIFY_SELLER;
  if (!(await getSeller(sellerId))) {
    await putSeller({
      sellerId,
      originCountry: 'US',
      webhookSecrets: [webhookSecret],
      paymentWaitHours: 8760,
    });
    await addApiKey(sellerId, apiKey);
    await connectShopify(sellerId, {
      shopDomain: SHOPIFY_SELLER.shopDomain,
      accessToken: SHOPIFY_SELLER.accessToken,
    });
  }
  for (const seller of [sellerId, 'demo']) {
    for (const sku of ['MUG-RED', 'TEE-BLK-M']) await setStock(seller, sku, 1_000);
  }
  // An endpoint an earlier pass could not delete (its grant removed) would hear this pass's events too.
  const { listWebhookEndpoints, deleteWebhookEndpoint } =
    await import('../../../functions/shared/store/webhook-endpoints.js');
  for (const endpoint of await listWebhookEndpoints('demo')) {
    if (endpoint.url === (await receiver.url())) await deleteWebhookEndpoint('demo', endpoint.endpointId);
  }
}
