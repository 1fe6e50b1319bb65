/**
 * `npm run bench`: each step runs in turn and writes its results under bench/results/. Add a step by
 * appending it to the list.
 */
import { runBundles } from './bundles.js';
import { runColdStart } from './coldstart.js';
import { runEndToEnd } from './end-to-end.js';
import { runIntake } from './intake.js';
import { runReport } from './report.js';

const steps: { name: string; run: () => Promise<unknown> }[] = [
  { name: 'Lambda bundle sizes', run: runBundles },
  { name: 'Cold start proxy', run: runColdStart },
  { name: 'Intake', run: runIntake },
  { name: 'End to end and cost', run: runEndToEnd },
  { name: 'Report', run: async () => runReport() },
];

for (const step of steps) {
  console.log(`\n# ${step.name}\n`);
  await step.run();
}
