import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { RESULTS_DIR } from './child.js';

/** How a figure is printed. */
export type Unit = 'ms' | 's' | 'x' | 'usd' | 'KB' | 'MB' | '%' | 'count';

/** The number a goal is judged on, so that several runs can be judged on their median. */
export interface Figure {
  value: number;
  unit: Unit;
  /** The goal clears when `value <op> limit`. */
  op: '<' | '<=' | '>=';
  limit: number;
}

/** One goal and how this run did against it. */
export interface Goal {
  goal: string;
  measured: string;
  met: boolean;
  figure?: Figure;
  /**
   * What else the goal needs that is not a figure (every order delivered, say): a summary of several
   * runs is met only when every run held it. Default true.
   */
  holds?: boolean;
}

/** A goal over several runs: met only when the median clears it (and every run held what it needs). */
export interface SummaryGoal extends Goal {
  runs: number[];
  min: number;
  median: number;
}

/** One benchmark's part of the report: its goals, its Markdown, its raw figures. */
export interface Section {
  id: string;
  title: string;
  goals: Goal[];
  markdown: string;
  data: unknown;
  /** The machine's load when the step started and ended: other work on it skews every figure. */
  load: { before: number[]; after: number[] };
  /** With `--runs N`, each run's goals and load; the rest of the section is the median run's. */
  runs?: { goals: Goal[]; load: { before: number[]; after: number[] } }[];
}

export function machine() {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

export const loadNow = (): number[] => loadavg().map((value) => Number(value.toFixed(2)));

export function writeSection(section: Section): Section {
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, `${section.id}.json`), JSON.stringify(section, null, 2) + '\n');
  return section;
}

export function readSection(id: string): Section | undefined {
  const path = join(RESULTS_DIR, `${id}.json`);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Section) : undefined;
}

export const ms = (value: number): string => `${value.toFixed(1)} ms`;

/** A figure as the report prints it. */
export function formatFigure(value: number, unit: Unit): string {
  switch (unit) {
    case 'ms':
      return ms(value);
    case 's':
      return `${(value / 1000).toFixed(1)} s`;
    case 'x':
      return `${value.toFixed(2)} ×`;
    case 'usd':
      return `$${value.toFixed(4)}`;
    case 'KB':
      return `${(value / 1024).toFixed(1)} KB`;
    case 'MB':
      return `${(value / 2 ** 20).toFixed(1)} MB`;
    case '%':
      return `${(value * 100).toFixed(1)} %`;
    case 'count':
      return value.toLocaleString('en-US', { maximumFractionDigits: 1 });
  }
}

export function clears(figure: Pick<Figure, 'op' | 'limit'>, value: number): boolean {
  return figure.op === '<'
    ? value < figure.limit
    : figure.op === '<='
      ? value <= figure.limit
      : value >= figure.limit;
}

/** A goal judged from its figure, with whatever else it needs. */
export function figureGoal(goal: string, figure: Figure, measured: string, holds = true): Goal {
  return { goal, measured, figure, met: holds && clears(figure, figure.value), ...(holds ? {} : { holds }) };
}
export const yes = (met: boolean): string => (met ? 'met' : '**missed**');
