import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { routes as apiRoutes } from '../functions/api/routes/index.js';
import { ENV } from '../functions/shared/config.js';
import { RELEASE_DLQ_ACTIONS } from '../functions/shared/release-dlq.js';
import { INDEXES, type Partition } from '../functions/shared/store/schema.js';
import type { FunctionName } from './bundling.js';
import { FulfillmentWorkflow, type TaskFunctionName } from './constructs/fulfillment-workflow.js';
import { Observability } from './constructs/observability.js';
import { LabelFiles } from './constructs/label-files.js';
import { OrderEvents } from './constructs/order-events.js';
import { DELIVERER_TIMEOUT, WebhookDeliveries } from './constructs/webhook-deliveries.js';
import { ShopifySync, SYNCER_TIMEOUT } from './constructs/shopify-sync.js';
import {
  OrderflowFunction,
  type ItemAction,
  type OrderflowFunctionProps,
} from './constructs/orderflow-function.js';
import { OrdersApi, type ApiRoute, type CustomDomain } from './constructs/orders-api.js';
import { OrdersTable } from './constructs/orders-table.js';
import { ConsoleSite } from './constructs/console-site.js';
import { ROUTE_KINDS, SELLER_API_RATE } from './throttles.js';
import { DEFAULT_STAGE, StageConfigurationError, stageConfig, type StageName } from './stages.js';

export interface OrderflowStackProps extends StackProps {
  /** Throttles, concurrency, log level and retention, sandbox providers: infra/stages.ts. Default dev. */
  readonly stage?: StageName;
  /** Subscribed to the alarm topic when given. */
  readonly alarmEmail?: string;
  /** An existing SNS topic (a pager's, say) that every alarm notifies as well. */
  readonly alarmTopicArn?: string;
  /** Serves the API on this domain only (the execute-api endpoint is disabled). */
  readonly customDomain?: CustomDomain;
  /** Serves the console's distribution on this domain; its certificate must be in us-east-1. */
  readonly consoleDomain?: CustomDomain;
}

/** How often the delivery sweeper runs; its timeout stays below this so sweeps never overlap. */
export const SWEEP_INTERVAL = Duration.minutes(5);
/**
 * How long a scheduled sweep may wait (for the previous one to end, say) before it is dropped: the next
 * one comes within minutes and covers whatever it would have. 1 minute is the least Lambda and EventBridge allow.
 */
export const SWEEP_MAX_EVENT_AGE = Duration.minutes(1);

const GET = 'dynamodb:GetItem';
const UPDATE = 'dynamodb:UpdateItem';
const PUT = 'dynamodb:PutItem';

/**
 * The partitions of a task that calls a payment or carrier provider: the order's, the seller's profile
 * (and stock), and the seller's provider credentials. No task may read the storefront's webhook secrets,
 * the webhook endpoints or the API keys.
 */
const WITH_PROVIDERS: Partition[] = ['order', 'seller', 'credentials'];
/**
 * And the provider records (idempotency partition), for the two tasks that keep the way back from a
 * provider's webhook to the order: Stripe's PaymentIntent id (verify) and the tracking number (label).
 */
const WITH_PROVIDER_RECORDS: Partition[] = [...WITH_PROVIDERS, 'idempotency'];

/**
 * Each task function, and what it does with the order table's items and in which partitions (see
 * PARTITIONS in functions/shared/store/schema.ts): least privilege, one function at a
 * time. A transaction is authorized per part, so reserving stock needs PutItem (the reservation) and
 * UpdateItem (order and stock). test/infra checks these cover every DynamoDB command the function's bundle
 * can send; the local runtime refuses any call they do not allow, as AWS would.
 */
const TASKS: Record<TaskFunctionName, { description: string; items: ItemAction[]; partitions: Partition[] }> =
  {
    'verify-payment': {
      description: 'PENDING → PAYMENT_VERIFIED with the payment provider',
      items: [GET, UPDATE, 'dynamodb:BatchWriteItem'],
      partitions: WITH_PROVIDER_RECORDS,
    },
    'reserve-stock': {
      description: 'reserves stock for every line and decides the hold',
      items: [GET, 'dynamodb:BatchGetItem', UPDATE, PUT, 'dynamodb:BatchWriteItem'],
      partitions: ['order', 'seller'],
    },
    'await-payment': {
      description: 'keeps the task token of an order waiting for its payment, for orders/paid to send back',
      items: [GET, UPDATE],
      partitions: ['order'],
    },
    'await-release': {
      description: 'puts an order ON_HOLD with the task token the seller release sends back',
      items: [GET, UPDATE],
      partitions: ['order'],
    },
    'release-order': {
      description: 'release checks; RELEASED or the release DLQ',
      items: [GET, UPDATE],
      partitions: WITH_PROVIDERS,
    },
    'generate-label': {
      description: 'buys the shipping label: SHIPPED',
      items: [GET, UPDATE, PUT],
      partitions: WITH_PROVIDER_RECORDS,
    },
    'await-delivery': {
      description: "keeps the task token of a shipped order, for the carrier's tracking push to send back",
      items: [GET, UPDATE],
      partitions: ['order'],
    },
    'poll-delivery': {
      description: 'tracks the parcel: IN_TRANSIT, DELIVERED or DELIVERY_EXCEPTION',
      items: [GET, UPDATE],
      partitions: WITH_PROVIDERS,
    },
    'mark-status': {
      description: 'records a failure status with its reason',
      items: [GET, UPDATE],
      partitions: WITH_PROVIDERS,
    },
  };

/**
 * orderflow on AWS: the HTTP API and its function, the order table, the fulfillment state machine with its
 * task functions and release DLQ, the scheduled delivery sweeper, the order events (table stream → bus),
 * and the dashboard and alarms.
 */
export class OrderflowStack extends Stack {
  readonly table: OrdersTable;
  readonly labelFiles: LabelFiles;
  readonly functions: Record<FunctionName, OrderflowFunction>;
  readonly workflow: FulfillmentWorkflow;
  readonly api: OrdersApi;
  readonly orderEvents: OrderEvents;
  readonly webhooks: WebhookDeliveries;
  readonly shopifySync: ShopifySync;
  readonly observability: Observability;
  readonly console: ConsoleSite;

  constructor(scope: Construct, id: string, props: OrderflowStackProps = {}) {
    super(scope, id, props);
    const stage = stageConfig(props.stage ?? DEFAULT_STAGE);
    if (stage.requiresAlarmSubscription && !props.alarmEmail && !props.alarmTopicArn) {
      throw new StageConfigurationError(
        `${this.stackName}: the ${stage.name} stage pages someone when it breaks, and nobody is subscribed ` +
          'to its alarms. Pass -c alarmEmail=oncall@example.com or -c alarmTopicArn=arn:aws:sns:<region>:' +
          '<account>:<topic> (or both).',
      );
    }
    if (props.consoleDomain && !props.consoleDomain.certificateArn.startsWith('arn:aws:acm:us-east-1:')) {
      throw new StageConfigurationError(
        `${this.stackName}: CloudFront takes certificates from us-east-1 only; the console's certificate ` +
          `${props.consoleDomain.certificateArn} is not there.`,
      );
    }
    const { logRetention } = stage;
    const environment = {
      POWERTOOLS_LOG_LEVEL: stage.logLevel,
      [ENV.allowSandboxProviders]: String(stage.allowSandboxProviders),
    };
    const fn = (name: FunctionName, description: string, options: Partial<OrderflowFunctionProps> = {}) =>
      new OrderflowFunction(this, pascal(name), { name, description, logRetention, environment, ...options });

    this.table = new OrdersTable(this, 'Orders');

    const tasks = {} as Record<TaskFunctionName, OrderflowFunction>;
    const taskHandlers = {} as Record<TaskFunctionName, IFunction>;
    for (const [name, { description, items, partitions }] of Object.entries(TASKS) as [
      TaskFunctionName,
      (typeof TASKS)[TaskFunctionName],
    ][]) {
      const reservedConcurrency =
        name === 'reserve-stock' ? stage.reservedConcurrency.reserveStock : undefined;
      tasks[name] = fn(name, description, { reservedConcurrency }).useOrders(
        this.table,
        items,
        [],
        partitions,
      );
      taskHandlers[name] = tasks[name].handler;
    }
    this.labelFiles = new LabelFiles(this, 'LabelFiles');
    tasks['generate-label'].useLabelFiles(this.labelFiles, ['s3:PutObject']);
    this.workflow = new FulfillmentWorkflow(this, 'Fulfillment', { tasks: taskHandlers, logRetention });

    const api = fn('api', 'storefront webhooks and the seller API', {
      environment: { ...environment, [ENV.sellerApiRate]: String(SELLER_API_RATE[stage.name]) },
      timeout: Duration.seconds(15),
      reservedConcurrency: stage.reservedConcurrency.api,
    })
      .useOrders(
        this.table,
        [GET, 'dynamodb:BatchGetItem', 'dynamodb:Query', PUT, UPDATE, 'dynamodb:BatchWriteItem'],
        [INDEXES.bySeller.name, INDEXES.byStatus.name, INDEXES.byLookup.name],
      )
      .useWorkflow(this.workflow, ['start', 'stop', 'sendTaskSuccess'])
      // A seller's retry of a failed release removes the order's messages (functions/shared/release-dlq.ts).
      .useReleaseDlq(this.workflow.releaseDlq, RELEASE_DLQ_ACTIONS)
      // GET /orders/{orderId}/label sends the stored file.
      .useLabelFiles(this.labelFiles, ['s3:GetObject']);

    const sweeper = fn(
      'delivery-sweeper',
      'resumes stuck workflows, flags late releases and overdue parcels',
      {
        timeout: SWEEP_INTERVAL.minus(Duration.minutes(1)),
        // The next sweep comes within minutes and covers whatever this one missed.
        retryAttempts: 0,
        maxEventAge: SWEEP_MAX_EVENT_AGE,
        // Sweeps never run side by side, whatever invokes it.
        reservedConcurrency: 1,
      },
    )
      .useOrders(this.table, [GET, 'dynamodb:BatchGetItem', UPDATE], [INDEXES.open.name], ['order', 'seller'])
      .useWorkflow(this.workflow, ['start', 'describe']);

    new events.Rule(this, 'DeliverySweep', {
      description: 'runs the orderflow delivery sweeper',
      schedule: events.Schedule.rate(SWEEP_INTERVAL),
      targets: [
        new targets.LambdaFunction(sweeper.handler, { maxEventAge: SWEEP_MAX_EVENT_AGE, retryAttempts: 2 }),
      ],
    });

    // Reads no item: the event source mapping hands it the stream records (and needs its stream grants).
    const publishEvents = fn('publish-events', 'publishes a domain event per order status change', {
      timeout: Duration.seconds(30),
    });
    this.orderEvents = new OrderEvents(this, 'OrderEvents', { table: this.table, publisher: publishEvents });

    const queueWebhooks = fn('queue-webhooks', "queues an order event's seller webhook deliveries").useOrders(
      this.table,
      ['dynamodb:Query', GET, PUT],
      [],
      ['endpoints', 'deliveries'],
    );
    const deliverWebhooks = fn('deliver-webhooks', 'POSTs order events to seller webhook endpoints, signed', {
      timeout: DELIVERER_TIMEOUT,
    }).useOrders(this.table, [GET, UPDATE], [], ['endpoints', 'deliveries']);
    // Sellers' URLs are https and public only: orderflow must not call into private networks (SSRF).
    for (const f of [api, deliverWebhooks]) f.handler.addEnvironment(ENV.webhookUrlPolicy, 'public-https');
    this.webhooks = new WebhookDeliveries(this, 'Webhooks', {
      bus: this.orderEvents.bus,
      queuer: queueWebhooks,
      deliverer: deliverWebhooks,
    });
    // A seller's replay queues the delivery again.
    api.useWebhookDeliveries(this.webhooks.queue, ['sqs:SendMessage']);

    // Reads the order, its seller and their Shopify token; records the fulfillment and notices.
    const syncShopify = fn('sync-shopify', 'sends fulfillments and tracking back to Shopify shops', {
      timeout: SYNCER_TIMEOUT,
    }).useOrders(this.table, [GET, UPDATE], [], WITH_PROVIDERS);
    this.shopifySync = new ShopifySync(this, 'ShopifySync', {
      bus: this.orderEvents.bus,
      syncer: syncShopify,
    });

    this.api = new OrdersApi(this, 'HttpApi', {
      handler: api.handler,
      logRetention,
      routes: apiRoutes.map((route): ApiRoute => ({ ...route, kind: ROUTE_KINDS[route.auth] })),
      throttles: stage.throttles,
      customDomain: props.customDomain,
    });

    this.console = new ConsoleSite(this, 'Console', {
      apiDomainName: this.api.originDomainName,
      logRetention,
      customDomain: props.consoleDomain,
    });

    this.functions = {
      api,
      ...tasks,
      'delivery-sweeper': sweeper,
      'publish-events': publishEvents,
      'queue-webhooks': queueWebhooks,
      'deliver-webhooks': deliverWebhooks,
      'sync-shopify': syncShopify,
    };
    this.observability = new Observability(this, 'Observability', {
      functions: Object.fromEntries(Object.entries(this.functions).map(([name, f]) => [name, f.handler])),
      orderEvents: { publisher: publishEvents.handler, streamFailures: this.orderEvents.streamFailures },
      // Invoked by event sources that retry a throttled invocation themselves: their throttles delay events
      // and deliveries, which OrderEventsBehind and the webhook graphs show, and lose nothing.
      eventConsumers: [
        publishEvents.handler,
        queueWebhooks.handler,
        deliverWebhooks.handler,
        syncShopify.handler,
      ],
      workflowTasks: Object.values(taskHandlers),
      sweeper: sweeper.handler,
      table: this.table,
      apiStage: this.api.stage,
      apiThrottled: this.api.metricThrottled(),
      stateMachine: this.workflow.stateMachine,
      releaseDlq: this.workflow.releaseDlq,
      alarmEmail: props.alarmEmail,
      alarmTopicArn: props.alarmTopicArn,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'base URL of the HTTP API' });
    if (this.api.domainName) {
      new CfnOutput(this, 'ApiDomainTarget', {
        value: this.api.domainName.regionalDomainName,
        description: `where the DNS record (CNAME or alias) of ${props.customDomain!.domainName} points`,
      });
    }
    new CfnOutput(this, 'ConsoleUrl', {
      value: this.console.url,
      description: 'the seller console; the API answers on the same origin',
    });
    if (props.consoleDomain) {
      new CfnOutput(this, 'ConsoleDomainTarget', {
        value: this.console.distribution.distributionDomainName,
        description: `where the DNS record (CNAME or alias) of ${props.consoleDomain.domainName} points`,
      });
    }
    new CfnOutput(this, 'TableName', {
      value: this.table.tableName,
      description: 'ORDERS_TABLE for the admin commands (npm run seller)',
    });
    new CfnOutput(this, 'LabelBucketName', {
      value: this.labelFiles.bucket.bucketName,
      description: 'where the label files are kept (labels/<sellerId>/<orderId>.pdf)',
    });
    new CfnOutput(this, 'StateMachineArn', { value: this.workflow.stateMachine.stateMachineArn });
    new CfnOutput(this, 'ReleaseDlqUrl', { value: this.workflow.releaseDlq.queueUrl });
    new CfnOutput(this, 'OrderEventsBusName', {
      value: this.orderEvents.bus.eventBusName,
      description: 'the EventBridge bus of the order events (source orderflow.orders)',
    });
    new CfnOutput(this, 'WebhookDeadLettersUrl', { value: this.webhooks.deadLetters.queueUrl });
    new CfnOutput(this, 'ShopifySyncDeadLettersUrl', { value: this.shopifySync.deadLetters.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.observability.alarmTopic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.observability.dashboard.dashboardName });
  }
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_match, _dash: string, letter: string) => letter.toUpperCase());
}
