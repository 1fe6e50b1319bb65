import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import type { Order } from '../../../functions/shared/domain/order.js';
import { OrderflowClient, SETTLED, signGeneric, type ClientOptions } from '../../../scripts/lib/client.js';

/** The design's local sellers, as `npm start` seeds them. */
export const DEMO_SELLER = {
  sellerId: 'demo',
  apiKey: 'demo-api-key',
  webhookSecret: 'demo-webhook-secret',
} as const;
export const ACME_SELLER = {
  sellerId: 'acme',
  apiKey: 'acme-api-key',
  webhookSecret: 'acme-webhook-secret',
} as const;

export const clientFor = (baseUrl: string, seller: Omit<ClientOptions, 'baseUrl'> = DEMO_SELLER) =>
  new OrderflowClient({ baseUrl, ...seller });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  text: string;
}

/** One HTTP request; a refused or reset connection is an exception, as fetch reports it. */
export async function request(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Answer> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    ...(init.headers ? { headers: init.headers } : {}),
    ...(init.body !== undefined ? { body: init.body } : {}),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

/**
 * Every 5xx answer and failed connection the helpers below ride out, with when it came. A drill opens a
 * window around what it does on purpose (a SIGKILL and restart, injected AWS faults); any other is a
 * fault the storefront's retries would have hidden, and a test fails on it (`unexpected()`).
 */
export const serverErrors = {
  seen: [] as { at: number; what: string }[],
  windows: [] as { from: number; to: number; why: string }[],
  /** Tolerates what comes until the returned function is called. */
  tolerate(why: string): () => void {
    const window = { from: Date.now(), to: Infinity, why };
    this.windows.push(window);
    return () => {
      window.to = Date.now();
    };
  },
  record(what: string): void {
    this.seen.push({ at: Date.now(), what });
  },
  /** What came outside every window. */
  unexpected(): string[] {
    return this.seen
      .filter(({ at }) => !this.windows.some((window) => at >= window.from && at <= window.to))
      .map(({ at, what }) => `${new Date(at).toISOString()} ${what}`);
  },
};

/**
 * Sends a webhook the way a storefront does: until it is acknowledged, signing each attempt afresh,
 * through refused connections (the runtime restarting) and 5xx answers, each recorded in serverErrors.
 */
export async function deliverUntilAccepted(
  send: () => Promise<Answer>,
  deadlineMs = 120_000,
): Promise<Answer> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      const answer = await send();
      if (answer.status < 500) return answer;
      serverErrors.record(`webhook answered ${answer.status}: ${answer.text.slice(0, 200)}`);
    } catch (error) {
      // connection refused or reset: the runtime is down
      serverErrors.record(`webhook failed: ${(error as Error).message}`);
    }
    if (Date.now() > deadline) throw new Error('a webhook was never acknowledged');
    await sleep(100);
  }
}

export interface WebhookSender {
  sellerId: string;
  webhookSecret: string;
}

export function sendGenericWebhook(
  baseUrl: string,
  body: string,
  seller: WebhookSender = DEMO_SELLER,
): Promise<Answer> {
  return request(`${baseUrl}/webhooks/orders/${seller.sellerId}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-orderflow-signature': signGeneric(seller.webhookSecret, body),
    },
    body,
  });
}

/** Runs `work` over `items`, `concurrency` at a time. */
export async function inParallel<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!, index);
      }
    }),
  );
  return results;
}

/**
 * Polls GET /orders/{id} over HTTP until every order has settled (a status after which nothing happens
 * without the seller), riding out a runtime that is down (each failure recorded in serverErrors).
 * Returns the orders as last read.
 */
export async function awaitSettled(
  client: OrderflowClient,
  orderIds: readonly string[],
  timeoutMs: number,
): Promise<Map<string, Order>> {
  const settled = new Map<string, Order>();
  const last = new Map<string, string>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = orderIds.filter((id) => !settled.has(id));
    await inParallel(open, 16, async (id) => {
      try {
        const order = await client.getOrder(id);
        last.set(id, `${order.status} (${order.history.map((entry) => entry.status).join(' → ')})`);
        if (SETTLED.has(order.status)) settled.set(id, order);
      } catch (error) {
        // the runtime is restarting, or a fault: recorded, and asked again
        serverErrors.record(`GET /orders/${id} failed: ${(error as Error).message}`);
      }
    });
    if (settled.size === orderIds.length) return settled;
    if (Date.now() > deadline) {
      const stuck = orderIds.filter((id) => !settled.has(id));
      const some = stuck.slice(0, 5).map((id) => `${id}: ${last.get(id) ?? 'never read'}`);
      throw new Error(`${stuck.length} orders did not settle, e.g. ${some.join('; ')}`);
    }
    await sleep(250);
  }
}

export async function stockOf(client: OrderflowClient, sku: string) {
  const { status, body } = await client.request<{ sku: string; available: number; reserved: number }>(
    'GET',
    `/inventory/${sku}`,
  );
  if (status !== 200) throw new Error(`GET /inventory/${sku} answered ${status}`);
  return { available: body.available, reserved: body.reserved };
}

/** An execution's whole history, every page of it. */
export async function executionHistory(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}
