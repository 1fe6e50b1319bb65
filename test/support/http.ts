import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { handler } from '../../functions/api/handler.js';

export interface ApiEventOptions {
  method: string;
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** `name=value` pairs, given apart from the headers as API Gateway's payload 2.0 does. */
  cookies?: string[];
  /** An object is sent as JSON; a Buffer is sent base64-encoded, as API Gateway does for binary bodies. */
  body?: string | Buffer | object;
}

/** An API Gateway HTTP API (payload format 2.0) event, as the `$default` route delivers it. */
export function apiEvent(options: ApiEventOptions): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  let body: string | undefined;
  let isBase64Encoded = false;
  if (Buffer.isBuffer(options.body)) {
    body = options.body.toString('base64');
    isBase64Encoded = true;
  } else if (typeof options.body === 'string') body = options.body;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const cookies = [...(options.cookies ?? [])];
  // As API Gateway (and the local gateway) does: the Cookie header arrives as `cookies`, not as a header.
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (name.toLowerCase() === 'cookie') cookies.push(...value.split(/;\s*/).filter(Boolean));
    else headers[name.toLowerCase()] = value;
  }
  const rawQueryString = new URLSearchParams(options.query ?? {}).toString();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: options.path,
    rawQueryString,
    ...(cookies.length ? { cookies } : {}),
    headers,
    ...(options.query ? { queryStringParameters: { ...options.query } } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: options.method,
        path: options.path,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'vitest',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded,
  };
}

/** A Lambda context without getRemainingTimeInMillis, so middy sets no early-timeout timer. */
export function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'orderflow-api',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:orderflow-api',
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/orderflow-api',
    logStreamName: 'test',
  } as Context;
}

export interface ApiAnswer {
  statusCode: number;
  headers: Record<string, string>;
  /** The Set-Cookie values. */
  cookies: string[];
  body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

/** Sends an event through the real handler (middy, router and all). */
export async function invoke(event: APIGatewayProxyEventV2): Promise<ApiAnswer> {
  const result = (await handler(event, lambdaContext())) as APIGatewayProxyStructuredResultV2;
  const body = result.body ?? '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  return {
    statusCode: result.statusCode ?? 200,
    headers: (result.headers ?? {}) as Record<string, string>,
    cookies: result.cookies ?? [],
    body,
    json: parsed,
  };
}

export const call = (options: ApiEventOptions) => invoke(apiEvent(options));

/** A client holding one seller's API key. */
export function sellerClient(apiKey: string) {
  const auth = { authorization: `Bearer ${apiKey}` };
  const send = (method: string, path: string, body?: object | string, headers: Record<string, string> = {}) =>
    call({ method, path, headers: { ...auth, ...headers }, ...(body !== undefined ? { body } : {}) });
  return {
    get: (path: string, query?: Record<string, string>) =>
      call({ method: 'GET', path, headers: auth, ...(query ? { query } : {}) }),
    post: (path: string, body?: object | string, headers?: Record<string, string>) =>
      send('POST', path, body, headers),
    patch: (path: string, body: object) => send('PATCH', path, body),
    put: (path: string, body: object) => send('PUT', path, body),
  };
}
