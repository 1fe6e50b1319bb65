import { expect } from 'vitest';
import { SETTLED } from '../../../scripts/lib/client.js';
import { awaitSettled, clientFor, deliverUntilAccepted, inParallel, sendGenericWebhook } from './api.js';
import { assertOutcome, type PlannedOrder } from './mix.js';
import {
  cleanUp,
  freeRuntimePorts,
  startRuntimeProcess,
  tempDataDir,
  type RuntimeProcess,
  type RuntimeProcessOptions,
} from './runtime-process.js';

const SEEDED_STOCK = { 'MUG-RED': 100, 'TEE-BLK-M': 50, 'POSTER-A2': 10 };

export interface CrashRun {
  plan: readonly PlannedOrder[];
  /** SIGKILL the runtime once this many orders have been acknowledged, for each number given. */
  killWhenAccepted: readonly number[];
  /** Stock set through the API before the orders, over the seeded figures. */
  stock?: Record<string, number>;
  timeScale: number;
}

/**
 * Sends `plan` as signed webhooks to a runtime in a child process (retrying as a storefront does),
 * SIGKILLs the runtime at the given points and starts it again on the same data dir and ports, then
 * follows every order over HTTP and checks statuses, labels and stock. Returns what was in flight.
 */
export async function runWithCrashes(run: CrashRun): Promise<{ inFlightAtKill: number[] }> {
  const dataDir = tempDataDir();
  const options: RuntimeProcessOptions = {
    dataDir,
    ports: await freeRuntimePorts(),
    timeScale: run.timeScale,
    launcher: 'node',
    // The sweeper is the safety net for an order whose execution start was lost in the crash.
    env: { ORDERFLOW_SWEEP_INTERVAL_MS: '1000' },
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
      const killed = await runtime.kill('SIGKILL');
      expect(killed.signal).toBe('SIGKILL');
      runtime = startRuntimeProcess(options);
      await runtime.ready();
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
    const exit = await runtime.kill('SIGTERM');
    expect(exit, runtime.output()).toEqual({ code: 0, signal: null });
    return { inFlightAtKill };
  } finally {
    cleanUp(dataDir);
  }
}
