/**
 * Cold start proxy: each function's bundle size (from the bundles step) and the time a fresh Node
 * process takes to import it, median of 20. Goals: each bundle under 250 KB, load under 60 ms.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../infra/paths.js';
import { BUNDLE_GOAL_BYTES, runBundles, type BundleReport } from './bundles.js';
import { RESULTS_DIR } from './lib/child.js';
import { loadNow, ms, writeSection, yes, type Section } from './lib/section.js';
import { median, percentile } from './lib/stats.js';

export const LOAD_GOAL_MS = 60;
const RUNS = 20;
const run = promisify(execFile);

/** Milliseconds from before to after `await import(bundle)` in a new `node` process. */
async function loadTime(bundle: string): Promise<number> {
  const script = `const t=performance.now(); await import(${JSON.stringify(pathToFileURL(bundle).href)}); console.log(performance.now()-t)`;
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
  if (!Number.isFinite(value)) throw new Error(`no load time from ${bundle}: ${stdout}`);
  return value;
}

export interface ColdStart {
  name: string;
  bytes: number;
  loadMedianMs: number;
  loadP90Ms: number;
  loadMinMs: number;
}

export async function runColdStart(): Promise<Section> {
  const before = loadNow();
  const reportPath = join(RESULTS_DIR, 'bundles.json');
  const bundles: BundleReport[] = existsSync(reportPath)
    ? (JSON.parse(readFileSync(reportPath, 'utf8')) as BundleReport[])
    : await runBundles();
  const results: ColdStart[] = [];
  for (const bundle of bundles) {
    const path = join(RESULTS_DIR, 'bundles', bundle.name, 'index.mjs');
    const times: number[] = [];
    for (let index = 0; index < RUNS; index++) times.push(await loadTime(path));
    results.push({
      name: bundle.name,
      bytes: bundle.bytes,
      loadMedianMs: median(times),
      loadP90Ms: percentile(times, 90),
      loadMinMs: Math.min(...times),
    });
  }
  const largest = results.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const slowest = results.reduce((a, b) => (b.loadMedianMs > a.loadMedianMs ? b : a));
  const goals = [
    {
      goal: `each bundle < ${BUNDLE_GOAL_BYTES / 1024} KB`,
      measured: `largest ${largest.name} ${(largest.bytes / 1024).toFixed(1)} KB`,
      met: results.every((r) => r.bytes < BUNDLE_GOAL_BYTES),
    },
    {
      goal: `each module load < ${LOAD_GOAL_MS} ms (median of ${RUNS})`,
      measured: `slowest ${slowest.name} ${ms(slowest.loadMedianMs)}`,
      met: results.every((r) => r.loadMedianMs < LOAD_GOAL_MS),
    },
  ];
  const markdown = [
    `Each function bundled as the CDK stack bundles it (esbuild, ESM, minified, @aws-sdk/* left to the ` +
      `Lambda runtime and resolved from node_modules here), then imported ${RUNS} times, each time in a ` +
      `fresh \`node -e "const t=performance.now(); await import('<bundle>'); console.log(performance.now()-t)"\`. ` +
      `This is the part of a cold start the code controls; Lambda adds its own runtime start.`,
    '',
    `| function | bundle | < ${BUNDLE_GOAL_BYTES / 1024} KB | load median | p90 | min | < ${LOAD_GOAL_MS} ms |`,
    '|---|---:|---|---:|---:|---:|---|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${(r.bytes / 1024).toFixed(1)} KB | ${yes(r.bytes < BUNDLE_GOAL_BYTES)} | ` +
        `${ms(r.loadMedianMs)} | ${ms(r.loadP90Ms)} | ${ms(r.loadMinMs)} | ${yes(r.loadMedianMs < LOAD_GOAL_MS)} |`,
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
