import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { figuresBlock, readmeFigures, README_PATH, REPORT_PATH } from '../../bench/readme.js';
import { clears } from '../../bench/lib/section.js';
import type { Report } from '../../bench/report.js';

const report = JSON.parse(readFileSync(REPORT_PATH, 'utf8')) as Report;

describe('the committed bench report and the README', () => {
  it("the README's figures are the ones bench/results/report.json generates, not edited by hand", async () => {
    expect(readmeFigures(readFileSync(README_PATH, 'utf8'))).toBe(await figuresBlock(report));
  });

  it('the report says what was measured: the machine, the commit, and three runs of every step', () => {
    expect(report.commit.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(report.machine.cpus).toBeGreaterThan(0);
    expect(report.runs).toBeGreaterThanOrEqual(3);
    for (const section of report.sections) expect(section.runs?.length, section.id).toBe(report.runs);
  });

  it("each goal's verdict is its median's, and the median is of the runs listed", () => {
    for (const goal of report.goals) {
      expect(goal.figure, goal.goal).toBeDefined();
      expect(goal.runs, goal.goal).toHaveLength(report.runs);
      const sorted = [...goal.runs!].sort((a, b) => a - b);
      expect(goal.median, goal.goal).toBe(sorted[Math.ceil(sorted.length / 2) - 1]);
      expect(goal.min, goal.goal).toBe(sorted[0]);
      expect(goal.met, goal.goal).toBe(goal.holds !== false && clears(goal.figure!, goal.median!));
    }
  });
});
