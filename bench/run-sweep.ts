/**
 * Sweep workload (run by bench/sweep.ts in its own process). Seeds a DynamoDB Local table with 100,000
 * open orders in a realistic mix of statuses, most of them not due for a look, starts a running
 * execution for most of the due ones on a Step Functions endpoint (the local engine, with a state machine
 * that only waits), then runs the delivery sweeper's handler once with the Lambda's timeout and measures
 * it: wall time, what it read and wrote (ConsumedCapacity, as DynamoDB Local reports it) and the Step
 * Functions calls it made. Then a second sweep, which finds what the first left. As a baseline, it reads
 * every open order once, consistently: the least the sweeper read before the Open index was sorted by
 * when each order is due.
 */
import { writeFileSync } from 'node:fs';
import { BatchGetCommand, BatchWriteCommand, type BatchWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Order } from '../functions/shared/domain/order.js';
import type { OrderStatus } from '../functions/shared/domain/status.js';
import { lambdaContext } from '../infra/local/lambda-context.js';
import { createTable, LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '../infra/local/services.js';
import { startLocalStepFunctions } from '../infra/local/stepfunctions/index.js';
import { UsageMeter } from './lib/meter.js';

const OPEN_ORDERS = Number(process.env.BENCH_SWEEP_ORDERS ?? 100_000);
/** Share of the open orders due for a look at the sweep: several times what a steady state has (see sweep.ts). */
const DUE_SHARE = 0.01;
/** Share of the due orders in a status with a workflow whose execution is running. */
const RUNNING_SHARE = 0.9;
const SEED_CONCURRENCY = 16;
/** The sweeper's Lambda timeout in the stack: the schedule (5 minutes) less one minute. */
const SWEEPER_TIMEOUT_MS = 240_000;
const TABLE = 'orderflow-sweep';
const outPath = process.argv.at(-1)!;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The mix of open orders a shop with many parcels on their way has (percent). */
const MIX: [OrderStatus, number][] = [
  ['SHIPPED', 35],
  ['IN_TRANSIT', 35],
  ['ON_HOLD', 8],
  ['RELEASED', 6],
  ['OUT_OF_STOCK', 5],
  ['PENDING', 3],
  ['PAYMENT_VERIFIED', 3],
  ['STOCK_RESERVED', 3],
  ['FAILED_TO_RELEASE', 2],
];
const PATH: Partial<Record<OrderStatus, OrderStatus[]>> = {
  PENDING: ['PENDING'],
  PAYMENT_VERIFIED: ['PENDING', 'PAYMENT_VERIFIED'],
  STOCK_RESERVED: ['PENDING', 'PAYMENT_VERIFIED', 'STOCK_RESERVED'],
  ON_HOLD: ['PENDING', 'PAYMENT_VERIFIED', 'STOCK_RESERVED', 'ON_HOLD'],
  OUT_OF_STOCK: ['PENDING', 'PAYMENT_VERIFIED', 'OUT_OF_STOCK'],
  FAILED_TO_RELEASE: ['PENDING', 'PAYMENT_VERIFIED', 'STOCK_RESERVED', 'FAILED_TO_RELEASE'],
  RELEASED: ['PENDING', 'PAYMENT_VERIFIED', 'STOCK_RESERVED', 'RELEASED'],
  SHIPPED: ['PENDING', 'PAYMENT_VERIFIED', 'STOCK_RESERVED', 'RELEASED', 'SHIPPED'],
  IN_TRANSIT: ['PENDING', 'PAYMENT_VERIFIED', 'STOCK_RESERVED', 'RELEASED', 'SHIPPED', 'IN_TRANSIT'],
};
const WAITS_FOR_SELLER = new Set<OrderStatus>(['ON_HOLD', 'OUT_OF_STOCK', 'FAILED_TO_RELEASE']);
const NO_WORKFLOW = new Set<OrderStatus>(['OUT_OF_STOCK', 'FAILED_TO_RELEASE']);

/** A small seeded generator (mulberry32), so every run seeds the same table. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const dynamo = await startDynamoDbLocal();
const stepFunctions = await startLocalStepFunctions({
  // Executions that stay running, as a parcel's workflow does in its delivery loop.
  definition: {
    StartAt: 'Waiting',
    States: { Waiting: { Type: 'Wait', Seconds: 7 * 24 * 3600, End: true } },
  },
  stateMachineName: 'orderflow',
  port: 0,
});
Object.assign(process.env, {
  ORDERS_TABLE: TABLE,
  STATE_MACHINE_ARN: stepFunctions.stateMachineArn,
  AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
  AWS_ENDPOINT_URL_SFN: stepFunctions.endpoint,
  AWS_REGION: LOCAL_REGION,
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  POWERTOOLS_SERVICE_NAME: 'orderflow',
  POWERTOOLS_METRICS_NAMESPACE: 'orderflow',
  POWERTOOLS_LOG_LEVEL: 'WARN',
});

try {
  await createTable(dynamo.endpoint, TABLE);
  // Imported once the environment is set: the functions' clients read it when they are created.
  const { documents } = await import('../functions/shared/clients.js');
  const { orderItem } = await import('../functions/shared/store/orders.js');
  const { lookAt } = await import('../functions/shared/store/open-orders.js');
  const { keys } = await import('../functions/shared/store/schema.js');
  const { sfn } = await import('../functions/shared/workflow.js');
  const { handler } = await import('../functions/delivery-sweeper/handler.js');
  const { putSeller } = await import('../functions/shared/store/seller-admin.js');
  const { sampleOrder } = await import('../scripts/lib/client.js');
  const { orderInputSchema } = await import('../functions/shared/domain/order.js');
  await putSeller({ sellerId: 'demo', originCountry: 'US', webhookSecrets: [] });

  // (1) Seed.
  const now = Date.now();
  const next = random(16);
  const input = orderInputSchema.parse(sampleOrder({ externalOrderId: 'x' }));
  const iso = (at: number) => new Date(at).toISOString();
  const pick = (): OrderStatus => {
    let roll = next() * 100;
    for (const [status, weight] of MIX) if ((roll -= weight) < 0) return status;
    return 'SHIPPED';
  };
  const due = { total: 0, running: 0, byStatus: {} as Record<string, number> };
  const running: string[] = [];
  function openOrder(index: number): Record<string, unknown> {
    const orderId = `ord_bench${String(index).padStart(8, '0')}`;
    const status = pick();
    const isDue = next() < DUE_SHARE;
    // Not due ones come due from half an hour on, after this run: what a sweep reads is what was seeded due.
    const dueAt = isDue ? now - next() * 30 * MINUTE : now + 30 * MINUTE + next() * 7 * DAY;
    let createdAt: number, updatedAt: number, estimate: number;
    if (!isDue) {
      createdAt = now - next() * 5 * DAY;
      updatedAt = createdAt + next() * HOUR;
      estimate = createdAt + (3 + next() * 6) * DAY;
    } else if (WAITS_FOR_SELLER.has(status)) {
      // Come due as its release SLA (24 h) ran out.
      createdAt = dueAt - DAY;
      updatedAt = createdAt + 10 * MINUTE;
      estimate = 0;
    } else if ((status === 'SHIPPED' || status === 'IN_TRANSIT') && next() < 0.5) {
      // Come due as it turned overdue: two days past the carrier's estimate.
      estimate = dueAt - 2 * DAY;
      createdAt = estimate - 3 * DAY - HOUR;
      updatedAt = estimate;
    } else {
      // Its first look after a status write, a quarter of an hour on.
      updatedAt = dueAt - 15 * MINUTE;
      createdAt = updatedAt - HOUR;
      estimate = createdAt + 3 * DAY;
    }
    const path = PATH[status]!;
    const order: Order = {
      ...input,
      externalOrderId: `bench-${index}`,
      customer: { ...input.customer, email: `customer${index}@example.com` },
      orderId,
      sellerId: 'demo',
      source: 'webhook',
      total: '12.50',
      region: 'domestic',
      status,
      createdAt: iso(createdAt),
      updatedAt: iso(updatedAt),
      history: path.map((step, at) => ({
        status: step,
        at: iso(at === path.length - 1 ? updatedAt : createdAt + at * 1000),
        actor: at === 0 ? 'storefront' : 'workflow',
      })),
      workflow: { executionName: orderId, attempt: 1, startedAt: iso(createdAt) },
      ...(status === 'ON_HOLD'
        ? {
            hold: {
              reason: 'manual_release_mode',
              since: iso(updatedAt),
              expiresAt: iso(updatedAt + 7 * DAY),
            },
          }
        : {}),
      ...(status === 'FAILED_TO_RELEASE' ? { release: { failureReason: 'address_undeliverable' } } : {}),
      ...(status === 'SHIPPED' || status === 'IN_TRANSIT'
        ? {
            shipment: {
              carrier: 'sandbox-post',
              service: 'standard',
              trackingNumber: `SBX${index}`,
              labelId: `lbl_${index}`,
              shippedAt: iso(createdAt + HOUR),
              estimatedDeliveryAt: iso(estimate),
              polls: status === 'IN_TRANSIT' ? 2 : 0,
            },
          }
        : {}),
    };
    if (isDue) {
      due.total++;
      due.byStatus[status] = (due.byStatus[status] ?? 0) + 1;
      if (!NO_WORKFLOW.has(status) && next() < RUNNING_SHARE) running.push(orderId);
    }
    return { ...orderItem(order), ...lookAt(orderId, dueAt) };
  }

  async function writeBatch(items: Record<string, unknown>[]): Promise<void> {
    let requests: BatchWriteCommandInput['RequestItems'] = {
      [TABLE]: items.map((Item) => ({ PutRequest: { Item } })),
    };
    for (let attempt = 0; Object.keys(requests ?? {}).length; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
      ({ UnprocessedItems: requests } = await documents.send(
        new BatchWriteCommand({ RequestItems: requests }),
      ));
    }
  }
  const seedStarted = performance.now();
  let written = 0;
  let itemBytes = 0;
  await Promise.all(
    Array.from({ length: SEED_CONCURRENCY }, async () => {
      while (written < OPEN_ORDERS) {
        const batch: Record<string, unknown>[] = [];
        while (batch.length < 25 && written < OPEN_ORDERS) batch.push(openOrder(written++));
        itemBytes += batch.reduce((total, item) => total + Buffer.byteLength(JSON.stringify(item)), 0);
        await writeBatch(batch);
      }
    }),
  );
  const seedMs = performance.now() - seedStarted;
  for (const orderId of running) stepFunctions.engine.startExecution({ name: orderId, input: '{}' });
  due.running = running.length;
  console.log(`seeded ${OPEN_ORDERS} open orders in ${(seedMs / 1000).toFixed(1)} s; ${due.total} due`);

  // (2) Sweep, metered.
  const meter = new UsageMeter();
  meter.meterDynamo(documents);
  const sfnCalls: Record<string, number> = {};
  sfn.middlewareStack.add(
    ((next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => {
      if (meter.on) sfnCalls[context.commandName ?? '?'] = (sfnCalls[context.commandName ?? '?'] ?? 0) + 1;
      return next(args);
    }) as never,
    { step: 'initialize', name: 'benchSweepSfn' },
  );
  const measure = async () => {
    meter.reset();
    for (const name of Object.keys(sfnCalls)) delete sfnCalls[name];
    meter.on = true;
    const started = performance.now();
    const report = await handler(
      {},
      lambdaContext('orderflow-delivery-sweeper', Date.now() + SWEEPER_TIMEOUT_MS),
    );
    const wallMs = performance.now() - started;
    meter.on = false;
    return {
      wallMs,
      read: report.read,
      checked: report.checked,
      resumed: report.resumed.length,
      late: report.late.length,
      overdue: report.overdue.length,
      complete: report.complete,
      dynamo: structuredClone(meter.dynamo),
      stepFunctions: { ...sfnCalls },
    };
  };
  const first = await measure();
  const second = await measure();

  // (3) Baseline: every open order read once, consistently, 100 at a time.
  meter.reset();
  meter.on = true;
  const baselineStarted = performance.now();
  const ids = Array.from({ length: OPEN_ORDERS }, (_, index) => `ord_bench${String(index).padStart(8, '0')}`);
  let baselineRead = 0;
  let cursor = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (cursor < ids.length) {
        const chunk = ids.slice(cursor, (cursor += 100));
        let request: Record<string, { Keys: Record<string, string>[]; ConsistentRead: boolean }> | undefined =
          {
            [TABLE]: { Keys: chunk.map((id) => keys.order(id)), ConsistentRead: true },
          };
        while (request && Object.keys(request).length) {
          const answer = await documents.send(new BatchGetCommand({ RequestItems: request }));
          baselineRead += answer.Responses?.[TABLE]?.length ?? 0;
          request = answer.UnprocessedKeys as typeof request;
        }
      }
    }),
  );
  const baseline = {
    wallMs: performance.now() - baselineStarted,
    read: baselineRead,
    readUnits: meter.dynamo.readUnits,
  };
  meter.on = false;

  writeFileSync(
    outPath,
    JSON.stringify(
      {
        openOrders: OPEN_ORDERS,
        mix: Object.fromEntries(MIX),
        due,
        meanItemBytes: itemBytes / OPEN_ORDERS,
        seed: { ms: seedMs, concurrency: SEED_CONCURRENCY, batch: 25 },
        timeoutMs: SWEEPER_TIMEOUT_MS,
        scheduleMs: 5 * MINUTE,
        first,
        second,
        baseline,
      },
      null,
      2,
    ),
  );
} finally {
  await stepFunctions.stop();
  await dynamo.stop();
}
