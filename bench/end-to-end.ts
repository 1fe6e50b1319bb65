/**
 * End to end and cost. One run of bench/run-end-to-end.ts (its own process) sends 1,000 orders and
 * follows them to their final status with simulated time; the same run's meters give the cost per
 * 1,000 delivered orders at AWS list prices (bench/prices.ts).
 * Goals: under 60 s on 2 cores with memory flat; at most 12 transitions per happy-path order and under
 * $0.35 per 1,000 orders.
 */
import { cpus } from 'node:os';
import { FUNCTION_MEMORY_MB } from '../infra/function-memory.js';
import type { FunctionName } from '../infra/bundling.js';
import { costPerThousand, PRICES, type UsagePerOrder } from './prices.js';
import { runChild } from './lib/child.js';
import { figureGoal, loadNow, writeSection, yes, type Section } from './lib/section.js';
import { mb } from './lib/stats.js';

export const E2E_GOAL_MS = 60_000;
/**
 * Flat: the memory the runtime keeps (JS heap after a full GC), idle after all the orders, at most this
 * much above what it kept idle before them; both points have nothing in flight, so the difference is what
 * the orders left behind (and the code V8 compiled meanwhile). RSS is reported too, but V8 sizes its heap
 * in steps of tens of MB as it sees fit: RSS halfway vs the end moved between +1 % and +12 % across runs
 * of the same code.
 */
export const FLAT_TOLERANCE = 0.1;
export const TRANSITIONS_GOAL = 12;
export const COST_GOAL_USD = 0.35;
/**
 * Estimates, not measured here: Lambda's own START, END and REPORT lines per invocation (with the X-Ray
 * line active tracing adds), and one API access log record in the stack's format with typical values.
 */
const PLATFORM_LOG_BYTES = 400;
const ACCESS_LOG_BYTES = 350;

interface LambdaFigures {
  invocations: number;
  errors: number;
  totalMs: number;
  billedMs: number;
  p50Ms: number;
  p99Ms: number;
}

export interface EndToEndResult {
  orders: number;
  timeScale: number;
  accepted: number;
  statuses: Record<string, number>;
  delivered: number;
  finalStatuses: Record<string, number>;
  executionStatuses: Record<string, number>;
  intakeMs: number;
  elapsedMs: number;
  workflowP50Ms: number;
  workflowP99Ms: number;
  cpuPercent: number;
  maxRssBytes: number;
  samples: { atMs: number; rssBytes: number; heapUsedBytes: number }[];
  /** JS heap after a full GC: before the orders, after them, and after a second batch as large. */
  heapAfterGc?: { before: number; after: number; afterSecond: number };
  /** What the run logged: the functions' own lines, and the state machine's log records (computed). */
  logs: { functionBytes: number; stateMachineBytes: number };
  transitions: { total: number; counts: Record<string, number> };
  historyLambda: { scheduled: number; succeeded: number; failed: number };
  sqsTasks: number;
  /** Domain events of the delivered orders: one per status change. */
  orderEvents: number;
  lightLoad: {
    orders: number;
    lambdas: Record<string, { invocations: number; meanBilledMs: number; p50Ms: number; p99Ms: number }>;
  };
  meter: {
    dynamo: {
      readUnits: number;
      writeUnits: number;
      requests: Record<string, number>;
      failed: Record<string, number>;
      withoutCapacity: number;
    };
    lambdas: Record<string, LambdaFigures>;
  };
}

/** RSS at about `fraction` of the run. */
function rssAt(samples: EndToEndResult['samples'], fraction: number): number {
  const index = Math.min(samples.length - 1, Math.round((samples.length - 1) * fraction));
  return samples[index]?.rssBytes ?? 0;
}

export function endToEndSection(result: EndToEndResult, load: Section['load']): Section {
  const cores = cpus().length;
  const halfway = rssAt(result.samples, 0.5);
  const end = rssAt(result.samples, 1);
  const rssGrowth = end / halfway - 1;
  const kept = result.heapAfterGc;
  const growth = kept ? kept.after / kept.before - 1 : Infinity;
  const secondGrowth = kept ? kept.afterSecond / kept.after - 1 : Infinity;
  const goals = [
    figureGoal(
      `${result.orders} orders webhook → final status < ${E2E_GOAL_MS / 1000} s on 2 cores`,
      { value: result.elapsedMs, unit: 's', op: '<', limit: E2E_GOAL_MS },
      `${(result.elapsedMs / 1000).toFixed(1)} s on ${cores} cores, ${result.delivered} delivered`,
      result.delivered === result.orders,
    ),
    figureGoal(
      `memory flat: heap kept after a second batch of ${result.orders} ≤ ${FLAT_TOLERANCE * 100} % above the first's`,
      { value: secondGrowth, unit: '%', op: '<=', limit: FLAT_TOLERANCE },
      kept
        ? `${mb(kept.before)} → ${mb(kept.after)} → ${mb(kept.afterSecond)} MB (first batch ` +
            `${(growth * 100).toFixed(1)} %, second ${(secondGrowth * 100).toFixed(1)} %); RSS peak ${mb(result.maxRssBytes)} MB`
        : 'not measured (run without --expose-gc)',
    ),
  ];
  // About 16 samples over the run, for the table.
  const step = Math.max(1, Math.ceil(result.samples.length / 16));
  const shown = result.samples.filter(
    (_, index) => index % step === 0 || index === result.samples.length - 1,
  );
  const gcLine = kept
    ? `JS heap after a full GC, the runtime idle: ${mb(kept.before)} MB before the run, ${mb(kept.after)} MB ` +
      `after the first ${result.orders} orders (most of it code V8 compiled in the warm-up), ` +
      `${mb(kept.afterSecond)} MB after a second ${result.orders}: a leak would grow the heap with each batch, ` +
      `so the goal is on the second.`
    : '';
  const markdown = [
    `${result.orders} signed generic webhooks (32 senders, as fast as accepted), each order followed to its ` +
      `final status; simulated time ${result.timeScale.toLocaleString('en-US')}× (ORDERFLOW_TIME_SCALE: a ` +
      `3-day standard transit lasts ${((3 * 86400) / result.timeScale).toFixed(1)} s). One process runs the ` +
      `gateway, the API and task functions and the Step Functions engine; DynamoDB Local is its JVM beside it.`,
    '',
    `| | |`,
    `|---|---|`,
    `| accepted | ${result.accepted} of ${result.orders} (${JSON.stringify(result.statuses)}) |`,
    `| final statuses | ${JSON.stringify(result.finalStatuses)}; executions ${JSON.stringify(result.executionStatuses)} |`,
    `| all webhooks answered after | ${(result.intakeMs / 1000).toFixed(1)} s |`,
    `| last order final after | **${(result.elapsedMs / 1000).toFixed(1)} s** (goal < ${E2E_GOAL_MS / 1000} s: ${yes(goals[0]!.met)}) |`,
    `| one execution, start → end | p50 ${(result.workflowP50Ms / 1000).toFixed(1)} s, p99 ${(result.workflowP99Ms / 1000).toFixed(1)} s |`,
    `| runtime process CPU | ${result.cpuPercent.toFixed(0)} % of one core (of ${cores}) |`,
    `| peak RSS (process.resourceUsage().maxRSS) | **${mb(result.maxRssBytes)} MB** |`,
    `| memory flat | kept after a full GC: ${kept ? `${mb(kept.before)} MB before, ${mb(kept.after)} MB after the first batch (${(growth * 100).toFixed(1)} %), ${mb(kept.afterSecond)} MB after the second (${(secondGrowth * 100).toFixed(1)} %)` : 'not measured'}: ${yes(goals[1]!.met)} |`,
    `| RSS | ${mb(halfway)} MB halfway, ${mb(end)} MB at the end (${(rssGrowth * 100).toFixed(0)} %) |`,
    '',
    gcLine,
    '',
    'RSS and JS heap over the run:',
    '',
    `| s | ${shown.map((s) => (s.atMs / 1000).toFixed(0)).join(' | ')} |`,
    `|---|${shown.map(() => '---:').join('|')}|`,
    `| RSS MB | ${shown.map((s) => mb(s.rssBytes).toFixed(0)).join(' | ')} |`,
    `| heap MB | ${shown.map((s) => mb(s.heapUsedBytes).toFixed(0)).join(' | ')} |`,
    '',
  ].join('\n');
  return writeSection({ id: 'end-to-end', title: 'End to end', goals, markdown, data: result, load });
}

export function costSection(result: EndToEndResult, load: Section['load']): Section {
  const orders = result.delivered || 1;
  const lambdas = Object.entries(result.meter.lambdas);
  const invocations = lambdas.reduce((total, [, l]) => total + l.invocations, 0);
  const billedMs = lambdas.reduce((total, [, l]) => total + l.billedMs, 0);
  // Billed time per order: each function's invocations per order in the burst, at its light-load duration,
  // priced at the memory the stack gives that function.
  const lightMsOf = (name: string, l: LambdaFigures) =>
    result.lightLoad.lambdas[name]?.meanBilledMs ?? l.billedMs / l.invocations;
  const memoryGb = (name: string) => FUNCTION_MEMORY_MB[name as FunctionName] / 1024;
  const lightMs = lambdas.reduce(
    (total, [name, l]) => total + (l.invocations / orders) * lightMsOf(name, l),
    0,
  );
  const gbSeconds = lambdas.reduce(
    (total, [name, l]) => total + (l.invocations / orders) * (lightMsOf(name, l) / 1000) * memoryGb(name),
    0,
  );
  const burstGbSeconds = lambdas.reduce(
    (total, [name, l]) => total + (l.billedMs / orders / 1000) * memoryGb(name),
    0,
  );
  const apiRequests = result.meter.lambdas.api?.invocations ?? 0;
  const logBytes =
    (result.logs.functionBytes +
      invocations * PLATFORM_LOG_BYTES +
      result.logs.stateMachineBytes +
      apiRequests * ACCESS_LOG_BYTES) /
    orders;
  const usage: UsagePerOrder = {
    transitions: result.transitions.total / orders,
    lambdaInvocations: invocations / orders,
    lambdaGbSeconds: gbSeconds,
    writeUnits: result.meter.dynamo.writeUnits / orders,
    readUnits: result.meter.dynamo.readUnits / orders,
    sqsRequests: result.sqsTasks / orders,
    apiRequests: apiRequests / orders,
    logBytes,
    // One trace per webhook request and one per execution (its task functions' segments join it).
    traces: (apiRequests + orders) / orders,
    events: result.orderEvents / orders,
  };
  const { perThousand, total } = costPerThousand(usage);
  const happy = Object.entries(result.transitions.counts).map(([count, orders]) => [Number(count), orders]);
  const maxTransitions = Math.max(...happy.map(([count]) => count!));
  const goals = [
    figureGoal(
      `≤ ${TRANSITIONS_GOAL} state transitions per happy-path order`,
      { value: maxTransitions, unit: 'count', op: '<=', limit: TRANSITIONS_GOAL },
      `${usage.transitions.toFixed(1)} (max ${maxTransitions})`,
    ),
    figureGoal(
      `< $${COST_GOAL_USD} per 1,000 orders`,
      { value: total, unit: 'usd', op: '<', limit: COST_GOAL_USD },
      `$${total.toFixed(4)}`,
    ),
  ];
  const dynamo = result.meter.dynamo;
  const requests = Object.entries(dynamo.requests)
    .map(([command, count]) => `${(count / orders).toFixed(1)} ${command.replace(/Command$/, '')}`)
    .join(', ');
  const failed = Object.entries(dynamo.failed)
    .map(([command, count]) => `${count} ${command.replace(/Command$/, '')}`)
    .join(', ');
  const usageRows: [string, string, string][] = [
    [
      'Step Functions state transitions',
      usage.transitions.toFixed(2),
      `StateEntered events in the ${orders} executions' histories; per execution ${happy.map(([c, n]) => `${c} × ${n}`).join(', ')}`,
    ],
    [
      'Lambda invocations',
      usage.lambdaInvocations.toFixed(2),
      lambdas.map(([name, l]) => `${name} ${(l.invocations / orders).toFixed(2)}`).join(', ') +
        ` (histories: ${(result.historyLambda.scheduled / orders).toFixed(2)} task invocations per order)`,
    ],
    [
      'Lambda GB-seconds',
      usage.lambdaGbSeconds.toFixed(4),
      `${lightMs.toFixed(0)} billed ms per order, each function at the memory the stack gives it ` +
        `(${[...new Set(lambdas.map(([name]) => FUNCTION_MEMORY_MB[name as FunctionName]))].join(' or ')} MB, ` +
        `infra/function-memory.ts): each invocation timed in process, rounded up to 1 ms, at light load ` +
        `(below); during the burst it was ${(billedMs / orders).toFixed(0)} ms, which would add ` +
        `$${((burstGbSeconds - usage.lambdaGbSeconds) * PRICES.lambdaGbSecondArm.usd * 1000).toFixed(4)} per 1,000`,
    ],
    [
      'DynamoDB write request units',
      usage.writeUnits.toFixed(2),
      `ConsumedCapacity (TOTAL, indexes and transactions included) as DynamoDB Local reports it`,
    ],
    ['DynamoDB read request units', usage.readUnits.toFixed(2), `requests per order: ${requests}`],
    [
      'SQS requests',
      usage.sqsRequests.toFixed(2),
      'sqs:sendMessage tasks in the histories (no seller webhook endpoint is registered in this run, so queue-webhooks sends none)',
    ],
    ['API Gateway HTTP API requests', usage.apiRequests.toFixed(2), 'the webhook that brings the order'],
    [
      'CloudWatch Logs bytes ingested',
      usage.logBytes.toFixed(0),
      `the functions' own lines at the prod log level (INFO), counted as written: ` +
        `${(result.logs.functionBytes / orders).toFixed(0)} B; Lambda's START/END/REPORT lines, estimated at ` +
        `${PLATFORM_LOG_BYTES} B an invocation: ${((invocations * PLATFORM_LOG_BYTES) / orders).toFixed(0)} B; ` +
        `the state machine's log (level ALL, no execution data), one record per history event, sized from ` +
        `the histories: ${(result.logs.stateMachineBytes / orders).toFixed(0)} B; an API access log record, ` +
        `estimated at ${ACCESS_LOG_BYTES} B: ${((apiRequests * ACCESS_LOG_BYTES) / orders).toFixed(0)} B`,
    ],
    [
      'EventBridge events',
      usage.events.toFixed(2),
      "one per status change (the orders' histories), put on the bus by publish-events from the table's stream",
    ],
    [
      'X-Ray traces recorded',
      usage.traces.toFixed(2),
      'one per API request and one per execution, every one sampled (an upper bound: the default sampling ' +
        'rule records the first request each second and 5 % of the rest)',
    ],
  ];
  const markdown = [
    `From the end-to-end run: ${orders} delivered orders, standard shipping, domestic, one line, auto release. ` +
      `Usage is counted in the same run: the histories for transitions, a middy middleware on each handler ` +
      `for invocations and duration, a middleware on the shared DynamoDB client (installed by the bench only) ` +
      `that asks each request for ReturnConsumedCapacity: 'TOTAL' and sums it. DynamoDB Local does return ` +
      `ConsumedCapacity, including index writes and the doubled cost of transactions` +
      (dynamo.withoutCapacity ? ` (${dynamo.withoutCapacity} answers carried none)` : '') +
      (failed ? `; failed requests, which carry no capacity: ${failed}` : '') +
      '.',
    '',
    '| usage per order | amount | counted from |',
    '|---|---:|---|',
    ...usageRows.map(([name, amount, from]) => `| ${name} | ${amount} | ${from} |`),
    '',
    `Handler durations (ms), during the burst of ${orders} orders and at light load (${result.lightLoad.orders} ` +
      `orders one at a time, 150 ms apart, after the burst):`,
    '',
    '| function | per order | burst p50 | burst p99 | light p50 | light p99 | light mean billed |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...lambdas.map(([name, l]) => {
      const light = result.lightLoad.lambdas[name];
      return (
        `| ${name} | ${(l.invocations / orders).toFixed(2)} | ${l.p50Ms.toFixed(1)} | ${l.p99Ms.toFixed(1)} | ` +
        `${light ? `${light.p50Ms.toFixed(1)} | ${light.p99Ms.toFixed(1)} | ${light.meanBilledMs.toFixed(1)}` : '– | – | –'} |`
      );
    }),
    '',
    '| per 1,000 delivered orders | USD |',
    '|---|---:|',
    ...Object.entries(perThousand).map(([name, usd]) => `| ${name} | ${usd.toFixed(4)} |`),
    `| **total** | **${total.toFixed(4)}** |`,
    '',
    `Goals: ≤ ${TRANSITIONS_GOAL} transitions per happy-path order (${usage.transitions.toFixed(1)}: ` +
      `${yes(goals[0]!.met)}); < $${COST_GOAL_USD} per 1,000 (${yes(goals[1]!.met)}). Lambda durations are ` +
      `measured on this machine against DynamoDB Local, so even at light load they stand in for, rather than ` +
      `equal, durations on Lambda. The delivery sweeper is left out: its cost is per schedule, not per order.`,
    '',
    'AWS list prices used (us-east-1, on demand, no free tier; bench/prices.ts):',
    '',
    '| price | USD |',
    '|---|---:|',
    ...Object.values(PRICES).map((price) => `| ${price.per} | ${price.usd} |`),
    '',
  ].join('\n');
  return writeSection({
    id: 'cost',
    title: 'Cost per 1,000 delivered orders',
    goals,
    markdown,
    data: { usage, perThousand, total },
    load,
  });
}

export async function runEndToEnd(): Promise<Section[]> {
  const before = loadNow();
  const result = await runChild<EndToEndResult>('bench/run-end-to-end.ts', 'end-to-end', {
    nodeArgs: ['--expose-gc'],
    // On a busy machine DynamoDB Local slows the run several times over; let it finish and say so.
    timeoutMs: 600_000,
  });
  const load = { before, after: loadNow() };
  const sections = [endToEndSection(result, load), costSection(result, load)];
  for (const goal of sections.flatMap((s) => s.goals))
    console.log(`${goal.goal}: ${goal.measured} (${goal.met ? 'met' : 'missed'})`);
  return sections;
}
