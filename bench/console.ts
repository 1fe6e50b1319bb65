/**
 * The seller console's first screen: the JavaScript its page loads (every module script of index.html),
 * as built for production and sent gzipped. Goal: under 150 KB gzipped (issue 15). Time to interactive
 * is not measured yet. Writes bench/results/console.json.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildConsole } from '../console/build.js';
import { figureGoal, loadNow, type Section } from './lib/section.js';

export const FIRST_SCREEN_GOAL_BYTES = 150 * 1024;

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
    const markdown = [
      'Seller console, first screen (the production build `npm start` serves at /console):',
      '',
      '| script | minified | gzipped |',
      '|---|---:|---:|',
      ...sizes.map(
        (s) => `| ${s.name} | ${(s.bytes / 1024).toFixed(1)} KB | ${(s.gzipped / 1024).toFixed(1)} KB |`,
      ),
      '',
    ].join('\n');
    console.log(markdown);
    return {
      id: 'console',
      title: 'Seller console',
      goals: [goal],
      markdown,
      data: { scripts: sizes },
      load: { before, after: loadNow() },
    };
  } finally {
    rmSync(join(outDir, '..'), { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runConsole();
