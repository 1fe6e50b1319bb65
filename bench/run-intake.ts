/**
 * Intake workload (run by bench/intake.ts in its own process). Starts the local runtime, then measures
 * in the same run and on the same DynamoDB Local: (1) the raw PutItem rate at 32 concurrent callers,
 * with items the size of a stored order; (2) signed generic webhooks at 32 concurrent senders through
 * the HTTP gateway, with the workflow engine running the orders they create, as `npm start` does;
 * (3) both again open loop, offered at a fixed rate (100 a second for 30 s). The clients run in their
 * own process (lib/load.ts).
 */
import { writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { AsyncLocalStorage } from 'node:async_hooks';
import { localDynamoClient } from '../infra/local/services.js';
import { LOCAL_SELLERS } from '../infra/local/seed.js';
import { startBenchRuntime } from './lib/runtime.js';
import { runLoad, type LoadResult } from './lib/load.js';
import { sendWebhooks } from './lib/sender.js';
import { percentile } from './lib/stats.js';

const CONCURRENCY = 32;
const WARMUP_MS = 2_000;
const MEASURE_MS = Number(process.env.BENCH_INTAKE_MS ?? 10_000);
/** The open loop: orders offered at a fixed rate, as storefronts send them, whatever the answers. */
const OPEN_RATE = Number(process.env.BENCH_OPEN_RATE ?? 100);
const OPEN_MS = Number(process.env.BENCH_OPEN_MS ?? 30_000);
const outPath = process.argv.at(-1)!;

/** DynamoDB's item size rule: attribute names plus values (strings as UTF-8, numbers ~ digits / 2). */
function attributeSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.replace(/^-|\.|e.*$/g, '').length / 2) + 1;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.M) return 3 + itemSize(value.M);
  if (value.L) return 3 + value.L.reduce((total, item) => total + 1 + attributeSize(item), 0);
  if (value.SS) return value.SS.reduce((total, item) => total + Buffer.byteLength(item), 0);
  return 0;
}

export function itemSize(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce(
    (total, [name, value]) => total + Buffer.byteLength(name) + attributeSize(value),
    0,
  );
}

interface Step {
  calls: number;
  totalMs: number;
}

/**
 * Where an intake request spends its time: each AWS call the API function makes, by command and (for
 * DynamoDB) the kind of key, timed from the SDK; calls made by the workflow's functions meanwhile are
 * counted apart, to show how much of DynamoDB Local they take. Installed on the runtime's own clients.
 */
async function installProfile() {
  const inApi = new AsyncLocalStorage<true>();
  const state = {
    on: false,
    steps: new Map<string, Step>(),
    api: { invocations: 0, totalMs: 0 },
    workflowDynamoCalls: 0,
    reset() {
      state.steps.clear();
      state.api = { invocations: 0, totalMs: 0 };
      state.workflowDynamoCalls = 0;
    },
    summary() {
      const perRequest = (ms: number) => ms / Math.max(1, state.api.invocations);
      return {
        apiInvocations: state.api.invocations,
        apiMeanMs: perRequest(state.api.totalMs),
        steps: [...state.steps].map(([name, step]) => ({
          name,
          callsPerRequest: step.calls / Math.max(1, state.api.invocations),
          meanMs: step.totalMs / step.calls,
          msPerRequest: perRequest(step.totalMs),
        })),
        workflowDynamoCallsPerSecond: (state.workflowDynamoCalls * 1000) / MEASURE_MS,
      };
    },
  };
  type Next = (args: { input: Record<string, unknown> }) => Promise<unknown>;
  const timing =
    (service: string) =>
    (next: Next, context: { commandName?: string }) =>
    async (args: { input: Record<string, unknown> }) => {
      if (!state.on) return next(args);
      if (!inApi.getStore()) {
        if (service === 'dynamodb') state.workflowDynamoCalls++;
        return next(args);
      }
      const key = args.input.Key as { PK?: unknown; SK?: unknown } | undefined;
      const kind =
        typeof key?.SK === 'string' ? ` ${String(key.PK).split('#')[0]}/${key.SK.split('#')[0]}` : '';
      const name = `${service} ${(context.commandName ?? '').replace(/Command$/, '')}${kind}`;
      const at = performance.now();
      try {
        return await next(args);
      } finally {
        const step = state.steps.get(name) ?? { calls: 0, totalMs: 0 };
        step.calls++;
        step.totalMs += performance.now() - at;
        state.steps.set(name, step);
      }
    };
  const clients = await import('../functions/shared/clients.js');
  const options = { step: 'initialize', name: 'benchIntakeProfile' } as const;
  clients.documents.middlewareStack.add(timing('dynamodb') as never, options);
  const workflow = await import('../functions/shared/workflow.js');
  workflow.sfn.middlewareStack.add(timing('sfn') as never, options);
  const { handler } = await import('../functions/api/handler.js');
  const started = new WeakMap<object, number>();
  handler.use({
    before: (request) => {
      inApi.enterWith(true);
      started.set(request, performance.now());
    },
    after: (request) => {
      const at = started.get(request);
      if (!state.on || at === undefined) return;
      state.api.invocations++;
      state.api.totalMs += performance.now() - at;
    },
  });
  return state;
}

const { runtime, stop } = await startBenchRuntime();
try {
  const seller = LOCAL_SELLERS[0];
  const { setStock } = await import('../functions/shared/store/inventory.js');
  await setStock(seller.sellerId, 'MUG-RED', 100_000_000);
  const dynamo = localDynamoClient(runtime.dynamo.endpoint);
  const profile = await installProfile();

  // The size of an order as the intake stores it, for the raw PutItem items.
  const probe = await sendWebhooks({
    baseUrl: runtime.url,
    sellerId: seller.sellerId,
    secret: seller.webhookSecret,
    concurrency: 1,
    count: 1,
  });
  const orderId = probe.orderIds[0];
  if (!orderId) throw new Error(`the probe webhook was not accepted: ${JSON.stringify(probe.statuses)}`);
  const { Item: stored } = await dynamo.send(
    new GetItemCommand({
      TableName: runtime.config.tableName,
      Key: { PK: { S: `ORDER#${orderId}` }, SK: { S: 'ORDER' } },
    }),
  );
  if (!stored) throw new Error(`order ${orderId} not found in the table`);
  const orderBytes = itemSize(stored);

  // (1) Raw PutItem, 32 concurrent callers, on a plain table in the same DynamoDB Local.
  const rawTable = 'bench-raw-putitem';
  await dynamo.send(
    new CreateTableCommand({
      TableName: rawTable,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'PK', AttributeType: 'S' },
        { AttributeName: 'SK', AttributeType: 'S' },
      ],
    }),
  );
  const paddingBytes = Math.max(0, orderBytes - 60);
  const summary = (load: LoadResult) => ({
    operations: load.latencies.length,
    elapsedMs: load.elapsedMs,
    perSecond: (load.latencies.length * 1000) / load.elapsedMs,
    p50Ms: percentile(load.latencies, 50),
    p99Ms: percentile(load.latencies, 99),
  });
  // Each workload runs twice in a client process of its own: a warm-up, then the measured run.
  const putFor = (durationMs: number) =>
    runLoad({
      kind: 'putItem',
      endpoint: runtime.dynamo.endpoint,
      table: rawTable,
      paddingBytes,
      concurrency: CONCURRENCY,
      durationMs,
    });
  await putFor(WARMUP_MS);
  const rawItemBytes = itemSize({
    PK: { S: `RAW#${randomUUID()}` },
    SK: { S: 'ITEM' },
    data: { S: 'x'.repeat(paddingBytes) },
  });
  const putItem = summary(await putFor(MEASURE_MS));

  // (2) Intake through the gateway.
  const send = (durationMs: number) =>
    runLoad({
      kind: 'webhooks',
      baseUrl: runtime.url,
      sellerId: seller.sellerId,
      secret: seller.webhookSecret,
      concurrency: CONCURRENCY,
      durationMs,
    });
  await send(WARMUP_MS);
  profile.reset();
  profile.on = true;
  const cpuBefore = process.cpuUsage();
  const intake = await send(MEASURE_MS);
  const cpu = process.cpuUsage(cpuBefore);
  profile.on = false;
  const accepted = intake.statuses[202] ?? 0;

  // (3) The same two, open loop: raw PutItem, then webhooks, each offered at OPEN_RATE a second.
  const openSummary = (load: LoadResult, ok: number) => ({
    sent: load.sent,
    answered: load.statuses[ok] ?? 0,
    statuses: load.statuses,
    p50Ms: percentile(load.latencies, 50),
    p99Ms: percentile(load.latencies, 99),
    maxMs: percentile(load.latencies, 100),
  });
  const openPut = await runLoad({
    kind: 'putItem',
    endpoint: runtime.dynamo.endpoint,
    table: rawTable,
    paddingBytes,
    concurrency: 0,
    durationMs: OPEN_MS,
    ratePerSecond: OPEN_RATE,
  });
  const openIntake = await runLoad({
    kind: 'webhooks',
    baseUrl: runtime.url,
    sellerId: seller.sellerId,
    secret: seller.webhookSecret,
    concurrency: 0,
    durationMs: OPEN_MS,
    ratePerSecond: OPEN_RATE,
  });

  writeFileSync(
    outPath,
    JSON.stringify(
      {
        concurrency: CONCURRENCY,
        measureMs: MEASURE_MS,
        orderItemBytes: orderBytes,
        rawItemBytes,
        putItem,
        intake: {
          sent: intake.sent,
          accepted,
          statuses: intake.statuses,
          elapsedMs: intake.elapsedMs,
          perSecond: (accepted * 1000) / intake.elapsedMs,
          p50Ms: percentile(intake.latencies, 50),
          p99Ms: percentile(intake.latencies, 99),
          maxMs: percentile(intake.latencies, 100),
          runtimeCpuPercent: ((cpu.user + cpu.system) / 1000 / intake.elapsedMs) * 100,
        },
        profile: profile.summary(),
        openLoop: {
          ratePerSecond: OPEN_RATE,
          durationMs: OPEN_MS,
          putItem: openSummary(openPut, 200),
          intake: openSummary(openIntake, 202),
        },
      },
      null,
      2,
    ),
  );
} finally {
  await stop();
}
