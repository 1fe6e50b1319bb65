import { afterEach, describe, expect, it } from 'vitest';
import { maybeInjectFault } from '../../functions/shared/providers/faults.js';

/** Which of `calls` provider calls fail, as a string of 0 (passed) and 1 (failed). */
function outcomes(calls: number): string {
  return Array.from({ length: calls }, () => {
    try {
      maybeInjectFault('payment');
      return '0';
    } catch {
      return '1';
    }
  }).join('');
}

afterEach(() => {
  delete process.env.ORDERFLOW_FAULT_RATE;
  delete process.env.ORDERFLOW_FAULT_SEED;
});

describe('provider fault injection', () => {
  it('draws the same faults again for the same seed, and others for another', () => {
    process.env.ORDERFLOW_FAULT_RATE = '0.5';
    process.env.ORDERFLOW_FAULT_SEED = '7';
    const first = outcomes(40);
    process.env.ORDERFLOW_FAULT_SEED = '8';
    const other = outcomes(40);
    process.env.ORDERFLOW_FAULT_SEED = '7';
    const again = outcomes(40);

    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect(first).toMatch(/0/);
    expect(first).toMatch(/1/);
  });

  it('injects nothing without a rate', () => {
    expect(outcomes(100)).toBe('0'.repeat(100));
  });
});
