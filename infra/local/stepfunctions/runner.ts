import type { HistoryEventType } from '@aws-sdk/client-sfn';
import { StateMachine, type RunOptions } from 'aws-local-stepfunctions';
import { withEngineTimeouts, type StateMachineDefinition } from './asl.js';
import { TASK_TOKEN_PLACEHOLDER, type TaskDispatch } from './dispatch.js';
import { recordEvent, whole, type Execution } from './execution.js';
import { payloadDetails, stateEventType } from './history.js';
import type { Persistence } from './persistence.js';
import type { ExecutionStatus } from './store.js';
import type { Json } from './tasks.js';
import {
  remainingTimeoutSeconds,
  remainingWait,
  waitTimeOverrides,
  type Clock,
  type WaitOnce,
} from './timers.js';
import type { TaskTokens } from './tokens.js';

type LibraryEvent = Awaited<ReturnType<ReturnType<StateMachine['run']>['eventLogs']['next']>>['value'];

export interface RunnerOptions {
  /** The definition with its placeholders already bound. */
  definition: StateMachineDefinition;
  stateMachineArn: string;
  stateMachineName: string;
  roleArn: string;
  /** Passed to aws-local-stepfunctions; wait and retry overrides are in milliseconds. */
  overrides?: RunOptions['overrides'];
}

/** How a resumed run differs from a fresh one: what is left of the execution's timeout and of its Wait. */
interface Resumed {
  timeoutSeconds?: number;
  waitOnce?: WaitOnce;
}

/**
 * The lifecycle of an execution: runs it with aws-local-stepfunctions from its start, or after a
 * restart from the state it was in; turns the library's events into its history and its record
 * (every state entry persisted); and closes it, when it ends or is stopped.
 */
export class ExecutionRunner {
  private readonly machines = new Map<string, StateMachine>();
  private readonly libraryDefinition: StateMachineDefinition;

  constructor(
    private readonly options: RunnerOptions,
    private readonly dispatch: TaskDispatch,
    private readonly tokens: TaskTokens,
    private readonly persistence: Persistence,
    private readonly clock: Clock,
  ) {
    this.libraryDefinition = withEngineTimeouts(options.definition, dispatch.bound);
    this.machine(options.definition.StartAt);
  }

  /** Records the start of a new execution, makes it durable and runs it. */
  start(execution: Execution, input: Json): void {
    this.record(execution, 'ExecutionStarted', {
      input: whole(execution).input,
      inputDetails: payloadDetails,
      roleArn: this.options.roleArn,
    });
    this.persistence.persist(execution);
    this.launch(execution, this.options.definition.StartAt, input);
  }

  /** Carries on with an execution loaded from the store, in the state it was in. */
  resume(execution: Execution): void {
    const record = whole(execution);
    const { definition } = this.options;
    const state = record.currentState ?? definition.StartAt;
    const input = (record.currentState ? record.currentInput : JSON.parse(record.input)) as Json;
    this.tokens.adopt(execution, state);
    const timeoutSeconds = remainingTimeoutSeconds(definition, record, this.clock.now());
    if (timeoutSeconds !== undefined && timeoutSeconds <= 0) {
      const details = { error: 'States.Timeout', cause: 'The execution timed out.' };
      this.record(execution, 'ExecutionTimedOut', details);
      this.close(execution, 'TIMED_OUT', details);
      return;
    }
    const waitOnce = remainingWait(
      definition,
      this.options.overrides?.waitTimeOverrides,
      record,
      state,
      input,
      this.clock.now(),
    );
    this.launch(execution, state, input, {
      ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
      ...(waitOnce ? { waitOnce } : {}),
    });
  }

  /** StopExecution: the execution ends ABORTED, and no further task of it starts. */
  stop(execution: Execution, details: { error?: string; cause?: string }): void {
    this.interrupt(execution, 'execution stopped');
    const given = {
      ...(details.error !== undefined ? { error: details.error } : {}),
      ...(details.cause !== undefined ? { cause: details.cause } : {}),
    };
    this.record(execution, 'ExecutionAborted', { ...given });
    this.close(execution, 'ABORTED', given);
  }

  /** Lets go of a running execution without ending it (the engine shuts down): nothing more is recorded. */
  detach(execution: Execution): void {
    execution.detached = true;
    this.interrupt(execution, 'engine shut down');
  }

  private record(execution: Execution, type: HistoryEventType, details?: Record<string, unknown>): void {
    recordEvent(execution, this.clock.now(), type, details);
  }

  private interrupt(execution: Execution, reason: string): void {
    execution.interrupted = true;
    this.tokens.interrupt(execution, reason);
    execution.abort?.();
  }

  private machine(startAt: string): StateMachine {
    let machine = this.machines.get(startAt);
    if (!machine) {
      const { definition } = this.options;
      if (!definition.States[startAt]) throw new Error(`no state ${startAt} in the definition`);
      // The definition is validated once, as written; started elsewhere, the states before are unreachable.
      const resumed = startAt !== definition.StartAt;
      machine = new StateMachine(
        { ...this.libraryDefinition, StartAt: startAt },
        resumed ? { validationOptions: { noValidate: true } } : undefined,
      );
      this.machines.set(startAt, machine);
    }
    return machine;
  }

  private launch(execution: Execution, startAt: string, input: Json, resumed: Resumed = {}): void {
    const record = whole(execution);
    const { overrides } = this.options;
    const context = {
      Execution: {
        Id: record.executionArn,
        Name: record.name,
        Input: JSON.parse(record.input) as Json,
        StartTime: new Date(record.startDate).toISOString(),
        RoleArn: this.options.roleArn,
      },
      StateMachine: { Id: this.options.stateMachineArn, Name: this.options.stateMachineName },
      Task: { Token: TASK_TOKEN_PLACEHOLDER },
    };
    const machine =
      resumed.timeoutSeconds === undefined
        ? this.machine(startAt)
        : new StateMachine(
            { ...this.libraryDefinition, StartAt: startAt, TimeoutSeconds: resumed.timeoutSeconds },
            { validationOptions: { noValidate: true } },
          );
    const { result, eventLogs, abort } = machine.run(input, {
      overrides: {
        ...overrides,
        taskResourceLocalHandlers: this.dispatch.handlers(execution, context),
        waitTimeOverrides: waitTimeOverrides(overrides?.waitTimeOverrides, resumed.waitOnce),
      },
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

  private onEvent(execution: Execution, event: LibraryEvent): void {
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
        this.persistence.persist(execution);
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
        this.record(execution, 'ExecutionSucceeded', {
          output,
          outputDetails: payloadDetails,
        });
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

  private close(
    execution: Execution,
    status: Exclude<ExecutionStatus, 'RUNNING'>,
    result: { output?: string; error?: string; cause?: string },
  ): void {
    const { record } = execution;
    record.status = status;
    record.stopDate = this.clock.now();
    Object.assign(record, result);
    record.taskToken = undefined;
    this.tokens.forget(execution);
    // Waiters hear of the end once it is durable, so a restart right after cannot contradict them.
    this.persistence.persist(execution).then(() => {
      execution.finish();
      void this.persistence.retire(execution);
    }, execution.finish);
    execution.sealed = true;
  }
}
