import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyOrderflowSignature } from '../../functions/api/signatures.js';
import type { OrderEvent } from '../../functions/shared/events/order-event.js';
import { setStock } from '../../functions/shared/store/inventory.js';
import { addApiKey, putSeller } from '../../functions/shared/store/seller-admin.js';
import { WEBHOOK_MAX_ATTEMPTS } from '../../functions/shared/webhooks/retry-schedule.js';
import { runAs, startAwsParity, type AwsParity } from '../../infra/local/aws/index.js';
import type { Handler } from '../../infra/local/aws/lambda.js';
import {
  startLocalEventBus,
  startLocalWebhookDeliveries,
  startStreamPoller,
  type LocalEventBus,
  type LocalWebhookDeliveries,
  type StreamPoller,
} from '../../infra/local/events/index.js';
import { call, sellerClient } from '../support/http.js';
import { orderIn } from '../support/order-states.js';

/** What the receiver saw: every request, and whether it answered 2xx. */
interface Received {
  path: string;
  event: OrderEvent;
  raw: Buffer;
  signature: string | undefined;
  accepted: boolean;
}

const FLAKY_FAILURES = 3;
const received: Received[] = [];
let downRecovered = false;
const attemptsSeen = new Map<string, number>();
const hung: { event: OrderEvent; at: number }[] = [];
/** '/slow' answers 200 once the test lets it: each call's event id, and how to answer the calls waiting. */
const slowCalls: string[] = [];
const slowAnswers: (() => void)[] = [];
/** The deliverer's finished batches: the deliveries (`<endpoint> <event>`) it was given, and the messages it gave back. */
const delivererRuns: { deliveries: string[]; failures: number }[] = [];

let receiver: Server;
let receiverUrl: string;
let bus: LocalEventBus;
let poller: StreamPoller;
let webhooks: LocalWebhookDeliveries;
let parity: AwsParity;
let deadLettersUrl: string;
const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
const seller = { sellerId: 'hooks', apiKey: 'hooks-api-key' };
const api = sellerClient(seller.apiKey);

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const event = JSON.parse(raw.toString('utf8')) as OrderEvent;
      if (req.url === '/slow') {
        slowCalls.push(event.id);
        slowAnswers.push(() => res.writeHead(200).end('ok'));
        return;
      }
      if (req.url === '/hang') {
        // Never answers: the deliverer gives up after its timeout.
        hung.push({ event, at: Date.now() });
        return;
      }
      const key = `${req.url} ${event.id}`;
      const attempt = (attemptsSeen.get(key) ?? 0) + 1;
      attemptsSeen.set(key, attempt);
      const accepted = req.url === '/flaky' ? attempt > FLAKY_FAILURES : downRecovered;
      received.push({
        path: req.url!,
        event,
        raw,
        signature: req.headers['x-orderflow-signature'] as string | undefined,
        accepted,
      });
      res.writeHead(accepted ? 200 : 503).end(accepted ? 'ok' : 'try later');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;

  const suffix = randomUUID().slice(0, 8);
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `webhook-dlq-${suffix}` }));
  deadLettersUrl = dlq.QueueUrl!;
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: `webhook-deliveries-${suffix}`,
      Attributes: {
        VisibilityTimeout: '180',
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: `arn:aws:sqs:us-east-1:000000000000:webhook-dlq-${suffix}`,
          maxReceiveCount: WEBHOOK_MAX_ATTEMPTS,
        }),
      },
    }),
  );
  bus = await startLocalEventBus({ name: `events-${suffix}` });
  // Configuration only, as the runtime gives it: every backoff is a few microseconds at this scale.
  Object.assign(process.env, {
    ORDER_EVENTS_BUS: bus.name,
    AWS_ENDPOINT_URL_EVENTBRIDGE: bus.endpoint,
    WEBHOOK_DELIVERIES_URL: queue.QueueUrl!,
    WEBHOOK_URL_POLICY: 'any',
    ORDERFLOW_TIME_SCALE: '1000000',
  });
  parity = await startAwsParity();
  const handlers = {
    'publish-events': (await import('../../functions/publish-events/handler.js')).handler,
    'queue-webhooks': (await import('../../functions/queue-webhooks/handler.js')).handler,
    'deliver-webhooks': (await import('../../functions/deliver-webhooks/handler.js')).handler,
  };
  const deployed = async (name: keyof typeof handlers) => parity.deployed(name, handlers[name] as Handler);
  poller = startStreamPoller({
    endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB!,
    tableName: process.env.ORDERS_TABLE!,
    handler: await deployed('publish-events'),
    idleMs: 50,
  });
  webhooks = startLocalWebhookDeliveries({
    bus,
    sqsEndpoint: process.env.AWS_ENDPOINT_URL_SQS!,
    queueUrl: queue.QueueUrl!,
    queuer: await deployed('queue-webhooks'),
    deliverer: await (async () => {
      const deliverer = await deployed('deliver-webhooks');
      return async (event: unknown, context: Parameters<Handler>[1]) => {
        const result = (await deliverer(event, context)) as { batchItemFailures: unknown[] };
        const records = (event as { Records: { body: string }[] }).Records;
        delivererRuns.push({
          deliveries: records.map((record) => {
            const message = JSON.parse(record.body) as { endpointId: string; eventId: string };
            return `${message.endpointId} ${message.eventId}`;
          }),
          failures: result.batchItemFailures.length,
        });
        return result;
      };
    })(),
    asDeliverer: (work) =>
      runAs(
        { name: 'deliver-webhooks', statements: parity.model.functions['deliver-webhooks'].statements },
        work,
      ),
  });
  await putSeller({ sellerId: seller.sellerId, originCountry: 'US', webhookSecrets: [] });
  await addApiKey(seller.sellerId, seller.apiKey);
  await setStock(seller.sellerId, 'MUG-RED', 100);
});
afterAll(async () => {
  await webhooks?.stop();
  await poller?.stop();
  await bus?.stop();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
  sqs.destroy();
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface DeliveryView {
  eventId: string;
  eventType: string;
  status: string;
  attempts: number;
  lastError?: string;
}

async function deliveries(endpointId: string): Promise<DeliveryView[]> {
  const answer = await api.get(`/webhook-endpoints/${endpointId}/deliveries`, { limit: '100' });
  expect(answer.statusCode).toBe(200);
  return answer.json.items as DeliveryView[];
}

async function register(path: string, events?: string[]) {
  const answer = await api.post('/webhook-endpoints', {
    url: `${receiverUrl}${path}`,
    ...(events ? { events } : {}),
  });
  expect(answer.statusCode).toBe(201);
  return answer.json as { id: string; secret: string; url: string; events: string[] };
}

describe('seller webhooks out', () => {
  it('an endpoint failing its first attempts receives every event exactly once after, signed', async () => {
    const endpoint = await register('/flaky');
    const listed = await api.get('/webhook-endpoints');
    expect(listed.json.items).toEqual([expect.objectContaining({ id: endpoint.id })]);
    expect(JSON.stringify(listed.json)).not.toContain(endpoint.secret);

    const order = await orderIn('DELIVERED', {
      sellerId: seller.sellerId,
      items: [{ sku: 'MUG-RED', quantity: 1 }],
    });
    const wanted = order.history.map((_, index) => `${order.orderId}:${index}`);
    const views = await until('every delivery made', async () => {
      const all = await deliveries(endpoint.id);
      const ofOrder = all.filter((view) => view.eventId.startsWith(`${order.orderId}:`));
      return ofOrder.length === wanted.length && ofOrder.every((view) => view.status === 'delivered')
        ? ofOrder
        : undefined;
    });

    const accepted = received.filter(
      (r) => r.path === '/flaky' && r.accepted && r.event.orderId === order.orderId,
    );
    expect(accepted.map((r) => r.event.id).sort()).toEqual([...wanted].sort());
    expect(accepted.map((r) => r.event.type)).toContain('order.delivered');
    for (const delivery of accepted) {
      expect(verifyOrderflowSignature(delivery.raw, delivery.signature, [endpoint.secret])).toBe(true);
      expect(verifyOrderflowSignature(delivery.raw, delivery.signature, ['another-secret'])).toBe(false);
    }
    expect(views.map((view) => view.attempts)).toEqual(wanted.map(() => FLAKY_FAILURES + 1));
    expect(
      received.filter((r) => r.path === '/flaky' && !r.accepted && r.event.orderId === order.orderId),
    ).toHaveLength(wanted.length * FLAKY_FAILURES);
  });

  it('one that never recovers ends in the dead-letter queue, and a replay delivers it once it is back', async () => {
    const endpoint = await register('/down', ['order.delivered']);
    const order = await orderIn('DELIVERED', {
      sellerId: seller.sellerId,
      items: [{ sku: 'MUG-RED', quantity: 1 }],
    });
    const eventId = `${order.orderId}:${order.history.length - 1}`;

    const dead = await until('the delivery given up', async () => {
      const view = (await deliveries(endpoint.id)).find((v) => v.eventId === eventId);
      return view?.status === 'dead' ? view : undefined;
    });
    const dlqMessage = await until('its message in the dead-letter queue', async () => {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: deadLettersUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 0,
        }),
      );
      return Messages.find((message) => JSON.parse(message.Body ?? '{}').eventId === eventId);
    });

    expect(dead).toMatchObject({ eventType: 'order.delivered', attempts: WEBHOOK_MAX_ATTEMPTS });
    expect(dead.lastError).toMatch(/^HTTP 503/);
    expect(JSON.parse(dlqMessage.Body!)).toEqual({
      sellerId: seller.sellerId,
      endpointId: endpoint.id,
      eventId,
    });
    expect(received.filter((r) => r.path === '/down' && r.event.id === eventId)).toHaveLength(
      WEBHOOK_MAX_ATTEMPTS,
    );

    downRecovered = true;
    const replay = await api.post(
      `/webhook-endpoints/${endpoint.id}/deliveries/${encodeURIComponent(eventId)}/replay`,
    );
    expect(replay.statusCode).toBe(202);
    await until('the replay delivered', async () => {
      const view = (await deliveries(endpoint.id)).find((v) => v.eventId === eventId);
      return view?.status === 'delivered' ? view : undefined;
    });

    const accepted = received.filter((r) => r.path === '/down' && r.accepted && r.event.id === eventId);
    expect(accepted).toHaveLength(1);
    expect(verifyOrderflowSignature(accepted[0]!.raw, accepted[0]!.signature, [endpoint.secret])).toBe(true);
    // Subscribed to order.delivered only: nothing else of the order was sent there.
    expect(
      received.filter(
        (r) => r.path === '/down' && r.event.id !== eventId && r.event.orderId === order.orderId,
      ),
    ).toEqual([]);
  });

  it("a receiver that never answers holds up nobody else: another seller's events arrive meanwhile", async () => {
    const hanging = await register('/hang', ['order.delivered']);
    await putSeller({ sellerId: 'hooks-b', originCountry: 'US', webhookSecrets: [] });
    await addApiKey('hooks-b', 'hooks-b-api-key');
    await setStock('hooks-b', 'MUG-RED', 10);
    const other = sellerClient('hooks-b-api-key');
    expect((await other.post('/webhook-endpoints', { url: `${receiverUrl}/fast` })).statusCode).toBe(201);

    const slow = await orderIn('DELIVERED', {
      sellerId: seller.sellerId,
      items: [{ sku: 'MUG-RED', quantity: 1 }],
    });
    await until('the hanging endpoint called', async () =>
      hung.some((call) => call.event.orderId === slow.orderId) ? true : undefined,
    );
    const fast = await orderIn('DELIVERED', {
      sellerId: 'hooks-b',
      items: [{ sku: 'MUG-RED', quantity: 1 }],
    });
    const started = Date.now();
    await until(
      "the other seller's events",
      async () =>
        received.filter((r) => r.path === '/fast' && r.accepted && r.event.orderId === fast.orderId)
          .length === fast.history.length
          ? true
          : undefined,
      8_000,
    );

    // All of them while the hanging call was still waited on (the deliverer gives up after 10 s).
    const firstHang = hung.find((call) => call.event.orderId === slow.orderId)!.at;
    expect(Date.now() - firstHang).toBeLessThan(10_000);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(hanging.events).toEqual(['order.delivered']);
  });

  it('a repeated event queues its delivery twice, and the endpoint still receives it once', async () => {
    // Imported once the bus is configured, as the functions are.
    const { publishOrderEvents } = await import('../../functions/shared/events/bus.js');
    const endpoint = await register('/slow', ['order.received']);
    const orderId = `ord_repeat${randomUUID().replace(/-/g, '').slice(0, 14)}`;
    const event: OrderEvent = {
      id: `${orderId}:0`,
      type: 'order.received',
      version: 1,
      occurredAt: new Date().toISOString(),
      sellerId: seller.sellerId,
      orderId,
      externalOrderId: null,
      sequence: 0,
      status: 'PENDING',
      previousStatus: null,
      reason: null,
      actor: 'storefront',
      data: {},
    };
    await publishOrderEvents([event]);
    await until('the first attempt under way', async () => (slowCalls.includes(event.id) ? true : undefined));
    // The bus delivers at least once: the same event again, while the first attempt waits on the endpoint.
    // queue-webhooks finds its delivery pending with no attempt recorded, so it queues a second message.
    await publishOrderEvents([event]);
    const delivery = `${endpoint.id} ${event.id}`;
    await until('the second message handled', async () =>
      delivererRuns.some((run) => run.deliveries.includes(delivery)) ? true : undefined,
    );

    // It did not reach the endpoint: the first attempt holds the delivery, so it went back to the queue.
    expect(slowCalls.filter((id) => id === event.id)).toHaveLength(1);
    expect(delivererRuns.find((run) => run.deliveries.includes(delivery))?.failures).toBe(1);
    slowAnswers.splice(0).forEach((answer) => answer());
    const view = await until('delivered', async () =>
      (await deliveries(endpoint.id)).find(
        (item) => item.eventId === event.id && item.status === 'delivered',
      ),
    );
    expect(view.attempts).toBe(1);
    expect(slowCalls.filter((id) => id === event.id)).toHaveLength(1);
  });

  it('a deleted endpoint is gone for the seller, and another seller cannot see or delete it', async () => {
    const endpoint = await register('/flaky');
    const remove = (apiKey: string) =>
      call({
        method: 'DELETE',
        path: `/webhook-endpoints/${endpoint.id}`,
        headers: { authorization: `Bearer ${apiKey}` },
      });
    await putSeller({ sellerId: 'other-hooks', originCountry: 'US', webhookSecrets: [] });
    await addApiKey('other-hooks', 'other-hooks-api-key');

    expect((await remove('other-hooks-api-key')).statusCode).toBe(404);
    expect((await remove(seller.apiKey)).statusCode).toBe(200);
    expect((await remove(seller.apiKey)).statusCode).toBe(404);
    const listed = await api.get('/webhook-endpoints');
    expect(listed.json.items.map((item: { id: string }) => item.id)).not.toContain(endpoint.id);
  });
});
