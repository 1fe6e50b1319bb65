/**
 * End-to-end and cost workload (run by bench/end-to-end.ts in its own process). Starts the local
 * runtime with simulated time, installs the usage meters, sends 1,000 signed generic webhooks (32
 * senders), waits for every execution to end, then reads what the orders and the executions' histories
 * say. Memory is sampled throughout.
 */
import { writeFileSync } from 'node:fs';
import { LOCAL_SELLERS } from '../infra/local/seed.js';
import { ORDERFLOW_FUNCTIONS } from '../infra/local/stepfunctions/orderflow.js';
import { UsageMeter } from './lib/meter.js';
import { startBenchRuntime } from './lib/runtime.js';
import { sendWebhooks } from './lib/sender.js';
import { percentile, sum } from './lib/stats.js';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 1000);
const TIME_SCALE = 100_000;
const LIGHT_ORDERS = 30;
const outPath = process.argv.at(-1)!;

/**
 * The size of the record Step Functions logs for a history event at level ALL without execution data
 * (the stack's setting): the event's id, type, timestamps and details, with inputs and outputs left out.
 */
function stateMachineLogRecordBytes(event: Record<string, unknown>): number {
  const details = Object.fromEntries(
    Object.entries(event)
      .filter(([key]) => key.endsWith('EventDetails'))
      .flatMap(([, value]) => Object.entries((value ?? {}) as Record<string, unknown>))
      .filter(([key]) => !['input', 'output', 'inputDetails', 'outputDetails', 'parameters'].includes(key)),
  );
  const record = {
    id: String(event.id),
    type: event.type,
    details,
    previous_event_id: String(event.previousEventId ?? 0),
    event_timestamp: String(new Date(event.timestamp as string | number | Date).getTime()),
    execution_arn:
      'arn:aws:states:us-east-1:123456789012:execution:Orderflow-prod-Fulfillment:ord_0123456789abcdef01234567',
    redrive_count: '0',
  };
  return Buffer.byteLength(JSON.stringify(record)) + 1;
}

const samples: { atMs: number; rssBytes: number; heapUsedBytes: number }[] = [];
const t0 = performance.now();
const sample = () => {
  const { rss, heapUsed } = process.memoryUsage();
  samples.push({ atMs: Math.round(performance.now() - t0), rssBytes: rss, heapUsedBytes: heapUsed });
};

// The prod stage's log level (infra/stages.ts), so the log bytes priced are the ones prod would write.
process.env.POWERTOOLS_LOG_LEVEL = 'INFO';

/** Bytes the functions log while the meters are on: what CloudWatch Logs would ingest from them. */
let logBytes = 0;
let meterOn = (): boolean => false;
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (meterOn())
      logBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk as Uint8Array).byteLength;
    return write(chunk, ...rest);
  }) as typeof stream.write;
}

const { runtime, stop } = await startBenchRuntime({ timeScale: TIME_SCALE });
try {
  const seller = LOCAL_SELLERS[0];
  const { setStock } = await import('../functions/shared/store/inventory.js');
  await setStock(seller.sellerId, 'MUG-RED', 100_000_000);

  // The meters go on the modules the runtime imported: same URLs, same instances.
  const meter = new UsageMeter();
  meterOn = () => meter.on;
  const clients = await import('../functions/shared/clients.js');
  meter.meterDynamo(clients.documents);
  const api = await import('../functions/api/handler.js');
  meter.meterHandler('api', api.handler);
  // The workflow's task functions, and those the table's change stream drives (order events, webhooks).
  for (const name of [...ORDERFLOW_FUNCTIONS, 'publish-events', 'queue-webhooks', 'deliver-webhooks']) {
    const module = (await import(`../functions/${name}/handler.js`)) as { handler: unknown };
    meter.meterHandler(name, module.handler);
  }
  // The meters must see the handlers the engine calls: one order through, then start counting.
  meter.on = true;
  const warm = await sendWebhooks({
    baseUrl: runtime.url,
    sellerId: seller.sellerId,
    secret: seller.webhookSecret,
    concurrency: 1,
    count: 1,
  });
  await runtime.stepFunctions.engine.awaitExecution(warm.orderIds[0]!, 60_000);
  if (!meter.lambdas.get('verify-payment')?.invocations || !meter.dynamo.writeUnits) {
    throw new Error('the usage meters saw nothing: the runtime runs other module instances');
  }
  meter.reset();
  logBytes = 0;

  const { engine } = runtime.stepFunctions;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapAfterGcBefore = process.memoryUsage().heapUsed;
  const sampler = setInterval(sample, 250);
  sample();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const sent = await sendWebhooks({
    baseUrl: runtime.url,
    sellerId: seller.sellerId,
    secret: seller.webhookSecret,
    concurrency: 32,
    count: ORDERS,
  });
  const intakeDoneMs = performance.now() - started;
  const finishedAt: number[] = [];
  await Promise.all(
    sent.orderIds.map(async (orderId) => {
      await engine.awaitExecution(orderId, 240_000);
      finishedAt.push(performance.now() - started);
    }),
  );
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(sampler);
  sample();
  meter.on = false;
  const functionLogBytes = logBytes;
  const maxRssKb = process.resourceUsage().maxRSS;
  gc?.();
  const heapAfterGcAfter = process.memoryUsage().heapUsed;

  // A second batch as large: a leak keeps growing the heap kept after it; warm-up growth does not recur.
  const second = await sendWebhooks({
    baseUrl: runtime.url,
    sellerId: seller.sellerId,
    secret: seller.webhookSecret,
    concurrency: 32,
    count: ORDERS,
  });
  await Promise.all(second.orderIds.map((orderId) => engine.awaitExecution(orderId, 240_000)));
  gc?.();
  const heapAfterGcSecond = process.memoryUsage().heapUsed;

  // What the executions' histories and the orders say (read after the meters stopped).
  const { getOrder } = await import('../functions/shared/store/orders.js');
  const finalStatuses: Record<string, number> = {};
  const executionStatuses: Record<string, number> = {};
  const transitions: number[] = [];
  const historyLambda = { scheduled: 0, succeeded: 0, failed: 0 };
  let sqsTasks = 0;
  let stateMachineLogBytes = 0;
  let orderEvents = 0;
  const workflowMs: number[] = [];
  for (const orderId of sent.orderIds) {
    const order = await getOrder(orderId);
    finalStatuses[order?.status ?? 'missing'] = (finalStatuses[order?.status ?? 'missing'] ?? 0) + 1;
    // One domain event per status change (functions/shared/events), each put on the stack's bus.
    orderEvents += order?.history.length ?? 0;
    const description = engine.describeExecution(engine.executionArn(orderId));
    executionStatuses[description.status] = (executionStatuses[description.status] ?? 0) + 1;
    workflowMs.push((description.stopDate?.getTime() ?? Date.now()) - description.startDate.getTime());
    const history = engine.history(orderId);
    stateMachineLogBytes += history.reduce((total, event) => total + stateMachineLogRecordBytes(event), 0);
    transitions.push(history.filter((event) => event.type.endsWith('StateEntered')).length);
    for (const event of history) {
      if (event.type === 'LambdaFunctionScheduled') historyLambda.scheduled++;
      if (event.type === 'LambdaFunctionSucceeded') historyLambda.succeeded++;
      if (event.type === 'LambdaFunctionFailed') historyLambda.failed++;
      if (event.type === 'TaskScheduled') {
        const details = event.taskScheduledEventDetails as { resourceType?: string } | undefined;
        if (details?.resourceType === 'sqs') sqsTasks++;
      }
    }
  }
  const transitionCounts: Record<number, number> = {};
  for (const count of transitions) transitionCounts[count] = (transitionCounts[count] ?? 0) + 1;

  const lambdas = Object.fromEntries(
    [...meter.lambdas].map(([name, usage]) => [
      name,
      {
        invocations: usage.invocations,
        errors: usage.errors,
        totalMs: usage.totalMs,
        billedMs: usage.billedMs,
        p50Ms: percentile(usage.durations, 50),
        p99Ms: percentile(usage.durations, 99),
      },
    ]),
  );
  const delivered = finalStatuses.DELIVERED ?? 0;

  // Handler durations under light load: under the burst above every invocation queues for DynamoDB
  // Local and for the two cores, which no Lambda does. A few orders, one at a time, 150 ms apart.
  const burstDynamo = meter.dynamo;
  meter.reset();
  meter.on = true;
  const light: string[] = [];
  for (let index = 0; index < LIGHT_ORDERS; index++) {
    const one = await sendWebhooks({
      baseUrl: runtime.url,
      sellerId: seller.sellerId,
      secret: seller.webhookSecret,
      concurrency: 1,
      count: 1,
    });
    light.push(...one.orderIds);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  await Promise.all(light.map((orderId) => engine.awaitExecution(orderId, 60_000)));
  meter.on = false;
  const lightLoad = Object.fromEntries(
    [...meter.lambdas].map(([name, usage]) => [
      name,
      {
        invocations: usage.invocations,
        meanBilledMs: usage.billedMs / usage.invocations,
        p50Ms: percentile(usage.durations, 50),
        p99Ms: percentile(usage.durations, 99),
      },
    ]),
  );
  writeFileSync(
    outPath,
    JSON.stringify(
      {
        orders: ORDERS,
        timeScale: TIME_SCALE,
        accepted: sent.orderIds.length,
        statuses: sent.statuses,
        delivered,
        finalStatuses,
        executionStatuses,
        intakeMs: intakeDoneMs,
        elapsedMs,
        lastFinishedMs: Math.max(...finishedAt),
        workflowP50Ms: percentile(workflowMs, 50),
        workflowP99Ms: percentile(workflowMs, 99),
        cpuPercent: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
        maxRssBytes: maxRssKb * 1024,
        samples,
        heapAfterGc: gc
          ? { before: heapAfterGcBefore, after: heapAfterGcAfter, afterSecond: heapAfterGcSecond }
          : undefined,
        logs: { functionBytes: functionLogBytes, stateMachineBytes: stateMachineLogBytes },
        transitions: { total: sum(transitions), counts: transitionCounts },
        historyLambda,
        sqsTasks,
        orderEvents,
        lightLoad: { orders: light.length, lambdas: lightLoad },
        meter: {
          dynamo: burstDynamo,
          lambdas,
        },
      },
      null,
      2,
    ),
  );
} finally {
  await stop();
}
