import { resolve } from 'node:path';
import type { WebhookUrlPolicy } from '../../functions/shared/webhooks/url-policy.js';
import { STAGE_NAMES, type StageName } from '../stage-names.js';

/** Local runtime settings: the design's defaults, each overridable by an environment variable. */
export interface LocalConfig {
  /** The HTTP API. */
  port: number;
  host: string;
  dynamoDbPort: number;
  sqsPort: number;
  stepFunctionsPort: number;
  /** DynamoDB Local's files, the SQS emulator's and the executions'. */
  dataDir: string;
  /** How many times faster than real time waits, transit and hold timeouts run; 1 is real time. */
  timeScale: number;
  /** How often the delivery sweeper runs, in real milliseconds. */
  sweepIntervalMs: number;
  tableName: string;
  releaseDlqName: string;
  /** The order events bus (ORDER_EVENTS_BUS), and the queue of stream batches given up. */
  orderEventsBus: string;
  streamFailuresQueueName: string;
  /** The seller webhook deliveries queue and its dead-letter queue. */
  webhookQueueName: string;
  webhookDeadLettersName: string;
  /** The Shopify fulfillment sync's queue and its dead-letter queue. */
  shopifySyncQueueName: string;
  shopifySyncDeadLettersName: string;
  /** The label files' bucket (LABEL_BUCKET), in the SQS emulator's S3 (its objects under `<dataDir>/s3`). */
  labelBucketName: string;
  /** Print each order event in the terminal (ORDERFLOW_EVENTS=print). */
  printEvents: boolean;
  /**
   * How many task functions the local Step Functions engine runs at once; the rest wait for a free
   * worker, as a Lambda function's reserved concurrency makes them. DynamoDB Local writes one item at a
   * time, so this is what keeps running workflows from starving intake of it.
   */
  taskConcurrency: number;
  /**
   * Share of the functions' AWS calls (DynamoDB, Step Functions) and of the state machine's Lambda
   * invocations that fail with AWS's own throttling and server errors, for fault drills; 0 by default.
   */
  awsFaultRate: number;
  /** Seed of the fault drills' random choices, so a drill can be replayed. */
  faultSeed: number;
  /**
   * Enforce a stage's API Gateway throttles in the local gateway (ORDERFLOW_THROTTLE_STAGE=dev|prod), for
   * load tests; off by default, so local work and the drills are not held to a deployed stage's limits.
   */
  throttleStage?: StageName;
  /**
   * Which seller webhook URLs the functions accept (WEBHOOK_URL_POLICY): `any` by default, since local
   * receivers are on this machine; `public-https` is what the stack sets.
   */
  webhookUrlPolicy: WebhookUrlPolicy;
}

function intFrom(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535)
    throw new Error(`${name} must be a port number, got ${raw}`);
  return value;
}

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!(value > 0)) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
}

function count(name: string, fallback: number): number {
  const value = positive(name, fallback);
  if (!Number.isInteger(value)) throw new Error(`${name} must be a whole number, got ${value}`);
  return value;
}

function share(name: string): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return 0;
  const value = Number(raw);
  if (!(value >= 0 && value < 1)) throw new Error(`${name} must be at least 0 and below 1, got ${raw}`);
  return value;
}

/**
 * 10,000× makes a standard domestic order (3 days in transit) arrive in about 26 s, and a 168 h hold
 * expire after about a minute.
 */
export const DEFAULT_TIME_SCALE = 10_000;

/**
 * Measured with the bench. With 2 workers, 1,000 orders end to end are bound by the workers (their summed
 * task time ÷ 2, which grows when the machine is busy: 49–62 s); with 4, by DynamoDB Local (45–52 s).
 * Intake keeps its share of DynamoDB Local either way (0.50–0.76 × raw PutItem in paired runs); with 64
 * it kept a third as much.
 */
export const DEFAULT_TASK_CONCURRENCY = 4;

function printEvents(): boolean {
  const raw = process.env.ORDERFLOW_EVENTS ?? '';
  if (raw !== '' && raw !== 'print') throw new Error(`ORDERFLOW_EVENTS must be print or unset, got ${raw}`);
  return raw === 'print';
}

export function loadLocalConfig(): LocalConfig {
  return {
    port: intFrom('PORT', 3000),
    host: process.env.HOST ?? '127.0.0.1',
    dynamoDbPort: intFrom('ORDERFLOW_DYNAMODB_PORT', 8000),
    sqsPort: intFrom('ORDERFLOW_SQS_PORT', 9324),
    stepFunctionsPort: intFrom('ORDERFLOW_SFN_PORT', 8083),
    dataDir: resolve(process.env.ORDERFLOW_DATA_DIR ?? '.data'),
    timeScale: positive('ORDERFLOW_TIME_SCALE', DEFAULT_TIME_SCALE),
    sweepIntervalMs: positive('ORDERFLOW_SWEEP_INTERVAL_MS', 30_000),
    tableName: process.env.ORDERS_TABLE ?? 'orderflow',
    releaseDlqName: 'orderflow-release-dlq',
    orderEventsBus: 'orderflow-order-events',
    streamFailuresQueueName: 'orderflow-stream-failures',
    webhookQueueName: 'orderflow-webhook-deliveries',
    webhookDeadLettersName: 'orderflow-webhook-dead-letters',
    shopifySyncQueueName: 'orderflow-shopify-sync',
    shopifySyncDeadLettersName: 'orderflow-shopify-sync-dead-letters',
    labelBucketName: 'orderflow-labels',
    printEvents: printEvents(),
    taskConcurrency: count('ORDERFLOW_TASK_CONCURRENCY', DEFAULT_TASK_CONCURRENCY),
    awsFaultRate: share('ORDERFLOW_AWS_FAULT_RATE'),
    faultSeed: count('ORDERFLOW_FAULT_SEED', 1),
    webhookUrlPolicy: webhookUrlPolicy(),
    ...throttleStage(),
  };
}

function throttleStage(): { throttleStage?: StageName } {
  const raw = process.env.ORDERFLOW_THROTTLE_STAGE;
  if (raw === undefined || raw === '') return {};
  if (!(STAGE_NAMES as readonly string[]).includes(raw))
    throw new Error(`ORDERFLOW_THROTTLE_STAGE must be one of ${STAGE_NAMES.join(', ')}, got ${raw}`);
  return { throttleStage: raw as StageName };
}

function webhookUrlPolicy(): WebhookUrlPolicy {
  const raw = process.env.WEBHOOK_URL_POLICY;
  if (raw === undefined || raw === '') return 'any';
  if (raw !== 'any' && raw !== 'public-https')
    throw new Error(`WEBHOOK_URL_POLICY must be any or public-https, got ${raw}`);
  return raw;
}
