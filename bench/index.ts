/**
 * `npm run bench`: each step runs in turn and writes its results under bench/results/. Add a step by
 * appending it to the list. `npm run bench -- --only sweep` (ids, comma-separated) runs those steps and
 * the report, which keeps the other steps' last results.
 */
import { parseArgs } from 'node:util';
import { runBundles } from './bundles.js';
import { runColdStart } from './coldstart.js';
import { runEndToEnd } from './end-to-end.js';
import { runIntake } from './intake.js';
import { runReport } from './report.js';
import { runSweep } from './sweep.js';

const steps: { id: string; name: string; run: () => Promise<unknown> }[] = [
  { id: 'bundles', name: 'Lambda bundle sizes', run: runBundles },
  { id: 'coldstart', name: 'Cold start proxy', run: runColdStart },
  { id: 'intake', name: 'Intake', run: runIntake },
  { id: 'end-to-end', name: 'End to end and cost', run: runEndToEnd },
  { id: 'sweep', name: 'Delivery sweep', run: runSweep },
  { id: 'report', name: 'Report', run: async () => runReport() },
];

const { only } = parseArgs({ options: { only: { type: 'string' } } }).values;
const chosen = only?.split(',');
const unknown = chosen?.filter((id) => !steps.some((step) => step.id === id));
if (unknown?.length)
  throw new Error(`unknown step ${unknown.join(', ')}; steps: ${steps.map((s) => s.id).join(', ')}`);

for (const step of steps.filter((step) => !chosen || chosen.includes(step.id) || step.id === 'report')) {
  console.log(`\n# ${step.name}\n`);
  await step.run();
}
