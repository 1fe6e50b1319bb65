import { readFileSync } from 'node:fs';
import {
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  stat,
  unlink,
  writeFile,
  type FileHandle,
} from 'node:fs/promises';
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

/**
 * A finished execution whose record is kept on disk only: what ListExecutions answers from. Everything
 * else (input, output, error, history) is read back with `ExecutionStore.finished` when asked for, so
 * memory does not grow with the executions run, beyond this summary.
 */
export type RetiredRecord = Pick<ExecutionRecord, 'name' | 'startDate' | 'stopDate'> & {
  status: Exclude<ExecutionStatus, 'RUNNING'>;
};

/** Where executions live between runs of the engine. */
export interface ExecutionStore {
  /** Running executions come back whole; a store that can read histories back may retire finished ones. */
  load(): Promise<(ExecutionRecord | RetiredRecord)[]>;
  /** Resolves once this version of the record (or a later one) is durable. */
  save(record: ExecutionRecord): Promise<void>;
  /**
   * For a finished execution whose last save has resolved: makes its history readable on its own and
   * stops holding the record. Resolves true when it did, and then nothing may save the record again;
   * false when the caller has to keep the history itself.
   */
  retire?(record: ExecutionRecord): Promise<boolean>;
  /** The whole record of an execution this store retired, read back from disk. */
  finished?(name: string): ExecutionRecord;
  /** Resolves once every pending write has landed. */
  flush(): Promise<void>;
  /** Flushes and lets go of open files. */
  close(): Promise<void>;
}

/** Keeps nothing: for tests that do not need executions to outlive the engine. */
export const memoryStore = (): ExecutionStore => ({
  load: async () => [],
  save: async () => undefined,
  flush: async () => undefined,
  close: async () => undefined,
});

/** One journal line: the events appended since the last line for this execution, and its fields now. */
interface JournalEntry {
  seq: number;
  from: number;
  events: HistoryEvent[];
  record: Omit<ExecutionRecord, 'history'>;
}

interface Snapshot {
  seq: number;
  record: ExecutionRecord;
}

/** An execution as the store holds it: the live record, and how much of it the journal holds. */
interface Journaled {
  record: ExecutionRecord;
  seq: number;
  /** History events already in the journal. */
  journaled: number;
  /** The execution's fields as last journaled (JSON), which is what a snapshot may claim. */
  fields?: string;
}

const JOURNAL = 'journal.ndjson';
const ROTATED = 'journal.rotated.ndjson';
const SNAPSHOTS = 'executions';

/** What is kept of a finished execution once its history lives only on disk. */
export function retiredRecord(record: ExecutionRecord): RetiredRecord {
  const { name, status, startDate, stopDate } = record;
  if (status === 'RUNNING') throw new Error(`execution ${name} is still running`);
  // One literal shape for every summary: V8 then keeps the four fields inside the object.
  return { name, status, startDate, stopDate };
}

/**
 * A write-ahead journal with snapshots. Every save becomes a line in one append-only file holding only
 * what changed (new history events and the execution's fields), and all lines pending in one turn of
 * the event loop go out in a single write: a thousand executions entering states cost one append,
 * not a thousand file replacements. When the journal grows past `compactBytes` it is rotated and each
 * execution it touched is written to its own snapshot file (temp file + rename), then the rotated
 * journal is deleted. Loading reads the snapshots and replays the journals over them; a line carries
 * a per-execution sequence number, so replaying one a snapshot already holds changes nothing, and a
 * torn last line (a crash mid-append) is ignored. Nothing is fsynced: this survives a killed
 * process, which is what the local runtime promises, not a power cut.
 *
 * A finished execution is retired: once its last save is in the journal, it is written to its snapshot
 * and the store lets go of it, and its history is read back from that file when asked for. Loading
 * does not keep finished histories either, so memory holds only running executions whole.
 */
export class FileExecutionStore implements ExecutionStore {
  private journal?: FileHandle;
  private journalBytes = 0;
  private readonly live = new Map<string, Journaled>();
  private readonly dirty = new Set<string>();
  private readonly sinceSnapshot = new Set<string>();
  private writing?: Promise<void>;
  private next?: { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void };
  private compacting?: Promise<void>;
  private temps = 0;
  /** Snapshot writes, one at a time: an older state of an execution never lands after a newer one. */
  private snapshots: Promise<unknown> = Promise.resolve();
  private snapshotsPending = 0;
  /** While loading: finished executions read from their snapshots, without their histories. */
  private readonly shelved = new Map<string, { seq: number; record: RetiredRecord }>();

  constructor(
    private readonly directory: string,
    private readonly compactBytes = 16 * 1024 * 1024,
  ) {}

  private path(...parts: string[]): string {
    return join(this.directory, ...parts);
  }

  async load(): Promise<(ExecutionRecord | RetiredRecord)[]> {
    await mkdir(this.path(SNAPSHOTS), { recursive: true });
    await this.read(true);
    // Fold what was replayed into snapshots, so the next start does not replay it again.
    for (const name of this.sinceSnapshot) await this.snapshot(name);
    this.sinceSnapshot.clear();
    await unlink(this.path(ROTATED)).catch(() => undefined);
    this.journal = await open(this.path(JOURNAL), 'w');
    const records: (ExecutionRecord | RetiredRecord)[] = [...this.shelved.values()].map(
      ({ record }) => record,
    );
    this.shelved.clear();
    for (const [name, entry] of this.live) {
      if (entry.record.status === 'RUNNING') {
        records.push(entry.record);
        continue;
      }
      // Finished, and folded into its snapshot just above: its history stays on disk.
      this.live.delete(name);
      records.push(retiredRecord(entry.record));
    }
    return records;
  }

  /** What a store directory holds now, histories included, without changing it (an engine may use it). */
  static async read(directory: string): Promise<ExecutionRecord[]> {
    const store = new FileExecutionStore(directory);
    await store.read(false);
    return [...store.live.values()].map((entry) => entry.record);
  }

  /** Loading tidies temp files and shelves finished executions; a plain read keeps every record whole. */
  private async read(loading: boolean): Promise<void> {
    let entries: string[] = [];
    try {
      entries = await readdir(this.path(SNAPSHOTS));
    } catch {
      // nothing stored yet
    }
    for (const entry of entries) {
      const file = this.path(SNAPSHOTS, entry);
      if (entry.endsWith('.tmp')) {
        if (loading) await unlink(file).catch(() => undefined);
      } else if (entry.endsWith('.json')) {
        const snapshot = JSON.parse(await readFile(file, 'utf8')) as Snapshot;
        const { record } = snapshot;
        if (loading && record.status !== 'RUNNING') {
          this.shelved.set(record.name, { seq: snapshot.seq, record: retiredRecord(record) });
        } else {
          this.live.set(record.name, { record, seq: snapshot.seq, journaled: record.history.length });
        }
      }
    }
    for (const journal of [ROTATED, JOURNAL]) await this.replay(this.path(journal));
  }

  private async replay(file: string): Promise<void> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return;
    }
    for (const line of text.split('\n')) {
      if (line === '') continue;
      let entry: JournalEntry;
      try {
        entry = JSON.parse(line) as JournalEntry;
      } catch {
        continue; // the line a crash cut short; what it said is redone by the resumed execution
      }
      const name = entry.record.name;
      const shelved = this.shelved.get(name);
      if (shelved) {
        if (shelved.seq >= entry.seq) continue;
        // Saved again after its snapshot said it had finished: replay over the whole snapshot.
        this.shelved.delete(name);
        const { seq, record } = this.readSnapshot(name);
        this.live.set(name, { record, seq, journaled: record.history.length });
      }
      const known = this.live.get(name);
      if (known && known.seq >= entry.seq) continue;
      const history = known?.record.history ?? [];
      history.push(...entry.events.slice(history.length - entry.from));
      const record = { ...entry.record, history };
      this.live.set(name, {
        record,
        seq: entry.seq,
        journaled: history.length,
        fields: JSON.stringify(entry.record),
      });
      this.sinceSnapshot.add(name);
    }
  }

  save(record: ExecutionRecord): Promise<void> {
    let entry = this.live.get(record.name);
    if (!entry || entry.record !== record) {
      entry = { ...entry, record, seq: entry?.seq ?? 0, journaled: entry?.journaled ?? 0 };
      this.live.set(record.name, entry);
    }
    this.dirty.add(record.name);
    if (!this.next) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      this.next = { promise, resolve, reject };
      if (!this.writing) setImmediate(() => this.write());
    }
    return this.next.promise;
  }

  /**
   * Appends every pending change in one write; saves made meanwhile wait for the next one. A journal
   * grown too big is rotated in the same step, so no append can land in it afterwards.
   */
  private write(): void {
    const batch = this.next;
    if (!batch || this.writing) return;
    this.next = undefined;
    const lines: string[] = [];
    for (const name of this.dirty) {
      const entry = this.live.get(name)!;
      const { history, ...fields } = entry.record;
      entry.seq++;
      entry.fields = JSON.stringify(fields);
      lines.push(
        `{"seq":${entry.seq},"from":${entry.journaled},"events":${JSON.stringify(history.slice(entry.journaled))},"record":${entry.fields}}`,
      );
      entry.journaled = history.length;
      this.sinceSnapshot.add(name);
    }
    this.dirty.clear();
    const text = `${lines.join('\n')}\n`;
    this.writing = (async () => {
      if (!this.journal) throw new Error('the execution store is not loaded');
      await this.journal.write(text);
      this.journalBytes += Buffer.byteLength(text);
      if (this.journalBytes > this.compactBytes && !this.compacting) await this.rotate();
    })();
    this.writing.then(batch.resolve, batch.reject).finally(() => {
      this.writing = undefined;
      if (this.next) this.write();
    });
  }

  /** Starts a new journal, then snapshots what the old one touched; a crash midway is finished by load. */
  private async rotate(): Promise<void> {
    const rotated = this.journal!;
    const touched = [...this.sinceSnapshot];
    this.sinceSnapshot.clear();
    await rename(this.path(JOURNAL), this.path(ROTATED));
    this.journal = await open(this.path(JOURNAL), 'w');
    this.journalBytes = 0;
    await rotated.close();
    const compaction: Promise<void> = (async () => {
      for (const name of touched) await this.snapshot(name);
      await unlink(this.path(ROTATED));
    })()
      .catch((error: unknown) => console.error('local Step Functions: compaction failed', error))
      .finally(() => {
        // Only this compaction's own end clears the flag: a later one may already be running.
        if (this.compacting === compaction) this.compacting = undefined;
      });
    this.compacting = compaction;
  }

  /**
   * Retires a finished execution whose last save has resolved: writes its snapshot, then lets go of it,
   * unless it was saved again meanwhile (then it stays, and false says so).
   */
  async retire(record: ExecutionRecord): Promise<boolean> {
    const { name } = record;
    const entry = this.live.get(name);
    if (!this.journal || record.status === 'RUNNING' || entry?.record !== record) return false;
    const seq = await this.snapshot(name);
    // The snapshot must hold everything there is: no save may have come in since it was taken.
    const whole = seq === entry.seq && entry.journaled === record.history.length && !this.dirty.has(name);
    if (!whole || this.live.get(name) !== entry) return false;
    this.live.delete(name);
    // Its journal lines may now go with the journal: the snapshot holds them.
    this.sinceSnapshot.delete(name);
    return true;
  }

  /** An execution's whole record: from memory while the store holds it, else from its snapshot file. */
  finished(name: string): ExecutionRecord {
    return this.live.get(name)?.record ?? this.readSnapshot(name).record;
  }

  /** Executions the store holds in memory (running ones, and finished ones not retired yet). */
  get held(): number {
    return this.live.size;
  }

  private snapshotFile(name: string): string {
    return this.path(SNAPSHOTS, `${encodeURIComponent(name)}.json`);
  }

  private readSnapshot(name: string): Snapshot {
    return JSON.parse(readFileSync(this.snapshotFile(name), 'utf8')) as Snapshot;
  }

  /** Queues a snapshot of the execution as journaled now; resolves with the seq it claims, if any. */
  private snapshot(name: string): Promise<number | undefined> {
    this.snapshotsPending++;
    const written = this.snapshots.then(() => this.writeSnapshot(name));
    this.snapshots = written.catch(() => undefined).finally(() => this.snapshotsPending--);
    return written;
  }

  private async writeSnapshot(name: string): Promise<number | undefined> {
    const entry = this.live.get(name);
    if (!entry) return undefined;
    // The snapshot claims only what the journal already holds, so replaying later lines still applies them.
    if (entry.fields === undefined) return undefined;
    const { seq } = entry;
    const fields = JSON.parse(entry.fields) as Omit<ExecutionRecord, 'history'>;
    const record = { ...fields, history: entry.record.history.slice(0, entry.journaled) };
    const file = this.snapshotFile(name);
    // Unique per write: two snapshots of one execution must never share a temp file.
    const temp = `${file}.${process.pid}.${++this.temps}.tmp`;
    await writeFile(temp, JSON.stringify({ seq, record } satisfies Snapshot));
    await rename(temp, file);
    return seq;
  }

  async flush(): Promise<void> {
    while (this.next || this.writing || this.compacting || this.snapshotsPending > 0) {
      if (this.next && !this.writing) this.write();
      await Promise.allSettled([this.next?.promise, this.writing, this.compacting, this.snapshots]);
    }
  }

  /** Journal size now, for tests of compaction. */
  async journalSize(): Promise<number> {
    return (await stat(this.path(JOURNAL))).size;
  }

  /** A clean close folds the journal into snapshots, so the next start has nothing to replay. */
  async close(): Promise<void> {
    await this.flush();
    if (this.journal && this.sinceSnapshot.size > 0) {
      await this.rotate();
      await this.flush();
    }
    await this.journal?.close();
    this.journal = undefined;
  }
}
