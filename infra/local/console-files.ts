import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { ServerResponse } from 'node:http';
import { CONSOLE_PATH, CONSOLE_SECURITY_HEADERS } from '../console-headers.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

export { CONSOLE_PATH, CONSOLE_SECURITY_HEADERS } from '../console-headers.js';

/**
 * Serves a built console under /console on the API's origin: the page at /console and /console/, its
 * hashed script under /console/…; other paths are not ours (false), and go to the API.
 */
export async function serveConsole(
  dir: string,
  method: string,
  path: string,
  response: ServerResponse,
): Promise<boolean> {
  if (path !== CONSOLE_PATH && !path.startsWith(`${CONSOLE_PATH}/`)) return false;
  if (method !== 'GET' && method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD' }).end();
    return true;
  }
  const relative = normalize(path.slice(CONSOLE_PATH.length + 1) || 'index.html');
  const file = join(dir, relative);
  if (relative.startsWith('..') || !file.startsWith(dir + sep)) {
    response.writeHead(404).end();
    return true;
  }
  try {
    const body = await readFile(file);
    const hashed = /^app-[A-Z0-9]+\.js$/.test(relative);
    response.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...CONSOLE_SECURITY_HEADERS,
    });
    response.end(method === 'HEAD' ? undefined : body);
  } catch {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }
  return true;
}
