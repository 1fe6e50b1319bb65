import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../console/build.js';
import { binary } from '../../functions/api/http.js';
import { startGateway } from '../../infra/local/gateway.js';

let seen: APIGatewayProxyEventV2;
let gateway: Awaited<ReturnType<typeof startGateway>>;

beforeAll(async () => {
  gateway = await startGateway({
    port: 0,
    handler: async (event) => {
      seen = event;
      return { statusCode: 201, headers: { 'X-Thing': 'yes' }, body: JSON.stringify({ ok: true }) };
    },
  });
});
afterAll(() => gateway.stop());

function send(path: string, body: Buffer, headers: Record<string, string | string[]> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request(`${gateway.url}${path}`, { method: 'POST', headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
      });
      req.on('error', reject);
      req.end(body);
    },
  );
}

describe('the local HTTP gateway', () => {
  it('hands the function an API Gateway v2 event with the raw body, query and headers', async () => {
    const raw = Buffer.from('{"a": "é"}');
    const response = await send('/webhooks/orders/demo?x=1&x=2&y=%20z', raw, {
      'Content-Type': 'application/json',
      'X-Orderflow-Signature': 't=1,v1=ab',
      'X-Repeat': ['one', 'two'],
    });

    expect(response.status).toBe(201);
    expect(response.headers['x-thing']).toBe('yes');
    expect(JSON.parse(response.body)).toEqual({ ok: true });
    expect(seen.version).toBe('2.0');
    expect(seen.requestContext.http).toMatchObject({ method: 'POST', path: '/webhooks/orders/demo' });
    expect(seen.rawQueryString).toBe('x=1&x=2&y=%20z');
    expect(seen.queryStringParameters).toEqual({ x: '1,2', y: ' z' });
    expect(seen.headers['x-orderflow-signature']).toBe('t=1,v1=ab');
    expect(seen.headers['x-repeat']).toBe('one,two');
    expect(seen.isBase64Encoded).toBe(false);
    expect(Buffer.from(seen.body!, 'utf8').equals(raw)).toBe(true);
  });

  it('base64-encodes a body that is not valid UTF-8, so not one byte changes', async () => {
    const raw = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    await send('/orders', raw, { 'Content-Type': 'application/json' });

    expect(seen.isBase64Encoded).toBe(true);
    expect(Buffer.from(seen.body!, 'base64').equals(raw)).toBe(true);
  });
});

describe('the local HTTP gateway answering with a binary body', () => {
  it("decodes the function's base64 body, as API Gateway does, so the client gets the bytes", async () => {
    const file = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x2d, 0x00, 0xff, 0xfe, 0x0a]);
    const binaryGateway = await startGateway({
      port: 0,
      handler: async () => binary(200, file, 'application/pdf', { 'content-disposition': 'attachment' }),
    });
    try {
      const response = await fetch(`${binaryGateway.url}/orders/ord_1/label`);

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/pdf');
      expect(response.headers.get('content-disposition')).toBe('attachment');
      expect(Buffer.from(await response.arrayBuffer()).equals(file)).toBe(true);
    } finally {
      await binaryGateway.stop();
    }
  });
});

describe('the local gateway serving the built console', () => {
  let withConsole: Awaited<ReturnType<typeof startGateway>>;
  let invoked: string[];
  const consoleDir = join(mkdtempSync(join(tmpdir(), 'orderflow-gateway-')), 'console');

  beforeAll(async () => {
    await buildConsole(consoleDir);
    invoked = [];
    withConsole = await startGateway({
      port: 0,
      consoleDir,
      handler: async (event) => {
        invoked.push(event.rawPath);
        return { statusCode: 200, body: '{}' };
      },
    });
  });
  afterAll(async () => {
    await withConsole.stop();
    rmSync(join(consoleDir, '..'), { recursive: true, force: true });
  });

  const get = (path: string, method = 'GET') => fetch(`${withConsole.url}${path}`, { method });

  it('serves the page and its script under /console with a strict content security policy', async () => {
    const page = await get('/console');
    const html = await page.text();
    const script = /src="(\/console\/app-[^"]+\.js)"/.exec(html)![1]!;
    const js = await get(script);

    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^application\/javascript/);
    expect((await js.text()).length).toBeGreaterThan(1000);
    expect(invoked).toEqual([]);
  });

  it('answers 404 for files it does not have, even by climbing out, 405 for writes, and leaves the rest to the API', async () => {
    const missing = await get('/console/nope.js');
    // URLs resolve "/console/../x" to "/x" before anything sees it; escaped slashes must not climb either.
    const climbing = await get('/console/..%2f..%2fpackage.json');
    const post = await get('/console', 'POST');
    const api = await get('/orders');

    expect([missing.status, climbing.status, post.status, api.status]).toEqual([404, 404, 405, 200]);
    expect(invoked).toEqual(['/orders']);
  });
});
