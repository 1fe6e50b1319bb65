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
import { sendWebhooks, type SendResult } from './sender.js';

export type LoadSpec =
  | {
      kind: 'putItem';
      endpoint: string;
      table: string;
      paddingBytes: number;
      concurrency: number;
      durationMs: number;
    }
  | {
      kind: 'webhooks';
      baseUrl: string;
      sellerId: string;
      secret: string;
      concurrency: number;
      durationMs: number;
    };

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
  const result = spec.kind === 'putItem' ? await putItems(spec) : await webhooks(spec);
  process.stdout.write(JSON.stringify(result));
}
