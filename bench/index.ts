/**
 * `npm run bench`: each step runs in turn and writes its results under bench/results/. Add a step by
 * appending it to the list.
 */
import { runBundles } from './bundles.js';

const steps: { name: string; run: () => Promise<unknown> }[] = [
  { name: 'Lambda bundle sizes', run: runBundles },
];

for (const step of steps) {
  console.log(`\n# ${step.name}\n`);
  await step.run();
}
