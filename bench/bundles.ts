/**
 * Bundles every Lambda the way the CDK stack does (infra/bundling.ts) and reports each bundle's size, the
 * packages that make it up (esbuild metafile), and whether it loads. Goal: each bundle under 250 KB;
 * reported, not enforced. Writes bench/results/bundles.json and bench/results/bundles.md.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { ESBUILD, FUNCTION_NAMES, functionEntry, type FunctionName } from '../infra/bundling.js';
import { PROJECT_ROOT } from '../infra/paths.js';

export const BUNDLE_GOAL_BYTES = 250 * 1024;
const RESULTS = join(PROJECT_ROOT, 'bench/results');

export interface BundleReport {
  name: FunctionName;
  bytes: number;
  sourceMapBytes: number;
  underGoal: boolean;
  /** Bytes in the bundle per package (or per source folder), largest first, top 5. */
  largest: { input: string; bytes: number }[];
  /** The bundle imports and exports a `handler` function (with @aws-sdk/* resolved as the runtime does). */
  loads: boolean;
  loadError?: string;
  /** The packages the bundle imports at load and leaves to the Lambda runtime (the AWS SDK clients). */
  externals: string[];
}

function ownerOf(input: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (pkg?.[1]) return pkg[1];
  return input.split('/').slice(0, 2).join('/');
}

function largestInputs(metafile: Metafile, outfile: string): { input: string; bytes: number }[] {
  const output = Object.entries(metafile.outputs).find(([path]) => path.endsWith(outfile))?.[1];
  const byOwner = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const owner = ownerOf(input);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + bytesInOutput);
  }
  return [...byOwner]
    .map(([input, bytes]) => ({ input, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 5);
}

async function bundle(name: FunctionName, outDir: string): Promise<BundleReport> {
  const outfile = join(outDir, name, 'index.mjs');
  const result = await build({
    entryPoints: [join(PROJECT_ROOT, functionEntry(name))],
    outfile,
    bundle: true,
    platform: ESBUILD.platform,
    target: ESBUILD.target,
    format: ESBUILD.format,
    minify: ESBUILD.minify,
    sourcemap: ESBUILD.sourcemap,
    sourcesContent: ESBUILD.sourcesContent,
    external: [...ESBUILD.external],
    metafile: true,
    logLevel: 'error',
  });
  const outputs = result.metafile.outputs;
  const sizeOf = (suffix: string) =>
    Object.entries(outputs).find(([path]) => path.endsWith(suffix))?.[1].bytes ?? 0;
  const bytes = sizeOf(`${name}/index.mjs`);
  let loads = false;
  let loadError: string | undefined;
  try {
    const module = (await import(pathToFileURL(outfile).href)) as { handler?: unknown };
    loads = typeof module.handler === 'function';
    if (!loads) loadError = 'no handler export';
  } catch (error) {
    loadError = (error as Error).message;
  }
  const output = Object.entries(outputs).find(([path]) => path.endsWith(`${name}/index.mjs`))?.[1];
  // Static imports only: what a dynamic import() loads later is not part of the cold start.
  const externals = [
    ...new Set(
      (output?.imports ?? [])
        .filter((imported) => imported.external && imported.kind === 'import-statement')
        .filter((imported) => !imported.path.startsWith('node:'))
        .map((imported) => imported.path),
    ),
  ].sort();
  return {
    name,
    bytes,
    externals,
    sourceMapBytes: sizeOf(`${name}/index.mjs.map`),
    underGoal: bytes < BUNDLE_GOAL_BYTES,
    largest: largestInputs(result.metafile, `${name}/index.mjs`),
    loads,
    ...(loadError ? { loadError } : {}),
  };
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

export function markdown(reports: readonly BundleReport[]): string {
  const rows = reports.map(
    (r) =>
      `| ${r.name} | ${kb(r.bytes)} | ${r.underGoal ? 'yes' : '**no**'} | ${kb(r.sourceMapBytes)} | ` +
      `${r.loads ? 'yes' : `**no**: ${r.loadError ?? ''}`} | ` +
      `${r.largest.map((l) => `${l.input} ${kb(l.bytes)}`).join(', ')} |`,
  );
  return [
    `Lambda bundles (esbuild, ${ESBUILD.format}, ${ESBUILD.target}, minified, ${ESBUILD.external.join(', ')} ` +
      `external). Goal: each under ${kb(BUNDLE_GOAL_BYTES)}.`,
    '',
    '| function | bundle | under goal | source map | loads | largest parts |',
    '|---|---:|---|---:|---|---|',
    ...rows,
    '',
  ].join('\n');
}

export async function runBundles(): Promise<BundleReport[]> {
  // Inside the repository, so the bundles' @aws-sdk/* imports resolve from node_modules as on Lambda.
  const outDir = join(RESULTS, 'bundles');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const env = { ...process.env };
  // Handlers read their configuration at import; give them some, as Lambda does.
  process.env.ORDERS_TABLE ??= 'bench';
  process.env.STATE_MACHINE_ARN ??= 'arn:aws:states:us-east-1:123456789012:stateMachine:bench';
  process.env.AWS_REGION ??= 'us-east-1';
  const reports: BundleReport[] = [];
  try {
    for (const name of FUNCTION_NAMES) reports.push(await bundle(name, outDir));
  } finally {
    process.env = env;
  }
  writeFileSync(join(RESULTS, 'bundles.json'), JSON.stringify(reports, null, 2) + '\n');
  const table = markdown(reports);
  writeFileSync(join(RESULTS, 'bundles.md'), table);
  console.log(table);
  return reports;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runBundles();
