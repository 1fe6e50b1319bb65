/**
 * The benchmark report: every step's section, read from bench/results/, with a table of the goals up
 * front, written as bench/results/report.md and report.json and printed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESULTS_DIR } from './lib/child.js';
import { machine, readSection, yes, type Section } from './lib/section.js';

const SECTION_IDS = ['intake', 'end-to-end', 'cost', 'coldstart', 'sweep'];

export function runReport(): { markdown: string; sections: Section[] } {
  const sections = SECTION_IDS.map(readSection).filter((s): s is Section => s !== undefined);
  const host = machine();
  const generatedAt = new Date().toISOString();
  const goals = sections.flatMap((section) =>
    section.goals.map((goal) => ({ section: section.title, ...goal })),
  );
  const markdown = [
    '# orderflow benchmarks',
    '',
    `\`npm run bench\` on ${host.cpus} × ${host.cpuModel}, ${host.memoryGb} GB, Node ${host.node}, ` +
      `${host.platform}; ${generatedAt}. Every figure is measured in this run, beside its baseline.`,
    '',
    '| | goal | measured | |',
    '|---|---|---|---|',
    ...goals.map((g) => `| ${g.section} | ${g.goal} | ${g.measured} | ${yes(g.met)} |`),
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
  writeFileSync(
    join(RESULTS_DIR, 'report.json'),
    JSON.stringify({ generatedAt, machine: host, goals, sections }, null, 2) + '\n',
  );
  console.log(`\n${markdown}`);
  return { markdown, sections };
}
