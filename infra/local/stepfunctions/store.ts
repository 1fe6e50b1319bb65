import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HistoryEvent } from './history.js';

/** What SendTaskSuccess or SendTaskFailure delivered for a token. */
export type TaskOutcome = { output: unknown } | { error: string; cause: string };

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** Everything needed to describe an execution and, while it runs, to pick it up after a crash. */
export interface ExecutionRecord {
  name: string;
  executionArn: string;
  input: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  /** The state the execution is in and the raw input it entered with: where a restart resumes. */
  currentState?: string;
  currentInput?: unknown;
  /** The token the current state waits on, so a release sent with it still lands after a restart. */
  taskToken?: { token: string; state: string; deadline: number; outcome?: TaskOutcome };
  history: HistoryEvent[];
}

/** Where executions live between runs of the engine. */
export interface ExecutionStore {
  load(): Promise<ExecutionRecord[]>;
  /** Resolves once this version of the record (or a later one) is durable. */
  save(record: ExecutionRecord): Promise<void>;
  /** Resolves once every pending write has landed. */
  flush(): Promise<void>;
}

/** Keeps nothing: for tests that do not need executions to outlive the engine. */
export const memoryStore = (): ExecutionStore => ({
  load: async () => [],
  save: async () => undefined,
  flush: async () => undefined,
});

interface Slot {
  writing?: Promise<void>;
  next?: { record: ExecutionRecord; done: Promise<void>; resolve: () => void; reject: (e: unknown) => void };
}

/**
 * One JSON file per execution, replaced atomically (temp file + rename), so a SIGKILL at any moment
 * leaves either the previous or the new version, never a torn one. Writes for one execution are
 * serialised and coalesced: while one is on disk, later saves collapse into a single next write of
 * the newest version, so a burst of state entries costs at most two writes. Rename is not fsynced:
 * the files survive a killed process, which is what the local runtime promises, not a power cut.
 */
export class FileExecutionStore implements ExecutionStore {
  private readonly slots = new Map<string, Slot>();
  private readonly pending = new Set<Promise<void>>();
  private sequence = 0;

  constructor(private readonly directory: string) {}

  private file(name: string): string {
    return join(this.directory, `${encodeURIComponent(name)}.json`);
  }

  async load(): Promise<ExecutionRecord[]> {
    await mkdir(this.directory, { recursive: true });
    const records: ExecutionRecord[] = [];
    for (const entry of await readdir(this.directory)) {
      const path = join(this.directory, entry);
      if (entry.endsWith('.tmp')) {
        await unlink(path).catch(() => undefined);
        continue;
      }
      if (!entry.endsWith('.json')) continue;
      records.push(JSON.parse(await readFile(path, 'utf8')) as ExecutionRecord);
    }
    return records;
  }

  save(record: ExecutionRecord): Promise<void> {
    const slot = this.slots.get(record.name) ?? {};
    this.slots.set(record.name, slot);
    if (slot.next) {
      slot.next.record = record;
      return slot.next.done;
    }
    if (!slot.writing) return this.track(this.write(record, slot));
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const done = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    slot.next = { record, done, resolve, reject };
    return this.track(done);
  }

  private track(promise: Promise<void>): Promise<void> {
    this.pending.add(promise);
    promise.then(
      () => this.pending.delete(promise),
      () => this.pending.delete(promise),
    );
    return promise;
  }

  private write(record: ExecutionRecord, slot: Slot): Promise<void> {
    // Serialised now, so later changes to the live record belong to the next write.
    const text = JSON.stringify(record);
    const target = this.file(record.name);
    const temp = join(this.directory, `.${encodeURIComponent(record.name)}.${++this.sequence}.tmp`);
    slot.writing = (async () => {
      try {
        await writeFile(temp, text);
        await rename(temp, target);
      } finally {
        slot.writing = undefined;
        const next = slot.next;
        slot.next = undefined;
        if (next) this.write(next.record, slot).then(next.resolve, next.reject);
        else this.slots.delete(record.name);
      }
    })();
    return slot.writing;
  }

  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
