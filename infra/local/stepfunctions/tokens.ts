import { randomBytes } from 'node:crypto';
import { apiError, ExecutionInterrupted, TaskError } from './errors.js';
import { whole, type Execution } from './execution.js';
import type { Persistence } from './persistence.js';
import type { TaskOutcome } from './store.js';
import type { Json, TaskTokenWait } from './tasks.js';
import { callbackTimers, type Clock } from './timers.js';

/** A token a callback state waits on. */
export interface TokenEntry {
  token: string;
  execution: Execution;
  state: string;
  settle(outcome: TaskOutcome): void;
  heartbeat?: () => void;
}

const TOKEN_SHAPE = /^AQ[A-Za-z0-9_-]{43}$/;
/** Tokens remembered after their deadline, to answer TaskTimedOut rather than TaskDoesNotExist. */
const TIMED_OUT_MEMORY = 10_000;

/**
 * The task tokens of callback (`.waitForTaskToken`) states: issued when the state runs, settled by
 * SendTaskSuccess / SendTaskFailure, kept alive by SendTaskHeartbeat, and after a restart still
 * honoured for the state its execution resumed in.
 */
export class TaskTokens {
  private readonly live = new Map<string, TokenEntry>();
  /** Tokens issued before a restart, still honoured: they belong to the state the execution resumed in. */
  private readonly resumed = new Map<string, { execution: Execution; state: string }>();
  private readonly timedOut = new Set<string>();

  constructor(
    private readonly persistence: Persistence,
    private readonly clock: Clock,
  ) {}

  /** A fresh token for the execution's callback state, and the outcome its delivery will give. */
  issue(
    execution: Execution,
    state: string,
    deadline: number,
    heartbeatSeconds: number | undefined,
  ): TaskTokenWait {
    const token = `AQ${randomBytes(32).toString('base64url')}`;
    const previous = execution.record.taskToken;
    // A resumed callback state keeps the deadline it had before the restart.
    if (previous && previous.state === state && this.resumed.has(previous.token)) {
      deadline = Math.min(deadline, previous.deadline);
    }
    let resolve!: (output: Json) => void;
    let reject!: (error: Error) => void;
    const outcome = new Promise<Json>((res, rej) => ((resolve = res), (reject = rej)));
    const clear = () => {
      timers.clear();
      this.live.delete(token);
      execution.tokens.delete(entry);
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
    const timers = callbackTimers(this.clock, deadline, heartbeatSeconds, (error, cause) => {
      clear();
      this.timedOut.add(token);
      if (this.timedOut.size > TIMED_OUT_MEMORY) this.timedOut.delete(this.timedOut.values().next().value!);
      reject(new TaskError(error, cause));
    });
    if (timers.heartbeat) entry.heartbeat = timers.heartbeat;
    this.live.set(token, entry);
    execution.tokens.add(entry);
    execution.record.taskToken = { token, state, deadline };
    this.persistence.persist(execution);
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

  /**
   * Takes back the token an execution loaded from the store was waiting on, for the state it resumes
   * in; an outcome delivered before the restart is handed to that state when it asks for its token.
   */
  adopt(execution: Execution, state: string): void {
    const { taskToken } = whole(execution);
    if (taskToken) this.resumed.set(taskToken.token, { execution, state: taskToken.state });
    if (taskToken?.outcome && taskToken.state === state) {
      execution.buffered = { state, outcome: taskToken.outcome };
    }
  }

  /** SendTaskSuccess / SendTaskFailure: resolves once the outcome is durable. */
  async deliver(token: string, outcome: TaskOutcome): Promise<void> {
    const entry = this.entry(token);
    if (entry) {
      const { execution } = entry;
      // Written down before it is acted on: after a crash the resumed state finds it and moves on.
      if (execution.record.taskToken?.token === entry.token) execution.record.taskToken.outcome = outcome;
      const saved = this.persistence.persist(execution);
      entry.settle(outcome);
      await saved;
      return;
    }
    const resumed = this.resumed.get(token);
    if (resumed && resumed.execution.record.status === 'RUNNING') {
      // The resumed state has not asked for its new token yet: hand it this outcome when it does.
      resumed.execution.buffered = { state: resumed.state, outcome };
      if (resumed.execution.record.taskToken) resumed.execution.record.taskToken.outcome = outcome;
      await this.persistence.persist(resumed.execution);
      return;
    }
    throw this.unknown(token);
  }

  heartbeat(token: string): void {
    const entry = this.entry(token);
    if (!entry) {
      if (this.resumed.has(token)) return;
      throw this.unknown(token);
    }
    entry.heartbeat?.();
  }

  /** Fails every token the execution waits on: it was stopped, or the engine is shutting down. */
  interrupt(execution: Execution, reason: string): void {
    for (const entry of [...execution.tokens]) entry.settle({ error: 'States.Runtime', cause: reason });
  }

  /** Forgets every token of a closed execution: a late delivery is then TaskDoesNotExist. */
  forget(execution: Execution): void {
    for (const entry of execution.tokens) this.live.delete(entry.token);
    for (const [token, resumed] of this.resumed)
      if (resumed.execution === execution) this.resumed.delete(token);
  }

  private entry(token: string): TokenEntry | undefined {
    const entry = this.live.get(token);
    if (entry) return entry;
    const resumed = this.resumed.get(token);
    if (!resumed) return undefined;
    return [...resumed.execution.tokens].find((candidate) => candidate.state === resumed.state);
  }

  private unknown(token: string): Error {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return apiError.invalidToken();
    if (this.timedOut.has(token)) return apiError.taskTimedOut();
    return apiError.taskDoesNotExist();
  }
}
