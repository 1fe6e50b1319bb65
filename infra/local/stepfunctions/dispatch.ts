import { setImmediate as nextTurn } from 'node:timers/promises';
import type { RunOptions } from 'aws-local-stepfunctions';
import type { StateMachineDefinition } from './asl.js';
import { recordEvent, whole, type Execution } from './execution.js';
import type { LambdaHandler } from './lambda.js';
import { bindTasks, type Json, type StateMachineRole, type TaskFunction, type TaskRun } from './tasks.js';
import type { Clock } from './timers.js';
import type { TaskTokens } from './tokens.js';

/** Task state handlers by state name, as aws-local-stepfunctions takes them. */
export type LocalHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;

/** Stands in for `$$.Task.Token` while the library evaluates Parameters; swapped for a real token. */
export const TASK_TOKEN_PLACEHOLDER = '__orderflow_local_task_token__';

export interface DispatchOptions {
  /** Lambda handlers by function ARN or name. */
  handlers: Record<string, LambdaHandler>;
  region: string;
  sqsEndpoint?: string;
  maxConcurrentInvocations: number;
  role?: StateMachineRole;
  /** The caller's own handlers for some states, which then run instead of the engine's binding. */
  overridden?: LocalHandlers;
}

/**
 * Sends each Task state of an execution to the work bound for it (tasks.ts): a Lambda handler run in
 * process, an SQS call, or a callback that waits for its task token. Binding happens once, so an
 * unsupported resource fails when the engine starts, not in the middle of an execution.
 */
export class TaskDispatch {
  private readonly tasks: Map<string, TaskFunction>;
  private readonly overridden: LocalHandlers;

  constructor(
    definition: StateMachineDefinition,
    options: DispatchOptions,
    private readonly tokens: TaskTokens,
    private readonly clock: Clock,
  ) {
    this.overridden = options.overridden ?? {};
    this.tasks = bindTasks(
      definition,
      {
        handlers: options.handlers,
        region: options.region,
        ...(options.sqsEndpoint ? { sqsEndpoint: options.sqsEndpoint } : {}),
        maxConcurrentInvocations: options.maxConcurrentInvocations,
        tokenPlaceholder: TASK_TOKEN_PLACEHOLDER,
        ...(options.role ? { role: options.role } : {}),
        clock,
      },
      new Set(Object.keys(this.overridden)),
    );
  }

  /** The Task states the engine runs itself, and so times out itself. */
  get bound(): ReadonlySet<string> {
    return new Set(this.tasks.keys());
  }

  /** The handler of every Task state for one run of the execution, `context` being its `$$`. */
  handlers(execution: Execution, context: Record<string, unknown>): LocalHandlers {
    const record = whole(execution);
    const run: TaskRun = {
      executionArn: record.executionArn,
      context,
      get interrupted() {
        return execution.interrupted;
      },
      record: (type, details) => {
        if (!execution.detached && record.status === 'RUNNING')
          recordEvent(execution, this.clock.now(), type, details);
      },
      entryPersisted: async () => {
        await nextTurn();
        await execution.persisted;
      },
      awaitTaskToken: (state, deadline, heartbeatSeconds) =>
        this.tokens.issue(execution, state, deadline, heartbeatSeconds),
    };
    const handlers: LocalHandlers = { ...this.overridden };
    for (const [state, task] of this.tasks) handlers[state] = (taskInput) => task(run, taskInput as Json);
    return handlers;
  }
}
