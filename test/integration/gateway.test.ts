import { request } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
