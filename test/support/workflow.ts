import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { LocalStepFunctions } from '../../infra/local/stepfunctions/index.js';
import {
  orderflowStateMachineArn,
  startOrderflowStepFunctions,
} from '../../infra/local/stepfunctions/orderflow.js';
import definition from '../../workflows/order-fulfillment/statemachine.asl.json' with { type: 'json' };

/** Simulated time a million times faster: three days of transit pass in a quarter of a second. */
export const WORKFLOW_TIME_SCALE = 1_000_000;

export interface WorkflowHarness {
  stepFunctions: LocalStepFunctions;
  dlqUrl: string;
  /** Every message in the release DLQ, parsed. */
  dlqMessages(): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

/**
 * The real state machine file on the local engine with the real task handlers, against the DynamoDB
 * Local table and SQS emulator of this test file. Every retry pause is zero.
 */
export async function startWorkflowHarness(): Promise<WorkflowHarness> {
  process.env.ORDERFLOW_TIME_SCALE = String(WORKFLOW_TIME_SCALE);
  process.env.STATE_MACHINE_ARN = orderflowStateMachineArn();
  const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: `release-dlq-${randomUUID().slice(0, 8)}` }),
  );
  const retryStates = Object.entries(definition.States).flatMap(([name, state]) =>
    'Retry' in state ? [name] : [],
  );
  const stepFunctions = await startOrderflowStepFunctions({
    releaseDlqUrl: QueueUrl!,
    sqsEndpoint: process.env.AWS_ENDPOINT_URL_SQS!,
    port: 0,
    overrides: { retryIntervalOverrides: Object.fromEntries(retryStates.map((name) => [name, 0])) },
  });
  process.env.AWS_ENDPOINT_URL_SFN = stepFunctions.endpoint;
  const received: Record<string, unknown>[] = [];
  return {
    stepFunctions,
    dlqUrl: QueueUrl!,
    async dlqMessages() {
      for (;;) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
            VisibilityTimeout: 300,
          }),
        );
        if (Messages.length === 0) break;
        received.push(...Messages.map((message) => JSON.parse(message.Body!) as Record<string, unknown>));
      }
      return received;
    },
    async stop() {
      await stepFunctions.stop();
      sqs.destroy();
    },
  };
}
