import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../../infra/local/services.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(ROOT, 'infra/local/main.ts');

/** The ports `npm start` listens on, chosen free, and kept across restarts as a user's would be. */
export interface RuntimePorts {
  api: number;
  dynamoDb: number;
  sqs: number;
  stepFunctions: number;
}

export async function freeRuntimePorts(): Promise<RuntimePorts> {
  const ports = new Set<number>();
  while (ports.size < 4) ports.add(await freePort());
  const [api, dynamoDb, sqs, stepFunctions] = [...ports] as [number, number, number, number];
  return { api, dynamoDb, sqs, stepFunctions };
}

export const tempDataDir = (): string => mkdtempSync(join(tmpdir(), 'orderflow-reliability-'));

export interface RuntimeProcessOptions {
  dataDir: string;
  ports: RuntimePorts;
  timeScale: number;
  /**
   * `npm-start` runs `node --import tsx infra/local/main.ts`, the npm script's command: the runtime is that
   * very process, so a signal reaches its own handlers directly. (The `tsx` CLI, which `npm start` used to
   * run, relays signals to a child and SIGKILLs it when the child does not acknowledge within 60 ms, which
   * a busy runtime missed: SIGTERM then ended it with 143 instead of a clean stop.) `node` is the same.
   */
  launcher: 'npm-start' | 'node';
  env?: Record<string, string>;
}

export interface RuntimeProcess {
  url: string;
  child: ChildProcess;
  /** The last lines the runtime printed, for failure messages. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when GET /health answers 200; rejects if the process exits first or after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * Signals every process the runtime started (its process group: tsx, node, DynamoDB Local's java), as a
   * person killing `npm start` from a terminal would, and waits until none is left.
   */
  killTree(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const spawned: ChildProcess[] = [];

/** Starts the local runtime in a child process with `npm start`'s environment knobs pointed at `options`. */
export function startRuntimeProcess(options: RuntimeProcessOptions): RuntimeProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // The runtime's Node (24, from the `node` package) first, as npm puts node_modules/.bin on PATH.
    PATH: [dirname(process.execPath), join(ROOT, 'node_modules/.bin'), process.env.PATH].join(delimiter),
    PORT: String(options.ports.api),
    ORDERFLOW_DYNAMODB_PORT: String(options.ports.dynamoDb),
    ORDERFLOW_SQS_PORT: String(options.ports.sqs),
    ORDERFLOW_SFN_PORT: String(options.ports.stepFunctions),
    ORDERFLOW_DATA_DIR: options.dataDir,
    ORDERFLOW_TIME_SCALE: String(options.timeScale),
    ...options.env,
  };
  // The test process's own configuration (table, endpoints, webhook URL policy) must not leak into the
  // runtime: it gets only what `options.env` gives it.
  for (const name of [
    'ORDERS_TABLE',
    'AWS_ENDPOINT_URL_DYNAMODB',
    'AWS_ENDPOINT_URL_SQS',
    'AWS_ENDPOINT_URL_SFN',
    'WEBHOOK_URL_POLICY',
  ])
    if (!(name in (options.env ?? {}))) delete env[name];
  const [command, args] = [process.execPath, ['--import', 'tsx', MAIN]];
  // Its own process group, so that whatever it leaves behind can be cleaned up with one signal.
  const child = spawn(command, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  spawned.push(child);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n'));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  const url = `http://127.0.0.1:${options.ports.api}`;
  const output = () => lines.join('\n');
  return {
    url,
    child,
    output,
    exited,
    async ready(timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (gone) throw new Error(`the runtime exited while starting:\n${output()}`);
        try {
          const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
          if (response.status === 200) return;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) throw new Error(`the runtime did not become ready:\n${output()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async kill(signal) {
      if (!gone) child.kill(signal);
      return exited;
    },
    async killTree(signal) {
      const group = -child.pid!;
      try {
        process.kill(group, signal);
      } catch {
        // the group is gone already
      }
      const exit = await exited;
      // Signal 0 probes the group: it throws once its last member is gone and its ports are free.
      for (let waited = 0; ; waited += 50) {
        try {
          process.kill(group, 0);
        } catch {
          return exit;
        }
        if (waited > 30_000) throw new Error(`process group ${child.pid} outlived ${signal} by 30 s`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

/** Kills every process group this file started (DynamoDB Local included) and removes the data dir. */
export function cleanUp(dataDir?: string): void {
  for (const child of spawned.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
