import { referencePath, type StateMachineDefinition } from './asl.js';
import type { ExecutionRecord } from './store.js';
import type { Json } from './tasks.js';

/** Wait pauses by state name, in milliseconds, as aws-local-stepfunctions takes them. */
export type WaitTimeOverrides = Record<string, number>;

/** A Wait resumed after a restart: its state and the milliseconds left of it. */
export type WaitOnce = [state: string, ms: number];

/** The timers of a callback state: its deadline and, with HeartbeatSeconds, the heartbeat. */
export interface CallbackTimers {
  /** Restarts the heartbeat timer; absent when the state has no HeartbeatSeconds. */
  heartbeat?: () => void;
  clear(): void;
}

/** Starts a callback state's timers; `expire` hears which ran out, with the error AWS reports for it. */
export function callbackTimers(
  deadline: number,
  heartbeatSeconds: number | undefined,
  expire: (error: string, cause: string) => void,
): CallbackTimers {
  let heartbeatTimer: NodeJS.Timeout | undefined;
  const deadlineTimer = setTimeout(
    () => expire('States.Timeout', 'The task timed out waiting for a callback.'),
    Math.max(0, deadline - Date.now()),
  );
  const clear = () => {
    clearTimeout(deadlineTimer);
    clearTimeout(heartbeatTimer);
  };
  if (!heartbeatSeconds) return { clear };
  const heartbeat = () => {
    clearTimeout(heartbeatTimer);
    heartbeatTimer = setTimeout(
      () => expire('States.HeartbeatTimeout', 'No heartbeat arrived in time.'),
      heartbeatSeconds * 1000,
    );
  };
  heartbeat();
  return { heartbeat, clear };
}

/** What is left of the execution's TimeoutSeconds, which counts from its start, not from a restart. */
export function remainingTimeoutSeconds(
  definition: StateMachineDefinition,
  record: ExecutionRecord,
): number | undefined {
  const timeout = definition.TimeoutSeconds;
  return timeout === undefined ? undefined : timeout - (Date.now() - record.startDate) / 1000;
}

/**
 * A Wait of Seconds resumed after a restart waits what was left of it (a Timestamp wait needs no
 * help: it is absolute). Nothing when the caller overrides that Wait's time anyway.
 */
export function remainingWait(
  definition: StateMachineDefinition,
  overrides: WaitTimeOverrides | undefined,
  record: ExecutionRecord,
  state: string,
  input: Json,
): WaitOnce | undefined {
  const wait = definition.States[state];
  if (wait?.Type !== 'Wait' || overrides?.[state] !== undefined) return undefined;
  const seconds =
    wait.Seconds ??
    (wait.SecondsPath && !wait.InputPath
      ? (referencePath(wait.SecondsPath, input, {}) as number | undefined)
      : undefined);
  const entered = record.history.findLast(
    (event) =>
      event.type === 'WaitStateEntered' &&
      (event.stateEnteredEventDetails as { name: string }).name === state,
  );
  if (typeof seconds !== 'number' || !entered) return undefined;
  return [state, Math.max(0, entered.timestamp + seconds * 1000 - Date.now())];
}

/**
 * The wait overrides for one run, with a resumed Wait's remainder. That override answers once, so a
 * later pass through the same Wait in a loop waits its full time again.
 */
export function waitTimeOverrides(
  overrides: WaitTimeOverrides | undefined,
  waitOnce: WaitOnce | undefined,
): WaitTimeOverrides {
  const merged = { ...overrides };
  if (waitOnce) {
    const [state, ms] = waitOnce;
    let remaining: number | undefined = ms;
    Object.defineProperty(merged, state, {
      enumerable: true,
      get: () => {
        const value = remaining;
        remaining = undefined;
        return value;
      },
    });
  }
  return merged;
}

/** Resolves as `work` does, or rejects with `timedOut()` once `timeoutMs` has passed. */
export async function within<T>(work: Promise<T>, timeoutMs: number, timedOut: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(timedOut()), timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
}
