import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { FunctionName } from '../bundling.js';
import { PROJECT_ROOT } from '../paths.js';

export const DEFINITION_FILE = join(PROJECT_ROOT, 'workflows/order-fulfillment/statemachine.asl.json');

/** Which function each `${...}FunctionArn` placeholder of the definition stands for. */
export const TASK_PLACEHOLDERS = {
  VerifyPaymentFunctionArn: 'verify-payment',
  ReserveStockFunctionArn: 'reserve-stock',
  AwaitPaymentFunctionArn: 'await-payment',
  AwaitReleaseFunctionArn: 'await-release',
  ReleaseOrderFunctionArn: 'release-order',
  GenerateLabelFunctionArn: 'generate-label',
  AwaitDeliveryFunctionArn: 'await-delivery',
  PollDeliveryFunctionArn: 'poll-delivery',
  MarkStatusFunctionArn: 'mark-status',
} as const satisfies Record<string, FunctionName>;

export type TaskFunctionName = (typeof TASK_PLACEHOLDERS)[keyof typeof TASK_PLACEHOLDERS];

/** The `${Name}` placeholders of a definition, each once. */
export function placeholdersIn(definition: string): string[] {
  return [...new Set([...definition.matchAll(/\$\{([^}]*)\}/g)].map((match) => match[1] ?? ''))];
}

export interface FulfillmentWorkflowProps {
  readonly tasks: Record<TaskFunctionName, IFunction>;
  readonly logRetention: logs.RetentionDays;
  /** The ASL file; the repository's own unless a test says otherwise. */
  readonly definitionFile?: string;
}

/**
 * The order-fulfillment state machine, bound from the same ASL file the local runtime runs, and the
 * release DLQ its ReleaseFailed branch writes to. Its role may invoke exactly the task functions and send
 * to exactly that queue; synthesis fails if the file gains a placeholder nothing binds.
 */
export class FulfillmentWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  /** `<stack>-order-fulfillment`, known at synth time (unlike `stateMachine.stateMachineName`). */
  readonly stateMachineName: string;
  /** Every execution of this state machine: they are named after orders at run time. */
  readonly executionsArn: string;
  readonly releaseDlq: sqs.Queue;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: FulfillmentWorkflowProps) {
    super(scope, id);
    this.releaseDlq = new sqs.Queue(this, 'ReleaseDlq', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
    });
    Validations.of(this.releaseDlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'ReleaseDlq is itself the dead-letter destination: the state machine sends an order here when its ' +
        'release fails. Nothing consumes it automatically, so a queue behind it would never receive.',
    });

    const substitutions: Record<string, string> = { ReleaseDlqUrl: this.releaseDlq.queueUrl };
    for (const [placeholder, name] of Object.entries(TASK_PLACEHOLDERS)) {
      substitutions[placeholder] = props.tasks[name].functionArn;
    }
    const definitionFile = props.definitionFile ?? DEFINITION_FILE;
    const unbound = placeholdersIn(readFileSync(definitionFile, 'utf8')).filter((p) => !(p in substitutions));
    if (unbound.length > 0) {
      throw new Error(`${definitionFile} has placeholders nothing binds: ${unbound.join(', ')}`);
    }

    // Named, so that the grants on its executions name it: execution:<stack>-order-fulfillment:*.
    const stack = Stack.of(this);
    const name = `${stack.stackName}-order-fulfillment`;
    this.stateMachineName = name;
    this.executionsArn = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${name}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    // The /aws/vendedlogs/ prefix keeps CloudWatch Logs' resource policy from growing per state machine.
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${name}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: name,
      definitionBody: sfn.DefinitionBody.fromFile(definitionFile),
      definitionSubstitutions: substitutions,
      stateMachineType: sfn.StateMachineType.STANDARD,
      tracingEnabled: true,
      // Without execution data: a held order's state input and the AwaitRelease parameters carry its task
      // token, which releases the order to whoever holds it, so it must not reach CloudWatch. ALL still
      // logs every state entered and exited, each task's failure with its error name, and the execution's
      // outcome, which is what an operator follows an order by (the order itself is in the table).
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'InvokeTasks',
        actions: ['lambda:InvokeFunction'],
        resources: Object.values(props.tasks).map((fn) => fn.functionArn),
      }),
    );
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'SendToReleaseDlq',
        actions: ['sqs:SendMessage'],
        resources: [this.releaseDlq.queueArn],
      }),
    );
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only the statements Step Functions needs for logging (logs:*LogDelivery, PutResourcePolicy, ' +
        'DescribeResourcePolicies, DescribeLogGroups) and X-Ray (PutTraceSegments, PutTelemetryRecords, ' +
        'GetSampling*) use Resource *: those APIs have no resource-level permissions. test/infra checks it.',
    });
  }
}
