import { appendFileSync, existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { historyEvent } from '../../infra/local/stepfunctions/history.js';
import { FileExecutionStore, type ExecutionRecord } from '../../infra/local/stepfunctions/store.js';

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
    const [loaded] = await new FileExecutionStore(dir).load();
    expect(loaded).toEqual(record);
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

    const [loaded] = await new FileExecutionStore(dir).load();

    expect(loaded).toEqual(record);
    expect(existsSync(join(dir, 'journal.rotated.ndjson'))).toBe(false);
    expect(readdirSync(join(dir, 'executions'))).toEqual(['torn.json']);
  });
});
