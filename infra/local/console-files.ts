import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { ServerResponse } from 'node:http';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/**
 * The console's own headers: scripts and API calls from this origin only, no framing. (The stack does not
 * deploy the console yet; its CloudFront response headers policy should send the same.)
 */
export const CONSOLE_SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

/** The console's path on the API's origin. */
export const CONSOLE_PATH = '/console';

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
