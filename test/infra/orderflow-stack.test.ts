import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { INDEXES, KEY, TTL_ATTRIBUTE } from '../../functions/shared/store/schema.js';
import { FUNCTION_NAMES, type FunctionName } from '../../infra/bundling.js';
import { TASK_PLACEHOLDERS, placeholdersIn } from '../../infra/constructs/fulfillment-workflow.js';
import { metricNamesOf } from '../../infra/metric-names.js';
import { WEBHOOK_RETRY_DELAYS_MS } from '../../functions/shared/webhooks/retry-schedule.js';
import { sdkCallsOf, type SdkCalls } from '../../infra/sdk-calls.js';
import { routerRoutes } from '../../functions/api/handler.js';
import { OrderflowStack } from '../../infra/orderflow-stack.js';

type Json = Record<string, unknown>;
type Resource = { Type: string; Properties: Json; DeletionPolicy?: string };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

// One synthesis (nine esbuild bundles) shared by every test in this file.
let stack: OrderflowStack;
let template: Template;
let resources: Record<string, Resource>;
let assemblyDir: string;

beforeAll(() => {
  const app = new App();
  stack = new OrderflowStack(app, 'Orderflow');
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Record<string, Resource>;
  assemblyDir = app.synth().directory;
}, 120_000);

const ref = (value: unknown): string => JSON.stringify(stack.resolve(value));
const logicalId = (construct: IConstruct): string =>
  stack.getLogicalId(construct.node.defaultChild as Parameters<OrderflowStack['getLogicalId']>[0]);
const ofType = (type: string): [string, Resource][] =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
/** orderflow's functions: not the handler BucketDeployment adds to copy the console's files. */
const orderflowFunctions = (): [string, Resource][] =>
  ofType('AWS::Lambda::Function').filter(
    ([, fn]) => ref(fn.Properties.Role) !== ref(stack.console.deploymentRole.roleArn),
  );

/** Every statement of the inline policies attached to a role, as [action, resource] pairs. */
function grantsOf(roleLogicalId: string): { actions: string[]; resources: unknown[] }[] {
  return ofType('AWS::IAM::Policy')
    .filter(([, policy]) => ref(policy.Properties.Roles).includes(`"${roleLogicalId}"`))
    .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
    .map((statement) => {
      expect(statement.Effect).toBe('Allow');
      return { actions: asList(statement.Action), resources: asList(statement.Resource) };
    });
}

/** Pairs "action on resource", with resources named by what they are, so a whole role compares at once. */
function permissionsOf(roleLogicalId: string, names: Map<string, string>): string[] {
  return grantsOf(roleLogicalId)
    .flatMap(({ actions, resources }) =>
      actions.flatMap((action) =>
        resources.map((resource) => `${action} on ${names.get(JSON.stringify(resource)) ?? ref(resource)}`),
      ),
    )
    .sort();
}

describe('functions', () => {
  it('are one per function folder, each Node.js 24 on arm64 with X-Ray, its own log group and the dev stage settings', () => {
    const functions = orderflowFunctions();

    expect(functions).toHaveLength(FUNCTION_NAMES.length);
    for (const name of FUNCTION_NAMES) {
      const fn = stack.functions[name];
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: logicalId(fn.logGroup) } },
        Role: { 'Fn::GetAtt': [logicalId(fn.role), 'Arn'] },
        Environment: {
          Variables: Match.objectLike({
            // The stream consumer reads no item: the event source mapping hands it the records.
            ...(name === 'publish-events' ? {} : { ORDERS_TABLE: { Ref: logicalId(stack.table) } }),
            POWERTOOLS_SERVICE_NAME: 'orderflow',
            POWERTOOLS_METRICS_NAMESPACE: 'orderflow',
            NODE_OPTIONS: '--enable-source-maps',
            POWERTOOLS_LOG_LEVEL: 'DEBUG',
            ALLOW_SANDBOX_PROVIDERS: 'true',
          }),
        },
      });
      expect(resources[logicalId(fn.logGroup)]?.Properties.RetentionInDays).toBe(7);
    }
  });

  it('give the state machine ARN only to the api and the delivery sweeper', () => {
    const withArn = FUNCTION_NAMES.filter((name) => {
      const variables = (resources[logicalId(stack.functions[name].handler)]?.Properties.Environment as Json)
        .Variables as Json;
      return 'STATE_MACHINE_ARN' in variables;
    });

    expect(withArn.sort()).toEqual(['api', 'delivery-sweeper']);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ STATE_MACHINE_ARN: { Ref: logicalId(stack.workflow.stateMachine) } }),
      },
    });
  });

  it('give the release DLQ URL only to the api', () => {
    const withUrl = FUNCTION_NAMES.filter((name) => {
      const variables = (resources[logicalId(stack.functions[name].handler)]?.Properties.Environment as Json)
        .Variables as Json;
      return 'RELEASE_DLQ_URL' in variables;
    });

    expect(withUrl).toEqual(['api']);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ RELEASE_DLQ_URL: { Ref: logicalId(stack.workflow.releaseDlq) } }),
      },
    });
  });

  it('leave the SQS and Step Functions SDKs out of the task functions, which never call them', () => {
    const tasks = Object.values(TASK_PLACEHOLDERS);
    const imports = (name: FunctionName) => {
      const fn = stack.functions[name];
      const dir = (fn.handler.node.findChild('Code') as unknown as { assetPath?: string }).assetPath ?? '';
      const code = readFileSync(join(assemblyDir, dir, 'index.mjs'), 'utf8');
      return [...code.matchAll(/"(@aws-sdk\/client-(?:sqs|sfn))"/g)].map((match) => match[1]);
    };

    for (const name of tasks) expect(imports(name), name).toEqual([]);
    expect(imports('api')).toEqual(expect.arrayContaining(['@aws-sdk/client-sqs', '@aws-sdk/client-sfn']));
  });

  it('ship minified ESM bundles with source maps and without the AWS SDK the runtime provides', () => {
    const fn = stack.functions['verify-payment'];
    const assetPath = (fn.handler.node.findChild('Code') as unknown as { assetPath?: string }).assetPath;
    const dir = assetPath ?? '';
    const code = readFileSync(join(assemblyDir, dir, 'index.mjs'), 'utf8');

    expect(code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    expect(code).toMatch(/from\s*"@aws-sdk\/lib-dynamodb"/);
    // Minified: a few very long lines, not one statement per line.
    expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
  });

  it('have no secret in their configuration', () => {
    const body = JSON.stringify(template.toJSON());

    expect(body).not.toMatch(/webhook-secret|api-key|BEGIN [A-Z ]*PRIVATE KEY/i);
    for (const [, fn] of ofType('AWS::Lambda::Function')) {
      const names = Object.keys(((fn.Properties.Environment as Json | undefined)?.Variables as Json) ?? {});
      expect(names.filter((name) => /SECRET|PASSWORD|TOKEN|API_KEY/.test(name))).toEqual([]);
    }
  });
});

describe('permissions', () => {
  // What each function's bundle can send, read from the bundle itself (infra/sdk-calls.ts): the expectation
  // comes from the code, not from the constants the stack is built from.
  let calls: Record<FunctionName, SdkCalls>;
  beforeAll(async () => {
    const entries = await Promise.all(FUNCTION_NAMES.map(async (name) => [name, await sdkCallsOf(name)]));
    calls = Object.fromEntries(entries) as Record<FunctionName, SdkCalls>;
  }, 120_000);

  /** A transaction is authorized per part: these are the parts the store writes. */
  const TRANSACTION_PARTS = ['dynamodb:PutItem', 'dynamodb:UpdateItem'];

  it.each(FUNCTION_NAMES)(
    '%s may make every AWS call its bundle can send, and no other, on the table, its indexes and the workflow',
    (name) => {
      const fn = stack.functions[name];
      const table = stack.resolve(stack.table.tableArn);
      const names = new Map<string, string>([
        [ref(fn.logGroup.logGroupArn), 'own log group'],
        [JSON.stringify(table), 'table'],
        [ref(stack.workflow.stateMachine.stateMachineArn), 'state machine'],
        [ref(stack.workflow.executionsArn), 'its executions'],
        [ref(stack.workflow.releaseDlq.queueArn), 'release DLQ'],
        [ref(stack.orderEvents.bus.eventBusArn), 'order events bus'],
        [ref(stack.table.tableStreamArn), 'table stream'],
        [ref(stack.orderEvents.streamFailures.queueArn), 'stream failures'],
        [ref(stack.webhooks.queue.queueArn), 'webhook deliveries'],
        [ref(stack.shopifySync.queue.queueArn), 'Shopify sync'],
        [ref(stack.labelFiles.labelsArn), 'label files'],
        ['"*"', '*'],
        ...Object.values(INDEXES).map((index): [string, string] => [
          JSON.stringify({ 'Fn::Join': ['', [table, `/index/${index.name}`]] }),
          `index ${index.name}`,
        ]),
      ]);

      const permissions = permissionsOf(logicalId(fn.role), names);
      // What Lambda's event source mapping does with the function's role, not the code: read the table
      // stream (and record a failed batch in its on-failure queue), or receive and delete queue messages.
      const sources = ofType('AWS::Lambda::EventSourceMapping')
        .filter(([, mapping]) => ref(mapping.Properties.FunctionName) === ref(fn.handler.functionName))
        .map(([, mapping]) => ref(mapping.Properties.EventSourceArn));
      const byMapping = sources.flatMap((source) =>
        source === ref(stack.table.tableStreamArn)
          ? [
              'dynamodb:DescribeStream on table stream',
              'dynamodb:GetRecords on table stream',
              'dynamodb:GetShardIterator on table stream',
              'dynamodb:ListStreams on *',
              'sqs:GetQueueAttributes on stream failures',
              'sqs:GetQueueUrl on stream failures',
              'sqs:SendMessage on stream failures',
            ]
          : source === ref(stack.webhooks.queue.queueArn)
            ? [
                'sqs:ChangeMessageVisibility on webhook deliveries',
                'sqs:DeleteMessage on webhook deliveries',
                'sqs:GetQueueAttributes on webhook deliveries',
                'sqs:GetQueueUrl on webhook deliveries',
                'sqs:ReceiveMessage on webhook deliveries',
              ]
            : source === ref(stack.shopifySync.queue.queueArn)
              ? [
                  'sqs:ChangeMessageVisibility on Shopify sync',
                  'sqs:DeleteMessage on Shopify sync',
                  'sqs:GetQueueAttributes on Shopify sync',
                  'sqs:GetQueueUrl on Shopify sync',
                  'sqs:ReceiveMessage on Shopify sync',
                ]
              : [`an event source the test does not know: ${source}`],
      );
      expect([...new Set(permissions.filter((p) => byMapping.includes(p)))].sort()).toEqual(
        [...byMapping].sort(),
      );
      const sendable = new Set(
        calls[name].actions.flatMap((action) =>
          action === 'dynamodb:TransactWriteItems(parts)' ? TRANSACTION_PARTS : [action],
        ),
      );
      const aws = permissions.filter(
        (p) => !/^(logs|xray):/.test(p) && !(byMapping.includes(p) && !sendable.has(p.split(' on ')[0]!)),
      );
      for (const permission of aws) {
        expect(permission).toMatch(
          / on (table|index \w+|state machine|its executions|release DLQ|order events bus|webhook deliveries|Shopify sync|label files)$/,
        );
      }
      const granted = (action: string) => aws.filter((p) => p.startsWith(`${action} on `));
      for (const action of calls[name].actions) {
        if (action === 'dynamodb:TransactWriteItems(parts)') {
          expect(TRANSACTION_PARTS.some((part) => granted(part).includes(`${part} on table`))).toBe(true);
        } else {
          expect(granted(action), `${name} can send ${action}`).not.toEqual([]);
        }
      }
      expect(aws.map((p) => p.split(' on ')[0]).filter((action) => !sendable.has(action!))).toEqual([]);
      expect(resources[logicalId(fn.role)]?.Properties.ManagedPolicyArns).toBeUndefined();
    },
  );

  it('unit: the bundle analysis sees the calls each store path makes', () => {
    expect(calls['verify-payment'].actions).toContain('dynamodb:BatchWriteItem');
    expect(calls['reserve-stock'].actions).toContain('dynamodb:TransactWriteItems(parts)');
    expect(calls.api.actions).toEqual(
      expect.arrayContaining(['states:StartExecution', 'states:SendTaskSuccess']),
    );
    // The sweeper never hands back a task token, though the module it imports could.
    expect(calls['delivery-sweeper'].actions).not.toContain('states:SendTaskSuccess');
  });

  it('let the state machine invoke exactly the task functions and send only to the release DLQ', () => {
    const names = new Map<string, string>([
      [ref(stack.workflow.releaseDlq.queueArn), 'release DLQ'],
      ['"*"', '*'],
      ...Object.values(TASK_PLACEHOLDERS).map((name): [string, string] => [
        ref(stack.functions[name].functionArn),
        name,
      ]),
    ]);

    const permissions = permissionsOf(logicalId(stack.workflow.stateMachine.role), names);

    const unscoped = [
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
    ];
    expect(permissions).toEqual(
      [
        ...Object.values(TASK_PLACEHOLDERS).map((name) => `lambda:InvokeFunction on ${name}`),
        'sqs:SendMessage on release DLQ',
        ...unscoped.map((action) => `${action} on *`),
      ].sort(),
    );
  });
});

describe('orders table', () => {
  it("has the store's keys and indexes, on demand, with PITR, deletion protection, TTL and KMS", () => {
    const gsi = Object.values(INDEXES).map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partition, KeyType: 'HASH' },
        { AttributeName: index.sort, KeyType: 'RANGE' },
      ],
      // The sweeper reads its due orders from the table: its index copies no order, only keys and the
      // status it counts the open orders by.
      Projection:
        index.name === 'Open'
          ? { ProjectionType: 'INCLUDE', NonKeyAttributes: ['status'] }
          : { ProjectionType: 'ALL' },
    }));

    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        KeySchema: [
          { AttributeName: KEY.partition, KeyType: 'HASH' },
          { AttributeName: KEY.sort, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: Match.arrayEquals(gsi),
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
        SSESpecification: { SSEEnabled: true },
      },
    });
  });
});

describe('state machine', () => {
  it('is Standard, logs ALL without execution data (no task tokens) to its log group and traces with X-Ray', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      StateMachineName: 'Orderflow-order-fulfillment',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [
          {
            CloudWatchLogsLogGroup: {
              LogGroupArn: { 'Fn::GetAtt': [logicalId(stack.workflow.logGroup), 'Arn'] },
            },
          },
        ],
      },
    });
  });

  it('binds every placeholder of the deployed definition file to the right resource', () => {
    const props = ofType('AWS::StepFunctions::StateMachine')[0]![1].Properties;
    const key = (props.DefinitionS3Location as { Key: string }).Key;
    const definition = readFileSync(join(assemblyDir, `asset.${key}`), 'utf8');
    const substitutions = props.DefinitionSubstitutions as Json;

    const unbound = placeholdersIn(definition).filter((name) => !(name in substitutions));
    const bound = definition.replace(/\$\{([^}]*)\}/g, (_, name: string) => `bound-${name}`);

    expect(placeholdersIn(definition).length).toBeGreaterThanOrEqual(8);
    expect(unbound).toEqual([]);
    expect(bound).not.toContain('${');
    expect(() => JSON.parse(bound) as unknown).not.toThrow();
    for (const [placeholder, name] of Object.entries(TASK_PLACEHOLDERS)) {
      expect(ref(substitutions[placeholder])).toBe(ref(stack.functions[name].functionArn));
    }
    expect(ref(substitutions.ReleaseDlqUrl)).toBe(ref(stack.workflow.releaseDlq.queueUrl));
  });

  it('unit: placeholdersIn finds each ${Name} once', () => {
    expect(placeholdersIn('{"a": "${A}", "b": "${B}", "c": "${A}", "d": "$.x"}')).toEqual(['A', 'B']);
  });
});

describe('queues (release DLQ, order stream failures, webhook deliveries and their dead letters)', () => {
  it('are encrypted, keep messages 14 days (4 for deliveries being retried) and refuse plain HTTP', () => {
    const queues = ofType('AWS::SQS::Queue');
    const retentionDays = new Map([
      [logicalId(stack.workflow.releaseDlq), 14],
      [logicalId(stack.orderEvents.streamFailures), 14],
      [logicalId(stack.webhooks.deadLetters), 14],
      [logicalId(stack.webhooks.queue), 4],
      [logicalId(stack.shopifySync.deadLetters), 14],
      [logicalId(stack.shopifySync.queue), 4],
    ]);
    expect(queues.map(([id]) => id).sort()).toEqual([...retentionDays.keys()].sort());
    for (const [id, queue] of queues) {
      expect(queue.Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: retentionDays.get(id)! * 24 * 3600,
      });
    }
    template.resourceCountIs('AWS::SQS::QueuePolicy', queues.length);
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });
});

describe('label files', () => {
  it('are kept in one private bucket: no public access, S3-managed encryption, HTTPS only, 400 days, retained', () => {
    const buckets = ofType('AWS::S3::Bucket');
    const labelBucket = logicalId(stack.labelFiles.bucket);

    // The label bucket, and the console's (test/infra/console-site.test.ts): no other.
    expect(buckets.map(([id]) => id).sort()).toEqual([labelBucket, logicalId(stack.console.bucket)].sort());
    const [, bucket] = buckets.find(([id]) => id === labelBucket)!;
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    const rules = (bucket.Properties.LifecycleConfiguration as { Rules: Json[] }).Rules;
    expect(rules).toContainEqual(
      expect.objectContaining({ Prefix: 'labels/', ExpirationInDays: 400, Status: 'Enabled' }),
    );
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(stack.labelFiles.bucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('are written by generate-label and read by the api only, under labels/, with the bucket name given to both', () => {
    const labels = ref(stack.labelFiles.labelsArn);
    const bucketName = ref(stack.labelFiles.bucket.bucketName);
    const reach = FUNCTION_NAMES.flatMap((name) =>
      grantsOf(logicalId(stack.functions[name].role))
        .filter(({ resources }) =>
          resources.some((resource) => ref(resource).includes(logicalId(stack.labelFiles.bucket))),
        )
        .map(
          ({ actions, resources }) =>
            `${name} ${actions.join(',')} ${resources.map((r) => (ref(r) === labels ? 'labels/*' : ref(r))).join(',')}`,
        ),
    );
    const configured = FUNCTION_NAMES.filter((name) =>
      ref(resources[logicalId(stack.functions[name].handler)]!.Properties.Environment).includes(bucketName),
    );

    expect(reach.sort()).toEqual(['api s3:GetObject labels/*', 'generate-label s3:PutObject labels/*']);
    expect(configured.sort()).toEqual(['api', 'generate-label']);
  });
});

describe('order events', () => {
  it('are read from the table stream (both images) by publish-events, retried in order, failures recorded', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    const mappings = ofType('AWS::Lambda::EventSourceMapping').filter(
      ([, mapping]) =>
        ref(mapping.Properties.FunctionName) === ref(stack.functions['publish-events'].handler.functionName),
    );

    expect(mappings).toHaveLength(1);
    expect(mappings[0]![1].Properties).toMatchObject({
      FunctionName: { Ref: logicalId(stack.functions['publish-events'].handler) },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.table), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 10,
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::GetAtt': [logicalId(stack.orderEvents.streamFailures), 'Arn'] },
        },
      },
    });
    expect(mappings[0]![1].Properties.ParallelizationFactor ?? 1).toBe(1);
  });

  it("go to the stack's own bus, whose name only publish-events is given", () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    const withBus = FUNCTION_NAMES.filter((name) => {
      const variables = (resources[logicalId(stack.functions[name].handler)]?.Properties.Environment as Json)
        .Variables as Json;
      return 'ORDER_EVENTS_BUS' in variables;
    });

    expect(withBus).toEqual(['publish-events']);
  });
});

describe('seller webhooks', () => {
  it('are queued by a rule on the order events bus and retried past a day before their dead-letter queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: logicalId(stack.orderEvents.bus) },
      EventPattern: { source: ['orderflow.orders'] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(stack.functions['queue-webhooks'].handler), 'Arn'] },
        }),
      ],
    });
    const queue = resources[logicalId(stack.webhooks.queue)]!.Properties;
    const redrive = queue.RedrivePolicy as { maxReceiveCount: number };
    expect(redrive).toMatchObject({
      deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(stack.webhooks.deadLetters), 'Arn'] },
    });
    // Every attempt but the last waits its backoff in the queue: together at least 24 hours.
    const waited = WEBHOOK_RETRY_DELAYS_MS.slice(0, redrive.maxReceiveCount - 1).reduce((a, b) => a + b, 0);
    expect(waited).toBeGreaterThanOrEqual(24 * 3600 * 1000);
    expect(Number(queue.MessageRetentionPeriod) * 1000).toBeGreaterThan(waited);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(stack.functions['deliver-webhooks'].handler) },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.webhooks.queue), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('may go to public https URLs only, in the functions that register and call them', () => {
    const withPolicy = FUNCTION_NAMES.flatMap((name) => {
      const variables = (resources[logicalId(stack.functions[name].handler)]?.Properties.Environment as Json)
        .Variables as Json;
      return 'WEBHOOK_URL_POLICY' in variables ? [[name, variables.WEBHOOK_URL_POLICY]] : [];
    });

    expect(withPolicy.sort()).toEqual([
      ['api', 'public-https'],
      ['deliver-webhooks', 'public-https'],
    ]);
  });
});

describe('Shopify sync', () => {
  it('takes the order events that carry a shipment or a cancellation from the bus, through its own queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: logicalId(stack.orderEvents.bus) },
      EventPattern: {
        source: ['orderflow.orders'],
        'detail-type': Match.arrayWith(['order.shipped', 'order.in_transit', 'order.cancelled']),
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(stack.shopifySync.queue), 'Arn'] } })],
    });
    expect(resources[logicalId(stack.shopifySync.queue)]!.Properties.RedrivePolicy).toMatchObject({
      deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(stack.shopifySync.deadLetters), 'Arn'] },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(stack.functions['sync-shopify'].handler) },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.shopifySync.queue), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('pages when Shopify refuses a sync, drops tracking or the sync gives up', () => {
    const alarm = resources[logicalId(stack.observability.alarms.shopifySyncFailing)]!.Properties as {
      Metrics: { MetricStat?: { Metric: { MetricName: string } } }[];
    };
    const watched = alarm.Metrics.flatMap(({ MetricStat }) =>
      MetricStat ? [MetricStat.Metric.MetricName] : [],
    );

    expect(watched.sort()).toEqual([
      'ShopifySyncDeadLettered',
      'ShopifySyncFailed',
      'ShopifyTrackingDropped',
    ]);
  });
});

describe('schedule', () => {
  it('runs the delivery sweeper every 5 minutes, and each sweep ends before the next starts', () => {
    const sweeper = stack.functions['delivery-sweeper'];

    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(sweeper.handler), 'Arn'] } })],
    });
    expect(resources[logicalId(sweeper.handler)]?.Properties.Timeout).toBeLessThan(300);
  });

  it('runs one sweep at a time, and drops a sweep that waited a minute instead of queueing it', () => {
    const sweeper = logicalId(stack.functions['delivery-sweeper'].handler);

    expect(resources[sweeper]?.Properties.ReservedConcurrentExecutions).toBe(1);
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ RetryPolicy: { MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 2 } })],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: sweeper },
      MaximumEventAgeInSeconds: 60,
      MaximumRetryAttempts: 0,
    });
  });
});

describe('concurrency', () => {
  it('sets some aside for the api and caps reserve-stock, and leaves the other tasks unreserved', () => {
    const reserved = Object.fromEntries(
      FUNCTION_NAMES.map((name) => [
        name,
        resources[logicalId(stack.functions[name].handler)]?.Properties.ReservedConcurrentExecutions,
      ]),
    );

    expect(reserved).toEqual(
      Object.fromEntries(
        FUNCTION_NAMES.map((name) => [
          name,
          { api: 10, 'reserve-stock': 2, 'delivery-sweeper': 1 }[name as string],
        ]),
      ),
    );
  });
});

describe('HTTP API', () => {
  const routesOf = () =>
    ofType('AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties.RouteKey as string);
  const stageProps = () => ofType('AWS::ApiGatewayV2::Stage')[0]![1].Properties;

  it('sends every route to the api function through one integration', () => {
    const integration = ofType('AWS::ApiGatewayV2::Integration');

    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    expect(integration).toHaveLength(1);
    expect(integration[0]![1].Properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [logicalId(stack.functions.api.handler), 'Arn'] },
    });
    for (const [, route] of ofType('AWS::ApiGatewayV2::Route')) {
      expect(route.Properties.Target).toEqual({
        'Fn::Join': ['', ['integrations/', { Ref: integration[0]![0] }]],
      });
    }
  });

  it("has a route for each of the router's routes, and $default for the paths it answers 404 or 405", () => {
    expect(routesOf().sort()).toEqual(
      ['$default', ...routerRoutes.map((route) => `${route.method} ${route.path}`)].sort(),
    );
  });

  it('throttles webhooks, the seller API and the public routes each on their own limit', () => {
    const settings = stageProps().RouteSettings as Record<string, Json>;
    const limitOf = (path: string, method: string) => {
      const route = settings[`${method} ${path}`];
      return route ? `${String(route.ThrottlingRateLimit)}/${String(route.ThrottlingBurstLimit)}` : 'default';
    };
    const byPrefix = (prefix: string) =>
      new Set(
        routerRoutes
          .filter((route) => route.path.startsWith(prefix))
          .map((route) => limitOf(route.path, route.method)),
      );

    // Every route the router has gets a setting: none falls back to the stage default by omission.
    expect(Object.keys(settings).sort()).toEqual(
      routesOf()
        .filter((key) => key !== '$default')
        .sort(),
    );
    expect(byPrefix('/webhooks/')).toEqual(new Set(['20/40']));
    expect(
      new Set([...byPrefix('/orders'), ...byPrefix('/inventory/'), ...byPrefix('/sku-mappings/')]),
    ).toEqual(new Set(['50/100']));
    expect(limitOf('/health', 'GET')).toBe('5/10');
    expect(stageProps().DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 });
  });

  it('writes JSON access logs with the route, and counts the 429s from them', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [logicalId(stack.api.accessLogs), 'Arn'] },
        Format: Match.stringLikeRegexp('"routeKey":"\\$context.routeKey"'),
      },
    });
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: logicalId(stack.api.accessLogs) },
      FilterPattern: '{ $.status = "429" }',
      MetricTransformations: [Match.objectLike({ MetricValue: '1' })],
    });
  });

  it('keeps the execute-api endpoint when no custom domain is set', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: false });
  });
});

describe('observability', () => {
  const dashboardBody = (): string =>
    JSON.stringify(ofType('AWS::CloudWatch::Dashboard')[0]![1].Properties.DashboardBody);

  /** The dashboard's widgets, with every reference in its body replaced by a placeholder. */
  const widgets = (): { properties: { title?: string; metrics?: unknown[][] } }[] => {
    const parts = (ofType('AWS::CloudWatch::Dashboard')[0]![1].Properties.DashboardBody as Json)[
      'Fn::Join'
    ] as [string, unknown[]];
    const body = parts[1].map((part) => (typeof part === 'string' ? part : 'REF')).join('');
    return (JSON.parse(body) as { widgets: ReturnType<typeof widgets> }).widgets;
  };
  /** [namespace, metric name] of every metric the dashboard graphs (math expressions' inputs included). */
  const chartedMetrics = (): [string, string][] =>
    widgets().flatMap((widget) =>
      (widget.properties.metrics ?? []).flatMap((row) =>
        typeof row[0] === 'string' ? [[row[0], row[1] as string] as [string, string]] : [],
      ),
    );
  /** [namespace, metric name] of every metric an alarm watches (math alarms' inputs included). */
  const alarmedMetrics = (): [string, string][] =>
    ofType('AWS::CloudWatch::Alarm').flatMap(([, alarm]) => {
      const { Namespace, MetricName, Metrics } = alarm.Properties as {
        Namespace?: string;
        MetricName?: string;
        Metrics?: { MetricStat?: { Metric: { Namespace: string; MetricName: string } } }[];
      };
      if (Namespace && MetricName) return [[Namespace, MetricName] as [string, string]];
      return (Metrics ?? []).flatMap(({ MetricStat }) =>
        MetricStat ? [[MetricStat.Metric.Namespace, MetricStat.Metric.MetricName] as [string, string]] : [],
      );
    });

  // What each function's bundle can emit, read from its code (infra/metric-names.ts), not from the
  // constants the dashboard is built from.
  let emitted: Map<string, FunctionName[]>;
  beforeAll(async () => {
    emitted = new Map();
    for (const name of FUNCTION_NAMES) {
      for (const metric of await metricNamesOf(name))
        emitted.set(metric, [...(emitted.get(metric) ?? []), name]);
    }
  }, 120_000);

  it('shows and alarms only on orderflow metrics some function emits', () => {
    const ours = [...chartedMetrics(), ...alarmedMetrics()]
      .filter(([namespace]) => namespace === 'orderflow')
      .map(([, name]) => name);

    expect(ours.length).toBeGreaterThan(10);
    for (const name of new Set(ours)) expect(emitted.get(name), `who emits ${name}`).toBeDefined();
  });

  it("answers the operators' questions: open orders, payment failures, cancellations from every path", () => {
    const charted = new Set(chartedMetrics().map(([namespace, name]) => `${namespace} ${name}`));

    expect(charted).toContain('orderflow OpenOrders');
    expect(emitted.get('OpenOrders')).toEqual(['delivery-sweeper']);
    // One series per status an order can still leave, as the sweeper publishes them (dimension status).
    const openRows = widgets()
      .flatMap((widget) => widget.properties.metrics ?? [])
      .filter((row) => row[0] === 'orderflow' && row[1] === 'OpenOrders');
    expect(openRows.map((row) => row[row.indexOf('status') + 1]).sort()).toEqual(
      [
        'PENDING',
        'PAYMENT_VERIFIED',
        'STOCK_RESERVED',
        'ON_HOLD',
        'OUT_OF_STOCK',
        'RELEASED',
        'FAILED_TO_RELEASE',
        'SHIPPED',
        'IN_TRANSIT',
        'PAYMENT_FAILED',
      ].sort(),
    );
    // Cancelled by the seller or the storefront (the api) and by the workflow (mark-status).
    expect(charted).toContain('orderflow OrdersCancelled');
    expect(emitted.get('OrdersCancelled')?.sort()).toEqual(['api', 'mark-status']);
    expect(dashboardBody()).toContain('IF(received > 0, 100 * FILL(failed, 0) / received, 0)');
    expect(charted).toContain('orderflow OrdersPaymentFailed');
    expect(charted).toContain('orderflow OrdersReceived');
  });

  it('charts p50 and p99 of the durations', () => {
    const body = dashboardBody();

    for (const name of ['TimeToRelease', 'TimeToDelivery']) {
      expect(emitted.get(name)).toBeDefined();
      expect(body).toMatch(new RegExp(`\\\\"${name}\\\\".*\\\\"stat\\\\":\\\\"p50\\\\"`));
      expect(body).toMatch(new RegExp(`\\\\"${name}\\\\".*\\\\"stat\\\\":\\\\"p99\\\\"`));
    }
  });

  it('shows DynamoDB throttles and errors and the API 4xx, 5xx and 429s', () => {
    const charted = new Set(chartedMetrics().map(([namespace, name]) => `${namespace} ${name}`));

    for (const metric of [
      'AWS/DynamoDB ThrottledRequests',
      'AWS/DynamoDB SystemErrors',
      'AWS/DynamoDB UserErrors',
      'AWS/ApiGateway 4xx',
      'AWS/ApiGateway 5xx',
    ]) {
      expect(charted).toContain(metric);
    }
    // API Gateway publishes no metric of its 429s: the access log's metric filter counts them.
    const filters = ofType('AWS::Logs::MetricFilter').flatMap(([, filter]) =>
      (filter.Properties.MetricTransformations as { MetricNamespace: string; MetricName: string }[]).map(
        (t) => `${t.MetricNamespace} ${t.MetricName}`,
      ),
    );
    const fromLogs = [...charted].filter((metric) => metric.startsWith('orderflow/'));
    expect(fromLogs).toHaveLength(1);
    expect(filters).toEqual(fromLogs);
  });

  it('charts the DLQ, the executions, the API and each function', () => {
    const body = dashboardBody();

    for (const metric of [
      'ApproximateNumberOfMessagesVisible',
      'ExecutionsStarted',
      'ExecutionsFailed',
      'ExecutionsTimedOut',
      '4xx',
      '5xx',
      'Latency',
      'Errors',
      'Throttles',
      'Duration',
    ]) {
      expect(body).toContain(`\\"${metric}\\"`);
    }
    for (const name of FUNCTION_NAMES) expect(body).toContain(`\\"label\\":\\"${name}\\"`);
  });

  it('alarms on failed releases, a stale DLQ, failed executions, API 5xx, late orders, the sweeper and throttles, to one encrypted topic', () => {
    const topic = { Ref: logicalId(stack.observability.alarmTopic) };
    const alarm = (props: Json) =>
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        ...props,
        AlarmActions: [topic],
        EvaluationPeriods: 1,
      });

    template.resourceCountIs('AWS::CloudWatch::Alarm', 13);
    const dlq = [
      { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(stack.workflow.releaseDlq), 'QueueName'] } },
    ];
    // Each failed release pages once, and the alarm is OK again after a quiet period.
    alarm({
      MetricName: 'NumberOfMessagesSent',
      Namespace: 'AWS/SQS',
      Dimensions: dlq,
      Statistic: 'Sum',
      Period: 300,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    // A failed release left a day (the default release SLA) pages again.
    alarm({
      MetricName: 'ApproximateAgeOfOldestMessage',
      Namespace: 'AWS/SQS',
      Dimensions: dlq,
      Statistic: 'Maximum',
      Threshold: 24 * 3600,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    const onDepth = ofType('AWS::CloudWatch::Alarm').filter(
      ([, resource]) => resource.Properties.MetricName === 'ApproximateNumberOfMessagesVisible',
    );
    expect(onDepth).toEqual([]);
    alarm({ MetricName: 'ExecutionsFailed', Namespace: 'AWS/States', Threshold: 1 });
    alarm({ MetricName: '5xx', Namespace: 'AWS/ApiGateway', Threshold: 1 });
    alarm({
      MetricName: 'LateOrders',
      Namespace: 'orderflow',
      Dimensions: [{ Name: 'service', Value: 'orderflow' }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    const sweeper = [
      { Name: 'FunctionName', Value: { Ref: logicalId(stack.functions['delivery-sweeper'].handler) } },
    ];
    alarm({ MetricName: 'Errors', Namespace: 'AWS/Lambda', Dimensions: sweeper, Threshold: 1 });
    // No sweep at all publishes no data: missing data is what pages.
    alarm({
      MetricName: 'Invocations',
      Namespace: 'AWS/Lambda',
      Dimensions: sweeper,
      Period: 900,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    alarm({ MetricName: 'ExecutionThrottled', Namespace: 'AWS/States', Threshold: 1 });
    // Throttles of every function but the four event consumers, summed in two alarms (10 metrics each at
    // most): the workflow's tasks, which it retries, and the others...
    const throttled = alarmedMetrics().filter(
      ([namespace, name]) => `${namespace} ${name}` === 'AWS/Lambda Throttles',
    );
    expect(throttled).toHaveLength(FUNCTION_NAMES.length - 4);
    // ...and the event consumers': their throttles show as events published late, and a batch given up pages.
    const publisher = [
      { Name: 'FunctionName', Value: { Ref: logicalId(stack.functions['publish-events'].handler) } },
    ];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'IteratorAge',
      Namespace: 'AWS/Lambda',
      Dimensions: publisher,
      Statistic: 'Maximum',
      Threshold: 5 * 60 * 1000,
      AlarmActions: [topic],
    });
    alarm({
      MetricName: 'NumberOfMessagesSent',
      Namespace: 'AWS/SQS',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [logicalId(stack.orderEvents.streamFailures), 'QueueName'] },
        },
      ],
      Threshold: 1,
    });
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

/** The console's: its files bucket, its distribution, and BucketDeployment's handler and grants. */
const CONSOLE_ACKNOWLEDGMENTS = [
  'Console/Files AwsSolutions-S1',
  'Console/Distribution AwsSolutions-CFR1',
  'Console/Distribution AwsSolutions-CFR2',
  'Console/Distribution AwsSolutions-CFR3',
  // The default certificate: the stack under test has no console domain.
  'Console/Distribution AwsSolutions-CFR4',
  ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map(
    (action) => `Console/DeploymentRole AwsSolutions-IAM5[Action::${action}]`,
  ),
  'Console/DeploymentRole AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
  'Console/DeploymentRole AwsSolutions-IAM5[Resource::<ConsoleFiles2D43986C.Arn>/*]',
  'Console/DeploymentRole AwsSolutions-IAM5[Resource::*]',
  'Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C256MiB AwsSolutions-L1',
];

describe('cdk-nag', () => {
  it('AwsSolutions finds no unacknowledged error or warning', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);

    const findings = report.violations.map(
      (v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
  });

  it('every acknowledgment is one of the known few, with a specific reason', () => {
    const acknowledged: [string, string][] = [];
    for (const construct of stack.node.findAll()) {
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          acknowledged.push([`${construct.node.path} ${id.replace(/^annotation::/i, '')}`, reason]);
        }
      }
    }

    const executions =
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:Orderflow-order-fulfillment:*]';
    const labelFiles = `AwsSolutions-IAM5[Resource::<${logicalId(stack.labelFiles.bucket)}.Arn>/labels/*]`;
    expect(acknowledged.map(([what]) => what).sort()).toEqual(
      [
        ...FUNCTION_NAMES.map(
          (name) => `${stack.functions[name].role.node.path} AwsSolutions-IAM5[Resource::*]`,
        ),
        `${stack.functions.api.role.node.path} ${executions}`,
        `${stack.functions['delivery-sweeper'].role.node.path} ${executions}`,
        `${stack.functions.api.role.node.path} ${labelFiles}`,
        `${stack.functions['generate-label'].role.node.path} ${labelFiles}`,
        `${stack.labelFiles.bucket.node.path} AwsSolutions-S1`,
        `${stack.workflow.stateMachine.role.node.path} AwsSolutions-IAM5[Resource::*]`,
        `${stack.workflow.releaseDlq.node.path} AwsSolutions-SQS3`,
        `${stack.orderEvents.streamFailures.node.path} AwsSolutions-SQS3`,
        `${stack.webhooks.deadLetters.node.path} AwsSolutions-SQS3`,
        `${stack.shopifySync.deadLetters.node.path} AwsSolutions-SQS3`,
        `${stack.api.httpApi.node.path} AwsSolutions-APIG4`,
        ...CONSOLE_ACKNOWLEDGMENTS.map((what) => `${stack.node.path}/${what}`),
      ].sort(),
    );
    for (const [, reason] of acknowledged) expect(reason.length).toBeGreaterThan(80);
  });
});
