import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TASK_CONCURRENCY, type LocalConfig } from '../../infra/local/config.js';
import { startRuntime, type Runtime } from '../../infra/local/runtime.js';
import { freePort } from '../../infra/local/services.js';

export interface BenchRuntime {
  runtime: Runtime;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * The whole local runtime, as `npm start` runs it, in this process: free ports, a fresh data
 * directory (removed on stop), and the sweeper's schedule pushed out of the way, because its cost is a
 * fixed one per schedule, not per order. DynamoDB Local is stopped however this process ends.
 */
export async function startBenchRuntime(overrides: Partial<LocalConfig> = {}): Promise<BenchRuntime> {
  const dataDir = mkdtempSync(join(tmpdir(), 'orderflow-bench-'));
  const config: LocalConfig = {
    port: await freePort(),
    host: '127.0.0.1',
    dynamoDbPort: await freePort(),
    sqsPort: await freePort(),
    stepFunctionsPort: await freePort(),
    dataDir,
    timeScale: 10_000,
    sweepIntervalMs: 3_600_000,
    tableName: 'orderflow',
    releaseDlqName: 'orderflow-release-dlq',
    orderEventsBus: 'orderflow-order-events',
    streamFailuresQueueName: 'orderflow-stream-failures',
    webhookQueueName: 'orderflow-webhook-deliveries',
    webhookDeadLettersName: 'orderflow-webhook-dead-letters',
    shopifySyncQueueName: 'orderflow-shopify-sync',
    shopifySyncDeadLettersName: 'orderflow-shopify-sync-dead-letters',
    labelBucketName: 'orderflow-labels',
    printEvents: false,
    taskConcurrency: DEFAULT_TASK_CONCURRENCY,
    awsFaultRate: 0,
    faultSeed: 1,
    webhookUrlPolicy: 'any',
    ...overrides,
  };
  let runtime: Runtime;
  try {
    runtime = await startRuntime(config);
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= runtime.stop().finally(() => rmSync(dataDir, { recursive: true, force: true })));
  const onSignal = (signal: NodeJS.Signals) => {
    void stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    runtime,
    dataDir,
    stop: async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await stop();
    },
  };
}
