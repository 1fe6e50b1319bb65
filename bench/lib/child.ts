import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../infra/paths.js';

export const RESULTS_DIR = join(PROJECT_ROOT, 'bench/results');

/**
 * Runs a benchmark workload in its own Node process (so its memory and CPU figures are its own, and
 * the functions' log lines go to `<name>.log` rather than into the report), and returns the JSON it
 * wrote to the path given as its last argument.
 */
export async function runChild<T>(
  script: string,
  name: string,
  options: { nodeArgs?: string[]; args?: string[]; timeoutMs?: number } = {},
): Promise<T> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const logPath = join(RESULTS_DIR, `${name}.log`);
  const outPath = join(RESULTS_DIR, `${name}.raw.json`);
  const log = openSync(logPath, 'w');
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      '--import',
      'tsx',
      join(PROJECT_ROOT, script),
      ...(options.args ?? []),
      outPath,
    ],
    { cwd: PROJECT_ROOT, stdio: ['ignore', log, log] },
  );
  const timer = setTimeout(() => child.kill('SIGTERM'), options.timeoutMs ?? 300_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exit) => resolve(exit)));
  clearTimeout(timer);
  closeSync(log);
  if (code !== 0) {
    const tail = readFileSync(logPath, 'utf8').split('\n').slice(-30).join('\n');
    throw new Error(`${script} exited with ${code}; see ${logPath}:\n${tail}`);
  }
  return JSON.parse(readFileSync(outPath, 'utf8')) as T;
}
