import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SFNClient, SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/services.js';
import {
  FileExecutionStore,
  startLocalStepFunctions,
  type ExecutionRecord,
  type LocalStepFunctions,
} from '../../infra/local/stepfunctions/index.js';
import { durableDefinition, durableHandlers } from './fixtures/durable-machine.js';

const CHILD = fileURLToPath(new URL('./fixtures/durable-child.ts', import.meta.url));
const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:durable';

type Call = { fn: string; event: Record<string, unknown> };

/** The engine in a child process, as `npm start` runs it, with the handler calls it reports. */
async function startChild(dataDir: string) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const calls: Call[] = [];
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`engine process exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const message = JSON.parse(line) as Call & { endpoint?: string };
      if (message.endpoint) resolve(message.endpoint);
      else calls.push(message);
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, calls, endpoint, exited };
}

async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function client(endpoint: string): SFNClient {
  return new SFNClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

const dataDir = mkdtempSync(join(tmpdir(), 'orderflow-sfn-'));
/** What the engine has made durable for an execution (read without disturbing the running engine). */
const storedNow = async (name: string): Promise<ExecutionRecord | undefined> =>
  (await FileExecutionStore.read(join(dataDir, 'durable'))).find((record) => record.name === name);
let restarted: LocalStepFunctions | undefined;

afterAll(async () => {
  await restarted?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('executions survive a SIGKILL of the engine', () => {
  it('resume where they were: in Waits, waiting for a token, and with a release acknowledged just before', async () => {
    const first = await startChild(dataDir);
    const before = client(first.endpoint);
    const start = (name: string, input: Record<string, unknown>) =>
      before.send(
        new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name, input: JSON.stringify(input) }),
      );
    const wakeAt = Date.now() + 3_000;
    await start('sleeper', { kind: 'wait', until: new Date(wakeAt).toISOString() });
    const napStarted = Date.now();
    await start('napper', { kind: 'nap' });
    for (const name of ['held', 'held-old-token', 'acknowledged']) await start(name, { kind: 'token' });
    const tokenBefore = (name: string) =>
      first.calls.find((call) => call.fn === 'ask' && call.event.name === name)?.event.token as
        string | undefined;
    await until(
      'the sleeper to be stored in its Wait',
      async () => (await storedNow('sleeper'))?.currentState === 'Sleep',
    );
    for (const name of ['held', 'held-old-token', 'acknowledged']) {
      await until(
        `${name} to wait for its token`,
        async () => (await storedNow(name))?.taskToken && tokenBefore(name),
      );
    }
    await until(
      'the napper to be stored in its Wait',
      async () => (await storedNow('napper'))?.currentState === 'Nap',
    );
    // Two of its six seconds pass before the crash: resumed, it must wait only what is left.
    await new Promise((resolve) => setTimeout(resolve, napStarted + 2_000 - Date.now()));
    await before.send(
      new SendTaskSuccessCommand({ taskToken: tokenBefore('acknowledged')!, output: '{"releasedBy":"ada"}' }),
    );
    first.child.kill('SIGKILL');
    await first.exited;
    before.destroy();
    expect((await storedNow('sleeper'))?.status).toBe('RUNNING');
    expect((await storedNow('held'))?.status).toBe('RUNNING');

    const calls: Call[] = [];
    const restartedAt = Date.now();
    restarted = await startLocalStepFunctions({
      definition: durableDefinition,
      stateMachineName: 'durable',
      dataDir,
      handlers: durableHandlers((fn, event) => calls.push({ fn, event })),
    });
    const after = client(restarted.endpoint);
    const engine = restarted.engine;
    const freshToken = await until('held to ask again', () => {
      const call = calls.find((c) => c.fn === 'ask' && c.event.name === 'held');
      return call?.event.token as string | undefined;
    });
    expect(freshToken).not.toBe(tokenBefore('held'));
    await after.send(new SendTaskSuccessCommand({ taskToken: freshToken, output: '{"releasedBy":"fresh"}' }));
    // A token handed out before the crash (say, stored on the order) still releases the resumed state.
    await until('held-old-token to be resumed', () => engine.taskToken('held-old-token'));
    await after.send(
      new SendTaskSuccessCommand({
        taskToken: tokenBefore('held-old-token')!,
        output: '{"releasedBy":"old"}',
      }),
    );

    const names = ['sleeper', 'napper', 'held', 'held-old-token', 'acknowledged'];
    const [sleeper, napper, held, heldOld, acknowledged] = await Promise.all(
      names.map((name) => engine.awaitExecution(name, 15_000)),
    );
    after.destroy();

    expect(sleeper!.status).toBe('SUCCEEDED');
    expect(sleeper!.stopDate!.getTime()).toBeGreaterThanOrEqual(wakeAt);
    // The history runs on across the restart; the state it was in is entered a second time.
    expect(engine.statesEntered('sleeper')).toEqual(['Prepare', 'Route', 'Sleep', 'Sleep', 'Woke', 'Done']);
    expect(napper!.stopDate!.getTime()).toBeGreaterThanOrEqual(napStarted + 6_000);
    expect(napper!.stopDate!.getTime() - restartedAt).toBeLessThan(5_500);
    expect(JSON.parse(held!.output!)).toMatchObject({ approval: { releasedBy: 'fresh' } });
    expect(JSON.parse(heldOld!.output!)).toMatchObject({ approval: { releasedBy: 'old' } });
    expect(acknowledged!.status).toBe('SUCCEEDED');
    expect(JSON.parse(acknowledged!.output!)).toMatchObject({ approval: { releasedBy: 'ada' } });
    // Nothing before the state each was in ran again: Prepare only ran for the sleepers' Woke.
    expect(calls.filter((call) => call.fn === 'prepare')).toHaveLength(2);
    for (const name of names) {
      const history = engine.history(name);
      expect(history.filter((event) => event.type === 'ExecutionStarted')).toHaveLength(1);
      expect(history.map((event) => event.id)).toEqual(history.map((_, index) => index + 1));
      expect((await storedNow(name))?.status).toBe('SUCCEEDED');
    }
  });
});
