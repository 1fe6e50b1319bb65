import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Clock } from '../../infra/local/stepfunctions/index.js';

interface Timer {
  at: number;
  order: number;
  fire: () => void;
}

/**
 * A clock that stands still until the test moves it. `advance` fires the timers that fall due, in
 * the order they are due, and gives the engine a turn of the event loop after each, so a timer set in
 * reaction to another still fires if it falls due within the same advance. A task timeout or callback
 * deadline is then reached without waiting for it, and a test can tell what happened just before it.
 */
export class ManualClock implements Clock {
  private current: number;
  private timers: Timer[] = [];
  private scheduled = 0;

  constructor(start = Date.now()) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  after(ms: number, fire: () => void): () => void {
    const timer = { at: this.current + Math.max(0, ms), order: this.scheduled++, fire };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((candidate) => candidate !== timer);
    };
  }

  /** Resolves after `ms` of this clock: for a fake handler that takes time. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  /** Moves time on by `ms`, firing what falls due on the way. */
  async advance(ms: number): Promise<void> {
    const until = this.current + ms;
    for (;;) {
      await nextTurn();
      const due = this.timers
        .filter((timer) => timer.at <= until)
        .sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (!due) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.current = due.at;
      due.fire();
    }
    this.current = until;
    await nextTurn();
  }
}
