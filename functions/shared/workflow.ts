import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  InvalidToken,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
  ExecutionDoesNotExist,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { HOUR_MS, scaledMs } from './clock.js';
import { ENV, requireEnv } from './config.js';
import type { Order } from './domain/order.js';

/** The Step Functions client (endpoint from AWS_ENDPOINT_URL_SFN), here with its only callers. */
export const sfn = new SFNClient({});

/** Where a seller's retry resumes: the step that failed. */
export type ResumeAt = 'VerifyPayment' | 'ReserveStock' | 'ReleaseOrder';

/** How long an unpaid order waits for its payment when the seller's setting is not at hand. */
export const DEFAULT_PAYMENT_WAIT_HOURS = 72;

export interface ExecutionInput {
  orderId: string;
  sellerId: string;
  attempt: number;
  resumeAt?: ResumeAt;
  /**
   * What AwaitPayment reads (InputPath), shaped `{Payload: {...}}` like AwaitRelease's input so that its
   * TimeoutSecondsPath resolves on AWS and on aws-local-stepfunctions alike (see that state's Comment).
   */
  paymentWait: { Payload: { orderId: string; timeoutSeconds: number } };
}

/** The first execution is named after the order, so a second start of the same order cannot run it twice. */
export const executionName = (orderId: string, attempt: number): string =>
  attempt <= 1 ? orderId : `${orderId}-${attempt}`;

export function executionArn(name: string): string {
  return requireEnv(ENV.stateMachineArn).replace(':stateMachine:', ':execution:') + `:${name}`;
}

/**
 * Starts the order's execution. Starting one that exists already (a duplicate webhook, a crash
 * between the order write and this call being recovered) is not an error: the name dedupes it.
 */
export async function startExecution(
  order: Pick<Order, 'orderId' | 'sellerId'>,
  attempt = 1,
  resumeAt?: ResumeAt,
  paymentWaitHours = DEFAULT_PAYMENT_WAIT_HOURS,
): Promise<{ executionArn: string; started: boolean }> {
  const name = executionName(order.orderId, attempt);
  const timeoutSeconds = Math.max(1, Math.round(scaledMs(paymentWaitHours * HOUR_MS) / 1000));
  const input: ExecutionInput = {
    orderId: order.orderId,
    sellerId: order.sellerId,
    attempt,
    ...(resumeAt ? { resumeAt } : {}),
    paymentWait: { Payload: { orderId: order.orderId, timeoutSeconds } },
  };
  try {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: requireEnv(ENV.stateMachineArn),
        name,
        input: JSON.stringify(input),
      }),
    );
    return { executionArn: executionArn!, started: true };
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists) return { executionArn: executionArn(name), started: false };
    throw error;
  }
}

/** Hands a held order back to its waiting execution. False if the token is no longer waited on. */
export async function sendRelease(taskToken: string, output: Record<string, unknown>): Promise<boolean> {
  try {
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
    return true;
  } catch (error) {
    if (error instanceof TaskDoesNotExist || error instanceof InvalidToken || error instanceof TaskTimedOut)
      return false;
    throw error;
  }
}

/** Stops an order's execution (after a cancellation wrote its outcome); a finished one is left alone. */
export async function stopExecution(name: string, cause: string): Promise<void> {
  try {
    await sfn.send(new StopExecutionCommand({ executionArn: executionArn(name), cause }));
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist) return;
    throw error;
  }
}

/** Is the order's current execution still running? A missing one is not. */
export async function isExecutionRunning(name: string): Promise<boolean> {
  try {
    const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn: executionArn(name) }));
    return status === 'RUNNING';
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist) return false;
    throw error;
  }
}
