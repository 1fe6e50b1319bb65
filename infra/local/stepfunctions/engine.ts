import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { HistoryEventType } from '@aws-sdk/client-sfn';
import { StateMachine, type RunOptions } from 'aws-local-stepfunctions';
import { referencePath, withEngineTimeouts, type StateMachineDefinition } from './asl.js';
import { apiError, ExecutionInterrupted } from './errors.js';
import { historyEvent, payloadDetails, stateEventType, toWire, type HistoryEvent } from './history.js';
import { paginate, type Cursor } from './pagination.js';
import {
  memoryStore,
  retiredRecord,
  type ExecutionRecord,
  type ExecutionStatus,
  type ExecutionStore,
  type RetiredRecord,
  type TaskOutcome,
} from './store.js';
import {
  bindTasks,
  TaskError,
  type LambdaHandler,
  type StateMachineRole,
  type TaskRun,
  type TaskTokenWait,
} from './tasks.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Overrides = NonNullable<RunOptions['overrides']>;

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
  overrides?: Overrides;
  /** Lambda handlers running at once across all executions (default 64); the rest queue. */
  maxConcurrentInvocations?: number;
  /** The state machine's IAM role, when the caller enforces one. */
  role?: StateMachineRole;
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

/** The fields DescribeStateMachine and DescribeStateMachineForExecution share. */
export interface StateMachineConfiguration {
  definition: string;
  roleArn: string;
  loggingConfiguration: { level: 'OFF'; includeExecutionData: false };
  tracingConfiguration: { enabled: false };
  revisionId: string;
}

export interface StateMachineListItem {
  stateMachineArn: string;
  name: string;
  type: 'STANDARD';
  creationDate: Date;
}

interface PageRequest {
  maxResults?: number;
  nextToken?: string;
}

/** Stands in for `$$.Task.Token` while the library evaluates Parameters; swapped for a real token. */
export const TASK_TOKEN_PLACEHOLDER = '__orderflow_local_task_token__';
const TOKEN_SHAPE = /^AQ[A-Za-z0-9_-]{43}$/;
const STATE_MACHINE_ARN_SHAPE = /^arn:aws[\w-]*:states:[\w-]+:\d{12}:stateMachine:[^:]+(:[^:]+)?$/;
const NAME_SHAPE = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;
const MAX_INPUT_BYTES = 256 * 1024;
/** Tokens remembered after their deadline, to answer TaskTimedOut rather than TaskDoesNotExist. */
const TIMED_OUT_MEMORY = 10_000;

interface TokenEntry {
  token: string;
  execution: Execution;
  state: string;
  settle(outcome: Outcome): void;
  heartbeat?: () => void;
}

type Outcome = TaskOutcome;

/**
 * A retired execution keeps only its summary in memory; its input, output and history are read back
 * from the store (`full`).
 */
type Retired = RetiredRecord & {
  history?: undefined;
  currentState?: undefined;
  currentInput?: undefined;
  taskToken?: undefined;
};

const SETTLED = Promise.resolve();
const NO_TOKENS: ReadonlySet<TokenEntry> = new Set();
const NOTHING = (): void => undefined;

interface Execution {
  /** The whole record while it runs; once finished and retired by the store, the fields the API answers. */
  record: ExecutionRecord | Retired;
  /** Set by its closing save: a finished execution is saved once, so the store may then retire it. */
  sealed: boolean;
  /** Why new tasks must not start: stopped, or the engine is shutting down (then nothing more is recorded). */
  interrupted: boolean;
  detached: boolean;
  abort?: () => void;
  persisted: Promise<void>;
  /** A caught state's exit is written when the next state is entered, whose input is its output. */
  pendingExit?: { type: string; name: string };
  tokens: Set<TokenEntry>;
  /** An outcome sent (with the old token) before a resumed callback state asked again. */
  buffered?: { state: string; outcome: Outcome };
  finished: Promise<void>;
  finish: () => void;
}

/**
 * Runs one state machine definition with aws-local-stepfunctions, with the parts Step Functions adds
 * around it: named executions and their dedupe rule, task tokens, stop, an AWS-shaped history, and
 * durability (every state entry is persisted; a restart resumes each running execution in its state).
 */
export class StepFunctionsEngine {
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
  private readonly executions = new Map<string, Execution>();
  private readonly tokens = new Map<string, TokenEntry>();
  /** Tokens issued before a restart, still honoured: they belong to the state the execution resumed in. */
  private readonly resumedTokens = new Map<string, { execution: Execution; state: string }>();
  private readonly timedOut = new Set<string>();
  private readonly machines = new Map<string, StateMachine>();
  private readonly libraryDefinition: StateMachineDefinition;
  private readonly tasks: ReturnType<typeof bindTasks>;
  private readonly store: ExecutionStore;
  private closed = false;
  /** When this engine loaded the definition: the state machine's last update, as far as a client can tell. */
  private readonly openedAt = Date.now();
  /** The oldest execution it knows, so the state machine is never younger than its executions. */
  private earliestStart = Number.POSITIVE_INFINITY;
  private readonly revisionId: string;

  private constructor(private readonly options: EngineOptions) {
    this.stateMachineArn = options.stateMachineArn;
    this.stateMachineName = options.stateMachineArn.split(':').at(-1)!;
    this.store = options.store ?? memoryStore();
    this.tasks = bindTasks(
      options.definition,
      {
        handlers: options.handlers ?? {},
        region: options.region ?? 'us-east-1',
        ...(options.sqsEndpoint ? { sqsEndpoint: options.sqsEndpoint } : {}),
        maxConcurrentInvocations: options.maxConcurrentInvocations ?? 64,
        tokenPlaceholder: TASK_TOKEN_PLACEHOLDER,
        ...(options.role ? { role: options.role } : {}),
      },
      new Set(Object.keys(options.overrides?.taskResourceLocalHandlers ?? {})),
    );
    this.libraryDefinition = withEngineTimeouts(options.definition, new Set(this.tasks.keys()));
    this.machine(options.definition.StartAt);
    this.revisionId = uuidFrom(
      createHash('sha256').update(JSON.stringify(options.definition)).update(this.roleArn).digest(),
    );
  }

  /** Opens the store and resumes every execution that was running when the last process ended. */
  static async open(options: EngineOptions): Promise<StepFunctionsEngine> {
    const engine = new StepFunctionsEngine(options);
    const records = await engine.store.load();
    for (const record of records) {
      const execution = engine.track(record);
      if (record.status === 'RUNNING') engine.resume(execution);
    }
    return engine;
  }

  executionArn(name: string): string {
    return `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
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
      startDate: Date.now(),
      history: [],
    };
    const execution = this.track(record);
    this.record(execution, 'ExecutionStarted', {
      input,
      inputDetails: payloadDetails,
      roleArn: this.roleArn,
    });
    this.persist(execution);
    this.launch(execution, this.options.definition.StartAt, parsed);
    return { executionArn: record.executionArn, startDate: new Date(record.startDate) };
  }

  /** startExecution, answered once the start is durable: an acknowledged start survives a crash. */
  async startExecutionDurably(request: { name?: string; input?: string; stateMachineArn?: string }) {
    const started = this.startExecution(request);
    await this.executions.get(started.executionArn.split(':').pop()!)?.persisted;
    return started;
  }

  describeExecution(executionArn: string, includedData: IncludedData = 'ALL_DATA'): ExecutionDescription {
    const record = this.full(this.find(executionArn));
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
    if (request.stateMachineArn !== undefined) this.assertStateMachine(request.stateMachineArn);
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
    const execution = this.find(executionArn);
    if (execution.record.status !== 'RUNNING') return new Date(execution.record.stopDate ?? Date.now());
    this.interrupt(execution, 'execution stopped');
    this.record(execution, 'ExecutionAborted', {
      ...(details.error !== undefined ? { error: details.error } : {}),
      ...(details.cause !== undefined ? { cause: details.cause } : {}),
    });
    this.close(execution, 'ABORTED', {
      ...(details.error !== undefined ? { error: details.error } : {}),
      ...(details.cause !== undefined ? { cause: details.cause } : {}),
    });
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
    await this.deliver(taskToken, { output: parsed });
  }

  async sendTaskFailure(taskToken: string, error = '', cause = ''): Promise<void> {
    await this.deliver(taskToken, { error, cause });
  }

  sendTaskHeartbeat(taskToken: string): void {
    const entry = this.tokenEntry(taskToken);
    if (!entry) {
      if (this.resumedTokens.has(taskToken)) return;
      throw this.unknownToken(taskToken);
    }
    entry.heartbeat?.();
  }

  getExecutionHistory(
    executionArn: string,
    request: PageRequest & { reverseOrder?: boolean; includeExecutionData?: boolean } = {},
  ): { events: Record<string, unknown>[]; nextToken?: string } {
    const history = this.historyOf(this.find(executionArn));
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
    const { page, nextToken } = paginate([this.stateMachineItem()], request, byName);
    return { stateMachines: page, ...(nextToken ? { nextToken } : {}) };
  }

  describeStateMachine(
    stateMachineArn: string,
  ): StateMachineListItem & StateMachineConfiguration & { status: 'ACTIVE' } {
    this.assertStateMachine(stateMachineArn);
    return { ...this.stateMachineItem(), status: 'ACTIVE', ...this.configuration() };
  }

  /**
   * The definition an execution runs. Locally that is always the one loaded at this start: an execution
   * resumed after a restart carries on with it, so `updateDate` is this start.
   */
  describeStateMachineForExecution(
    executionArn: string,
  ): Omit<StateMachineListItem, 'type' | 'creationDate'> & StateMachineConfiguration & { updateDate: Date } {
    this.find(executionArn);
    return {
      stateMachineArn: this.stateMachineArn,
      name: this.stateMachineName,
      ...this.configuration(),
      updateDate: new Date(this.openedAt),
    };
  }

  // ---- for tests and the local runtime -----------------------------------------------------------

  /** The raw history of an execution (epoch-millisecond timestamps). */
  history(nameOrArn: string): HistoryEvent[] {
    return this.historyOf(this.find(nameOrArn));
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
    return this.historyOf(this.find(nameOrArn))
      .filter((event) => event.type.endsWith('StateEntered'))
      .map((event) => (event.stateEnteredEventDetails as { name: string }).name);
  }

  /** The token the execution's current callback state waits on, if any. */
  taskToken(nameOrArn: string): string | undefined {
    const execution = this.find(nameOrArn);
    return [...execution.tokens].at(-1)?.token;
  }

  /** Resolves when the execution is no longer running; rejects after `timeoutMs` if given. */
  async awaitExecution(nameOrArn: string, timeoutMs?: number): Promise<ExecutionDescription> {
    const execution = this.find(nameOrArn);
    if (timeoutMs === undefined) await execution.finished;
    else {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        execution.finished,
        new Promise((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(
                  `execution ${execution.record.name} still running after ${timeoutMs} ms, in ${execution.record.currentState}`,
                ),
              ),
            timeoutMs,
          );
        }),
      ]).finally(() => clearTimeout(timer));
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
      execution.detached = true;
      this.interrupt(execution, 'engine shut down');
    }
    await this.store.close();
  }

  // ---- running executions ------------------------------------------------------------------------

  private get roleArn(): string {
    return this.options.roleArn ?? 'arn:aws:iam::000000000000:role/orderflow-local-state-machine';
  }

  private stateMachineItem(): StateMachineListItem {
    return {
      stateMachineArn: this.stateMachineArn,
      name: this.stateMachineName,
      type: 'STANDARD',
      creationDate: new Date(Math.min(this.openedAt, this.earliestStart)),
    };
  }

  private configuration(): StateMachineConfiguration {
    return {
      definition: JSON.stringify(this.options.definition),
      roleArn: this.roleArn,
      // Nothing goes to CloudWatch Logs or X-Ray here: what AWS answers for a machine without either.
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
      revisionId: this.revisionId,
    };
  }

  private assertStateMachine(stateMachineArn: string): void {
    if (typeof stateMachineArn !== 'string' || !STATE_MACHINE_ARN_SHAPE.test(stateMachineArn)) {
      throw apiError.invalidArn(stateMachineArn);
    }
    if (stateMachineArn !== this.stateMachineArn) throw apiError.stateMachineDoesNotExist(stateMachineArn);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the Step Functions engine is shut down');
  }

  private track(record: ExecutionRecord | Retired): Execution {
    this.earliestStart = Math.min(this.earliestStart, record.startDate);
    if (!record.history) {
      const execution = retired(record);
      this.executions.set(record.name, execution);
      return execution;
    }
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const execution: Execution = {
      record,
      sealed: record.status !== 'RUNNING',
      interrupted: false,
      detached: false,
      persisted: Promise.resolve(),
      tokens: new Set(),
      finished,
      finish,
    };
    if (record.status !== 'RUNNING') finish();
    this.executions.set(record.name, execution);
    return execution;
  }

  private find(nameOrArn: string): Execution {
    if (typeof nameOrArn !== 'string' || nameOrArn === '') throw apiError.invalidArn(nameOrArn);
    const prefix = `${this.executionArn('')}`;
    if (nameOrArn.startsWith('arn:')) {
      if (!/^arn:aws[\w-]*:states:[\w-]+:\d{12}:execution:[^:]+:[^:]+$/.test(nameOrArn)) {
        throw apiError.invalidArn(nameOrArn);
      }
      const execution = nameOrArn.startsWith(prefix)
        ? this.executions.get(nameOrArn.slice(prefix.length))
        : undefined;
      if (!execution) throw apiError.executionDoesNotExist(nameOrArn);
      return execution;
    }
    const execution = this.executions.get(nameOrArn);
    if (!execution) throw apiError.executionDoesNotExist(this.executionArn(nameOrArn));
    return execution;
  }

  private machine(startAt: string): StateMachine {
    let machine = this.machines.get(startAt);
    if (!machine) {
      if (!this.options.definition.States[startAt]) throw new Error(`no state ${startAt} in the definition`);
      // The definition is validated once, as written; started elsewhere, the states before are unreachable.
      const resumed = startAt !== this.options.definition.StartAt;
      machine = new StateMachine(
        { ...this.libraryDefinition, StartAt: startAt },
        resumed ? { validationOptions: { noValidate: true } } : undefined,
      );
      this.machines.set(startAt, machine);
    }
    return machine;
  }

  private resume(execution: Execution): void {
    const record = whole(execution);
    const state = record.currentState ?? this.options.definition.StartAt;
    const input = (record.currentState ? record.currentInput : JSON.parse(record.input)) as Json;
    if (record.taskToken) {
      this.resumedTokens.set(record.taskToken.token, { execution, state: record.taskToken.state });
    }
    if (record.taskToken?.outcome && record.taskToken.state === state) {
      execution.buffered = { state, outcome: record.taskToken.outcome };
    }
    // The execution's own TimeoutSeconds counts from its start, not from the restart.
    const timeout = this.options.definition.TimeoutSeconds;
    const remainingSeconds =
      timeout === undefined ? undefined : timeout - (Date.now() - record.startDate) / 1000;
    if (remainingSeconds !== undefined && remainingSeconds <= 0) {
      const details = { error: 'States.Timeout', cause: 'The execution timed out.' };
      this.record(execution, 'ExecutionTimedOut', details);
      this.close(execution, 'TIMED_OUT', details);
      return;
    }
    this.launch(execution, state, input, {
      ...(remainingSeconds !== undefined ? { timeoutSeconds: remainingSeconds } : {}),
      ...this.remainingWait(record, state, input),
    });
  }

  /**
   * A Wait of Seconds resumed after a restart waits what was left of it (a Timestamp wait needs no
   * help: it is absolute). The override answers once, so a later pass through the same Wait in a
   * loop waits its full time again.
   */
  private remainingWait(
    record: ExecutionRecord,
    state: string,
    input: Json,
  ): { waitOnce?: [string, number] } {
    const definition = this.options.definition.States[state];
    if (definition?.Type !== 'Wait' || this.options.overrides?.waitTimeOverrides?.[state] !== undefined)
      return {};
    const seconds =
      definition.Seconds ??
      (definition.SecondsPath && !definition.InputPath
        ? (referencePath(definition.SecondsPath, input, {}) as number | undefined)
        : undefined);
    const entered = record.history.findLast(
      (event) =>
        event.type === 'WaitStateEntered' &&
        (event.stateEnteredEventDetails as { name: string }).name === state,
    );
    if (typeof seconds !== 'number' || !entered) return {};
    return { waitOnce: [state, Math.max(0, entered.timestamp + seconds * 1000 - Date.now())] };
  }

  private launch(
    execution: Execution,
    startAt: string,
    input: Json,
    resumed: { timeoutSeconds?: number; waitOnce?: [string, number] } = {},
  ): void {
    const record = whole(execution);
    const context = {
      Execution: {
        Id: record.executionArn,
        Name: record.name,
        Input: JSON.parse(record.input) as Json,
        StartTime: new Date(record.startDate).toISOString(),
        RoleArn: this.roleArn,
      },
      StateMachine: { Id: this.stateMachineArn, Name: this.stateMachineName },
      Task: { Token: TASK_TOKEN_PLACEHOLDER },
    };
    const run: TaskRun = {
      executionArn: record.executionArn,
      context,
      get interrupted() {
        return execution.interrupted;
      },
      record: (type, details) => {
        if (!execution.detached && record.status === 'RUNNING') this.record(execution, type, details);
      },
      entryPersisted: async () => {
        await nextTurn();
        await execution.persisted;
      },
      awaitTaskToken: (state, deadline, heartbeatSeconds) =>
        this.issueToken(execution, state, deadline, heartbeatSeconds),
    };
    const handlers: NonNullable<Overrides['taskResourceLocalHandlers']> = {
      ...this.options.overrides?.taskResourceLocalHandlers,
    };
    for (const [state, task] of this.tasks) handlers[state] = (taskInput) => task(run, taskInput as Json);
    const waitTimeOverrides = { ...this.options.overrides?.waitTimeOverrides };
    if (resumed.waitOnce) {
      const [state, ms] = resumed.waitOnce;
      let remaining: number | undefined = ms;
      Object.defineProperty(waitTimeOverrides, state, {
        enumerable: true,
        get: () => {
          const value = remaining;
          remaining = undefined;
          return value;
        },
      });
    }
    const machine =
      resumed.timeoutSeconds === undefined
        ? this.machine(startAt)
        : new StateMachine(
            { ...this.libraryDefinition, StartAt: startAt, TimeoutSeconds: resumed.timeoutSeconds },
            { validationOptions: { noValidate: true } },
          );
    const { result, eventLogs, abort } = machine.run(input, {
      overrides: { ...this.options.overrides, taskResourceLocalHandlers: handlers, waitTimeOverrides },
      context,
      noThrowOnAbort: true,
    });
    execution.abort = abort;
    // Failures arrive through the event log; the rejected result only repeats them.
    result.catch(() => undefined);
    void (async () => {
      for await (const event of eventLogs) {
        if (execution.detached || record.status !== 'RUNNING') continue;
        try {
          this.onEvent(execution, event);
        } catch (error) {
          console.error(`local Step Functions: recording ${event.type} of ${record.name} failed`, error);
        }
      }
    })();
  }

  private onEvent(
    execution: Execution,
    event: Awaited<ReturnType<ReturnType<StateMachine['run']>['eventLogs']['next']>>['value'],
  ): void {
    if (!event || typeof event !== 'object') return;
    const { record } = execution;
    switch (event.type) {
      case 'StateEntered': {
        this.writePendingExit(execution, event.state.input);
        const type = stateEventType(event.state.type, 'Entered');
        if (type) {
          this.record(execution, type, {
            name: event.state.name,
            input: JSON.stringify(event.state.input),
            inputDetails: payloadDetails,
          });
        }
        record.currentState = event.state.name;
        record.currentInput = event.state.input;
        if (record.taskToken?.outcome) record.taskToken = undefined;
        this.persist(execution);
        break;
      }
      case 'StateExited': {
        const type = stateEventType(event.state.type, 'Exited');
        if (type) {
          this.record(execution, type, {
            name: event.state.name,
            output: JSON.stringify(event.state.output ?? null),
            outputDetails: payloadDetails,
          });
        }
        break;
      }
      case 'StateCaught':
        execution.pendingExit = { type: event.state.type, name: event.state.name };
        break;
      case 'ExecutionSucceeded': {
        const output = JSON.stringify(event.output ?? null);
        this.record(execution, 'ExecutionSucceeded', { output, outputDetails: payloadDetails });
        this.close(execution, 'SUCCEEDED', { output });
        break;
      }
      case 'ExecutionFailed': {
        const error = event.Error;
        const cause = typeof event.Cause === 'string' ? event.Cause : JSON.stringify(event.Cause ?? '');
        this.record(execution, 'ExecutionFailed', { error, cause });
        this.close(execution, 'FAILED', { error, cause });
        break;
      }
      case 'ExecutionTimeout': {
        const details = { error: 'States.Timeout', cause: 'The execution timed out.' };
        this.record(execution, 'ExecutionTimedOut', details);
        this.close(execution, 'TIMED_OUT', details);
        break;
      }
      default:
        break;
    }
  }

  private writePendingExit(execution: Execution, output: unknown): void {
    const pending = execution.pendingExit;
    if (!pending) return;
    execution.pendingExit = undefined;
    const type = stateEventType(pending.type, 'Exited');
    if (type) {
      this.record(execution, type, {
        name: pending.name,
        output: JSON.stringify(output ?? null),
        outputDetails: payloadDetails,
      });
    }
  }

  private record(execution: Execution, type: HistoryEventType, details?: Record<string, unknown>): void {
    const { history } = whole(execution);
    history.push(historyEvent(history.length + 1, type, details));
  }

  private historyOf(execution: Execution): HistoryEvent[] {
    return this.full(execution).history;
  }

  /** From memory, or for a retired execution from the store (a synchronous read of one file). */
  private full(execution: Execution): ExecutionRecord {
    const { record } = execution;
    if (record.history) return record;
    if (!this.store.finished) throw new Error(`the store retired ${record.name} but cannot read it back`);
    return this.store.finished(record.name);
  }

  private persist(execution: Execution): Promise<void> {
    // What happens to an execution after its closing save is not its to record.
    if (execution.sealed) return execution.persisted;
    const saved = this.store.save(whole(execution));
    execution.persisted = saved;
    saved.catch((error: unknown) => {
      console.error(`local Step Functions: could not persist ${execution.record.name}:`, error);
    });
    return saved;
  }

  private close(
    execution: Execution,
    status: Exclude<ExecutionStatus, 'RUNNING'>,
    result: { output?: string; error?: string; cause?: string },
  ): void {
    const { record } = execution;
    record.status = status;
    record.stopDate = Date.now();
    Object.assign(record, result);
    record.taskToken = undefined;
    for (const entry of execution.tokens) this.tokens.delete(entry.token);
    for (const [token, resumed] of this.resumedTokens)
      if (resumed.execution === execution) this.resumedTokens.delete(token);
    // Waiters hear of the end once it is durable, so a restart right after cannot contradict them.
    this.persist(execution).then(() => {
      execution.finish();
      void this.retire(execution);
    }, execution.finish);
    execution.sealed = true;
  }

  /**
   * Hands a durable finished execution to the store and keeps only what the API answers from, so
   * memory does not grow with the executions run. A store that cannot read histories back keeps them.
   */
  private async retire(execution: Execution): Promise<void> {
    const { record } = execution;
    if (!this.store.retire || !this.store.finished || record.history === undefined) return;
    try {
      if (!(await this.store.retire(record))) return;
    } catch (error) {
      console.error(`local Step Functions: could not retire ${record.name}:`, error);
      return;
    }
    // A new, small entry: the finished run's closures, promises and token set go with the old one.
    this.executions.set(record.name, retired(retiredRecord(record)));
  }

  private interrupt(execution: Execution, reason: string): void {
    execution.interrupted = true;
    for (const entry of [...execution.tokens]) entry.settle({ error: 'States.Runtime', cause: reason });
    execution.abort?.();
  }

  // ---- task tokens -------------------------------------------------------------------------------

  private issueToken(
    execution: Execution,
    state: string,
    deadline: number,
    heartbeatSeconds: number | undefined,
  ): TaskTokenWait {
    const token = `AQ${randomBytes(32).toString('base64url')}`;
    const previous = execution.record.taskToken;
    // A resumed callback state keeps the deadline it had before the restart.
    if (previous && previous.state === state && this.resumedTokens.has(previous.token)) {
      deadline = Math.min(deadline, previous.deadline);
    }
    let resolve!: (output: Json) => void;
    let reject!: (error: Error) => void;
    const outcome = new Promise<Json>((res, rej) => ((resolve = res), (reject = rej)));
    let heartbeatTimer: NodeJS.Timeout | undefined;
    const clear = () => {
      clearTimeout(deadlineTimer);
      clearTimeout(heartbeatTimer);
      this.tokens.delete(token);
      execution.tokens.delete(entry);
    };
    const expire = (error: string, cause: string) => {
      clear();
      this.timedOut.add(token);
      if (this.timedOut.size > TIMED_OUT_MEMORY) this.timedOut.delete(this.timedOut.values().next().value!);
      reject(new TaskError(error, cause));
    };
    const entry: TokenEntry = {
      token,
      execution,
      state,
      settle: (result) => {
        clear();
        if ('output' in result) resolve(result.output as Json);
        else if (execution.interrupted) reject(new ExecutionInterrupted(result.cause));
        else reject(new TaskError(result.error, result.cause));
      },
    };
    const deadlineTimer = setTimeout(
      () => expire('States.Timeout', 'The task timed out waiting for a callback.'),
      Math.max(0, deadline - Date.now()),
    );
    if (heartbeatSeconds) {
      entry.heartbeat = () => {
        clearTimeout(heartbeatTimer);
        heartbeatTimer = setTimeout(
          () => expire('States.HeartbeatTimeout', 'No heartbeat arrived in time.'),
          heartbeatSeconds * 1000,
        );
      };
      entry.heartbeat();
    }
    this.tokens.set(token, entry);
    execution.tokens.add(entry);
    execution.record.taskToken = { token, state, deadline };
    this.persist(execution);
    const buffered = execution.buffered;
    if (buffered && buffered.state === state) {
      execution.buffered = undefined;
      entry.settle(buffered.outcome);
    }
    return {
      token,
      outcome,
      cancel: () => {
        clear();
        // A delivered outcome stays on record until the next state is entered, so that a crash in
        // between resumes this state with the outcome rather than waiting for it again.
        const current = execution.record.taskToken;
        if (current?.token === token && !current.outcome) execution.record.taskToken = undefined;
      },
    };
  }

  private tokenEntry(token: string): TokenEntry | undefined {
    const entry = this.tokens.get(token);
    if (entry) return entry;
    const resumed = this.resumedTokens.get(token);
    if (!resumed) return undefined;
    return [...resumed.execution.tokens].find((candidate) => candidate.state === resumed.state);
  }

  private unknownToken(token: string): Error {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return apiError.invalidToken();
    if (this.timedOut.has(token)) return apiError.taskTimedOut();
    return apiError.taskDoesNotExist();
  }

  private async deliver(token: string, outcome: Outcome): Promise<void> {
    const entry = this.tokenEntry(token);
    if (entry) {
      const { execution } = entry;
      // Written down before it is acted on: after a crash the resumed state finds it and moves on.
      if (execution.record.taskToken?.token === entry.token) execution.record.taskToken.outcome = outcome;
      const saved = this.persist(execution);
      entry.settle(outcome);
      await saved;
      return;
    }
    const resumed = this.resumedTokens.get(token);
    if (resumed && resumed.execution.record.status === 'RUNNING') {
      // The resumed state has not asked for its new token yet: hand it this outcome when it does.
      resumed.execution.buffered = { state: resumed.state, outcome };
      if (resumed.execution.record.taskToken) resumed.execution.record.taskToken.outcome = outcome;
      await this.persist(resumed.execution);
      return;
    }
    throw this.unknownToken(token);
  }
}

/** The entry of a finished execution whose record the store keeps: it needs nothing of its own. */
function retired(record: Retired): Execution {
  return {
    record,
    sealed: true,
    interrupted: false,
    detached: false,
    persisted: SETTLED,
    tokens: NO_TOKENS as Set<TokenEntry>,
    finished: SETTLED,
    finish: NOTHING,
  };
}

/** The whole record of an execution that has not been retired (all of them while running). */
function whole(execution: Execution): ExecutionRecord {
  const { record } = execution;
  if (record.history === undefined) throw new Error(`execution ${record.name} has finished and been retired`);
  return record;
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

const byName: Cursor<{ name: string }, string> = {
  key: (item) => item.name,
  after: (item, name) => item.name > name,
};

/** A revision id in AWS's shape (a UUID), derived from what the revision is made of. */
function uuidFrom(digest: Buffer): string {
  const hex = digest.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
