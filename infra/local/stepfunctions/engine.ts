import { randomUUID } from 'node:crypto';
import type { RunOptions } from 'aws-local-stepfunctions';
import type { StateMachineDefinition } from './asl.js';
import { TaskDispatch } from './dispatch.js';
import { apiError } from './errors.js';
import { ExecutionTable, type Execution } from './execution.js';
import { toWire, type HistoryEvent } from './history.js';
import { paginate, type Cursor, type PageRequest } from './pagination.js';
import { Persistence } from './persistence.js';
import { ExecutionRunner } from './runner.js';
import {
  StateMachineDescription,
  type StateMachineConfiguration,
  type StateMachineListItem,
} from './state-machine.js';
import { memoryStore, type ExecutionRecord, type ExecutionStatus, type ExecutionStore } from './store.js';
import type { LambdaHandler } from './lambda.js';
import type { Json, StateMachineRole } from './tasks.js';
import { systemClock, within, type Clock } from './timers.js';
import { TaskTokens } from './tokens.js';

export { TASK_TOKEN_PLACEHOLDER } from './dispatch.js';
export type { StateMachineConfiguration, StateMachineListItem } from './state-machine.js';

export interface EngineOptions {
  /** The definition with its placeholders already bound. */
  definition: StateMachineDefinition;
  stateMachineArn: string;
  roleArn?: string;
  /** Lambda handlers by function ARN or name, for Lambda Tasks and `lambda:invoke` integrations. */
  handlers?: Record<string, LambdaHandler>;
  /** Where executions are kept; nothing survives the process without one. */
  store?: ExecutionStore;
  region?: string;
  sqsEndpoint?: string;
  /**
   * Passed to aws-local-stepfunctions. `taskResourceLocalHandlers` replace the engine's own binding
   * of those states (by state name); wait and retry overrides are in milliseconds.
   */
  overrides?: RunOptions['overrides'];
  /** Lambda handlers running at once across all executions (default 64); the rest queue. */
  maxConcurrentInvocations?: number;
  /** The state machine's IAM role, when the caller enforces one. */
  role?: StateMachineRole;
  /** The engine's time (default: the system's); a test passes one it moves by hand. */
  clock?: Clock;
}

export interface ExecutionSummary {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
}

export interface ExecutionDescription extends ExecutionSummary {
  input?: string;
  inputDetails: { included: boolean };
  output?: string;
  outputDetails?: { included: boolean };
  error?: string;
  cause?: string;
  redriveCount: number;
  redriveStatus: 'NOT_REDRIVABLE';
  redriveStatusReason: string;
}

/** DescribeExecution's `includedData`: METADATA_ONLY leaves out the input and output. */
export type IncludedData = 'ALL_DATA' | 'METADATA_ONLY';

const NAME_SHAPE = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;
const MAX_INPUT_BYTES = 256 * 1024;
const DEFAULT_ROLE_ARN = 'arn:aws:iam::000000000000:role/orderflow-local-state-machine';

/**
 * Runs one state machine definition with aws-local-stepfunctions, with the parts Step Functions adds
 * around it: named executions and their dedupe rule, task tokens, stop, an AWS-shaped history, and
 * durability (every state entry is persisted; a restart resumes each running execution in its state).
 *
 * This class is the API; the work is done by its parts: the executions (execution.ts), their runs from
 * start or restart to close (runner.ts), Task dispatch (dispatch.ts) and callback tokens (tokens.ts),
 * the timers the engine keeps itself (timers.ts), persistence (persistence.ts), and the state
 * machine's own description (state-machine.ts).
 */
export class StepFunctionsEngine {
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
  private readonly executions: ExecutionTable;
  private readonly persistence: Persistence;
  private readonly tokens: TaskTokens;
  private readonly runner: ExecutionRunner;
  private readonly stateMachine: StateMachineDescription;
  private readonly clock: Clock;
  private closed = false;

  private constructor(options: EngineOptions) {
    const roleArn = options.roleArn ?? DEFAULT_ROLE_ARN;
    this.clock = options.clock ?? systemClock;
    this.executions = new ExecutionTable(options.stateMachineArn);
    this.stateMachine = new StateMachineDescription(
      options.stateMachineArn,
      options.definition,
      roleArn,
      () => this.executions.earliestStart,
      this.clock.now(),
    );
    this.stateMachineArn = options.stateMachineArn;
    this.stateMachineName = this.stateMachine.name;
    this.persistence = new Persistence(options.store ?? memoryStore(), this.executions);
    this.tokens = new TaskTokens(this.persistence, this.clock);
    const dispatch = new TaskDispatch(
      options.definition,
      {
        handlers: options.handlers ?? {},
        region: options.region ?? 'us-east-1',
        ...(options.sqsEndpoint ? { sqsEndpoint: options.sqsEndpoint } : {}),
        maxConcurrentInvocations: options.maxConcurrentInvocations ?? 64,
        ...(options.role ? { role: options.role } : {}),
        ...(options.overrides?.taskResourceLocalHandlers
          ? { overridden: options.overrides.taskResourceLocalHandlers }
          : {}),
      },
      this.tokens,
      this.clock,
    );
    this.runner = new ExecutionRunner(
      {
        definition: options.definition,
        stateMachineArn: this.stateMachineArn,
        stateMachineName: this.stateMachineName,
        roleArn,
        ...(options.overrides ? { overrides: options.overrides } : {}),
      },
      dispatch,
      this.tokens,
      this.persistence,
      this.clock,
    );
  }

  /** Opens the store and resumes every execution that was running when the last process ended. */
  static async open(options: EngineOptions): Promise<StepFunctionsEngine> {
    const engine = new StepFunctionsEngine(options);
    const records = await engine.persistence.load();
    for (const record of records) {
      const execution = engine.executions.track(record);
      if (record.status === 'RUNNING') engine.runner.resume(execution);
    }
    return engine;
  }

  executionArn(name: string): string {
    return this.executions.arn(name);
  }

  // ---- the API -----------------------------------------------------------------------------------

  startExecution(request: { name?: string; input?: string; stateMachineArn?: string }): {
    executionArn: string;
    startDate: Date;
  } {
    this.assertOpen();
    if (request.stateMachineArn !== undefined && request.stateMachineArn !== this.stateMachineArn) {
      throw apiError.stateMachineDoesNotExist(request.stateMachineArn);
    }
    const name = request.name ?? randomUUID();
    if (!NAME_SHAPE.test(name)) throw apiError.invalidName(name);
    const input = request.input ?? '{}';
    if (Buffer.byteLength(input) > MAX_INPUT_BYTES) throw apiError.invalidExecutionInput('input too large');
    let parsed: Json;
    try {
      parsed = JSON.parse(input) as Json;
    } catch (error) {
      throw apiError.invalidExecutionInput((error as Error).message);
    }
    const existing = this.executions.get(name);
    if (existing) {
      // AWS's rule: the same name and input while it runs is the same start; anything else is a conflict.
      const { record } = existing;
      if (record.history && record.status === 'RUNNING' && record.input === input) {
        return { executionArn: record.executionArn, startDate: new Date(record.startDate) };
      }
      throw apiError.executionAlreadyExists(this.executionArn(record.name));
    }
    const record: ExecutionRecord = {
      name,
      executionArn: this.executionArn(name),
      input,
      status: 'RUNNING',
      startDate: this.clock.now(),
      history: [],
    };
    this.runner.start(this.executions.track(record), parsed);
    return { executionArn: record.executionArn, startDate: new Date(record.startDate) };
  }

  /** startExecution, answered once the start is durable: an acknowledged start survives a crash. */
  async startExecutionDurably(request: { name?: string; input?: string; stateMachineArn?: string }) {
    const started = this.startExecution(request);
    await this.executions.get(started.executionArn.split(':').pop()!)?.persisted;
    return started;
  }

  describeExecution(executionArn: string, includedData: IncludedData = 'ALL_DATA'): ExecutionDescription {
    const record = this.persistence.full(this.executions.find(executionArn));
    const data = includedData !== 'METADATA_ONLY';
    return {
      executionArn: record.executionArn,
      stateMachineArn: this.stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: new Date(record.startDate),
      ...(record.stopDate !== undefined ? { stopDate: new Date(record.stopDate) } : {}),
      ...(data ? { input: record.input } : {}),
      inputDetails: { included: data },
      ...(record.output !== undefined
        ? { ...(data ? { output: record.output } : {}), outputDetails: { included: data } }
        : {}),
      ...(record.error !== undefined ? { error: record.error } : {}),
      ...(record.cause !== undefined ? { cause: record.cause } : {}),
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
      // AWS's wording for a running or succeeded execution; a failed one it could redrive, this endpoint cannot.
      redriveStatusReason:
        record.status === 'RUNNING' || record.status === 'SUCCEEDED'
          ? `Execution is ${record.status} and cannot be redriven`
          : 'The local Step Functions endpoint does not redrive executions',
    };
  }

  /** Newest first, as AWS lists them. */
  listExecutions(request: PageRequest & { stateMachineArn?: string; statusFilter?: ExecutionStatus } = {}): {
    executions: ExecutionSummary[];
    nextToken?: string;
  } {
    if (request.stateMachineArn !== undefined) this.stateMachine.assertArn(request.stateMachineArn);
    const all = [...this.executions.values()]
      .map((execution) => execution.record)
      .filter((record) => !request.statusFilter || record.status === request.statusFilter)
      .sort((a, b) => b.startDate - a.startDate || (a.name < b.name ? -1 : 1));
    const { page, nextToken } = paginate(all, request, newestFirst);
    return {
      executions: page.map((record) => ({
        executionArn: this.executionArn(record.name),
        stateMachineArn: this.stateMachineArn,
        name: record.name,
        status: record.status,
        startDate: new Date(record.startDate),
        ...(record.stopDate !== undefined ? { stopDate: new Date(record.stopDate) } : {}),
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  /** Stops a running execution (ABORTED); a closed one is left as it is, and keeps its stop date. */
  async stopExecution(executionArn: string, details: { error?: string; cause?: string } = {}): Promise<Date> {
    const execution = this.executions.find(executionArn);
    if (execution.record.status !== 'RUNNING') return new Date(execution.record.stopDate ?? this.clock.now());
    this.runner.stop(execution, details);
    await execution.persisted;
    return new Date(execution.record.stopDate!);
  }

  /** Resolves once the outcome is durable, so an acknowledged release survives a crash. */
  async sendTaskSuccess(taskToken: string, output: string): Promise<void> {
    let parsed: Json;
    try {
      parsed = JSON.parse(output) as Json;
    } catch (error) {
      throw apiError.invalidOutput((error as Error).message);
    }
    await this.tokens.deliver(taskToken, { output: parsed });
  }

  async sendTaskFailure(taskToken: string, error = '', cause = ''): Promise<void> {
    await this.tokens.deliver(taskToken, { error, cause });
  }

  sendTaskHeartbeat(taskToken: string): void {
    this.tokens.heartbeat(taskToken);
  }

  getExecutionHistory(
    executionArn: string,
    request: PageRequest & { reverseOrder?: boolean; includeExecutionData?: boolean } = {},
  ): { events: Record<string, unknown>[]; nextToken?: string } {
    const history = this.historyOf(this.executions.find(executionArn));
    const events = request.reverseOrder ? [...history].reverse() : history;
    const { page, nextToken } = paginate(
      events,
      request,
      request.reverseOrder ? newerEvents.reversed : newerEvents,
    );
    return {
      events: page.map((event) => toWire(event, request.includeExecutionData ?? true)),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  /** The one state machine this engine runs. */
  listStateMachines(request: PageRequest = {}): {
    stateMachines: StateMachineListItem[];
    nextToken?: string;
  } {
    return this.stateMachine.list(request);
  }

  describeStateMachine(
    stateMachineArn: string,
  ): StateMachineListItem & StateMachineConfiguration & { status: 'ACTIVE' } {
    return this.stateMachine.describe(stateMachineArn);
  }

  /** The definition an execution runs: always the one this engine loaded. */
  describeStateMachineForExecution(
    executionArn: string,
  ): Omit<StateMachineListItem, 'type' | 'creationDate'> & StateMachineConfiguration & { updateDate: Date } {
    this.executions.find(executionArn);
    return this.stateMachine.forExecution();
  }

  // ---- for tests and the local runtime -----------------------------------------------------------

  /** The raw history of an execution (epoch-millisecond timestamps). */
  history(nameOrArn: string): HistoryEvent[] {
    return this.historyOf(this.executions.find(nameOrArn));
  }

  /**
   * How many states the execution has entered, restarts included: Step Functions' state transitions.
   * Read from the persisted history, so it survives a restart (a resumed state counts twice).
   */
  stateEnteredCount(nameOrArn: string): number {
    return this.statesEntered(nameOrArn).length;
  }

  /** The states entered, in order, from the persisted history. */
  statesEntered(nameOrArn: string): string[] {
    return this.history(nameOrArn)
      .filter((event) => event.type.endsWith('StateEntered'))
      .map((event) => (event.stateEnteredEventDetails as { name: string }).name);
  }

  /** The token the execution's current callback state waits on, if any. */
  taskToken(nameOrArn: string): string | undefined {
    const execution = this.executions.find(nameOrArn);
    return [...execution.tokens].at(-1)?.token;
  }

  /** Resolves when the execution is no longer running; rejects after `timeoutMs` if given. */
  async awaitExecution(nameOrArn: string, timeoutMs?: number): Promise<ExecutionDescription> {
    const execution = this.executions.find(nameOrArn);
    if (timeoutMs === undefined) await execution.finished;
    else {
      await within(
        execution.finished,
        timeoutMs,
        () =>
          new Error(
            `execution ${execution.record.name} still running after ${timeoutMs} ms, in ${execution.record.currentState}`,
          ),
      );
    }
    return this.describeExecution(this.executionArn(execution.record.name));
  }

  /** Every execution currently running. */
  running(): string[] {
    return [...this.executions.values()]
      .filter((e) => e.record.status === 'RUNNING')
      .map((e) => e.record.name);
  }

  /**
   * Shuts down without ending anything: running executions stay RUNNING in the store and resume at
   * the next start. Handlers already in flight finish on their own; their effects are idempotent.
   */
  async shutdown(): Promise<void> {
    this.closed = true;
    for (const execution of this.executions.values()) {
      if (execution.record.status !== 'RUNNING' || execution.detached) continue;
      this.runner.detach(execution);
    }
    await this.persistence.close();
  }

  private historyOf(execution: Execution): HistoryEvent[] {
    return this.persistence.full(execution).history;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the Step Functions engine is shut down');
  }
}

/** ListExecutions' order: newest first, then by name. */
const newestFirst: Cursor<Pick<ExecutionRecord, 'startDate' | 'name'>, [number, string]> = {
  key: (record) => [record.startDate, record.name],
  after: (record, [startDate, name]) =>
    record.startDate < startDate || (record.startDate === startDate && record.name > name),
};

const newerEvents = {
  key: (event: HistoryEvent) => event.id,
  after: (event: HistoryEvent, id: number) => event.id > id,
  reversed: {
    key: (event: HistoryEvent) => event.id,
    after: (event: HistoryEvent, id: number) => event.id < id,
  },
} satisfies Cursor<HistoryEvent, number> & { reversed: Cursor<HistoryEvent, number> };
