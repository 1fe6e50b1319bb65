import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * The seller console's production build: one minified ES module bundle (Preact and the screens) and the
 * page that loads it, in console/dist (git-ignored). `npm run console:build` runs it, `npm start` runs it
 * before serving /console, and the stack deploys the folder it writes.
 */
export const CONSOLE_SOURCE = dirname(fileURLToPath(import.meta.url));
export const CONSOLE_DIST = join(CONSOLE_SOURCE, 'dist');

export async function buildConsole(outDir = CONSOLE_DIST): Promise<{ files: string[] }> {
  const result = await build({
    entryPoints: [join(CONSOLE_SOURCE, 'src', 'main.tsx')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: 'app-[hash]',
    outdir: outDir,
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const script = result.outputFiles.find((file) => file.path.endsWith('.js'))!;
  const page = readFileSync(join(CONSOLE_SOURCE, 'index.html'), 'utf8').replace(
    '%APP%',
    `/console/${basename(script.path)}`,
  );
  // Written beside the folder, then swapped in whole: a runtime serving the old build never sees half of one,
  // and two runtimes building at once do not mix their files.
  const staging = `${outDir}.${process.pid}.${Date.now()}`;
  mkdirSync(staging, { recursive: true });
  const files: string[] = ['index.html'];
  writeFileSync(join(staging, 'index.html'), page);
  for (const file of result.outputFiles) {
    const name = basename(file.path);
    writeFileSync(join(staging, name), file.contents);
    files.push(name);
  }
  rmSync(outDir, { recursive: true, force: true });
  try {
    renameSync(staging, outDir);
  } catch {
    // Another build won the swap; its output is the same source's.
    rmSync(staging, { recursive: true, force: true });
  }
  return { files };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { files } = await buildConsole();
  console.log(`console built into ${CONSOLE_DIST}: ${files.join(', ')}`);
}
