/**
 * Intake benchmark: orders accepted per second and latency at 32 concurrent webhook senders through
 * the local gateway, against DynamoDB Local's raw PutItem rate measured in the same run. Goals: intake
 * at least half the raw PutItem rate; p99 under 25 ms. The workload runs in bench/run-intake.ts.
 */
import { runChild } from './lib/child.js';
import { figureGoal, loadNow, ms, writeSection, yes, type Section } from './lib/section.js';

export const INTAKE_RATIO_GOAL = 0.5;
export const INTAKE_P99_GOAL_MS = 25;

interface Rate {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

interface OpenFigures {
  sent: number;
  answered: number;
  statuses: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface IntakeResult {
  concurrency: number;
  measureMs: number;
  orderItemBytes: number;
  rawItemBytes: number;
  putItem: Rate & { operations: number; elapsedMs: number };
  intake: Rate & {
    sent: number;
    accepted: number;
    statuses: Record<string, number>;
    elapsedMs: number;
    maxMs: number;
    runtimeCpuPercent: number;
  };
  openLoop: {
    ratePerSecond: number;
    durationMs: number;
    putItem: OpenFigures;
    intake: OpenFigures;
  };
  profile: {
    apiInvocations: number;
    apiMeanMs: number;
    steps: { name: string; callsPerRequest: number; meanMs: number; msPerRequest: number }[];
    workflowDynamoCallsPerSecond: number;
  };
}

export function intakeSection(result: IntakeResult, load: Section['load']): Section {
  const { putItem, intake, profile, openLoop: open } = result;
  const ratio = intake.perSecond / putItem.perSecond;
  const goals = [
    figureGoal(
      `intake ≥ ${INTAKE_RATIO_GOAL} × raw PutItem rate`,
      { value: ratio, unit: 'x', op: '>=', limit: INTAKE_RATIO_GOAL },
      `${intake.perSecond.toFixed(0)}/s vs ${putItem.perSecond.toFixed(0)}/s = ${ratio.toFixed(2)} ×`,
    ),
    figureGoal(
      `intake p99 < ${INTAKE_P99_GOAL_MS} ms, ${open.ratePerSecond} orders/s offered (open loop)`,
      { value: open.intake.p99Ms, unit: 'ms', op: '<', limit: INTAKE_P99_GOAL_MS },
      `${ms(open.intake.p99Ms)} (raw PutItem at the same rate: ${ms(open.putItem.p99Ms)})`,
      open.intake.answered === open.intake.sent,
    ),
  ];
  const rejected = Object.entries(intake.statuses)
    .filter(([status]) => status !== '202')
    .map(([status, count]) => `${count} × ${status === '0' ? 'no answer' : status}`);
  const steps = [...profile.steps].sort((a, b) => b.msPerRequest - a.msPerRequest);
  const markdown = [
    `${result.concurrency} concurrent senders in a closed loop for ${result.measureMs / 1000} s each (after a ` +
      `2 s warm-up), against one local runtime on a fresh data directory. The clients of both rows run in a ` +
      `process of their own, not the runtime's.`,
    '',
    '| | per second | p50 | p99 |',
    '|---|---:|---:|---:|',
    `| raw DynamoDB Local PutItem (${result.rawItemBytes} B items, plain table) | ${putItem.perSecond.toFixed(0)} | ${ms(putItem.p50Ms)} | ${ms(putItem.p99Ms)} |`,
    `| signed generic webhooks accepted (202) through the gateway | ${intake.perSecond.toFixed(0)} | ${ms(intake.p50Ms)} | ${ms(intake.p99Ms)} |`,
    '',
    `Intake is ${ratio.toFixed(2)} × the raw PutItem rate (goal ≥ ${INTAKE_RATIO_GOAL}: ${yes(goals[0]!.met)}); ` +
      `closed-loop p99 ${ms(intake.p99Ms)}; open-loop p99 ${ms(open.intake.p99Ms)} (goal < ` +
      `${INTAKE_P99_GOAL_MS} ms: ${yes(goals[1]!.met)}). ` +
      `${intake.accepted} of ${intake.sent} webhooks accepted${rejected.length ? `; ${rejected.join(', ')}` : ''}; ` +
      `max ${ms(intake.maxMs)}. A stored order is ${result.orderItemBytes} B. The runtime process used ` +
      `${intake.runtimeCpuPercent.toFixed(0)} % of one core meanwhile (DynamoDB Local runs in its own JVM).`,
    '',
    `Open loop: ${open.ratePerSecond} requests a second offered for ${open.durationMs / 1000} s on a fixed ` +
      `schedule, whatever the answers (as storefronts send), each latency counted from when its request was ` +
      `due, so a stall counts against every request it holds up:`,
    '',
    '| offered at a fixed rate | sent | answered | p50 | p99 | max |',
    '|---|---:|---:|---:|---:|---:|',
    `| raw DynamoDB Local PutItem | ${open.putItem.sent} | ${open.putItem.answered} | ${ms(open.putItem.p50Ms)} | ${ms(open.putItem.p99Ms)} | ${ms(open.putItem.maxMs)} |`,
    `| signed generic webhooks (202) | ${open.intake.sent} | ${open.intake.answered} | ${ms(open.intake.p50Ms)} | ${ms(open.intake.p99Ms)} | ${ms(open.intake.maxMs)} |`,
    '',
    `With ${result.concurrency} senders each waiting for its answer, the mean latency is ${result.concurrency} ÷ the ` +
      `rate (Little's law): a p99 under ${INTAKE_P99_GOAL_MS} ms needs at least ` +
      `${((result.concurrency * 1000) / INTAKE_P99_GOAL_MS).toFixed(0)} accepted per second, and raw PutItem's own ` +
      `mean at this concurrency is ${ms((result.concurrency * 1000) / putItem.perSecond)}: the closed loop ` +
      `measures throughput, and the latency goal is judged open loop.`,
    '',
    `Where one accepted webhook spends its time (API function mean ${ms(profile.apiMeanMs)}; each AWS call ` +
      `the function makes, timed at the SDK, by command and key kind):`,
    '',
    '| call | calls per request | mean | ms per request |',
    '|---|---:|---:|---:|',
    ...steps.map(
      (step) =>
        `| ${step.name} | ${step.callsPerRequest.toFixed(2)} | ${ms(step.meanMs)} | ${ms(step.msPerRequest)} |`,
    ),
    '',
    `Meanwhile the workflow functions, running the orders just accepted as \`npm start\` does, made ` +
      `${profile.workflowDynamoCallsPerSecond.toFixed(0)} DynamoDB calls per second on the same DynamoDB Local.`,
    '',
  ].join('\n');
  return writeSection({ id: 'intake', title: 'Intake', goals, markdown, data: result, load });
}

export async function runIntake(): Promise<Section> {
  const before = loadNow();
  const result = await runChild<IntakeResult>('bench/run-intake.ts', 'intake');
  const section = intakeSection(result, { before, after: loadNow() });
  for (const goal of section.goals)
    console.log(`${goal.goal}: ${goal.measured} (${goal.met ? 'met' : 'missed'})`);
  return section;
}
