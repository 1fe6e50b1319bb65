/**
 * The intake bench's clients, in a process of their own: storefronts and DynamoDB callers are not the
 * runtime, so their CPU and event loop must not be the runtime's either. Both workloads (raw PutItem and
 * webhooks) run here, so the baseline and the figure it is compared with are measured alike.
 *
 * `runLoad(spec)` spawns this file with the spec as its argument; it prints a `LoadResult` as JSON.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { localDynamoClient } from '../../infra/local/services.js';
import { Agent } from 'node:http';
import { post, sendWebhooks, signedWebhook, type SendResult } from './sender.js';

/**
 * A closed loop (`concurrency` callers, each sending when its last answer came) or, with `ratePerSecond`,
 * an open loop: requests sent on a fixed schedule whatever the answers, as storefronts send, each one's
 * latency counted from when it was due (so a stall counts against every request it delays).
 */
export type LoadSpec = (
  | {
      kind: 'putItem';
      endpoint: string;
      table: string;
      paddingBytes: number;
    }
  | {
      kind: 'webhooks';
      baseUrl: string;
      sellerId: string;
      secret: string;
    }
) & { concurrency: number; durationMs: number; ratePerSecond?: number };

export type LoadResult = Pick<SendResult, 'latencies' | 'statuses' | 'elapsedMs' | 'sent'>;

async function putItems(spec: Extract<LoadSpec, { kind: 'putItem' }>): Promise<LoadResult> {
  const dynamo = localDynamoClient(spec.endpoint);
  const padding = 'x'.repeat(spec.paddingBytes);
  const result: LoadResult = { latencies: [], statuses: {}, elapsedMs: 0, sent: 0 };
  const started = performance.now();
  const deadline = started + spec.durationMs;
  await Promise.all(
    Array.from({ length: spec.concurrency }, async () => {
      while (performance.now() < deadline) {
        result.sent++;
        const item = { PK: { S: `RAW#${randomUUID()}` }, SK: { S: 'ITEM' }, data: { S: padding } };
        const at = performance.now();
        await dynamo.send(new PutItemCommand({ TableName: spec.table, Item: item }));
        result.latencies.push(performance.now() - at);
        result.statuses[200] = (result.statuses[200] ?? 0) + 1;
      }
    }),
  );
  result.elapsedMs = performance.now() - started;
  dynamo.destroy();
  return result;
}

/** `once` called on a fixed schedule for `durationMs`; each latency from when its call was due. */
async function openLoop(
  ratePerSecond: number,
  durationMs: number,
  once: () => Promise<number>,
): Promise<LoadResult> {
  const result: LoadResult = { latencies: [], statuses: {}, elapsedMs: 0, sent: 0 };
  const interval = 1000 / ratePerSecond;
  const total = Math.floor((durationMs / 1000) * ratePerSecond);
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let index = 0; index < total; index++) {
    const due = started + index * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    result.sent++;
    inFlight.push(
      once().then(
        (status) => {
          result.latencies.push(performance.now() - due);
          result.statuses[status] = (result.statuses[status] ?? 0) + 1;
        },
        () => {
          result.statuses[0] = (result.statuses[0] ?? 0) + 1;
        },
      ),
    );
  }
  await Promise.all(inFlight);
  result.elapsedMs = performance.now() - started;
  return result;
}

async function putItemsOpen(spec: Extract<LoadSpec, { kind: 'putItem' }>, rate: number): Promise<LoadResult> {
  const dynamo = localDynamoClient(spec.endpoint);
  const padding = 'x'.repeat(spec.paddingBytes);
  const result = await openLoop(rate, spec.durationMs, async () => {
    const item = { PK: { S: `RAW#${randomUUID()}` }, SK: { S: 'ITEM' }, data: { S: padding } };
    await dynamo.send(new PutItemCommand({ TableName: spec.table, Item: item }));
    return 200;
  });
  dynamo.destroy();
  return result;
}

async function webhooksOpen(
  spec: Extract<LoadSpec, { kind: 'webhooks' }>,
  rate: number,
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true });
  const url = new URL(`/webhooks/orders/${spec.sellerId}`, spec.baseUrl);
  const result = await openLoop(rate, spec.durationMs, async () => {
    const { body, headers } = signedWebhook(spec.secret);
    return (await post(agent, url, headers, body)).status;
  });
  agent.destroy();
  return result;
}

async function webhooks(spec: Extract<LoadSpec, { kind: 'webhooks' }>): Promise<LoadResult> {
  const { latencies, statuses, elapsedMs, sent } = await sendWebhooks(spec);
  return { latencies, statuses, elapsedMs, sent };
}

const run = promisify(execFile);
const self = fileURLToPath(import.meta.url);

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', self, JSON.stringify(spec)], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as LoadResult;
}

if (process.argv[1] === self) {
  const spec = JSON.parse(process.argv[2]!) as LoadSpec;
  const rate = spec.ratePerSecond;
  const result =
    spec.kind === 'putItem'
      ? await (rate ? putItemsOpen(spec, rate) : putItems(spec))
      : await (rate ? webhooksOpen(spec, rate) : webhooks(spec));
  process.stdout.write(JSON.stringify(result));
}
