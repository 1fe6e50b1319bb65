import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { ExecutionInterrupted, TaskError } from './errors.js';
import { payloadDetails } from './history.js';
import type { Json, TaskBindingOptions, TaskRun } from './tasks.js';
import { lambdaContext } from '../lambda-context.js';

type LambdaOptions = Pick<TaskBindingOptions, 'handlers' | 'region' | 'maxConcurrentInvocations' | 'role'>;

/** An in-process Lambda handler, as the function's module exports it (middy handlers included). */
export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

export const LAMBDA_ARN = /^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:([\w-]+)(?::[\w$-]+)?$/;

/** At most `limit` tasks at once; the rest wait their turn, in order. */
class Semaphore {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.active++;
    try {
      return await work();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/** Runs a task once a worker is free. */
export type Gate = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * A Lambda error as Step Functions reports it: `Error` is the function's error type and `Cause` the
 * JSON the Lambda runtime writes for it (mark-status reads errorMessage out of that JSON).
 */
export function lambdaError(error: unknown): TaskError {
  const errorType = error instanceof Error ? error.name || 'Error' : 'Error';
  const errorMessage = error instanceof Error ? error.message : String(error);
  const trace = error instanceof Error && error.stack ? error.stack.split('\n') : [];
  return new TaskError(errorType, JSON.stringify({ errorType, errorMessage, trace }));
}

/** What a Lambda returns crosses the wire as JSON; undefined becomes null, as on AWS. */
function asJson(value: unknown): Json {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as Json);
}

/**
 * Runs the registered Lambda handlers in process, as a Task state's Resource or the `lambda:invoke`
 * integration calls them: at most `maxConcurrentInvocations` at once, as the state machine's role
 * allows, with a Lambda context and the error shape the Lambda runtime reports.
 */
export class LambdaInvoker {
  private readonly byName = new Map<string, { handler: LambdaHandler; arn: string }>();
  private readonly slots: Semaphore;

  constructor(private readonly options: LambdaOptions) {
    this.slots = new Semaphore(options.maxConcurrentInvocations);
    for (const [key, handler] of Object.entries(options.handlers)) {
      const name = LAMBDA_ARN.exec(key)?.[1] ?? key;
      const arn = LAMBDA_ARN.test(key)
        ? key
        : `arn:aws:lambda:${options.region}:000000000000:function:${key}`;
      this.byName.set(name, { handler, arn });
    }
  }

  private find(functionRef: string): { name: string; handler: LambdaHandler; arn: string } | undefined {
    const name = LAMBDA_ARN.exec(functionRef)?.[1] ?? functionRef.split(':')[0]!;
    const found = this.byName.get(name);
    return found && { name, ...found };
  }

  /** At most `maxConcurrentInvocations` functions run at once; the rest wait for a free worker. */
  readonly gate: Gate = (task) => this.slots.run(task);

  require(functionRef: string, state: string): void {
    if (!this.find(functionRef)) throw new Error(`state ${state}: no handler registered for ${functionRef}`);
  }

  async invoke(functionRef: string, payload: Json, timeoutSeconds: number): Promise<Json> {
    const target = this.find(functionRef);
    if (!target) {
      throw new TaskError(
        'Lambda.ResourceNotFoundException',
        `Function not found: ${functionRef} (Service: Lambda, Status Code: 404)`,
      );
    }
    const denied = this.options.role?.denyInvoke(target.arn);
    if (denied) throw new TaskError('Lambda.AWSLambdaException', denied);
    // The function itself runs in real time, whatever clock the engine keeps.
    const context = lambdaContext(target.name, Date.now() + timeoutSeconds * 1000, target.arn);
    try {
      return asJson(await target.handler(structuredClone(payload), context));
    } catch (error) {
      throw lambdaError(error);
    }
  }

  /** A Task whose Resource is the function's ARN: the state input (after Parameters) is the event. */
  async direct(
    run: TaskRun,
    arn: string,
    input: Json,
    timeout: { seconds: number; expired: () => boolean },
  ): Promise<Json> {
    await run.entryPersisted();
    if (run.interrupted) throw new ExecutionInterrupted('execution is no longer running');
    run.record('LambdaFunctionScheduled', {
      resource: arn,
      input: JSON.stringify(input),
      inputDetails: payloadDetails,
      timeoutInSeconds: timeout.seconds,
    });
    run.record('LambdaFunctionStarted');
    try {
      const output = await this.invoke(arn, input, timeout.seconds);
      if (timeout.expired()) return output;
      run.record('LambdaFunctionSucceeded', {
        output: JSON.stringify(output),
        outputDetails: payloadDetails,
      });
      return output;
    } catch (error) {
      if (!timeout.expired() && error instanceof TaskError) {
        run.record('LambdaFunctionFailed', { error: error.name, cause: error.message });
      }
      throw error;
    } finally {
      if (timeout.expired()) {
        run.record('LambdaFunctionTimedOut', { error: 'States.Timeout', cause: 'Task timed out.' });
      }
    }
  }

  /** `arn:aws:states:::lambda:invoke`: Parameters carry FunctionName and Payload; the result wraps it. */
  async integration(input: Json): Promise<Json> {
    const parameters = (input ?? {}) as { FunctionName?: unknown; Payload?: Json };
    if (typeof parameters.FunctionName !== 'string') {
      throw new TaskError('Lambda.InvalidParameterValueException', 'FunctionName is required');
    }
    const payload = await this.invoke(parameters.FunctionName, parameters.Payload ?? {}, 900);
    return {
      ExecutedVersion: '$LATEST',
      Payload: payload,
      StatusCode: 200,
      SdkHttpMetadata: { HttpStatusCode: 200 },
      SdkResponseMetadata: { RequestId: randomUUID() },
    };
  }
}
