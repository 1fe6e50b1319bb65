import { appendFileSync, existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import type { StateMachineDefinition } from '../../infra/local/stepfunctions/asl.js';
import { StepFunctionsEngine } from '../../infra/local/stepfunctions/engine.js';
import { historyEvent, type HistoryEvent } from '../../infra/local/stepfunctions/history.js';
import { FileExecutionStore, type ExecutionRecord } from '../../infra/local/stepfunctions/store.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const dirs: string[] = [];
function directory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'orderflow-store-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function execution(name: string): ExecutionRecord {
  return {
    name,
    executionArn: `arn:aws:states:us-east-1:000000000000:execution:test:${name}`,
    input: '{}',
    status: 'RUNNING',
    startDate: Date.now(),
    history: [historyEvent(1, 'ExecutionStarted', { input: '{}' })],
  };
}

/** Moves an execution into its next state, as the engine does on StateEntered. */
function enter(record: ExecutionRecord, state: string): void {
  record.history.push(historyEvent(record.history.length + 1, 'TaskStateEntered', { name: state }));
  record.currentState = state;
  record.currentInput = { state };
}

describe('the execution store (journal + snapshots)', () => {
  it('gives back every execution as last saved, after a process that never closed it', async () => {
    const dir = directory();
    const store = new FileExecutionStore(dir);
    await store.load();
    const records = Array.from({ length: 50 }, (_, index) => execution(`e${index}`));
    for (const [index, record] of records.entries()) {
      for (let step = 0; step <= index % 5; step++) {
        enter(record, `S${step}`);
        void store.save(record);
      }
    }
    await Promise.all(records.map((record) => store.save(record)));

    const loaded = await FileExecutionStore.read(dir);

    expect(loaded).toHaveLength(50);
    for (const record of records) expect(loaded.find((r) => r.name === record.name)).toEqual(record);
    await store.close();
  });

  it('compacts into snapshots as it grows and on close, and still loads the newest state', async () => {
    const dir = directory();
    const store = new FileExecutionStore(dir, 2_000);
    await store.load();
    const record = execution('long');
    for (let step = 0; step < 200; step++) {
      enter(record, `S${step}`);
      await store.save(record);
    }
    // Compaction runs behind the saves; once it has settled, only the snapshot is left.
    await store.flush();
    expect(readdirSync(join(dir, 'executions'))).toEqual(['long.json']);
    await store.close();

    expect(await store.journalSize()).toBe(0);
    const reopened = new FileExecutionStore(dir);
    const [loaded] = await reopened.load();
    expect(loaded).toEqual(record);
    await reopened.close();
  });

  it('ignores a line a crash cut short, and finishes a compaction a crash interrupted', async () => {
    const dir = directory();
    const store = new FileExecutionStore(dir);
    await store.load();
    const record = execution('torn');
    enter(record, 'First');
    await store.save(record);
    enter(record, 'Second');
    await store.save(record);
    appendFileSync(join(dir, 'journal.ndjson'), '{"seq":3,"from":3,"events":[{"id":4');
    // As if rotated and killed before any snapshot: the rotated journal is still the only copy.
    renameSync(join(dir, 'journal.ndjson'), join(dir, 'journal.rotated.ndjson'));

    const reopened = new FileExecutionStore(dir);
    const [loaded] = await reopened.load();

    expect(loaded).toEqual(record);
    expect(existsSync(join(dir, 'journal.rotated.ndjson'))).toBe(false);
    expect(readdirSync(join(dir, 'executions'))).toEqual(['torn.json']);
    await reopened.close();
    await store.close();
  });
});

const ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:retire';
const definition: StateMachineDefinition = {
  StartAt: 'Prepare',
  States: {
    Prepare: {
      Type: 'Pass',
      Result: { padding: 'x'.repeat(2_000) },
      ResultPath: '$.prepared',
      Next: 'Route',
    },
    Route: {
      Type: 'Choice',
      Choices: [{ Variable: '$.hold', BooleanEquals: true, Next: 'Hold' }],
      Default: 'Work',
    },
    Hold: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: 'ask', Payload: { 'token.$': '$$.Task.Token' } },
      ResultPath: '$.released',
      Next: 'Done',
    },
    Work: {
      Type: 'Task',
      Resource: 'arn:aws:lambda:us-east-1:000000000000:function:work',
      ResultPath: '$.worked',
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
};

async function until(what: string, probe: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('finished executions are retired to disk', () => {
  it(
    'holds no history for them in memory, before or after a restart, yet answers it in full',
    {
      timeout: 20_000,
    },
    async () => {
      const dir = directory();
      const tokens: string[] = [];
      const handlers = {
        work: async (event: unknown) => ({ seen: Object.keys(event as object) }),
        ask: async (event: unknown) => {
          tokens.push((event as { token: string }).token);
          return {};
        },
      };
      const store = new FileExecutionStore(dir);
      const engine = await StepFunctionsEngine.open({ definition, stateMachineArn: ARN, handlers, store });
      const names = Array.from({ length: 40 }, (_, index) => `order-${index}`);
      let firstHistory: HistoryEvent[];
      try {
        // The history arrays the engine fills while each execution runs: nothing may keep them afterwards.
        const histories: WeakRef<HistoryEvent[]>[] = [];
        for (const name of names) {
          engine.startExecution({ name, input: JSON.stringify({ name, hold: false }) });
          histories.push(new WeakRef(engine.history(name)));
        }
        engine.startExecution({ name: 'held', input: '{"hold":true}' });
        for (const name of names) expect((await engine.awaitExecution(name, 5_000)).status).toBe('SUCCEEDED');
        await until('the held execution to wait for its token', () => tokens.length === 1);

        // Only the running execution stays in the store's memory, and the finished histories are garbage.
        await until('the finished executions to be retired', () => store.held === 1);
        await until(
          'their histories to be collected',
          () => {
            gc();
            return histories.every((history) => history.deref() === undefined);
          },
          2_000,
        );

        const onDisk = await FileExecutionStore.read(dir);
        const expected = ['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'ChoiceStateEntered'];
        for (const name of names) {
          const history = engine.history(name);
          expect(history.map((event) => event.type).slice(0, 4)).toEqual(expected);
          expect(history.at(-1)!.type).toBe('ExecutionSucceeded');
          expect(history).toEqual(onDisk.find((record) => record.name === name)!.history);
          expect(engine.statesEntered(name)).toEqual(['Prepare', 'Route', 'Work', 'Done']);
          expect(engine.stateEnteredCount(name)).toBe(4);
          expect(engine.getExecutionHistory(engine.executionArn(name)).events).toHaveLength(history.length);
          const described = engine.describeExecution(name);
          expect(described).toMatchObject({
            status: 'SUCCEEDED',
            input: JSON.stringify({ name, hold: false }),
          });
          expect(JSON.parse(described.output!)).toMatchObject({
            worked: { seen: ['name', 'hold', 'prepared'] },
          });
        }
        // A finished execution's name stays taken, whatever the input.
        expect(() =>
          engine.startExecution({ name: names[0]!, input: JSON.stringify({ name: names[0] }) }),
        ).toThrow(/Execution Already Exists/);
        expect(
          engine.listExecutions({ statusFilter: 'SUCCEEDED', maxResults: 1000 }).executions,
        ).toHaveLength(40);
        firstHistory = engine.history(names[0]!);
      } finally {
        await engine.shutdown();
      }

      // A restart brings back only the running execution whole.
      const restartedStore = new FileExecutionStore(dir);
      const restarted = await StepFunctionsEngine.open({
        definition,
        stateMachineArn: ARN,
        handlers,
        store: restartedStore,
      });
      try {
        expect(restartedStore.held).toBe(1);
        expect(restarted.running()).toEqual(['held']);
        expect(restarted.history(names[0]!)).toEqual(firstHistory);
        expect(restarted.describeExecution(names[1]!).status).toBe('SUCCEEDED');
        await until('the held execution to ask again', () => tokens.length === 2);
        await restarted.sendTaskSuccess(tokens[1]!, '{"by":"test"}');
        expect((await restarted.awaitExecution('held', 5_000)).status).toBe('SUCCEEDED');
        await until('the held execution to be retired', () => restartedStore.held === 0);
        expect(restarted.statesEntered('held')).toEqual(['Prepare', 'Route', 'Hold', 'Hold', 'Done']);
      } finally {
        await restarted.shutdown();
      }
    },
  );

  it('keeps a retired execution recoverable from the journal alone after a crash', async () => {
    const dir = directory();
    const store = new FileExecutionStore(dir);
    await store.load();
    const record = execution('done');
    enter(record, 'Only');
    record.status = 'SUCCEEDED';
    record.stopDate = Date.now();
    record.output = '{}';
    record.history.push(historyEvent(3, 'ExecutionSucceeded', { output: '{}' }));
    await store.save(record);
    expect(await store.retire(record)).toBe(true);
    expect(store.held).toBe(0);
    expect(store.finished('done')).toEqual(record);
    // As if killed before the snapshot landed: the journal still holds every line of it.
    rmSync(join(dir, 'executions', 'done.json'));

    const reloaded = new FileExecutionStore(dir);
    const [loaded] = await reloaded.load();

    // Loaded as its summary only; the rest is read back from disk when asked for.
    expect(loaded).toEqual({
      name: 'done',
      status: 'SUCCEEDED',
      startDate: record.startDate,
      stopDate: record.stopDate,
    });
    expect(reloaded.held).toBe(0);
    expect(reloaded.finished('done')).toEqual(record);
    await reloaded.close();
    await store.close();
  });
});
