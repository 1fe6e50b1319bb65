import type { Context } from 'aws-lambda';
import { lambdaContext } from '../lambda-context.js';
import type { AwsFaults } from './faults.js';
import { runAs } from './sdk-parity.js';
import type { FunctionModel } from './stack-model.js';

/** An in-process Lambda handler, as the function's module exports it (middy handlers included). */
export type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** An error whose name is the one Lambda (and so Step Functions) reports for it. */
class LambdaRuntimeError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export interface DeployedOptions {
  /** The function's name on AWS, for its context (`orderflow-verify-payment`). */
  functionName: string;
  functionArn: string;
  /** Invocations by the state machine may be throttled by the fault drill, as Lambda throttles them. */
  faults?: () => AwsFaults | undefined;
}

/**
 * A handler run as the deployed function runs: with the timeout and memory the stack gives it, its SDK
 * calls authorized against its role (see sdk-parity.ts), and, past its timeout, failed with the error
 * Lambda reports, `Sandbox.Timedout`, whatever the handler is still doing (Lambda would freeze it; here it
 * runs on, but its result is dropped).
 */
export function asDeployed(
  name: string,
  handler: Handler,
  modelOf: () => FunctionModel,
  options: DeployedOptions,
): Handler {
  return async (event) => {
    const model = modelOf();
    const principal = { name, statements: model.statements };
    if (options.faults?.()?.throttleInvocation()) {
      throw new LambdaRuntimeError('Lambda.TooManyRequestsException', 'Rate Exceeded.');
    }
    const timeoutMs = model.timeoutSeconds * 1000;
    const context = lambdaContext(
      options.functionName,
      Date.now() + timeoutMs,
      options.functionArn,
      model.memorySize,
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new LambdaRuntimeError(
              'Sandbox.Timedout',
              `${new Date().toISOString()} ${context.awsRequestId} Task timed out after ` +
                `${model.timeoutSeconds.toFixed(2)} seconds`,
            ),
          ),
        timeoutMs,
      );
    });
    const run = runAs(principal, () => handler(event, context));
    // A run that ends after its timeout is dropped; its rejection must not go unhandled.
    run.catch(() => undefined);
    try {
      return await Promise.race([run, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  };
}
