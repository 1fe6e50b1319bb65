import { describe, expect, it } from 'vitest';
import { summariseGoal, summariseSection } from '../../bench/lib/runs.js';
import { figureGoal, type Section } from '../../bench/lib/section.js';

const p99 = (value: number) =>
  figureGoal('intake p99 < 25 ms', { value, unit: 'ms', op: '<', limit: 25 }, `${value} ms`);

const section = (values: number[]): Section => ({
  id: 'intake',
  title: 'Intake',
  goals: [p99(values[0]!), figureGoal('ratio', { value: values[1]!, unit: 'x', op: '>=', limit: 0.5 }, '')],
  markdown: `run with p99 ${values[0]}`,
  data: { p99: values[0] },
  load: { before: [1, 1, 1], after: [1, 1, 1] },
});

describe('bench runs', () => {
  it('judges a goal on the median of its runs: one lucky run does not meet it', () => {
    const goal = summariseGoal([p99(40), p99(20), p99(31)]);
    expect(goal.met).toBe(false);
    expect(goal).toMatchObject({ min: 20, median: 31, runs: [40, 20, 31] });
    expect(goal.measured).toBe('median 31.0 ms, min 20.0 ms (runs: 40.0 ms, 20.0 ms, 31.0 ms)');
  });

  it('and one unlucky run does not miss it', () => {
    expect(summariseGoal([p99(40), p99(20), p99(21)]).met).toBe(true);
  });

  it('a goal whose runs did not all hold what it needs besides the figure is missed', () => {
    const failed = figureGoal('e2e', { value: 10, unit: 's', op: '<', limit: 60 }, '', false);
    const fine = figureGoal('e2e', { value: 10, unit: 's', op: '<', limit: 60 }, '');
    expect(failed.met).toBe(false);
    expect(summariseGoal([fine, failed, fine]).met).toBe(false);
    expect(summariseGoal([fine, fine, fine]).met).toBe(true);
  });

  it('a section over runs keeps the median run as its detail and lists every run', () => {
    const summary = summariseSection([section([40, 0.4]), section([20, 0.6]), section([31, 0.7])]);
    expect(summary.markdown).toContain('run with p99 31');
    expect(summary.markdown).toContain('the detail above is from run 3');
    expect(summary.data).toEqual({ p99: 31 });
    expect(summary.goals.map((goal) => goal.met)).toEqual([false, true]);
    expect(summary.runs).toHaveLength(3);
  });

  it('one run is the run itself', () => {
    const single = section([20, 0.6]);
    expect(summariseSection([single])).toBe(single);
  });
});
