import type { HistoryEventType } from '@aws-sdk/client-sfn';
import { apiError } from './errors.js';
import { historyEvent } from './history.js';
import type { ExecutionRecord, RetiredRecord, TaskOutcome } from './store.js';
import type { TokenEntry } from './tokens.js';

/**
 * A retired execution keeps only its summary in memory; its input, output and history are read back
 * from the store.
 */
export type Retired = RetiredRecord & {
  history?: undefined;
  currentState?: undefined;
  currentInput?: undefined;
  taskToken?: undefined;
};

/** One execution as the engine holds it: its record and what its run needs besides. */
export interface Execution {
  /** The whole record while it runs; once finished and retired by the store, the fields the API answers. */
  record: ExecutionRecord | Retired;
  /** Set by its closing save: a finished execution is saved once, so the store may then retire it. */
  sealed: boolean;
  /** Why new tasks must not start: stopped, or the engine is shutting down (then nothing more is recorded). */
  interrupted: boolean;
  detached: boolean;
  abort?: () => void;
  persisted: Promise<void>;
  /** A caught state's exit is written when the next state is entered, whose input is its output. */
  pendingExit?: { type: string; name: string };
  tokens: Set<TokenEntry>;
  /** An outcome sent (with the old token) before a resumed callback state asked again. */
  buffered?: { state: string; outcome: TaskOutcome };
  finished: Promise<void>;
  finish: () => void;
}

const SETTLED = Promise.resolve();
const NO_TOKENS: ReadonlySet<TokenEntry> = new Set();
const NOTHING = (): void => undefined;
const EXECUTION_ARN_SHAPE = /^arn:aws[\w-]*:states:[\w-]+:\d{12}:execution:[^:]+:[^:]+$/;

/** The whole record of an execution that has not been retired (all of them while running). */
export function whole(execution: Execution): ExecutionRecord {
  const { record } = execution;
  if (record.history === undefined) throw new Error(`execution ${record.name} has finished and been retired`);
  return record;
}

/** Appends an event to the execution's history at `timestamp`, numbered after the last one. */
export function recordEvent(
  execution: Execution,
  timestamp: number,
  type: HistoryEventType,
  details?: Record<string, unknown>,
): void {
  const { history } = whole(execution);
  history.push(historyEvent(history.length + 1, type, details, timestamp));
}

/** The entry of a finished execution whose record the store keeps: it needs nothing of its own. */
function retired(record: Retired): Execution {
  return {
    record,
    sealed: true,
    interrupted: false,
    detached: false,
    persisted: SETTLED,
    tokens: NO_TOKENS as Set<TokenEntry>,
    finished: SETTLED,
    finish: NOTHING,
  };
}

/** Every execution of the state machine, running or finished, by name. */
export class ExecutionTable {
  private readonly byName = new Map<string, Execution>();
  /** The oldest execution it knows, so the state machine is never younger than its executions. */
  earliestStart = Number.POSITIVE_INFINITY;

  constructor(private readonly stateMachineArn: string) {}

  arn(name: string): string {
    return `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  }

  get(name: string): Execution | undefined {
    return this.byName.get(name);
  }

  values(): IterableIterator<Execution> {
    return this.byName.values();
  }

  /** Adds an execution started here or loaded from the store. */
  track(record: ExecutionRecord | Retired): Execution {
    this.earliestStart = Math.min(this.earliestStart, record.startDate);
    if (!record.history) {
      const execution = retired(record);
      this.byName.set(record.name, execution);
      return execution;
    }
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const execution: Execution = {
      record,
      sealed: record.status !== 'RUNNING',
      interrupted: false,
      detached: false,
      persisted: Promise.resolve(),
      tokens: new Set(),
      finished,
      finish,
    };
    if (record.status !== 'RUNNING') finish();
    this.byName.set(record.name, execution);
    return execution;
  }

  /**
   * Swaps a finished execution for a new, small entry: the closures, promises and tokens of its run go
   * with the old one.
   */
  retire(record: RetiredRecord): void {
    this.byName.set(record.name, retired(record));
  }

  /** By name or execution ARN, with the errors AWS gives for a malformed or unknown one. */
  find(nameOrArn: string): Execution {
    if (typeof nameOrArn !== 'string' || nameOrArn === '') throw apiError.invalidArn(nameOrArn);
    const prefix = this.arn('');
    if (nameOrArn.startsWith('arn:')) {
      if (!EXECUTION_ARN_SHAPE.test(nameOrArn)) throw apiError.invalidArn(nameOrArn);
      const execution = nameOrArn.startsWith(prefix)
        ? this.byName.get(nameOrArn.slice(prefix.length))
        : undefined;
      if (!execution) throw apiError.executionDoesNotExist(nameOrArn);
      return execution;
    }
    const execution = this.byName.get(nameOrArn);
    if (!execution) throw apiError.executionDoesNotExist(this.arn(nameOrArn));
    return execution;
  }
}
