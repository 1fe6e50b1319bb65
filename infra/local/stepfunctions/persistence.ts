import { whole, type Execution, type ExecutionTable } from './execution.js';
import { retiredRecord, type ExecutionRecord, type ExecutionStore, type RetiredRecord } from './store.js';

/**
 * What the engine keeps of its executions between runs: every save of a running execution, and once
 * one has finished durably, its retirement to the store so memory does not grow with the executions run.
 */
export class Persistence {
  constructor(
    private readonly store: ExecutionStore,
    private readonly executions: ExecutionTable,
  ) {}

  /** Every execution as the store last held it: running ones whole, retired ones as summaries. */
  load(): Promise<(ExecutionRecord | RetiredRecord)[]> {
    return this.store.load();
  }

  /** Saves the execution as it is now; resolves once that is durable. */
  persist(execution: Execution): Promise<void> {
    // What happens to an execution after its closing save is not its to record.
    if (execution.sealed) return execution.persisted;
    const saved = this.store.save(whole(execution));
    execution.persisted = saved;
    saved.catch((error: unknown) => {
      console.error(`local Step Functions: could not persist ${execution.record.name}:`, error);
    });
    return saved;
  }

  /**
   * Hands a durable finished execution to the store and keeps only what the API answers from. A store
   * that cannot read histories back keeps them in memory.
   */
  async retire(execution: Execution): Promise<void> {
    const { record } = execution;
    if (!this.store.retire || !this.store.finished || record.history === undefined) return;
    try {
      if (!(await this.store.retire(record))) return;
    } catch (error) {
      console.error(`local Step Functions: could not retire ${record.name}:`, error);
      return;
    }
    this.executions.retire(retiredRecord(record));
  }

  /** The whole record: from memory, or for a retired execution from the store (a synchronous read). */
  full(execution: Execution): ExecutionRecord {
    const { record } = execution;
    if (record.history) return record;
    if (!this.store.finished) throw new Error(`the store retired ${record.name} but cannot read it back`);
    return this.store.finished(record.name);
  }

  /** Flushes pending writes and lets go of the store's files. */
  close(): Promise<void> {
    return this.store.close();
  }
}
