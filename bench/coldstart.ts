/**
 * Cold start proxy: each function's bundle size (from the bundles step) and the time a fresh Node process
 * takes to import it, against its floor in the same run: a module that imports only the AWS SDK packages
 * the bundle imports at load. What the function adds on top of the SDK is what its code controls. Goals:
 * each bundle under 250 KB; each function adds at most 15 ms to its floor (median of 20 paired runs).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../infra/paths.js';
import { BUNDLE_GOAL_BYTES, runBundles, type BundleReport } from './bundles.js';
import { RESULTS_DIR } from './lib/child.js';
import { figureGoal, loadNow, ms, writeSection, yes, type Section } from './lib/section.js';
import { median, percentile } from './lib/stats.js';

export const ADDED_GOAL_MS = 15;
const RUNS = 20;
const run = promisify(execFile);

/** Milliseconds from before to after `await import(module)` in a new `node` process. */
async function loadTime(module: string): Promise<number> {
  const script = `const t=performance.now(); await import(${JSON.stringify(pathToFileURL(module).href)}); console.log(performance.now()-t)`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: PROJECT_ROOT,
    // What the handlers read at import, as Lambda's configuration gives it.
    env: {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'us-east-1',
      ORDERS_TABLE: 'bench',
      STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:bench',
      RELEASE_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/bench',
    },
  });
  const value = Number(stdout.trim().split('\n').at(-1));
  if (!Number.isFinite(value)) throw new Error(`no load time from ${module}: ${stdout}`);
  return value;
}

export interface ColdStart {
  name: string;
  bytes: number;
  /** The SDK packages in the floor. */
  externals: string[];
  loadMedianMs: number;
  loadP90Ms: number;
  loadMinMs: number;
  floorMedianMs: number;
  /** Median over the paired runs of (function − floor). */
  addedMedianMs: number;
}

/** The floor module beside a bundle: its SDK imports and nothing else. */
function writeFloor(bundle: string, externals: readonly string[]): string {
  const floor = join(bundle, '..', 'floor.mjs');
  writeFileSync(floor, externals.map((name) => `import ${JSON.stringify(name)};\n`).join(''));
  return floor;
}

export async function runColdStart(): Promise<Section> {
  const before = loadNow();
  const reportPath = join(RESULTS_DIR, 'bundles.json');
  const existing = existsSync(reportPath)
    ? (JSON.parse(readFileSync(reportPath, 'utf8')) as BundleReport[])
    : undefined;
  // A bundles.json from before floors were measured lists no externals: bundle again.
  const bundles = existing?.every((bundle) => bundle.externals) ? existing : await runBundles();
  const results: ColdStart[] = [];
  for (const bundle of bundles) {
    const path = join(RESULTS_DIR, 'bundles', bundle.name, 'index.mjs');
    const floor = writeFloor(path, bundle.externals);
    const times: number[] = [];
    const floors: number[] = [];
    const added: number[] = [];
    for (let index = 0; index < RUNS; index++) {
      // Paired and in alternating order, so a slow moment of the machine weighs on both alike.
      const [first, second] = index % 2 ? [floor, path] : [path, floor];
      const a = await loadTime(first);
      const b = await loadTime(second);
      const [fn, base] = first === path ? [a, b] : [b, a];
      times.push(fn);
      floors.push(base);
      added.push(fn - base);
    }
    results.push({
      name: bundle.name,
      bytes: bundle.bytes,
      externals: bundle.externals,
      loadMedianMs: median(times),
      loadP90Ms: percentile(times, 90),
      loadMinMs: Math.min(...times),
      floorMedianMs: median(floors),
      addedMedianMs: median(added),
    });
  }
  const largest = results.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const heaviest = results.reduce((a, b) => (b.addedMedianMs > a.addedMedianMs ? b : a));
  const goals = [
    figureGoal(
      `each bundle < ${BUNDLE_GOAL_BYTES / 1024} KB`,
      { value: largest.bytes, unit: 'KB', op: '<', limit: BUNDLE_GOAL_BYTES },
      `largest ${largest.name} ${(largest.bytes / 1024).toFixed(1)} KB`,
    ),
    figureGoal(
      `each function adds ≤ ${ADDED_GOAL_MS} ms to its AWS SDK floor (module load, median of ${RUNS})`,
      { value: heaviest.addedMedianMs, unit: 'ms', op: '<=', limit: ADDED_GOAL_MS },
      `most: ${heaviest.name} +${ms(heaviest.addedMedianMs)} (${ms(heaviest.loadMedianMs)} vs floor ` +
        `${ms(heaviest.floorMedianMs)})`,
    ),
  ];
  const markdown = [
    `Each function bundled as the CDK stack bundles it (esbuild, ESM, minified, @aws-sdk/* left to the ` +
      `Lambda runtime and resolved from node_modules here), then imported ${RUNS} times, each time in a ` +
      `fresh \`node -e "const t=performance.now(); await import('<bundle>'); console.log(performance.now()-t)"\`. ` +
      `Each import is paired with one of the function's floor, a module that only imports the AWS SDK ` +
      `packages the bundle imports at load, in alternating order; "adds" is the median of the ${RUNS} ` +
      `differences. This is the part of a cold start the code controls; Lambda adds its own runtime start.`,
    '',
    `| function | bundle | < ${BUNDLE_GOAL_BYTES / 1024} KB | load median | p90 | min | SDK floor | adds | ≤ ${ADDED_GOAL_MS} ms | floor imports |`,
    '|---|---:|---|---:|---:|---:|---:|---:|---|---|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${(r.bytes / 1024).toFixed(1)} KB | ${yes(r.bytes < BUNDLE_GOAL_BYTES)} | ` +
        `${ms(r.loadMedianMs)} | ${ms(r.loadP90Ms)} | ${ms(r.loadMinMs)} | ${ms(r.floorMedianMs)} | ` +
        `${ms(r.addedMedianMs)} | ${yes(r.addedMedianMs <= ADDED_GOAL_MS)} | ${r.externals.join(', ')} |`,
    ),
    '',
  ].join('\n');
  const section = writeSection({
    id: 'coldstart',
    title: 'Cold start proxy',
    goals,
    markdown,
    data: results,
    load: { before, after: loadNow() },
  });
  for (const goal of goals) console.log(`${goal.goal}: ${goal.measured} (${goal.met ? 'met' : 'missed'})`);
  return section;
}
