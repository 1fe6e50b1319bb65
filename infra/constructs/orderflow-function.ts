import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../functions/shared/config.js';
import { INDEXES, PARTITIONS, type Partition } from '../../functions/shared/store/schema.js';
import { ESBUILD, functionEntry, type FunctionName } from '../bundling.js';
import { FUNCTION_MEMORY_MB } from '../function-memory.js';
import { PROJECT_ROOT } from '../paths.js';
import type { FulfillmentWorkflow } from './fulfillment-workflow.js';
import type { LabelFiles } from './label-files.js';

export type IndexName = (typeof INDEXES)[keyof typeof INDEXES]['name'];

/**
 * A DynamoDB action on the table's items. TransactWriteItems has no action of its own: AWS authorizes each
 * part (PutItem, UpdateItem...). No Scan, no Delete: the store never issues them.
 */
export type ItemAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:BatchGetItem'
  | 'dynamodb:Query'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:BatchWriteItem';

/** What a function may do with the order workflow; each maps to one grant. */
export type WorkflowAccess = 'start' | 'describe' | 'stop' | 'sendTaskSuccess';

export interface OrderflowFunctionProps {
  readonly name: FunctionName;
  readonly description: string;
  readonly logRetention: logs.RetentionDays;
  /** Default 20 s: under the 30 s TimeoutSeconds of every task state, so the state sees the Lambda error. */
  readonly timeout?: Duration;
  /** Retries of asynchronous invocations (the schedule); default Lambda's own (2). */
  readonly retryAttempts?: number;
  /** How long an asynchronous invocation may wait (throttled, say) before Lambda drops it; default 6 h. */
  readonly maxEventAge?: Duration;
  /** Concurrency set aside for this function, which is also the most it runs at once. */
  readonly reservedConcurrency?: number;
  /** The stage's settings every function reads (log level, sandbox providers). */
  readonly environment?: Record<string, string>;
}

/**
 * Every orderflow Lambda: Node.js 24 on arm64, esbuild-minified ESM with source maps, X-Ray active, its
 * own log group with retention and its own role that starts with nothing but writing to that log group.
 * Access to the table and the workflow is added with `useOrders` and `useWorkflow`, which also set the
 * environment variable the function reads, so a grant and its configuration never drift apart.
 */
export class OrderflowFunction extends Construct {
  readonly handler: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: OrderflowFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `orderflow ${props.name}`,
    });
    // Instead of AWSLambdaBasicExecutionRole (logs:* on every log group): this function's group only.
    this.logGroup.grantWrite(this.role);

    this.handler = new NodejsFunction(this, 'Function', {
      description: props.description,
      entry: join(PROJECT_ROOT, functionEntry(props.name)),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: FUNCTION_MEMORY_MB[props.name],
      timeout: props.timeout ?? Duration.seconds(20),
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      role: this.role,
      retryAttempts: props.retryAttempts,
      maxEventAge: props.maxEventAge,
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'orderflow',
        POWERTOOLS_METRICS_NAMESPACE: 'orderflow',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        logLevel: LogLevel.WARNING,
        target: ESBUILD.target,
        format: OutputFormat.ESM,
        minify: ESBUILD.minify,
        sourceMap: ESBUILD.sourcemap,
        sourcesContent: ESBUILD.sourcesContent,
        externalModules: [...ESBUILD.external],
      },
    });

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) and, for the stream consumer, ' +
        'dynamodb:ListStreams (its event source mapping) use Resource *: none has resource-level permissions. ' +
        'test/infra checks no other statement of this role has a wildcard.',
    });
  }

  get functionArn(): string {
    return this.handler.functionArn;
  }

  /**
   * The listed item actions on the order table, and Query on the named indexes only; with `partitions`,
   * on the items of those partitions only (IAM's `dynamodb:LeadingKeys`). Sets ORDERS_TABLE.
   * test/infra checks the actions cover every DynamoDB command the function's bundle can send, and the
   * local runtime refuses any call they do not allow, as AWS would.
   */
  useOrders(
    table: ITable,
    actions: readonly ItemAction[],
    indexes: readonly IndexName[] = [],
    partitions?: readonly Partition[],
  ): this {
    this.handler.addEnvironment(ENV.tableName, table.tableName);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'OrderItems',
        actions: [...actions],
        resources: [table.tableArn],
        // Every key of a request must be in one of these partitions (a transaction and a batch too), so
        // the role cannot read the secrets, credentials and API keys kept in partitions of their own.
        ...(partitions
          ? {
              conditions: {
                'ForAllValues:StringLike': {
                  'dynamodb:LeadingKeys': partitions.map((partition) => `${PARTITIONS[partition]}*`),
                },
              },
            }
          : {}),
      }),
    );
    if (indexes.length > 0) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'OrderIndexes',
          actions: ['dynamodb:Query'],
          resources: indexes.map((index) => `${table.tableArn}/index/${index}`),
        }),
      );
    }
    return this;
  }

  /**
   * The listed SQS actions on the release DLQ and on no other queue. Sets RELEASE_DLQ_URL. (The queue is
   * encrypted with SQS-managed keys, so there is no KMS key to grant.)
   */
  useReleaseDlq(queue: IQueue, actions: readonly `sqs:${string}`[]): this {
    this.handler.addEnvironment(ENV.releaseDlqUrl, queue.queueUrl);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ReleaseDlq', actions: [...actions], resources: [queue.queueArn] }),
    );
    return this;
  }

  /** The listed SQS actions on the webhook deliveries queue and on no other. Sets WEBHOOK_DELIVERIES_URL. */
  useWebhookDeliveries(queue: IQueue, actions: readonly `sqs:${string}`[]): this {
    this.handler.addEnvironment(ENV.webhookDeliveriesUrl, queue.queueUrl);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WebhookDeliveries',
        actions: [...actions],
        resources: [queue.queueArn],
      }),
    );
    return this;
  }

  /** The listed SQS actions on the Shopify sync queue and on no other. Sets SHOPIFY_SYNC_URL. */
  useShopifySync(queue: IQueue, actions: readonly `sqs:${string}`[]): this {
    this.handler.addEnvironment(ENV.shopifySyncUrl, queue.queueUrl);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ShopifySync', actions: [...actions], resources: [queue.queueArn] }),
    );
    return this;
  }

  /**
   * The listed S3 actions on the label files (`labels/*` of the label bucket) and on no other object or
   * bucket. Sets LABEL_BUCKET. (S3-managed encryption: no KMS key to grant.)
   */
  useLabelFiles(labels: LabelFiles, actions: readonly ('s3:PutObject' | 's3:GetObject')[]): this {
    this.handler.addEnvironment(ENV.labelBucket, labels.bucket.bucketName);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'LabelFiles', actions: [...actions], resources: [labels.labelsArn] }),
    );
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(labels.bucket.node.defaultChild as CfnElement)}.Arn>/labels/*]`,
      reason:
        'Label files are named after their seller and order at run time (labels/<sellerId>/<orderId>.pdf), ' +
        'so the grant covers the labels/ prefix of the one label bucket and nothing else.',
    });
    return this;
  }

  /** PutEvents on the order events bus and on no other. Sets ORDER_EVENTS_BUS (its name). */
  useOrderEvents(bus: IEventBus): this {
    this.handler.addEnvironment(ENV.orderEventsBus, bus.eventBusName);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'OrderEvents',
        actions: ['events:PutEvents'],
        resources: [bus.eventBusArn],
      }),
    );
    return this;
  }

  /** The listed actions on the order workflow and its executions. Sets STATE_MACHINE_ARN. */
  useWorkflow(workflow: FulfillmentWorkflow, access: readonly WorkflowAccess[]): this {
    const { stateMachine } = workflow;
    this.handler.addEnvironment(ENV.stateMachineArn, stateMachine.stateMachineArn);
    const onMachine = access.flatMap((a) => (a === 'start' ? ['states:StartExecution'] : []));
    if (onMachine.length > 0) stateMachine.grant(this.role, ...onMachine);
    // SendTaskSuccess is authorized against the state machine whose execution waits on the token.
    if (access.includes('sendTaskSuccess')) stateMachine.grant(this.role, 'states:SendTaskSuccess');
    const onExecutions = access.flatMap((a) =>
      a === 'describe' ? ['states:DescribeExecution'] : a === 'stop' ? ['states:StopExecution'] : [],
    );
    if (onExecutions.length > 0) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'OrderExecutions',
          actions: onExecutions,
          resources: [workflow.executionsArn],
        }),
      );
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${workflow.stateMachineName}:*]`,
        reason:
          'Executions are named after orders at run time, so the grant covers the executions of this one ' +
          'state machine (execution:<its name>:*) and nothing else.',
      });
    }
    return this;
  }
}
