import { join } from 'node:path';
import { loadDefinition, type StateMachineDefinition } from './asl.js';
import { StepFunctionsEngine, type EngineOptions } from './engine.js';
import { serveStepFunctions } from './server.js';
import { FileExecutionStore, memoryStore } from './store.js';
import type { LambdaHandler } from './lambda.js';
import type { StateMachineRole } from './tasks.js';

export { StepFunctionsEngine, TASK_TOKEN_PLACEHOLDER } from './engine.js';
export type { EngineOptions, ExecutionDescription, ExecutionSummary } from './engine.js';
export type { HistoryEvent } from './history.js';
export type { ExecutionRecord, ExecutionStatus, ExecutionStore, RetiredRecord } from './store.js';
export { FileExecutionStore, memoryStore } from './store.js';
export type { LambdaHandler } from './lambda.js';
export { lambdaError } from './lambda.js';
export type { StateMachineRole } from './tasks.js';
export { loadDefinition, substitute } from './asl.js';
export type { StateMachineDefinition } from './asl.js';
export { serveStepFunctions } from './server.js';
export { systemClock } from './timers.js';
export type { Clock } from './timers.js';

export interface LocalStepFunctionsOptions {
  /** An ASL file with `${...}` placeholders, or a definition (object or JSON text) to bind. */
  definitionPath?: string;
  definition?: StateMachineDefinition | string;
  /** Values for the placeholders, as CDK's definitionSubstitutions would bind them. */
  substitutions?: Record<string, string>;
  /** Lambda handlers by function ARN or name. */
  handlers?: Record<string, LambdaHandler>;
  /** State machine name (default `orderflow`) and the account/region its ARN is built from. */
  stateMachineName?: string;
  region?: string;
  accountId?: string;
  /** Executions are kept under `<dataDir>/<state machine name>/`; in memory only when absent. */
  dataDir?: string;
  /** Port for the Step Functions API (0, the default, picks a free one); `false` serves no HTTP. */
  port?: number | false;
  /** SQS endpoint for `sqs:sendMessage` tasks; otherwise AWS_ENDPOINT_URL_SQS as the SDK reads it. */
  sqsEndpoint?: string;
  overrides?: EngineOptions['overrides'];
  maxConcurrentInvocations?: number;
  /** The state machine's IAM role, when the caller enforces one. */
  role?: StateMachineRole;
  /** The engine's time (default: the system's); a test passes one it moves by hand. */
  clock?: EngineOptions['clock'];
}

export interface LocalStepFunctions {
  /** The URL to give the SDK (`AWS_ENDPOINT_URL_SFN` or the client's `endpoint`); empty without HTTP. */
  endpoint: string;
  stateMachineArn: string;
  engine: StepFunctionsEngine;
  /**
   * Stops serving and running. Running executions are not ended: with a dataDir they resume at the
   * next start on the same directory, as after a crash.
   */
  stop(): Promise<void>;
}

/** Starts a Step Functions-compatible engine (and, unless `port: false`, its API) for one definition. */
export async function startLocalStepFunctions(
  options: LocalStepFunctionsOptions,
): Promise<LocalStepFunctions> {
  const source = options.definition ?? options.definitionPath;
  if (source === undefined) throw new Error('give definitionPath or definition');
  const definition = loadDefinition(source, options.substitutions, options.definition === undefined);
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const name = options.stateMachineName ?? 'orderflow';
  const stateMachineArn = `arn:aws:states:${region}:${options.accountId ?? '000000000000'}:stateMachine:${name}`;
  const engine = await StepFunctionsEngine.open({
    definition,
    stateMachineArn,
    region,
    handlers: options.handlers ?? {},
    store: options.dataDir ? new FileExecutionStore(join(options.dataDir, name)) : memoryStore(),
    ...(options.sqsEndpoint ? { sqsEndpoint: options.sqsEndpoint } : {}),
    ...(options.overrides ? { overrides: options.overrides } : {}),
    ...(options.maxConcurrentInvocations
      ? { maxConcurrentInvocations: options.maxConcurrentInvocations }
      : {}),
    ...(options.role ? { role: options.role } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const server =
    options.port === false ? undefined : await serveStepFunctions(engine, { port: options.port ?? 0 });
  return {
    endpoint: server?.endpoint ?? '',
    stateMachineArn,
    engine,
    stop: async () => {
      await server?.close();
      await engine.shutdown();
    },
  };
}
