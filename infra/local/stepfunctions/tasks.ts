import { randomUUID } from 'node:crypto';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { HistoryEventType } from '@aws-sdk/client-sfn';
import { referencePath, taskStates, type StateMachineDefinition, type TaskStateDefinition } from './asl.js';
import { ExecutionInterrupted, TaskError } from './errors.js';
import { LAMBDA_ARN, LambdaInvoker, type Gate, type LambdaHandler } from './lambda.js';
import type { Clock } from './timers.js';

/** A value as it crosses the wire as JSON: what states take and give. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What a Task needs from the execution it runs in. */
export interface TaskRun {
  readonly executionArn: string;
  readonly context: Record<string, unknown>;
  /** Set once the execution is stopped or the engine shuts down: no further task may start. */
  readonly interrupted: boolean;
  record(type: HistoryEventType, details?: Record<string, unknown>): void;
  /** Resolves once the state entry that led here is durable, so a side effect never precedes it. */
  entryPersisted(): Promise<void>;
  /** A fresh task token for this state, and the outcome SendTaskSuccess/Failure will give it. */
  awaitTaskToken(state: string, deadline: number, heartbeatSeconds: number | undefined): TaskTokenWait;
}

export interface TaskTokenWait {
  token: string;
  outcome: Promise<Json>;
  /** Forgets the token: the state has moved on (failed before it was sent, or timed out). */
  cancel(): void;
}

export interface TaskBindingOptions {
  /** Lambda handlers by function ARN or function name. */
  handlers: Record<string, LambdaHandler>;
  region: string;
  /** Endpoint for the `sqs:sendMessage` integration; the SDK's own configuration when absent. */
  sqsEndpoint?: string;
  /** At most this many Lambda handlers run at once, as a function's reserved concurrency would. */
  maxConcurrentInvocations: number;
  /** The placeholder the library puts where a Parameters template reads `$$.Task.Token`. */
  tokenPlaceholder: string;
  /** The state machine's role, when the caller enforces one; otherwise it may do anything. */
  role?: StateMachineRole;
  /** What task timeouts and callback deadlines are measured on. */
  clock: Clock;
}

/** What the state machine's own IAM role allows, as the caller models it. */
export interface StateMachineRole {
  /** Why the role may not invoke the function, or undefined if it may. */
  denyInvoke(functionArn: string): string | undefined;
  /** Runs the state machine's own AWS calls (service integrations) as the role. */
  run<T>(work: () => Promise<T>): Promise<T>;
}

/** A Task state's work, given the execution and the state's effective input (after Parameters). */
export type TaskFunction = (run: TaskRun, input: Json) => Promise<Json>;

const CALLBACK_SUFFIX = '.waitForTaskToken';
const DEFAULT_TIMEOUT_SECONDS = 60;

/**
 * Turns every Task state of a definition into a local function: Lambda ARNs and `lambda:invoke` call
 * the registered handler in process, `sqs:sendMessage` calls the SQS endpoint, and `.waitForTaskToken`
 * variants issue a token and wait for it. An unsupported resource fails here, when the engine starts,
 * not in the middle of an execution.
 */
export function bindTasks(
  definition: StateMachineDefinition,
  options: TaskBindingOptions,
  overridden: ReadonlySet<string> = new Set(),
): Map<string, TaskFunction> {
  const invoker = new LambdaInvoker(options);
  let sqs: SQSClient | undefined;
  const sqsClient = () =>
    (sqs ??= new SQSClient({
      region: options.region,
      ...(options.sqsEndpoint ? { endpoint: options.sqsEndpoint } : {}),
    }));
  const bound = new Map<string, TaskFunction>();
  for (const [name, state] of taskStates(definition)) {
    if (overridden.has(name)) continue;
    const resource = state.Resource;
    const lambda = LAMBDA_ARN.exec(resource);
    if (lambda) {
      invoker.require(resource, name);
      bound.set(
        name,
        timed(
          state,
          options.clock,
          (run, input, timeout) => invoker.direct(run, resource, input, timeout),
          invoker.gate,
        ),
      );
      continue;
    }
    const integration = /^arn:aws[\w-]*:states:::([\w-]+):(\w+)(\.waitForTaskToken)?$/.exec(resource);
    const service = integration ? `${integration[1]}:${integration[2]}` : undefined;
    const effect: Effect | undefined =
      service === 'lambda:invoke'
        ? (input) => invoker.gate(() => invoker.integration(input))
        : service === 'sqs:sendMessage'
          ? (input) => sendMessage(sqsClient(), input, options.role)
          : undefined;
    if (!integration || !effect) {
      throw new Error(
        `state ${name}: resource ${resource} is not supported locally; override the state to run it`,
      );
    }
    const detail = { resourceType: integration[1]!, resource: integration[2]! };
    bound.set(
      name,
      integration[3]
        ? callback(name, state, detail, effect, options)
        : timed(state, options.clock, (run, input, timeout) =>
            serviceTask(run, detail, effect, input, timeout, options),
          ),
    );
  }
  return bound;
}

type Effect = (input: Json) => Promise<Json>;
type ResourceDetail = { resourceType: string; resource: string };

/** The state's timeout exactly as the library computes it, so both agree on when it fires. */
function timeoutSeconds(state: TaskStateDefinition, input: Json, context: unknown): number {
  if (state.TimeoutSeconds) return state.TimeoutSeconds;
  if (state.TimeoutSecondsPath) {
    const value = referencePath(state.TimeoutSecondsPath, input, context);
    if (typeof value === 'number' && value >= 1) return value;
  }
  return DEFAULT_TIMEOUT_SECONDS;
}

const TIMED_OUT = Symbol('timed out');

/**
 * Runs a task under the state's timeout. The timer is set before the library sets its own, so it
 * fires first: the timeout is recorded in the history and a late result is dropped, not recorded.
 * A `gate` (the Lambda workers) is passed before the timer starts: a task waiting for a free worker is
 * throttled, not running, and its timeout is for the function's run.
 */
function timed(
  state: TaskStateDefinition,
  clock: Clock,
  work: (run: TaskRun, input: Json, timeout: { seconds: number; expired: () => boolean }) => Promise<Json>,
  gate: Gate = (task) => task(),
): TaskFunction {
  return (run, input) => gate(() => timedRun(state, clock, work, run, input));
}

function timedRun(
  state: TaskStateDefinition,
  clock: Clock,
  work: (run: TaskRun, input: Json, timeout: { seconds: number; expired: () => boolean }) => Promise<Json>,
  run: TaskRun,
  input: Json,
): Promise<Json> {
  if (run.interrupted) return Promise.reject(new ExecutionInterrupted('execution is no longer running'));
  const seconds = timeoutSeconds(state, input, run.context);
  let expired = false;
  let cancel!: () => void;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    cancel = clock.after(seconds * 1000, () => {
      expired = true;
      resolve(TIMED_OUT);
    });
  });
  const done = work(run, input, { seconds, expired: () => expired });
  return Promise.race([done, timeout]).then(
    (result) => {
      cancel();
      if (result === TIMED_OUT) throw new TaskError('States.Timeout', 'Task timed out.');
      return result;
    },
    (error: unknown) => {
      cancel();
      throw error;
    },
  );
}

/** `sqs:sendMessage` as the optimized integration does it: an object MessageBody is sent as JSON. */
async function sendMessage(client: SQSClient, input: Json, role?: StateMachineRole): Promise<Json> {
  const { QueueUrl, MessageBody, ...rest } = (input ?? {}) as Record<string, Json>;
  const send = () =>
    client.send(
      new SendMessageCommand({
        ...(rest as object),
        QueueUrl: QueueUrl as string,
        MessageBody: typeof MessageBody === 'string' ? MessageBody : JSON.stringify(MessageBody),
      }),
    );
  try {
    const sent = await (role ? role.run(send) : send());
    return {
      MessageId: sent.MessageId ?? null,
      MD5OfMessageBody: sent.MD5OfMessageBody ?? null,
      SdkHttpMetadata: { HttpStatusCode: 200 },
      SdkResponseMetadata: { RequestId: sent.$metadata.requestId ?? randomUUID() },
    };
  } catch (error) {
    const failure = error as Error & { $metadata?: { httpStatusCode?: number; requestId?: string } };
    const status = failure.$metadata?.httpStatusCode;
    if (status !== undefined) {
      throw new TaskError(
        'SQS.AmazonSQSException',
        `${failure.message} (Service: AmazonSQS; Status Code: ${status}; Error Code: ${failure.name}; ` +
          `Request ID: ${failure.$metadata?.requestId ?? 'null'}; Proxy: null)`,
      );
    }
    throw new TaskError('SQS.SdkClientException', failure.message);
  }
}

/** A service integration that returns as soon as the call does. */
async function serviceTask(
  run: TaskRun,
  detail: ResourceDetail,
  effect: Effect,
  input: Json,
  timeout: { seconds: number; expired: () => boolean },
  options: TaskBindingOptions,
): Promise<Json> {
  await run.entryPersisted();
  if (run.interrupted) throw new ExecutionInterrupted('execution is no longer running');
  run.record('TaskScheduled', {
    ...detail,
    region: options.region,
    parameters: JSON.stringify(input),
    timeoutInSeconds: timeout.seconds,
  });
  run.record('TaskStarted', detail);
  try {
    const output = await effect(input);
    if (!timeout.expired()) run.record('TaskSucceeded', { ...detail, output: JSON.stringify(output) });
    return output;
  } catch (error) {
    const failure = error instanceof TaskError ? error : new TaskError('States.TaskFailed', String(error));
    if (!timeout.expired())
      run.record('TaskFailed', { ...detail, error: failure.name, cause: failure.message });
    throw failure;
  } finally {
    if (timeout.expired()) run.record('TaskTimedOut', { ...detail, error: 'States.Timeout', cause: '' });
  }
}

function replaceToken(value: Json, placeholder: string, token: string): Json {
  if (value === placeholder) return token;
  if (Array.isArray(value)) return value.map((item) => replaceToken(item, placeholder, token));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, replaceToken(item, placeholder, token)]),
    );
  }
  return value;
}

/**
 * `.waitForTaskToken`: issue a token, put it where the Parameters template read `$$.Task.Token`, run
 * the integration, then wait for SendTaskSuccess / SendTaskFailure, the timeout or the heartbeat.
 * The token and its deadline exist from the first synchronous step, so the timer here fires before
 * the library's and the history shows TaskTimedOut rather than a bare failure.
 */
function callback(
  state: string,
  definition: TaskStateDefinition & { HeartbeatSeconds?: number },
  detail: ResourceDetail,
  effect: Effect,
  options: TaskBindingOptions,
): TaskFunction {
  return async (run, input) => {
    if (run.interrupted) throw new ExecutionInterrupted('execution is no longer running');
    const seconds = timeoutSeconds(definition, input, run.context);
    const wait = run.awaitTaskToken(state, options.clock.now() + seconds * 1000, definition.HeartbeatSeconds);
    // Settled by the token, a stop, or the deadline; observed below, but never left unhandled.
    wait.outcome.catch(() => undefined);
    try {
      await run.entryPersisted();
      if (run.interrupted) throw new ExecutionInterrupted('execution is no longer running');
      const parameters = replaceToken(input, options.tokenPlaceholder, wait.token);
      run.record('TaskScheduled', {
        ...detail,
        resource: `${detail.resource}${CALLBACK_SUFFIX}`,
        region: options.region,
        parameters: JSON.stringify(parameters),
        timeoutInSeconds: seconds,
        ...(definition.HeartbeatSeconds ? { heartbeatInSeconds: definition.HeartbeatSeconds } : {}),
      });
      const callbackDetail = { ...detail, resource: `${detail.resource}${CALLBACK_SUFFIX}` };
      run.record('TaskStarted', callbackDetail);
      try {
        const submitted = await effect(parameters);
        run.record('TaskSubmitted', { ...callbackDetail, output: JSON.stringify(submitted) });
      } catch (error) {
        const failure =
          error instanceof TaskError ? error : new TaskError('States.TaskFailed', String(error));
        run.record('TaskFailed', { ...callbackDetail, error: failure.name, cause: failure.message });
        throw failure;
      }
      try {
        const output = await wait.outcome;
        run.record('TaskSucceeded', { ...callbackDetail, output: JSON.stringify(output) });
        return output;
      } catch (error) {
        if (
          error instanceof TaskError &&
          error.name.startsWith('States.') &&
          error.name.endsWith('Timeout')
        ) {
          run.record('TaskTimedOut', { ...callbackDetail, error: error.name, cause: error.message });
        } else if (error instanceof TaskError) {
          run.record('TaskFailed', { ...callbackDetail, error: error.name, cause: error.message });
        }
        throw error;
      }
    } finally {
      wait.cancel();
    }
  };
}
