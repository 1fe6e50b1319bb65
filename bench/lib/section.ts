import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { RESULTS_DIR } from './child.js';

/** One goal of issue 6 and how this run did against it. */
export interface Goal {
  goal: string;
  measured: string;
  met: boolean;
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
export const yes = (met: boolean): string => (met ? 'met' : '**missed**');
