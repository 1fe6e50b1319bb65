import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ReleaseDlq } from '../../functions/shared/release-dlq.js';
import { startAwsParity, type AwsParity } from '../../infra/local/aws/index.js';
import type { LambdaHandler, LocalStepFunctions } from '../../infra/local/stepfunctions/index.js';
import {
  ORDERFLOW_FUNCTIONS,
  loadOrderflowHandlers,
  orderflowFunctionArn,
  orderflowStateMachineArn,
  startOrderflowStepFunctions,
  type OrderflowFunction,
} from '../../infra/local/stepfunctions/orderflow.js';
import definition from '../../workflows/order-fulfillment/statemachine.asl.json' with { type: 'json' };

/** Simulated time a million times faster: three days of transit pass in a quarter of a second. */
export const WORKFLOW_TIME_SCALE = 1_000_000;

export interface WorkflowHarness {
  stepFunctions: LocalStepFunctions;
  /** What the functions run under: their roles and timeouts, and the faults a test injects (setFaults). */
  parity: AwsParity;
  dlqUrl: string;
  /** Every message in the release DLQ now, parsed; they stay in the queue. */
  dlqMessages(): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

export interface WorkflowHarnessOptions {
  /**
   * Awaited each time the state machine invokes a task function, before the function runs (and outside
   * its role): where a test puts what happens between the invocation and the function reading the order,
   * such as a seller's cancel landing or a storefront's payment arriving.
   */
  beforeInvoke?: (fn: OrderflowFunction, event: unknown) => Promise<void>;
}

/**
 * The real state machine file on the local engine with the real task handlers, against the DynamoDB
 * Local table and SQS emulator of this test file. Every retry pause is zero.
 */
export async function startWorkflowHarness(options: WorkflowHarnessOptions = {}): Promise<WorkflowHarness> {
  process.env.ORDERFLOW_TIME_SCALE = String(WORKFLOW_TIME_SCALE);
  process.env.STATE_MACHINE_ARN = orderflowStateMachineArn();
  const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: `release-dlq-${randomUUID().slice(0, 8)}` }),
  );
  const retryStates = Object.entries(definition.States).flatMap(([name, state]) =>
    'Retry' in state ? [name] : [],
  );
  const parity = await startAwsParity({ names: { releaseDlqUrl: QueueUrl! } });
  const { beforeInvoke } = options;
  const handlers = beforeInvoke && (await announcedHandlers(parity, beforeInvoke));
  const stepFunctions = await startOrderflowStepFunctions({
    releaseDlqUrl: QueueUrl!,
    sqsEndpoint: process.env.AWS_ENDPOINT_URL_SQS!,
    port: 0,
    parity,
    ...(handlers ? { handlers } : {}),
    overrides: { retryIntervalOverrides: Object.fromEntries(retryStates.map((name) => [name, 0])) },
  });
  process.env.AWS_ENDPOINT_URL_SFN = stepFunctions.endpoint;
  // What the API's seller retry removes an order's messages from.
  process.env.RELEASE_DLQ_URL = QueueUrl!;
  // The emulator answers a short poll with every visible message.
  const dlq = new ReleaseDlq({ queueUrl: QueueUrl!, sqs, waitTimeSeconds: 0 });
  return {
    stepFunctions,
    parity,
    dlqUrl: QueueUrl!,
    async dlqMessages() {
      return (await dlq.list()).map((message) => JSON.parse(message.body) as Record<string, unknown>);
    },
    async stop() {
      await stepFunctions.stop();
      sqs.destroy();
    },
  };
}

/** The task functions as deployed, each run after `beforeInvoke` has been told of the invocation. */
async function announcedHandlers(
  parity: AwsParity,
  beforeInvoke: NonNullable<WorkflowHarnessOptions['beforeInvoke']>,
): Promise<Record<string, LambdaHandler>> {
  const loaded = await loadOrderflowHandlers();
  return Object.fromEntries(
    ORDERFLOW_FUNCTIONS.map((name) => {
      const arn = orderflowFunctionArn(name);
      const deployed = parity.deployed(name, loaded[arn]!, { invokedByStateMachine: true });
      const announced: LambdaHandler = async (event, context) => {
        await beforeInvoke(name, event);
        return deployed(event, context);
      };
      return [arn, announced];
    }),
  );
}
