/**
 * Tracking by push vs by polling: state transitions and cost per 1,000 shipped orders. The workflow's
 * transitions and task invocations are counted from runs of the real statemachine.asl.json (bound as CDK
 * binds it, run by aws-local-stepfunctions with the tasks answering as each path needs): a parcel whose
 * carrier pushes the final status, and parcels nobody pushes for, found by the first poll or by a later
 * one (polls come 12 h apart after the estimate plus the grace). What the pushes themselves cost (an HTTP
 * API request and an api invocation each, and their DynamoDB requests) is added from the webhook
 * handler's code path; durations are the committed end-to-end run's light-load means (report.json).
 * Goal: the pushed parcel costs fewer transitions, and less in all, than the polled one.
 */
import { readFileSync } from 'node:fs';
import { StateMachine } from 'aws-local-stepfunctions';
import { FUNCTION_MEMORY_MB } from '../infra/function-memory.js';
import { DEFINITION_FILE } from '../infra/constructs/fulfillment-workflow.js';
import { PRICES } from './prices.js';
import { RESULTS_DIR } from './lib/child.js';
import { figureGoal, loadNow, writeSection, yes, type Section } from './lib/section.js';

/** How a parcel's tracking reaches the order. */
interface Scenario {
  name: string;
  /** Tracking webhooks the carrier posts for the parcel (0: none come). */
  pushes: number;
  /** Polls until one finds the parcel delivered (0: the push ended the wait). */
  polls: number;
}

/**
 * EasyPost posts a tracker.updated per status change; a parcel's journey seen by orderflow is in_transit,
 * out_for_delivery and delivered (pre_transit changes nothing and is not counted): 3 pushes.
 */
export const SCENARIOS: Scenario[] = [
  { name: 'push (EasyPost/Shippo webhook)', pushes: 3, polls: 0 },
  { name: 'poll, found delivered at the first poll', pushes: 0, polls: 1 },
  { name: 'poll, a late parcel found at the third poll', pushes: 0, polls: 3 },
];

/**
 * DynamoDB requests of one tracking webhook (functions/api/routes/provider-webhooks.ts): the event's
 * dedupe record read and written, the tracking-number lookup, the order read and its conditional write,
 * and for the final status the token's removal. Counted at one unit each: a lower bound, as an order item
 * over 1 KB costs more per write.
 */
const WEBHOOK_READS = 3;
const WEBHOOK_WRITES = 2;
const FINAL_PUSH_WRITES = 1;

interface LightLoad {
  lambdas: Record<string, { meanBilledMs: number }>;
}

/** Mean billed ms per function at light load, from the committed end-to-end section. */
function billedMs(): Record<string, number> {
  const report = JSON.parse(readFileSync(`${RESULTS_DIR}/report.json`, 'utf8')) as {
    sections: { id: string; data: { lightLoad?: LightLoad } }[];
  };
  const light = report.sections.find((section) => section.id === 'end-to-end')?.data.lightLoad;
  return Object.fromEntries(Object.entries(light?.lambdas ?? {}).map(([name, l]) => [name, l.meanBilledMs]));
}

const definition = () =>
  JSON.parse(
    readFileSync(DEFINITION_FILE, 'utf8').replace(/\$\{(\w+)\}/g, (_, name: string) =>
      name.endsWith('Url')
        ? `https://sqs.us-east-1.amazonaws.com/123456789012/${name}`
        : `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    ),
  ) as {
    States: Record<string, { Type: string; Resource?: string; Parameters?: { FunctionName?: string } }>;
  };

/** The function a Task state invokes, by its placeholder: `PollDeliveryFunctionArn` → poll-delivery. */
function functionOf(state: { Resource?: string; Parameters?: { FunctionName?: string } }): string {
  const arn = state.Parameters?.FunctionName ?? state.Resource ?? '';
  const placeholder = arn.split(':').at(-1) ?? '';
  return placeholder
    .replace(/FunctionArn$/, '')
    .replace(/([a-z])([A-Z])/g, '$1-$2')
    .toLowerCase();
}

/** One order through the real definition: the states it enters and the functions it invokes. */
export async function runScenario(scenario: Scenario) {
  const asl = definition();
  const tasks = Object.entries(asl.States).filter(([, state]) => state.Type === 'Task');
  let polls = 0;
  const invoked: Record<string, number> = {};
  const outputs: Record<string, () => unknown> = {
    ReserveStock: () => ({ hold: false }),
    GenerateLabel: () => ({
      status: 'SHIPPED',
      nextPollAt: new Date().toISOString(),
      wait: { Payload: { orderId: 'ord_bench', timeoutSeconds: 1 } },
    }),
    AwaitDelivery: () => {
      if (scenario.pushes > 0) return { status: 'DELIVERED' };
      const timeout = new Error('no push by the estimate plus the grace');
      timeout.name = 'States.Timeout';
      throw timeout;
    },
    PollDelivery: () => ({ status: ++polls >= scenario.polls ? 'DELIVERED' : 'IN_TRANSIT' }),
  };
  const handlers = Object.fromEntries(
    tasks.map(([name, state]) => [
      name,
      async () => {
        const fn = functionOf(state);
        invoked[fn] = (invoked[fn] ?? 0) + 1;
        return (outputs[name]?.() ?? { status: 'ok' }) as never;
      },
    ]),
  );
  const machine = new StateMachine(asl as never, { validationOptions: { checkArn: true, checkPaths: true } });
  const execution = machine.run(
    {
      orderId: 'ord_bench',
      sellerId: 'bench',
      attempt: 1,
      paymentWait: { Payload: { orderId: 'ord_bench', timeoutSeconds: 60 } },
    },
    {
      overrides: { taskResourceLocalHandlers: handlers, waitTimeOverrides: { WaitForDelivery: 0 } },
      context: { Task: { Token: 'token' } },
    },
  );
  const entered: string[] = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) {
      const e = event as { type: string; state?: { name: string } };
      if (e.type === 'StateEntered' && e.state) entered.push(e.state.name);
    }
  })();
  await execution.result;
  await collecting;
  return { entered, invoked };
}

interface ScenarioFigures extends Scenario {
  transitions: number;
  /** The workflow's task invocations after the label: AwaitDelivery and PollDelivery. */
  trackingInvocations: Record<string, number>;
  perThousand: Record<string, number>;
  totalPerThousand: number;
  /** The tracking part: after GenerateLabel, plus the pushes. */
  trackingPerThousand: number;
}

function costOf(
  scenario: Scenario,
  run: Awaited<ReturnType<typeof runScenario>>,
  ms: Record<string, number>,
): ScenarioFigures {
  const gbSeconds = (fn: string, count: number) =>
    count * ((ms[fn] ?? ms['poll-delivery'] ?? 20) / 1000) * (FUNCTION_MEMORY_MB[fn as never] / 1024);
  const trackingFns = ['await-delivery', 'poll-delivery'];
  const trackingInvocations = Object.fromEntries(trackingFns.map((fn) => [fn, run.invoked[fn] ?? 0]));
  const afterLabel = run.entered.slice(run.entered.indexOf('GenerateLabel') + 1).length;
  const finalPushes = scenario.pushes > 0 ? 1 : 0;
  const lines = {
    'Step Functions transitions (tracking part)': afterLabel * PRICES.stepFunctionsTransition.usd,
    'Lambda requests (tracking tasks and pushes)':
      (Object.values(trackingInvocations).reduce((a, b) => a + b, 0) + scenario.pushes) *
      PRICES.lambdaRequest.usd,
    'Lambda compute':
      (trackingFns.reduce((sum, fn) => sum + gbSeconds(fn, trackingInvocations[fn]!), 0) +
        gbSeconds('api', scenario.pushes)) *
      PRICES.lambdaGbSecondArm.usd,
    'API Gateway requests (pushes)': scenario.pushes * PRICES.httpApiRequest.usd,
    'DynamoDB (pushes and tracking tasks, 1 unit a request)':
      (scenario.pushes * WEBHOOK_READS +
        trackingInvocations['await-delivery']! +
        trackingInvocations['poll-delivery']!) *
        PRICES.dynamoReadUnit.usd +
      (scenario.pushes * WEBHOOK_WRITES +
        finalPushes * FINAL_PUSH_WRITES +
        trackingInvocations['await-delivery']! +
        trackingInvocations['poll-delivery']!) *
        PRICES.dynamoWriteUnit.usd,
  };
  const perThousand = Object.fromEntries(Object.entries(lines).map(([name, usd]) => [name, usd * 1000]));
  const trackingPerThousand = Object.values(perThousand).reduce((a, b) => a + b, 0);
  const beforeLabel = run.entered.length - afterLabel;
  return {
    ...scenario,
    transitions: run.entered.length,
    trackingInvocations,
    perThousand,
    trackingPerThousand,
    totalPerThousand: trackingPerThousand + beforeLabel * PRICES.stepFunctionsTransition.usd * 1000,
  };
}

const usd = (value: number) => `$${value.toFixed(4)}`;

export async function runTracking(): Promise<Section> {
  const before = loadNow();
  const ms = billedMs();
  const figures: ScenarioFigures[] = [];
  for (const scenario of SCENARIOS) figures.push(costOf(scenario, await runScenario(scenario), ms));
  const [push, pollOnce, pollLate] = figures as [ScenarioFigures, ScenarioFigures, ScenarioFigures];
  const goals = [
    figureGoal(
      'a pushed parcel takes fewer state transitions than one found by the first poll',
      { value: push.transitions, unit: 'count', op: '<', limit: pollOnce.transitions },
      `${push.transitions} vs ${pollOnce.transitions} (${pollLate.transitions} for a late parcel polled 3 times)`,
    ),
    figureGoal(
      'tracking by push costs less per 1,000 orders than polling once',
      { value: push.trackingPerThousand, unit: 'usd', op: '<', limit: pollOnce.trackingPerThousand },
      `${usd(push.trackingPerThousand)} vs ${usd(pollOnce.trackingPerThousand)} (late parcels ${usd(pollLate.trackingPerThousand)})`,
    ),
  ];
  const names = Object.keys(push.perThousand);
  const markdown = [
    'Transitions counted on the real statemachine.asl.json (aws-local-stepfunctions, tasks answering as each ' +
      'path needs); the tracking part is every state after GenerateLabel plus what the pushes cost ' +
      `(${SCENARIOS[0]!.pushes} tracking webhooks a parcel: in_transit, out_for_delivery, delivered; each an ` +
      `HTTP API request, an api invocation, ${WEBHOOK_READS} reads and ${WEBHOOK_WRITES} writes, the final ` +
      `one a write more). Lambda durations: the committed end-to-end run's light-load means (await-delivery, ` +
      "not measured there yet, at poll-delivery's). Per 1,000 orders at the list prices in bench/prices.ts. " +
      'Not counted: the order event of the IN_TRANSIT a push records (one EventBridge event and its ' +
      'consumers, $0.001 and a few Lambda requests per 1,000 orders), which a poll that finds the parcel on ' +
      'its way records too.',
    '',
    `| | ${figures.map((f) => f.name).join(' | ')} |`,
    `|---|${figures.map(() => '---:').join('|')}|`,
    `| state transitions per order (whole workflow) | ${figures.map((f) => f.transitions).join(' | ')} |`,
    `| tracking task invocations (await-delivery + poll-delivery) | ${figures
      .map((f) => `${f.trackingInvocations['await-delivery']} + ${f.trackingInvocations['poll-delivery']}`)
      .join(' | ')} |`,
    `| tracking webhooks | ${figures.map((f) => f.pushes).join(' | ')} |`,
    ...names.map((name) => `| ${name} | ${figures.map((f) => usd(f.perThousand[name]!)).join(' | ')} |`),
    `| **tracking, per 1,000 orders** | ${figures.map((f) => `**${usd(f.trackingPerThousand)}**`).join(' | ')} |`,
    `| workflow transitions and tracking, per 1,000 orders | ${figures.map((f) => usd(f.totalPerThousand)).join(' | ')} |`,
    '',
    `Goals: ${goals.map((g) => `${g.goal}: ${g.measured}, ${yes(g.met)}`).join('; ')}.`,
    '',
  ].join('\n');
  return writeSection({
    id: 'tracking',
    title: 'Tracking: push vs poll',
    goals,
    markdown,
    data: { scenarios: figures, billedMs: ms },
    load: { before, after: loadNow() },
  });
}
