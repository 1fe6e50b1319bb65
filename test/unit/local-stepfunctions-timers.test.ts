import { describe, expect, it } from 'vitest';
import type { StateMachineDefinition } from '../../infra/local/stepfunctions/asl.js';
import { historyEvent } from '../../infra/local/stepfunctions/history.js';
import type { ExecutionRecord } from '../../infra/local/stepfunctions/store.js';
import {
  remainingTimeoutSeconds,
  remainingWait,
  waitTimeOverrides,
} from '../../infra/local/stepfunctions/timers.js';

const START = Date.UTC(2026, 0, 1);

const definition: StateMachineDefinition = {
  StartAt: 'Nap',
  TimeoutSeconds: 60,
  States: {
    Nap: { Type: 'Wait', Seconds: 6, Next: 'Pause' },
    Pause: { Type: 'Wait', SecondsPath: '$.pause', Next: 'Until' },
    Until: { Type: 'Wait', TimestampPath: '$.until', Next: 'Done' },
    Done: { Type: 'Succeed' },
  },
};

/** An execution that entered `state` at each of `enteredAt` (ms after START). */
function waitingIn(state: string, ...enteredAt: number[]): ExecutionRecord {
  return {
    name: 'waiting',
    executionArn: 'arn:aws:states:us-east-1:000000000000:execution:timers:waiting',
    input: '{}',
    status: 'RUNNING',
    startDate: START,
    currentState: state,
    history: enteredAt.map((at, index) =>
      historyEvent(index + 1, 'WaitStateEntered', { name: state }, START + at),
    ),
  };
}

describe('what a restart leaves of an execution’s timers', () => {
  it('counts the execution’s TimeoutSeconds from its start, not from the restart', () => {
    const record = waitingIn('Nap', 0);

    expect(remainingTimeoutSeconds(definition, record, START + 20_000)).toBe(40);
    expect(remainingTimeoutSeconds(definition, record, START + 75_000)).toBe(-15);
    expect(
      remainingTimeoutSeconds({ ...definition, TimeoutSeconds: undefined }, record, START),
    ).toBeUndefined();
  });

  it('waits what is left of a Wait of Seconds, from its latest entry, and none past its end', () => {
    expect(remainingWait(definition, undefined, waitingIn('Nap', 0), 'Nap', {}, START + 2_000)).toEqual([
      'Nap',
      4_000,
    ]);
    // Looping back through the Wait: the latest entry counts.
    expect(
      remainingWait(definition, undefined, waitingIn('Nap', 0, 10_000), 'Nap', {}, START + 11_000),
    ).toEqual(['Nap', 5_000]);
    expect(remainingWait(definition, undefined, waitingIn('Nap', 0), 'Nap', {}, START + 9_000)).toEqual([
      'Nap',
      0,
    ]);
    expect(
      remainingWait(definition, undefined, waitingIn('Pause', 0), 'Pause', { pause: 10 }, START + 3_000),
    ).toEqual(['Pause', 7_000]);
  });

  it('leaves alone a Timestamp wait, a Wait the caller overrides, and a state that is no Wait', () => {
    const at = START + 1_000;

    expect(remainingWait(definition, undefined, waitingIn('Until', 0), 'Until', {}, at)).toBeUndefined();
    expect(remainingWait(definition, { Nap: 0 }, waitingIn('Nap', 0), 'Nap', {}, at)).toBeUndefined();
    expect(remainingWait(definition, undefined, waitingIn('Done', 0), 'Done', {}, at)).toBeUndefined();
  });

  it('gives the rest of a resumed Wait once, so a later pass through it waits in full', () => {
    const overrides = waitTimeOverrides({ Pause: 0 }, ['Nap', 4_000]);

    expect(overrides.Nap).toBe(4_000);
    expect(overrides.Nap).toBeUndefined();
    expect(overrides.Pause).toBe(0);
    expect(waitTimeOverrides({ Pause: 0 }, undefined)).toEqual({ Pause: 0 });
  });
});
