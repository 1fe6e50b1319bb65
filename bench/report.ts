/**
 * The benchmark report: every step's section, read from bench/results/, with a table of the goals up
 * front, written as bench/results/report.md and report.json and printed. The README's figures are
 * generated from report.json (bench/readme.ts), so what it claims is what the committed report says.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../infra/paths.js';
import { RESULTS_DIR } from './lib/child.js';
import { machine, readSection, yes, type Goal, type Section } from './lib/section.js';
import { writeReadmeFigures } from './readme.js';

const SECTION_IDS = [
  'intake',
  'end-to-end',
  'cost',
  'coldstart',
  'sweep',
  'console',
  'tracking',
  'documents',
];

/** What report.json holds. */
export interface Report {
  generatedAt: string;
  machine: ReturnType<typeof machine>;
  /** The commit measured, and whether the working tree had changes on top of it. */
  commit: { sha: string; dirty: boolean };
  /** `--runs`: how many times each step was measured this time. */
  runs: number;
  goals: (Goal & { section: string; sectionId: string; runs?: number[]; min?: number; median?: number })[];
  sections: Section[];
}

function commit(): Report['commit'] {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
  try {
    return {
      sha: git('rev-parse', 'HEAD'),
      dirty: git('status', '--porcelain', '--untracked-files=no') !== '',
    };
  } catch {
    return { sha: 'unknown', dirty: true };
  }
}

export async function runReport(options: { runs?: number } = {}): Promise<Report> {
  const sections = SECTION_IDS.map(readSection).filter((s): s is Section => s !== undefined);
  const report: Report = {
    generatedAt: new Date().toISOString(),
    machine: machine(),
    commit: commit(),
    runs: options.runs ?? 1,
    goals: sections.flatMap((section) =>
      section.goals.map((goal) => ({ section: section.title, sectionId: section.id, ...goal })),
    ),
    sections,
  };
  const host = report.machine;
  const markdown = [
    '# orderflow benchmarks',
    '',
    `\`npm run bench\` on ${host.cpus} × ${host.cpuModel}, ${host.memoryGb} GB, Node ${host.node}, ` +
      `${host.platform}; ${report.generatedAt}; commit ${report.commit.sha.slice(0, 12)}` +
      `${report.commit.dirty ? ' with uncommitted changes' : ''}. Every figure is measured beside its baseline; ` +
      `a step measured several times is judged on its median.`,
    '',
    '| | goal | measured | |',
    '|---|---|---|---|',
    ...report.goals.map((g) => `| ${g.section} | ${g.goal} | ${g.measured} | ${yes(g.met)} |`),
    '',
    ...sections.flatMap((section) => [
      `## ${section.title}`,
      '',
      section.markdown,
      `_Load average (1, 5, 15 min) when this step started: ${section.load.before.join(', ')}; when it ` +
        `ended: ${section.load.after.join(', ')}._`,
      '',
    ]),
  ].join('\n');
  writeFileSync(join(RESULTS_DIR, 'report.md'), markdown);
  writeFileSync(join(RESULTS_DIR, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  await writeReadmeFigures(report);
  console.log(`\n${markdown}`);
  return report;
}
