import { Agent, request } from 'node:http';
import type { OrderInput } from '../../functions/shared/domain/order.js';
import { sampleOrder, signGeneric } from '../../scripts/lib/client.js';

export interface SendResult {
  /** Client-side latency of each answered request, in milliseconds, in completion order. */
  latencies: number[];
  /** Answers by HTTP status (0: no answer). */
  statuses: Record<number, number>;
  orderIds: string[];
  elapsedMs: number;
  sent: number;
}

/** One POST over a kept-alive connection; resolves with the status and the body. */
export function post(
  agent: Agent,
  url: URL,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** A generic webhook's body and headers, signed: ready before its request's clock starts. */
export function signedWebhook(
  secret: string,
  order: () => OrderInput = sampleOrder,
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(order());
  return {
    body,
    headers: { 'content-type': 'application/json', 'x-orderflow-signature': signGeneric(secret, body) },
  };
}

/**
 * `concurrency` senders, each posting signed generic webhooks back to back (a closed loop), until
 * `count` orders were sent or `durationMs` passed. The body is built and signed before the clock of
 * its request starts, as a storefront would have it ready.
 */
export async function sendWebhooks(options: {
  baseUrl: string;
  sellerId: string;
  secret: string;
  concurrency: number;
  count?: number;
  durationMs?: number;
  order?: () => OrderInput;
}): Promise<SendResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const url = new URL(`/webhooks/orders/${options.sellerId}`, options.baseUrl);
  const result: SendResult = { latencies: [], statuses: {}, orderIds: [], elapsedMs: 0, sent: 0 };
  const started = performance.now();
  const deadline = options.durationMs === undefined ? Infinity : started + options.durationMs;
  const limit = options.count ?? Infinity;
  const sender = async () => {
    while (result.sent < limit && performance.now() < deadline) {
      result.sent++;
      const { body, headers } = signedWebhook(options.secret, options.order);
      const at = performance.now();
      let status = 0;
      try {
        const answer = await post(agent, url, headers, body);
        status = answer.status;
        result.latencies.push(performance.now() - at);
        if (status === 202) result.orderIds.push((JSON.parse(answer.body) as { orderId: string }).orderId);
      } catch {
        // counted under status 0
      }
      result.statuses[status] = (result.statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, sender));
  result.elapsedMs = performance.now() - started;
  agent.destroy();
  return result;
}
