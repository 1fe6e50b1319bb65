import { describe, expect, it } from 'vitest';
import { StepFunctionsApiError } from '../../infra/local/stepfunctions/errors.js';
import { ExecutionTable } from '../../infra/local/stepfunctions/execution.js';
import { Persistence } from '../../infra/local/stepfunctions/persistence.js';
import { memoryStore, type ExecutionRecord } from '../../infra/local/stepfunctions/store.js';
import { TaskTokens } from '../../infra/local/stepfunctions/tokens.js';
import { ManualClock } from '../support/clock.js';

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:tokens';
/** A token in AWS's shape, as one issued before a restart would be. */
const OLD_TOKEN = `AQ${'b'.repeat(43)}`;

function tokensOnAClock() {
  const clock = new ManualClock();
  const executions = new ExecutionTable(STATE_MACHINE_ARN);
  const tokens = new TaskTokens(new Persistence(memoryStore(), executions), clock);
  const running = (name: string, fields: Partial<ExecutionRecord> = {}) =>
    executions.track({
      name,
      executionArn: executions.arn(name),
      input: '{}',
      status: 'RUNNING',
      startDate: clock.now(),
      history: [],
      ...fields,
    });
  return { clock, tokens, running };
}

/** What a promise has come to so far, read after the clock's next move. */
function watch(promise: Promise<unknown>) {
  const seen: { settled: boolean; value?: unknown; error?: Error } = { settled: false };
  promise.then(
    (value) => Object.assign(seen, { settled: true, value }),
    (error: Error) => Object.assign(seen, { settled: true, error }),
  );
  return seen;
}

async function apiCode(call: () => unknown): Promise<string | undefined> {
  try {
    await call();
  } catch (error) {
    if (error instanceof StepFunctionsApiError) return error.code;
    throw error;
  }
  return undefined;
}

describe('task tokens of callback states', () => {
  it('settle the waiting state with what SendTaskSuccess delivers, once, written down before it is acted on', async () => {
    const { clock, tokens, running } = tokensOnAClock();
    const execution = running('approved');
    const wait = tokens.issue(execution, 'Approve', clock.now() + 60_000, undefined);
    const outcome = watch(wait.outcome);

    await tokens.deliver(wait.token, { output: { approvedBy: 'ada' } });
    await clock.advance(0);

    expect(outcome).toMatchObject({ settled: true, value: { approvedBy: 'ada' } });
    expect(execution.record.taskToken).toMatchObject({
      token: wait.token,
      state: 'Approve',
      outcome: { output: { approvedBy: 'ada' } },
    });
    expect(await apiCode(() => tokens.deliver(wait.token, { output: {} }))).toBe('TaskDoesNotExist');
    expect(await apiCode(() => tokens.heartbeat('not-a-token'))).toBe('InvalidToken');
  });

  it('time out at the deadline and not before, and answer a late token with TaskTimedOut', async () => {
    const { clock, tokens, running } = tokensOnAClock();
    const wait = tokens.issue(running('late'), 'Approve', clock.now() + 1_000, undefined);
    const outcome = watch(wait.outcome);

    await clock.advance(999);
    expect(outcome.settled).toBe(false);
    await clock.advance(1);

    expect(outcome.error).toMatchObject({ name: 'States.Timeout' });
    expect(await apiCode(() => tokens.deliver(wait.token, { output: {} }))).toBe('TaskTimedOut');
  });

  it('time out HeartbeatSeconds after the last heartbeat', async () => {
    const { clock, tokens, running } = tokensOnAClock();
    const wait = tokens.issue(running('beating'), 'Approve', clock.now() + 30_000, 1);
    const outcome = watch(wait.outcome);

    await clock.advance(600);
    tokens.heartbeat(wait.token);
    await clock.advance(900);
    expect(outcome.settled).toBe(false);
    await clock.advance(100);

    expect(outcome.error).toMatchObject({ name: 'States.HeartbeatTimeout' });
  });

  it('fail the waiting state as interrupted when its execution is stopped, beyond Retry and Catch', async () => {
    const { clock, tokens, running } = tokensOnAClock();
    const execution = running('stopped');
    const wait = tokens.issue(execution, 'Approve', clock.now() + 60_000, undefined);
    const outcome = watch(wait.outcome);

    execution.interrupted = true;
    tokens.interrupt(execution, 'execution stopped');
    await clock.advance(0);

    expect(outcome.error).toMatchObject({ name: 'States.Runtime', message: 'execution stopped' });
    expect(outcome.error).toMatchObject({ isRetryable: false, isCatchable: false });
    expect(await apiCode(() => tokens.deliver(wait.token, { output: {} }))).toBe('TaskDoesNotExist');
  });
});

describe('task tokens after a restart', () => {
  const waitingSince = (clock: ManualClock, deadlineIn: number): Partial<ExecutionRecord> => ({
    currentState: 'Approve',
    taskToken: { token: OLD_TOKEN, state: 'Approve', deadline: clock.now() + deadlineIn },
  });

  it('hand an outcome sent with the old token before the state asks again to that state', async () => {
    const { clock, tokens, running } = tokensOnAClock();
    const execution = running('early', waitingSince(clock, 60_000));
    tokens.adopt(execution, 'Approve');

    await tokens.deliver(OLD_TOKEN, { output: { releasedBy: 'old' } });
    const wait = tokens.issue(execution, 'Approve', clock.now() + 60_000, undefined);
    const outcome = watch(wait.outcome);
    await clock.advance(0);

    expect(wait.token).not.toBe(OLD_TOKEN);
    expect(outcome).toMatchObject({ settled: true, value: { releasedBy: 'old' } });
  });

  it('hand an outcome acknowledged just before the crash to the resumed state, without waiting again', async () => {
    const { clock, tokens, running } = tokensOnAClock();
    const stored = waitingSince(clock, 60_000);
    stored.taskToken!.outcome = { output: { releasedBy: 'ada' } };
    const execution = running('acknowledged', stored);
    tokens.adopt(execution, 'Approve');

    const outcome = watch(tokens.issue(execution, 'Approve', clock.now() + 60_000, undefined).outcome);
    await clock.advance(0);

    expect(outcome).toMatchObject({ settled: true, value: { releasedBy: 'ada' } });
  });

  it('settle the resumed state with the old token, until the execution closes', async () => {
    const { clock, tokens, running } = tokensOnAClock();
    const execution = running('late', waitingSince(clock, 60_000));
    tokens.adopt(execution, 'Approve');
    const outcome = watch(tokens.issue(execution, 'Approve', clock.now() + 60_000, undefined).outcome);

    tokens.heartbeat(OLD_TOKEN);
    await tokens.deliver(OLD_TOKEN, { output: { releasedBy: 'old' } });
    await clock.advance(0);
    tokens.forget(execution);

    expect(outcome).toMatchObject({ settled: true, value: { releasedBy: 'old' } });
    expect(await apiCode(() => tokens.deliver(OLD_TOKEN, { output: {} }))).toBe('TaskDoesNotExist');
  });

  it('keep the deadline the state had before the restart', async () => {
    const { clock, tokens, running } = tokensOnAClock();
    const execution = running('deadline', waitingSince(clock, 5_000));
    tokens.adopt(execution, 'Approve');
    const outcome = watch(tokens.issue(execution, 'Approve', clock.now() + 60_000, undefined).outcome);

    await clock.advance(4_999);
    expect(outcome.settled).toBe(false);
    await clock.advance(1);

    expect(outcome.error).toMatchObject({ name: 'States.Timeout' });
  });
});
