/**
 * The seller console's first screen: the JavaScript its page loads (every module script of index.html),
 * as built for production and sent gzipped. Goal: under 150 KB gzipped (issue 15). And its time to
 * interactive on the local runtime: a signed-in seller opens /console in Chromium; from navigation start
 * to the orders list shown and usable (the screen's `orders-ready` performance mark), the median of
 * TTI_RUNS loads. Writes bench/results/console.json.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildConsole } from '../console/build.js';
import { ORDERS_READY_MARK } from '../console/src/marks.js';
import { sampleOrder } from '../scripts/lib/client.js';
import { consoleOrigin, launchChromium, signIn } from '../scripts/lib/console-browser.js';
import { startBenchRuntime } from './lib/runtime.js';
import { figureGoal, loadNow, type Section } from './lib/section.js';
import { percentile } from './lib/stats.js';

export const FIRST_SCREEN_GOAL_BYTES = 150 * 1024;
/** Loads of the first screen measured (after one to warm the runtime and the browser's cache). */
export const TTI_RUNS = 7;
const ORDERS_SHOWN = 25;

/**
 * Time to interactive of the orders screen, in ms from navigation start, each of TTI_RUNS loads in a new
 * page of one signed-in browser context, against a runtime holding a page of orders.
 */
async function timeToInteractive(): Promise<number[]> {
  const { runtime, stop } = await startBenchRuntime();
  const browser = await launchChromium();
  try {
    for (let index = 0; index < ORDERS_SHOWN; index++) {
      const response = await fetch(`${runtime.url}/orders`, {
        method: 'POST',
        headers: { authorization: 'Bearer demo-api-key', 'content-type': 'application/json' },
        body: JSON.stringify(sampleOrder({ tags: ['custom'] })),
      });
      if (response.status !== 201) throw new Error(`order not created: ${response.status}`);
    }
    const context = await browser.newContext();
    const origin = consoleOrigin(runtime.url);
    await signIn(await context.newPage(), origin, 'demo-api-key');
    const times: number[] = [];
    for (let run = 0; run <= TTI_RUNS; run++) {
      const page = await context.newPage();
      await page.goto(`${origin}/console`);
      const ms = await page.waitForFunction(
        (mark) => performance.getEntriesByName(mark)[0]?.startTime,
        ORDERS_READY_MARK,
        { timeout: 30_000 },
      );
      if (run > 0) times.push(Math.round((await ms.jsonValue()) as number));
      await page.close();
    }
    return times;
  } finally {
    await browser.close();
    await stop();
  }
}

export async function runConsole(): Promise<Section> {
  const before = loadNow();
  const outDir = join(mkdtempSync(join(tmpdir(), 'orderflow-console-')), 'console');
  try {
    await buildConsole(outDir);
    const page = readFileSync(join(outDir, 'index.html'), 'utf8');
    const scripts = [...page.matchAll(/<script[^>]*\bsrc="\/console\/([^"]+)"/g)].map(([, name]) => name!);
    const sizes = scripts.map((name) => {
      const bytes = readFileSync(join(outDir, name));
      return { name, bytes: bytes.length, gzipped: gzipSync(bytes, { level: 9 }).length };
    });
    const gzipped = sizes.reduce((sum, size) => sum + size.gzipped, 0);
    const measured = `${(gzipped / 1024).toFixed(1)} KB gzipped (${scripts.length} script)`;
    const goal = figureGoal(
      'Console first screen: JavaScript under 150 KB gzipped',
      { value: gzipped, unit: 'KB', op: '<', limit: FIRST_SCREEN_GOAL_BYTES },
      measured,
    );
    const tti = await timeToInteractive();
    const ttiMedian = percentile(tti, 50);
    const markdown = [
      'Seller console, first screen (the production build `npm start` serves at /console):',
      '',
      '| script | minified | gzipped |',
      '|---|---:|---:|',
      ...sizes.map(
        (s) => `| ${s.name} | ${(s.bytes / 1024).toFixed(1)} KB | ${(s.gzipped / 1024).toFixed(1)} KB |`,
      ),
      '',
      `Time to interactive (navigation start → the orders list of ${ORDERS_SHOWN} orders shown and usable, ` +
        `signed in, Chromium against the local runtime, ${TTI_RUNS} loads): median ${ttiMedian} ms, ` +
        `min ${Math.min(...tti)} ms, max ${Math.max(...tti)} ms.`,
      '',
    ].join('\n');
    console.log(markdown);
    return {
      id: 'console',
      title: 'Seller console',
      goals: [goal],
      markdown,
      data: { scripts: sizes, timeToInteractiveMs: tti },
      load: { before, after: loadNow() },
    };
  } finally {
    rmSync(join(outDir, '..'), { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runConsole();
