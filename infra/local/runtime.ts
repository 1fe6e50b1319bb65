import { join } from 'node:path';
import type { LocalConfig } from './config.js';
import { routeThrottle } from './throttle.js';
import { ENV } from '../../functions/shared/config.js';
import { SELLER_API_RATE } from '../throttles.js';
import { buildConsole } from '../../console/build.js';
import { startGateway, type HttpHandler } from './gateway.js';
import { lambdaContext } from './lambda-context.js';
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  createBucket,
  createTable,
  startDynamoDbLocal,
  startSqs,
  type DynamoDbLocal,
  type LocalSqs,
} from './services.js';
import {
  orderflowStateMachineArn,
  scaledRetryPauses,
  startOrderflowStepFunctions,
} from './stepfunctions/orderflow.js';
import type { LocalStepFunctions } from './stepfunctions/index.js';
import { awsFaults, startAwsParity, type AwsParity } from './aws/index.js';
import { runAs } from './aws/index.js';
import {
  startLocalOrderEvents,
  startLocalShopifySync,
  startLocalWebhookDeliveries,
  type LocalOrderEvents,
} from './events/index.js';
import { SHOPIFY_SYNC_MAX_ATTEMPTS } from '../../functions/shared/shopify-sync.js';
import { WEBHOOK_MAX_ATTEMPTS } from '../../functions/shared/webhooks/retry-schedule.js';
import type { Handler } from './aws/lambda.js';
import { startStandIns, type StandIns } from './standins/index.js';

export interface Runtime {
  url: string;
  config: LocalConfig;
  dynamo: DynamoDbLocal;
  sqs: LocalSqs;
  stepFunctions: LocalStepFunctions;
  /** What the runtime enforces of the deployed stack (roles, timeouts) and its fault injection. */
  parity: AwsParity;
  /** The Stripe, EasyPost, Shippo and Shopify stand-ins the adapters are pointed at. */
  standIns: StandIns;
  releaseDlqUrl: string;
  /** The order events: the local bus and the stream poller that feeds it. */
  orderEvents: LocalOrderEvents;
  /** The seller webhook deliveries queue and its dead-letter queue. */
  webhookQueueUrl: string;
  webhookDeadLettersUrl: string;
  /** The Shopify fulfillment sync's queue and its dead-letter queue. */
  shopifySyncQueueUrl: string;
  shopifySyncDeadLettersUrl: string;
  seeded: boolean;
  /** Runs the delivery sweeper once, as the schedule does. */
  sweep(): Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * Everything `npm start` runs, in one process: DynamoDB Local and the SQS emulator with their data on
 * disk, the Step Functions engine running the real ASL file, the HTTP gateway in front of the API
 * function, and the sweeper on an interval. The functions get only configuration: endpoints, names.
 */
export async function startRuntime(config: LocalConfig): Promise<Runtime> {
  const [dynamo, sqs] = await Promise.all([
    startDynamoDbLocal({ port: config.dynamoDbPort, dataDir: join(config.dataDir, 'dynamodb') }),
    startSqs({
      port: config.sqsPort,
      dataDir: join(config.dataDir, 'sqs'),
      s3Dir: join(config.dataDir, 's3'),
    }),
  ]);
  const stopped: (() => Promise<void>)[] = [() => dynamo.stop(), () => sqs.stop()];
  try {
    const standIns = await startStandIns();
    stopped.push(() => standIns.stop());
    const kept = { MessageRetentionPeriod: String(14 * 24 * 3600) };
    const { queueUrl } = await sqs.ensureQueue(config.releaseDlqName, kept);
    await sqs.ensureQueue(config.streamFailuresQueueName, kept);
    // As the stack's retriedQueue: work kept 4 days, visible again after 6 times the consumer's 30 s.
    const retried = async (name: string, deadLettersName: string, maxReceiveCount: number) => {
      const deadLetters = await sqs.ensureQueue(deadLettersName, kept);
      const { queueUrl } = await sqs.ensureQueue(name, {
        MessageRetentionPeriod: String(4 * 24 * 3600),
        VisibilityTimeout: '180',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetters.queueArn, maxReceiveCount }),
      });
      return { queueUrl, deadLettersUrl: deadLetters.queueUrl };
    };
    const webhookQueues = await retried(
      config.webhookQueueName,
      config.webhookDeadLettersName,
      WEBHOOK_MAX_ATTEMPTS,
    );
    const shopifySyncQueues = await retried(
      config.shopifySyncQueueName,
      config.shopifySyncDeadLettersName,
      SHOPIFY_SYNC_MAX_ATTEMPTS,
    );
    const webhookQueueUrl = webhookQueues.queueUrl;
    const shopifySyncQueueUrl = shopifySyncQueues.queueUrl;
    await createBucket(sqs.endpoint, config.labelBucketName);
    await createTable(dynamo.endpoint, config.tableName);
    const orderEvents = await startLocalOrderEvents({
      busName: config.orderEventsBus,
      dataDir: config.dataDir,
      print: config.printEvents,
    });
    stopped.unshift(() => orderEvents.stop());

    Object.assign(process.env, {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      // The same emulator answers S3 (the label files).
      AWS_ENDPOINT_URL_S3: sqs.endpoint,
      AWS_ENDPOINT_URL_SFN: `http://127.0.0.1:${config.stepFunctionsPort}`,
      ORDERS_TABLE: config.tableName,
      STATE_MACHINE_ARN: orderflowStateMachineArn(LOCAL_REGION),
      RELEASE_DLQ_URL: queueUrl,
      AWS_ENDPOINT_URL_EVENTBRIDGE: orderEvents.bus.endpoint,
      ORDER_EVENTS_BUS: config.orderEventsBus,
      WEBHOOK_DELIVERIES_URL: webhookQueueUrl,
      SHOPIFY_SYNC_URL: shopifySyncQueueUrl,
      LABEL_BUCKET: config.labelBucketName,
      // The runtime's setting, not whatever the calling process has: a test process may set its own.
      WEBHOOK_URL_POLICY: config.webhookUrlPolicy,
      ORDERFLOW_TIME_SCALE: String(config.timeScale),
      // Like the dev stage: sellers who chose no provider get the sandbox (ALLOW_SANDBOX_PROVIDERS=false
      // tries what prod does).
      ALLOW_SANDBOX_PROVIDERS: process.env.ALLOW_SANDBOX_PROVIDERS ?? 'true',
      // The providers' APIs: the stand-ins, unless pointed elsewhere (a provider's test mode, say).
      ...Object.fromEntries(
        Object.entries(standIns.env).map(([name, url]) => [name, process.env[name] ?? url]),
      ),
    });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;

    // Function code is imported only now, so every module sees the configuration above.
    const { seed } = await import('./seed.js');
    const seeded = await seed();
    // The functions run as the stack deploys them: its timeouts, memory and IAM roles.
    const parity = await startAwsParity(
      config.awsFaultRate > 0
        ? { faults: awsFaults({ rate: config.awsFaultRate, seed: config.faultSeed }) }
        : {},
    );
    const stepFunctions = await startOrderflowStepFunctions({
      parity,
      releaseDlqUrl: queueUrl,
      dataDir: join(config.dataDir, 'executions'),
      port: config.stepFunctionsPort,
      sqsEndpoint: sqs.endpoint,
      maxConcurrentInvocations: config.taskConcurrency,
      ...(config.timeScale > 1
        ? { overrides: { retryIntervalOverrides: scaledRetryPauses(config.timeScale) } }
        : {}),
    });
    stopped.unshift(() => stepFunctions.stop());

    const api = parity.deployed('api', (await import('../../functions/api/handler.js')).handler as Handler);
    // The stage's per-seller limit too, as the stack gives it to the api function.
    if (config.throttleStage) process.env[ENV.sellerApiRate] = String(SELLER_API_RATE[config.throttleStage]);
    const { routes } = await import('../../functions/api/routes/index.js');
    // The seller console, built from its source at every start (esbuild takes well under a second) into
    // this runtime's own data folder, so runtimes side by side never serve each other's half-written build.
    const consoleDir = join(config.dataDir, 'console');
    await buildConsole(consoleDir);
    const gateway = await startGateway({
      port: config.port,
      host: config.host,
      consoleDir,
      handler: api as unknown as HttpHandler,
      ...(config.throttleStage ? { admit: routeThrottle(routes, config.throttleStage) } : {}),
    });
    stopped.unshift(() => gateway.stop());

    // The table stream's event source mapping, with its on-failure destination.
    orderEvents.startPublishing({
      dynamoEndpoint: dynamo.endpoint,
      tableName: config.tableName,
      publisher: parity.deployed(
        'publish-events',
        (await import('../../functions/publish-events/handler.js')).handler as Handler,
      ),
      onFailure: (failure) => {
        sqs.server.sendMessage(config.streamFailuresQueueName, JSON.stringify(failure));
      },
    });

    const webhooks = startLocalWebhookDeliveries({
      bus: orderEvents.bus,
      sqsEndpoint: sqs.endpoint,
      queueUrl: webhookQueueUrl,
      queuer: parity.deployed(
        'queue-webhooks',
        (await import('../../functions/queue-webhooks/handler.js')).handler as Handler,
      ),
      deliverer: parity.deployed(
        'deliver-webhooks',
        (await import('../../functions/deliver-webhooks/handler.js')).handler as Handler,
      ),
      asDeliverer: (work) =>
        runAs(
          { name: 'deliver-webhooks', statements: parity.model.functions['deliver-webhooks'].statements },
          work,
        ),
    });
    stopped.unshift(() => webhooks.stop());

    const shopifySync = startLocalShopifySync({
      bus: orderEvents.bus,
      sqsEndpoint: sqs.endpoint,
      queueUrl: shopifySyncQueueUrl,
      syncer: parity.deployed(
        'sync-shopify',
        (await import('../../functions/sync-shopify/handler.js')).handler as Handler,
      ),
      asSyncer: (work) =>
        runAs({ name: 'sync-shopify', statements: parity.model.functions['sync-shopify'].statements }, work),
    });
    stopped.unshift(() => shopifySync.stop());

    const sweeper = parity.deployed(
      'delivery-sweeper',
      (await import('../../functions/delivery-sweeper/handler.js')).handler as Handler,
    );
    const sweep = () => sweeper({}, lambdaContext('orderflow-delivery-sweeper', Date.now() + 240_000));
    const timer = setInterval(() => {
      sweep().catch(() => undefined);
    }, config.sweepIntervalMs);
    timer.unref();
    stopped.unshift(async () => clearInterval(timer));

    return {
      url: gateway.url,
      config,
      dynamo,
      sqs,
      stepFunctions,
      parity,
      standIns,
      releaseDlqUrl: queueUrl,
      orderEvents,
      webhookQueueUrl,
      webhookDeadLettersUrl: webhookQueues.deadLettersUrl,
      shopifySyncQueueUrl,
      shopifySyncDeadLettersUrl: shopifySyncQueues.deadLettersUrl,
      seeded,
      sweep,
      stop: async () => {
        for (const stop of stopped) await stop();
      },
    };
  } catch (error) {
    for (const stop of stopped) await stop().catch(() => undefined);
    throw error;
  }
}
