import { ListExecutionsCommand, SFNClient, type ExecutionListItem } from '@aws-sdk/client-sfn';
import { GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { expect } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../infra/local/services.js';
import { orderflowStateMachineArn } from '../../../infra/local/stepfunctions/orderflow.js';
import { SETTLED } from '../../../scripts/lib/client.js';
import {
  awaitSettled,
  clientFor,
  deliverUntilAccepted,
  inParallel,
  sendGenericWebhook,
  serverErrors,
} from './api.js';
import { assertOutcome, type PlannedOrder } from './mix.js';
import {
  cleanUp,
  freeRuntimePorts,
  startRuntimeProcess,
  tempDataDir,
  type RuntimeProcess,
  type RuntimeProcessOptions,
} from './runtime-process.js';

const STATE_MACHINE_ARN = orderflowStateMachineArn(LOCAL_REGION);
const SEEDED_STOCK = { 'MUG-RED': 100, 'TEE-BLK-M': 50, 'POSTER-A2': 10 };

export interface CrashRun {
  plan: readonly PlannedOrder[];
  /** SIGKILL the runtime once this many orders have been acknowledged, for each number given. */
  killWhenAccepted: readonly number[];
  /** Stock set through the API before the orders, over the seeded figures. */
  stock?: Record<string, number>;
  timeScale: number;
  /**
   * Whether the sweeper runs (every second) as the safety net for an order whose execution was lost.
   * Off, every order must finish on its first execution: the engine resumes runs from disk by itself.
   */
  sweeper?: boolean;
}

/**
 * Sends `plan` as signed webhooks to a runtime in a child process (retrying as a storefront does),
 * SIGKILLs the runtime at the given points and starts it again on the same data dir and ports, then
 * follows every order over HTTP and checks statuses, labels and stock. Returns what was in flight.
 */
export async function runWithCrashes(
  run: CrashRun,
): Promise<{ inFlightAtKill: number[]; resumed: string[] }> {
  const dataDir = tempDataDir();
  const options: RuntimeProcessOptions = {
    dataDir,
    ports: await freeRuntimePorts(),
    timeScale: run.timeScale,
    // As `npm start` runs it: node (with tsx's loader), then DynamoDB Local's java, one process group.
    launcher: 'npm-start',
    // The sweeper is the safety net for an order whose execution start was lost in the crash; off, it
    // waits a day, longer than any drill.
    env: { ORDERFLOW_SWEEP_INTERVAL_MS: run.sweeper === false ? String(86_400_000) : '1000' },
  };
  try {
    let runtime: RuntimeProcess = startRuntimeProcess(options);
    await runtime.ready();
    const client = clientFor(runtime.url);
    const initialStock: Record<string, number> = { ...SEEDED_STOCK, ...run.stock };
    for (const [sku, available] of Object.entries(run.stock ?? {})) {
      expect((await client.request('PUT', `/inventory/${sku}`, { available })).status).toBe(200);
    }

    const orderIds: string[] = new Array(run.plan.length);
    let accepted = 0;
    const sending = inParallel(run.plan, 8, async ({ input }, index) => {
      const body = JSON.stringify(input);
      const answer = await deliverUntilAccepted(() => sendGenericWebhook(client.options.baseUrl, body));
      expect([200, 202], answer.text).toContain(answer.status);
      orderIds[index] = answer.json.orderId as string;
      accepted++;
    });
    sending.catch(() => undefined);

    const inFlightAtKill: number[] = [];
    for (const threshold of run.killWhenAccepted) {
      while (accepted < threshold) await new Promise((resolve) => setTimeout(resolve, 20));
      const recent = orderIds.filter(Boolean).slice(-16);
      const statuses = await Promise.all(recent.map((id) => client.getOrder(id).then((o) => o.status)));
      inFlightAtKill.push(statuses.filter((status) => !SETTLED.has(status)).length);
      const restarted = serverErrors.tolerate(`SIGKILL at ${threshold} accepted, until the restart answers`);
      const killed = await runtime.killTree('SIGKILL');
      expect(killed.signal).toBe('SIGKILL');
      runtime = startRuntimeProcess(options);
      await runtime.ready();
      restarted();
    }
    await sending;

    const orders = await awaitSettled(client, orderIds, 120_000);
    await assertOutcome({
      client,
      dynamoDbEndpoint: `http://127.0.0.1:${options.ports.dynamoDb}`,
      plan: run.plan,
      orderIds,
      orders,
      initialStock,
    });
    // Outside the kill windows, the runtime answered every request it was sent.
    expect(serverErrors.unexpected()).toEqual([]);
    const resumed = await checkExecutions(options, orderIds, run.sweeper !== false);
    await checkReleaseDlq(options, run.plan, orderIds);
    const exit = await runtime.kill('SIGTERM');
    expect(exit, runtime.output()).toEqual({ code: 0, signal: null });
    return { inFlightAtKill, resumed };
  } finally {
    cleanUp(dataDir);
  }
}

/**
 * Each order kept the execution named after it: a crash resumes runs, it does not start new ones. A
 * resumed run (`<orderId>-2`, the sweeper's) is allowed only with the sweeper on, and only where the first
 * run did not succeed, so the sweeper had to. Returns the resumed runs' names.
 */
async function checkExecutions(
  options: RuntimeProcessOptions,
  orderIds: string[],
  sweeper: boolean,
): Promise<string[]> {
  const sfn = new SFNClient({
    endpoint: `http://127.0.0.1:${options.ports.stepFunctions}`,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    // An order's status settles before its execution ends: a failed release is marked, then its DLQ
    // message sent. So the executions are checked, and the DLQ after them, once none is running.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const { executions: running = [] } = await sfn.send(
        new ListExecutionsCommand({ stateMachineArn: STATE_MACHINE_ARN, statusFilter: 'RUNNING' }),
      );
      if (running.length === 0) break;
      if (Date.now() > deadline) {
        expect(
          running.map((execution) => execution.name),
          'executions still running after 120 s',
        ).toEqual([]);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const executions: ExecutionListItem[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(
        new ListExecutionsCommand({
          stateMachineArn: STATE_MACHINE_ARN,
          maxResults: 1000,
          nextToken,
        }),
      );
      executions.push(...(page.executions ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    const byName = new Map(executions.map((execution) => [execution.name!, execution]));
    expect(orderIds.filter((orderId) => !byName.has(orderId))).toEqual([]);
    const ours = new Set(orderIds);
    const resumed = [...byName.keys()].filter((name) => !ours.has(name));
    if (!sweeper) expect(resumed).toEqual([]);
    const needless = resumed.filter((name) => byName.get(name.replace(/-\d+$/, ''))?.status === 'SUCCEEDED');
    expect(needless).toEqual([]);
    return resumed;
  } finally {
    sfn.destroy();
  }
}

/** The release DLQ holds one message per order that failed to release, and none for any other. */
async function checkReleaseDlq(
  options: RuntimeProcessOptions,
  plan: readonly PlannedOrder[],
  orderIds: string[],
): Promise<void> {
  const sqs = new SQSClient({
    endpoint: `http://127.0.0.1:${options.ports.sqs}`,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'orderflow-release-dlq' }));
    const failed = orderIds.filter((_, index) => plan[index]!.kind === 'undeliverable');
    const seen = new Map<string, string>();
    // Until the queue has answered empty twice and, for up to 30 s of long polls, holds as many messages as
    // orders failed: a late message is counted, a lost one still fails the drill (CI once saw one short).
    const deadline = Date.now() + 30_000;
    for (let empty = 0; empty < 2 || (seen.size < failed.length && Date.now() < deadline);) {
      // Received and hidden for a minute, so each message is counted once; nothing reads it after.
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 60,
          WaitTimeSeconds: 1,
        }),
      );
      if (!Messages.length) empty++;
      for (const message of Messages) seen.set(message.MessageId!, message.Body ?? '');
    }
    const perOrder = new Map<string, number>();
    for (const body of seen.values()) {
      const { orderId } = JSON.parse(body) as { orderId: string };
      perOrder.set(orderId, (perOrder.get(orderId) ?? 0) + 1);
    }
    expect(Object.fromEntries(perOrder)).toEqual(Object.fromEntries(failed.map((orderId) => [orderId, 1])));
  } finally {
    sqs.destroy();
  }
}
