import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_TASK_CONCURRENCY, type LocalConfig } from '../../../infra/local/config.js';
import type { Runtime } from '../../../infra/local/runtime.js';
import { freeRuntimePorts, tempDataDir } from './runtime-process.js';

/**
 * The whole runtime in this test process, on free ports and a temporary data dir. Handler modules
 * read their configuration from process.env once, when the runtime imports them: one per test file.
 * The sweeper is left to the test (`runtime.sweep()`), so nothing runs that the test did not start.
 */
export async function startInProcessRuntime(
  overrides: Partial<LocalConfig> = {},
): Promise<Runtime & { cleanUp(): Promise<void> }> {
  const ports = await freeRuntimePorts();
  const dataDir = tempDataDir();
  const { startRuntime } = await import('../../../infra/local/runtime.js');
  const runtime = await startRuntime({
    port: ports.api,
    host: '127.0.0.1',
    dynamoDbPort: ports.dynamoDb,
    sqsPort: ports.sqs,
    stepFunctionsPort: ports.stepFunctions,
    dataDir,
    timeScale: 200_000,
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
  });
  // DynamoDB Local is a Java child: if this worker ends without stopping the runtime, stop it anyway.
  const javaPid = Number(readFileSync(join(dataDir, 'dynamodb', 'dynamodb-local.pid'), 'utf8'));
  const killJava = () => {
    try {
      process.kill(javaPid, 'SIGKILL');
    } catch {
      // already stopped
    }
  };
  process.once('exit', killJava);
  return Object.assign(runtime, {
    async cleanUp() {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        runtime.stop(),
        new Promise((resolve) => (timer = setTimeout(resolve, 20_000))),
      ]).finally(() => clearTimeout(timer));
      killJava();
      process.off('exit', killJava);
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}
