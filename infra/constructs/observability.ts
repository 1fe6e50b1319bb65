import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import { Operation, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { OPEN_STATUSES } from '../../functions/shared/domain/status.js';

/** Where the functions' EMF metrics land: Powertools Metrics with namespace and service `orderflow`. */
export const METRICS_NAMESPACE = 'orderflow';
const SERVICE_DIMENSION = { service: 'orderflow' };

export const ORDER_METRICS = {
  flow: ['OrdersReceived', 'OrdersReleased', 'OrdersShipped', 'OrdersDelivered'],
  problems: [
    'OrdersFailedToRelease',
    'OrdersCancelled',
    'OrdersPaymentFailed',
    'OrdersOutOfStock',
    'DeliveryExceptions',
  ],
  durations: ['TimeToRelease', 'TimeToDelivery'],
  sweeper: ['StuckOrders', 'LateOrders', 'OverdueDeliveries'],
  /** A gauge per open status (dimension `status`): the sweeper's count of open orders at each sweep. */
  open: ['OpenOrders'],
  events: ['OrderEventsPublished'],
  webhooks: [
    'WebhookDeliveriesQueued',
    'WebhooksDelivered',
    'WebhookDeliveriesFailed',
    'WebhookDeliveriesDeadLettered',
  ],
  shopify: [
    'ShopifyFulfillmentsCreated',
    'ShopifyTrackingUpdated',
    'ShopifySyncThrottled',
    'ShopifySyncFailed',
    'ShopifyTrackingDropped',
    'ShopifySyncDeadLettered',
  ],
} as const;

/** The operations the store sends, for DynamoDB's per-operation throttle and error metrics. */
const STORE_OPERATIONS = [
  Operation.GET_ITEM,
  Operation.BATCH_GET_ITEM,
  Operation.QUERY,
  Operation.PUT_ITEM,
  Operation.UPDATE_ITEM,
  Operation.BATCH_WRITE_ITEM,
  Operation.TRANSACT_WRITE_ITEMS,
];

export interface ObservabilityProps {
  readonly functions: Record<string, IFunction>;
  /** The order events: the stream consumer and where its failed batches are recorded. */
  readonly orderEvents: { publisher: IFunction; streamFailures: IQueue };
  /** Functions invoked by event sources, left out of the throttle alarms (each holds at most 10 metrics). */
  readonly eventConsumers: IFunction[];
  /** The state machine's task functions: their throttles have an alarm of their own (see taskThrottles). */
  readonly workflowTasks: IFunction[];
  /** The scheduled delivery sweeper, whose errors and missed sweeps page. */
  readonly sweeper: IFunction;
  readonly table: ITable;
  readonly apiStage: HttpStage;
  /** The API's 429s (API Gateway publishes no metric of them). */
  readonly apiThrottled: cw.IMetric;
  readonly stateMachine: IStateMachine;
  readonly releaseDlq: IQueue;
  /** Subscribed to the alarm topic when given (`-c alarmEmail=...`). */
  readonly alarmEmail?: string;
  /** An existing topic every alarm notifies as well (`-c alarmTopicArn=...`). */
  readonly alarmTopicArn?: string;
}

/** One series: the sum of `metrics`, each missing point counted as 0 (at most 10 metrics in an alarm). */
function sumOf(metrics: cw.IMetric[], label: string): cw.MathExpression {
  const usingMetrics = Object.fromEntries(metrics.map((metric, index) => [`m${index}`, metric]));
  return new cw.MathExpression({
    expression: Object.keys(usingMetrics)
      .map((id) => `FILL(${id}, 0)`)
      .join(' + '),
    usingMetrics,
    label,
    period: Duration.minutes(5),
  });
}

function orderMetric(metricName: string, statistic = 'Sum', period = Duration.minutes(5)): cw.Metric {
  return new cw.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: SERVICE_DIMENSION,
    statistic,
    period,
  });
}

/**
 * How old the release DLQ's oldest message may get before it pages: a day, the default release SLA
 * (`releaseSlaHours`). A failed release nobody has retried or acknowledged in a day has its order late
 * already, and the queue keeps a message 14 days, so there is time to act before it is lost.
 */
export const RELEASE_DLQ_MAX_AGE = Duration.hours(24);

/**
 * The orderflow dashboard and the alarms that page someone: an order's release failed, a failed release
 * waits too long, executions fail, the API answers 5xx (the contract allows none for any input), orders
 * miss their release SLA, a sweep fails or does not happen, or Lambda or Step Functions throttle.
 */
export class Observability extends Construct {
  readonly dashboard: cw.Dashboard;
  readonly alarmTopic: sns.Topic;
  readonly alarms: {
    releaseFailed: cw.Alarm;
    releaseDlqStale: cw.Alarm;
    executionsFailed: cw.Alarm;
    apiServerErrors: cw.Alarm;
    lateOrders: cw.Alarm;
    sweeperErrors: cw.Alarm;
    sweepMissing: cw.Alarm;
    lambdaThrottles: cw.Alarm;
    taskThrottles: cw.Alarm;
    workflowThrottles: cw.Alarm;
    eventsBehind: cw.Alarm;
    shopifySyncFailing: cw.Alarm;
    eventsLost: cw.Alarm;
  };

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const stack = Stack.of(this);

    const topicKey = new kms.Key(this, 'AlarmTopicKey', {
      description: 'orderflow alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const fromOwnAlarms = {
      ArnLike: {
        'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*`,
      },
    };
    // CloudWatch publishes alarm notifications as a service, so the key and the topic must let it.
    topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromOwnAlarms,
      }),
    );
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'orderflow alarms',
      masterKey: topicKey,
      enforceSSL: true,
    });
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: fromOwnAlarms,
      }),
    );
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));

    const { apiStage, stateMachine, releaseDlq } = props;
    const eventsAge = props.orderEvents.publisher.metric('IteratorAge', {
      statistic: 'Maximum',
      period: Duration.minutes(5),
    });
    const eventsLost = props.orderEvents.streamFailures.metricNumberOfMessagesSent({
      statistic: 'Sum',
      period: Duration.minutes(5),
    });
    const dlqDepth = releaseDlq.metricApproximateNumberOfMessagesVisible({
      statistic: 'Maximum',
      period: Duration.minutes(1),
    });
    // On messages sent, not on messages visible: the alarm fires when a release fails and is OK again
    // after a quiet period, instead of staying in ALARM for as long as one message sits in the queue
    // (up to its 14 days), which would hide every later failure. The state machine sends with
    // SendMessage, which NumberOfMessagesSent counts (it does not count a redrive policy's moves).
    const dlqSent = releaseDlq.metricNumberOfMessagesSent({ statistic: 'Sum', period: Duration.minutes(5) });
    const dlqOldest = releaseDlq.metricApproximateAgeOfOldestMessage({
      statistic: 'Maximum',
      period: Duration.minutes(5),
    });
    this.alarms = {
      releaseFailed: new cw.Alarm(this, 'ReleaseFailed', {
        alarmDescription:
          'Orders failed to release (FAILED_TO_RELEASE) and were sent to the release DLQ. `npm run ops -- dlq ' +
          'list` shows order, seller and reason; the seller fixes the order (e.g. PATCH the address) and ' +
          'retries, or an operator runs `dlq replay <orderId>`, or `dlq ack <orderId>` when nothing is left to do.',
        metric: dlqSent,
        threshold: 0,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
      // SQS stops counting a message that was received three times or more in this metric (it measures
      // the next one): a message the ops command has listed three times no longer ages here.
      releaseDlqStale: new cw.Alarm(this, 'ReleaseDlqStale', {
        alarmDescription:
          `A failed release has waited in the release DLQ for more than ${RELEASE_DLQ_MAX_AGE.toHours()} h ` +
          'without a retry or an acknowledgement. `npm run ops -- dlq list`, then retry, replay or ack it; ' +
          'the queue drops messages after 14 days.',
        metric: dlqOldest,
        threshold: RELEASE_DLQ_MAX_AGE.toSeconds(),
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
      executionsFailed: new cw.Alarm(this, 'ExecutionsFailed', {
        alarmDescription:
          'Order workflow executions failed: a bug or an outage, not a business outcome (those end in a ' +
          'status). Open the failed executions in the Step Functions console; the sweeper resumes the orders.',
        metric: stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
      apiServerErrors: new cw.Alarm(this, 'ApiServerErrors', {
        alarmDescription:
          'The API answered 5xx. The contract allows none for any client input: see the api log group.',
        metric: apiStage.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
      lateOrders: new cw.Alarm(this, 'LateOrders', {
        alarmDescription:
          "Orders not released within their seller's SLA (releaseSlaHours, default 24 h), counted by the " +
          'delivery sweeper when each turns late, then at doubling intervals while it stays so. Its log lists ' +
          'them ("late or overdue orders").',
        metric: orderMetric('LateOrders', 'Maximum', Duration.minutes(15)),
        threshold: 0,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
      sweeperErrors: new cw.Alarm(this, 'SweeperErrors', {
        alarmDescription:
          'A delivery sweep failed: stuck orders are not resumed and late ones not flagged until one ' +
          'succeeds. See the delivery-sweeper log group.',
        metric: props.sweeper.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
      // Lambda publishes no Invocations at all when nothing invokes the sweeper, so missing data is the
      // very thing to page on: the rule disabled or deleted, or every sweep throttled and dropped.
      sweepMissing: new cw.Alarm(this, 'SweepMissing', {
        alarmDescription:
          'The delivery sweeper has not run for 15 minutes (it runs every 5): check the DeliverySweep ' +
          "rule is enabled and the sweeper's throttles. Nothing resumes stuck orders meanwhile.",
        metric: props.sweeper.metricInvocations({ period: Duration.minutes(15), statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: cw.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cw.TreatMissingData.BREACHING,
      }),
      lambdaThrottles: new cw.Alarm(this, 'LambdaThrottles', {
        alarmDescription:
          'orderflow functions outside the workflow were throttled: the api or the sweeper reached its ' +
          'reserved concurrency, or the account its limit. Nobody retries these: a throttled API call ' +
          'is a 5xx to its caller. The dashboard shows which.',
        metric: sumOf(
          Object.values(props.functions)
            .filter((fn) => !props.eventConsumers.includes(fn) && !props.workflowTasks.includes(fn))
            .map((fn) => fn.metricThrottles({ statistic: 'Sum' })),
          'throttled invocations',
        ),
        threshold: 1,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
      // A second alarm because one holds at most 10 metrics, and the workflow has more task functions.
      taskThrottles: new cw.Alarm(this, 'TaskThrottles', {
        alarmDescription:
          "the order workflow's task functions were throttled: reserve-stock reached its reserved " +
          'concurrency, or the account its limit. The workflow retries throttled tasks, so orders are ' +
          'delayed, not lost; the dashboard shows which.',
        metric: sumOf(
          props.workflowTasks.map((fn) => fn.metricThrottles({ statistic: 'Sum' })),
          'throttled task invocations',
        ),
        threshold: 1,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
      workflowThrottles: new cw.Alarm(this, 'WorkflowThrottles', {
        alarmDescription:
          'Step Functions throttled the order workflow: executions or their state transitions. Orders ' +
          'wait until the quota allows them; a lasting one needs a quota increase.',
        metric: stateMachine.metricThrottled({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
      eventsBehind: new cw.Alarm(this, 'OrderEventsBehind', {
        alarmDescription:
          'Order events are published more than 5 minutes after their status change (the stream ' +
          "consumer's iterator age): sellers' systems hear late. See the publish-events log group.",
        metric: eventsAge,
        threshold: 5 * 60 * 1000,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
      // What Shopify refused (a notice on the order tells the seller) and what it never took (dead letters).
      shopifySyncFailing: new cw.Alarm(this, 'ShopifySyncFailing', {
        alarmDescription:
          "Orders did not reach their seller's Shopify shop: Shopify refused a fulfillment or tracking update " +
          '(the order has an order.shopify_sync_failed notice saying why: a bad token, nothing left to fulfil…) ' +
          'or the sync gave up after its retries (ShopifySyncDeadLetters). See the sync-shopify log group.',
        metric: sumOf(
          [
            orderMetric('ShopifySyncFailed'),
            orderMetric('ShopifyTrackingDropped'),
            // Counted by the function as it gives up: SQS counts no metric of a redrive policy's moves.
            orderMetric('ShopifySyncDeadLettered'),
          ],
          'Shopify syncs refused, tracking dropped or given up',
        ),
        threshold: 1,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
      eventsLost: new cw.Alarm(this, 'OrderEventsLost', {
        alarmDescription:
          'A batch of the order stream failed every retry and was skipped: its events were not published. ' +
          'The StreamFailures queue names the shard and sequence numbers, readable from the stream for 24 h.',
        metric: eventsLost,
        threshold: 1,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
    };
    const notify = [new SnsAction(this.alarmTopic)];
    if (props.alarmTopicArn) {
      notify.push(new SnsAction(sns.Topic.fromTopicArn(this, 'ExternalAlarmTopic', props.alarmTopicArn)));
    }
    for (const alarm of Object.values(this.alarms)) {
      alarm.addAlarmAction(...notify);
      alarm.addOkAction(...notify);
    }

    const functions = Object.entries(props.functions);
    const perFunction = (title: string, metric: (fn: IFunction) => cw.Metric): cw.GraphWidget =>
      new cw.GraphWidget({
        title,
        width: 8,
        left: functions.map(([name, fn]) => metric(fn).with({ label: name })),
      });

    this.dashboard = new cw.Dashboard(this, 'Dashboard', {
      // Dashboard names are account-wide; the region keeps two deployments of one stack apart.
      dashboardName: `${stack.stackName}-${stack.region}`,
      defaultInterval: Duration.hours(6),
      widgets: [
        [
          new cw.AlarmStatusWidget({
            title: 'Alarms',
            width: 24,
            height: 3,
            alarms: Object.values(this.alarms),
          }),
        ],
        [
          new cw.GraphWidget({
            title: 'Open orders per status (counted by each sweep)',
            width: 8,
            stacked: true,
            left: ORDER_METRICS.open.flatMap((name) =>
              OPEN_STATUSES.map((status) =>
                orderMetric(name, 'Maximum').with({
                  dimensionsMap: { ...SERVICE_DIMENSION, status },
                  label: status,
                }),
              ),
            ),
          }),
          new cw.GraphWidget({
            title: 'Payment failure rate (% of orders received)',
            width: 8,
            left: [
              new cw.MathExpression({
                expression: 'IF(received > 0, 100 * FILL(failed, 0) / received, 0)',
                usingMetrics: {
                  failed: orderMetric('OrdersPaymentFailed'),
                  received: orderMetric('OrdersReceived'),
                },
                label: 'payment failed (%)',
                period: Duration.minutes(5),
              }),
            ],
            leftYAxis: { min: 0, max: 100 },
          }),
          new cw.GraphWidget({
            title: 'Cancellations (seller, storefront and workflow)',
            width: 8,
            left: [orderMetric('OrdersCancelled').with({ label: 'cancelled' })],
          }),
        ],
        [
          new cw.GraphWidget({
            title: 'Orders: flow',
            width: 8,
            left: ORDER_METRICS.flow.map((name) => orderMetric(name)),
          }),
          new cw.GraphWidget({
            title: 'Orders: problems',
            width: 8,
            left: ORDER_METRICS.problems.map((name) => orderMetric(name)),
          }),
          new cw.GraphWidget({
            title: 'Sweeper: stuck (resumed), late (past release SLA), overdue deliveries',
            width: 8,
            left: ORDER_METRICS.sweeper.map((name) => orderMetric(name, 'Maximum')),
          }),
        ],
        ORDER_METRICS.durations.map(
          (name) =>
            new cw.GraphWidget({
              title: `${name} (ms since the order was received)`,
              width: 12,
              left: ['p50', 'p99'].map((p) => orderMetric(name, p).with({ label: `${name} ${p}` })),
            }),
        ),
        [
          new cw.GraphWidget({
            title: 'Workflow executions',
            width: 12,
            left: [
              stateMachine.metricStarted({ statistic: 'Sum', label: 'started' }),
              stateMachine.metricFailed({ statistic: 'Sum', label: 'failed' }),
              stateMachine.metricTimedOut({ statistic: 'Sum', label: 'timed out' }),
              stateMachine.metricAborted({ statistic: 'Sum', label: 'stopped (cancellations)' }),
            ],
          }),
          new cw.GraphWidget({
            title: 'Release DLQ',
            width: 12,
            left: [dlqDepth.with({ label: 'messages visible' }), dlqSent.with({ label: 'messages sent' })],
            right: [dlqOldest.with({ label: 'oldest message age (s)' })],
          }),
        ],
        [
          new cw.GraphWidget({
            title: 'API requests and errors',
            width: 12,
            left: [
              apiStage.metricCount({ statistic: 'Sum', label: 'requests' }),
              apiStage.metricClientError({ statistic: 'Sum', label: '4xx' }),
              apiStage.metricServerError({ statistic: 'Sum', label: '5xx' }),
              props.apiThrottled,
            ],
          }),
          new cw.GraphWidget({
            title: 'API latency (ms)',
            width: 12,
            left: ['p50', 'p99'].map((p) => apiStage.metricLatency({ statistic: p, label: `latency ${p}` })),
          }),
        ],
        [
          // Two graphs: each per-operation sum names its inputs after the operations, and one graph cannot
          // hold two inputs of one name.
          new cw.GraphWidget({
            title: 'DynamoDB throttled requests',
            width: 12,
            left: [
              props.table.metricThrottledRequestsForOperations({
                operations: STORE_OPERATIONS,
                label: 'throttled requests',
                period: Duration.minutes(5),
              }),
            ],
          }),
          new cw.GraphWidget({
            title: 'DynamoDB errors',
            width: 12,
            left: [
              props.table.metricSystemErrorsForOperations({
                operations: STORE_OPERATIONS,
                label: 'system errors (5xx)',
                period: Duration.minutes(5),
              }),
              // Account-wide: DynamoDB publishes client errors without a table.
              props.table.metricUserErrors({ statistic: 'Sum', label: 'user errors (4xx, account-wide)' }),
            ],
          }),
        ],
        [
          new cw.GraphWidget({
            title: 'Order events',
            width: 12,
            left: [
              ...ORDER_METRICS.events.map((name) => orderMetric(name).with({ label: 'events published' })),
              eventsLost.with({ label: 'stream batches skipped' }),
            ],
            right: [eventsAge.with({ label: 'publish delay (iterator age, ms)' })],
          }),
          new cw.GraphWidget({
            title: 'Seller webhooks: queued, delivered, failed attempts, dead-lettered',
            width: 12,
            left: ORDER_METRICS.webhooks.map((name) => orderMetric(name)),
          }),
        ],
        [
          new cw.GraphWidget({
            title:
              'Shopify sync: fulfillments, tracking updates, throttled, refused, tracking dropped, given up',
            width: 24,
            left: ORDER_METRICS.shopify.map((name) => orderMetric(name)),
          }),
        ],
        [
          perFunction('Lambda errors', (fn) => fn.metricErrors({ statistic: 'Sum' })),
          perFunction('Lambda throttles', (fn) => fn.metricThrottles({ statistic: 'Sum' })),
          perFunction('Lambda duration p99 (ms)', (fn) => fn.metricDuration({ statistic: 'p99' })),
        ],
      ],
    });
  }
}
