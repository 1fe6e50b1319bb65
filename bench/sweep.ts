/**
 * Sweep benchmark: one delivery sweep over a table of 100,000 open orders, against the sweeper's
 * Lambda timeout (4 minutes, on a 5-minute schedule). The workload runs in bench/run-sweep.ts.
 */
import { pathToFileURL } from 'node:url';
import { runChild } from './lib/child.js';
import { figureGoal, loadNow, writeSection, yes, type Section } from './lib/section.js';
import { PRICES } from './prices.js';

interface SweepFigures {
  wallMs: number;
  read: number;
  checked: number;
  resumed: number;
  late: number;
  overdue: number;
  complete: boolean;
  dynamo: { readUnits: number; writeUnits: number; requests: Record<string, number> };
  stepFunctions: Record<string, number>;
}

export interface SweepResult {
  openOrders: number;
  mix: Record<string, number>;
  due: { total: number; running: number; byStatus: Record<string, number> };
  meanItemBytes: number;
  seed: { ms: number; concurrency: number; batch: number };
  timeoutMs: number;
  scheduleMs: number;
  first: SweepFigures;
  second: SweepFigures;
  baseline: { wallMs: number; read: number; readUnits: number };
}

const s = (ms: number): string => (ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(1)} s`);
const n = (value: number): string => value.toLocaleString('en-US');
const calls = (counts: Record<string, number>): string =>
  Object.entries(counts)
    .map(([command, count]) => `${n(count)} ${command.replace(/Command$/, '')}`)
    .join(', ') || 'none';

export function sweepSection(result: SweepResult, load: Section['load']): Section {
  const { first, second, baseline } = result;
  const withinTimeout = first.complete && first.wallMs < result.timeoutMs;
  const goals = [
    figureGoal(
      `sweep of ${n(result.openOrders)} open orders within its timeout (${s(result.timeoutMs)})`,
      { value: first.wallMs, unit: 's', op: '<', limit: result.timeoutMs },
      `${s(first.wallMs)} for the ${n(first.read)} due; ${n(first.dynamo.readUnits)} read units ` +
        `(reading every open order: ${n(baseline.readUnits)})`,
      first.complete,
    ),
  ];
  const looksPerSecond = first.checked / (first.wallMs / 1000);
  const row = (name: string, f: SweepFigures) =>
    `| ${name} | ${s(f.wallMs)} | ${n(f.read)} | ${n(f.checked)} | ${n(f.resumed)} / ${n(f.late)} / ${n(f.overdue)} | ` +
    `${n(f.dynamo.readUnits)} | ${n(f.dynamo.writeUnits)} | ${calls(f.dynamo.requests)}; ${calls(f.stepFunctions)} | ` +
    `${f.complete ? 'yes' : '**no**'} |`;
  const perSweepUsd = (f: SweepFigures) =>
    f.dynamo.readUnits * PRICES.dynamoReadUnit.usd + f.dynamo.writeUnits * PRICES.dynamoWriteUnit.usd;
  const markdown = [
    `A DynamoDB Local table (in memory, the stack's layout from schema.ts) seeded with ${n(result.openOrders)} ` +
      `open orders of ${(result.meanItemBytes / 1024).toFixed(1)} KB on average, in this mix (%): ` +
      `${Object.entries(result.mix)
        .map(([status, share]) => `${status} ${share}`)
        .join(', ')}. Seeding took ${s(result.seed.ms)} ` +
      `(BatchWriteItem, ${result.seed.batch} items a call, ${result.seed.concurrency} calls at once; ` +
      `${n(Math.round(result.openOrders / (result.seed.ms / 1000)))} orders/s).`,
    '',
    `${n(result.due.total)} of them (${((result.due.total / result.openOrders) * 100).toFixed(1)} %) are due for a ` +
      `look: ${Object.entries(result.due.byStatus)
        .map(([status, count]) => `${status} ${n(count)}`)
        .join(
          ', ',
        )}; the rest come due from half an hour on, over 7 days. Due orders are first looks a quarter of an hour ` +
      `after a status write, parcels just overdue and orders waiting for the seller that just passed their ` +
      `SLA. ${n(result.due.running)} of the due orders in a status with a workflow have a running execution ` +
      `(on the local Step Functions engine, a state machine that only waits); the rest vanished and are resumed.`,
    '',
    `The sweep is the delivery sweeper's handler with a Lambda context of ${s(result.timeoutMs)}, the stack's ` +
      `timeout for a ${result.scheduleMs / 60_000}-minute schedule. Read and write units are ConsumedCapacity as DynamoDB Local ` +
      `reports it (a middleware on the functions' client asks every request for it).`,
    '',
    '| | wall time | index entries read | looked at | resumed / late / overdue | read units | write units | calls | complete |',
    '|---|---:|---:|---:|---:|---:|---:|---|---|',
    row('sweep', first),
    row('the next sweep', second),
    `| baseline: every open order read once | ${s(baseline.wallMs)} | | ${n(baseline.read)} | | ` +
      `${n(baseline.readUnits)} | | BatchGetItem, consistent | |`,
    '',
    `Each look writes its order once (an UpdateItem of its Open sort key: the next look, or the resumed run's first), ` +
      `${(first.dynamo.writeUnits / Math.max(1, first.dynamo.requests.UpdateItemCommand ?? 0)).toFixed(1)} ` +
      `write units each here: the order item, the Open entry (moved: a delete and a put) and the BySeller and ` +
      `ByStatus entries, which project ALL and so copy the changed attribute too.`,
    '',
    `The sweep looked at ${looksPerSecond.toFixed(0)} orders a second, so one sweep handles about ` +
      `${n(Math.floor((looksPerSecond * (result.timeoutMs - 20_000)) / 1000))} due orders before it stops ` +
      `(20 s before its timeout) and leaves the rest due for the next. Its cost at AWS list prices: ` +
      `$${perSweepUsd(first).toFixed(5)} for this sweep, $${perSweepUsd(second).toFixed(5)} for one with nothing ` +
      `due. The baseline is the least the sweeper read before this change, every 5 minutes: each open order ` +
      `once (it also read each through an index that copied whole orders, and one GetItem at a time), before ` +
      `any DescribeExecution. ${yes(withinTimeout)}.`,
    '',
  ].join('\n');
  return writeSection({ id: 'sweep', title: 'Delivery sweep', goals, markdown, data: result, load });
}

export async function runSweep(): Promise<Section> {
  const before = loadNow();
  // Seeding 100,000 orders into DynamoDB Local takes minutes on a busy machine.
  const result = await runChild<SweepResult>('bench/run-sweep.ts', 'sweep', { timeoutMs: 1_800_000 });
  const section = sweepSection(result, { before, after: loadNow() });
  for (const goal of section.goals)
    console.log(`${goal.goal}: ${goal.measured} (${goal.met ? 'met' : 'missed'})`);
  return section;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runSweep();
