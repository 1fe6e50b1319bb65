/**
 * `npm run bench`: each step runs in turn and writes its results under bench/results/. Add a step by
 * appending it to the list. `npm run bench -- --only sweep` (ids, comma-separated) runs those steps and
 * the report, which keeps the other steps' last results. `--runs 3` measures each step three times, one
 * round of every step after another (so the machine's drift spreads over all of them), and judges each
 * goal on its median (bench/lib/runs.ts).
 */
import { parseArgs } from 'node:util';
import { runBundles } from './bundles.js';
import { runColdStart } from './coldstart.js';
import { runConsole } from './console.js';
import { runDocuments } from './documents.js';
import { runEndToEnd } from './end-to-end.js';
import { runIntake } from './intake.js';
import { runReport } from './report.js';
import { runSweep } from './sweep.js';
import { runTracking } from './tracking.js';
import { summariseSection } from './lib/runs.js';
import { writeSection, type Section } from './lib/section.js';

interface Step {
  id: string;
  name: string;
  run: () => Promise<Section | Section[] | unknown>;
  /** A step whose output does not vary from run to run (bundle sizes) runs once. */
  once?: boolean;
}

const steps: Step[] = [
  { id: 'bundles', name: 'Lambda bundle sizes', run: runBundles, once: true },
  { id: 'coldstart', name: 'Cold start proxy', run: runColdStart },
  { id: 'intake', name: 'Intake', run: runIntake },
  { id: 'end-to-end', name: 'End to end and cost', run: runEndToEnd },
  { id: 'sweep', name: 'Delivery sweep', run: runSweep },
  { id: 'console', name: 'Seller console first screen', run: runConsole, once: true },
  { id: 'tracking', name: 'Tracking: push vs poll', run: runTracking },
  { id: 'documents', name: 'Documents: a 100-order packing-slip batch', run: runDocuments },
];

const { only, runs: runsOption } = parseArgs({
  options: { only: { type: 'string' }, runs: { type: 'string', default: '1' } },
}).values;
const runs = Number(runsOption);
if (!Number.isInteger(runs) || runs < 1 || runs > 9)
  throw new Error(`--runs takes 1 to 9, not ${runsOption}`);
const chosen = only?.split(',').filter((id) => id !== 'report');
const unknown = chosen?.filter((id) => !steps.some((step) => step.id === id));
if (unknown?.length)
  throw new Error(`unknown step ${unknown.join(', ')}; steps: ${steps.map((s) => s.id).join(', ')}, report`);

const isSection = (value: unknown): value is Section =>
  typeof value === 'object' && value !== null && 'goals' in value && 'markdown' in value;

const measured = new Map<string, Section[]>();
for (let round = 1; round <= runs; round++) {
  for (const step of steps.filter((step) => !chosen || chosen.includes(step.id))) {
    if (step.once && round > 1) continue;
    console.log(`\n# ${step.name}${runs > 1 ? ` (run ${round} of ${runs})` : ''}\n`);
    const result = await step.run();
    for (const section of [result].flat().filter(isSection))
      measured.set(section.id, [...(measured.get(section.id) ?? []), section]);
  }
}
for (const sections of measured.values()) writeSection(summariseSection(sections));
console.log('\n# Report\n');
await runReport({ runs });
