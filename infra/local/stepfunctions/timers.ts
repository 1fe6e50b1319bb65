import { referencePath, type StateMachineDefinition } from './asl.js';
import type { ExecutionRecord } from './store.js';
import type { Json } from './tasks.js';

/**
 * The engine's time: the dates it records and the timers it keeps itself (task timeouts, callback
 * deadlines and heartbeats). Tests pass a clock they move by hand, so a timeout is reached without
 * waiting for it. The library's own pauses (Wait states, Retry intervals) run on real time: override
 * them (in milliseconds) where a test should not wait.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `fire` once `ms` have passed on this clock; the returned function cancels it. */
  after(ms: number, fire: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after: (ms, fire) => {
    const timer = setTimeout(fire, ms);
    return () => clearTimeout(timer);
  },
};

const NOT_SET = (): void => undefined;

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
  clock: Clock,
  deadline: number,
  heartbeatSeconds: number | undefined,
  expire: (error: string, cause: string) => void,
): CallbackTimers {
  let cancelHeartbeat = NOT_SET;
  const cancelDeadline = clock.after(Math.max(0, deadline - clock.now()), () =>
    expire('States.Timeout', 'The task timed out waiting for a callback.'),
  );
  const clear = () => {
    cancelDeadline();
    cancelHeartbeat();
  };
  if (!heartbeatSeconds) return { clear };
  const heartbeat = () => {
    cancelHeartbeat();
    cancelHeartbeat = clock.after(heartbeatSeconds * 1000, () =>
      expire('States.HeartbeatTimeout', 'No heartbeat arrived in time.'),
    );
  };
  heartbeat();
  return { heartbeat, clear };
}

/** What is left of the execution's TimeoutSeconds, which counts from its start, not from a restart. */
export function remainingTimeoutSeconds(
  definition: StateMachineDefinition,
  record: ExecutionRecord,
  now: number,
): number | undefined {
  const timeout = definition.TimeoutSeconds;
  return timeout === undefined ? undefined : timeout - (now - record.startDate) / 1000;
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
  now: number,
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
  return [state, Math.max(0, entered.timestamp + seconds * 1000 - now)];
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

/**
 * Resolves as `work` does, or rejects with `timedOut()` once `timeoutMs` of real time have passed: a
 * caller's guard against a hang, which a hand-moved clock must not trip or hold off.
 */
export async function within<T>(work: Promise<T>, timeoutMs: number, timedOut: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(timedOut()), timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
}
