import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { serveConsole } from './console-files.js';
import { lambdaContext } from './lambda-context.js';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';

export type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResultV2>;

/** API Gateway's own payload limit; the API function enforces its smaller one itself. */
const GATEWAY_MAX_BODY = 10 * 1024 * 1024;
/** API Gateway's integration timeout. */
const API_TIMEOUT_MS = 29_000;

/**
 * Turns a Node request into the API Gateway HTTP API (payload 2.0) event the Lambda receives on AWS:
 * lower-cased headers, repeated ones joined by commas, the raw body kept byte for byte (base64 when it
 * is not valid UTF-8, as API Gateway does for binary), query string both raw and parsed.
 */
export function toApiGatewayEvent(
  request: IncomingMessage,
  body: Buffer,
  sourceIp: string,
): APIGatewayProxyEventV2 {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let index = 0; index < request.rawHeaders.length; index += 2) {
    const name = request.rawHeaders[index]!.toLowerCase();
    const value = request.rawHeaders[index + 1]!;
    if (name === 'cookie') cookies.push(...value.split(/;\s*/));
    else headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(body);
  const isText = Buffer.from(text, 'utf8').equals(body);
  const now = new Date();
  const method = (request.method ?? 'GET').toUpperCase();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies.length ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length ? { body: isText ? text : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !isText,
  };
}

/** Writes a Lambda result the way API Gateway does, including the payload-2.0 shorthand forms. */
export function writeResult(response: ServerResponse, result: APIGatewayProxyResultV2): void {
  if (typeof result !== 'object' || result === null || !('statusCode' in result)) {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(typeof result === 'string' ? result : JSON.stringify(result));
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  response.writeHead(result.statusCode ?? 200, headers);
  response.end(
    result.body === undefined
      ? undefined
      : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'),
  );
}

/** The local stand-in for API Gateway: every request becomes one invocation of the API function. */
export async function startGateway(options: {
  port: number;
  host?: string;
  handler: HttpHandler;
  functionName?: string;
  /** API Gateway's throttles (infra/local/throttle.ts): false answers 429 without invoking the function. */
  admit?: (method: string, path: string) => boolean;
  /** The built seller console, served under /console on the API's origin (CloudFront's role on AWS). */
  consoleDir?: string;
}): Promise<{ url: string; server: Server; stop(): Promise<void> }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > GATEWAY_MAX_BODY) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => {
      if (tooLarge) {
        writeResult(response, {
          statusCode: 413,
          body: JSON.stringify({ message: 'Request Entity Too Large' }),
        });
        return;
      }
      const method = (request.method ?? 'GET').toUpperCase();
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      if (!options.consoleDir) invokeApi(method, path);
      else
        void serveConsole(options.consoleDir, method, path, response).then((served) => {
          if (!served) invokeApi(method, path);
        });
    });
    const invokeApi = (method: string, path: string) => {
      if (options.admit && !options.admit(method, path)) {
        // API Gateway's own answer when a route's throttle is spent.
        writeResult(response, {
          statusCode: 429,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ message: 'Too Many Requests' }),
        });
        return;
      }
      const event = toApiGatewayEvent(
        request,
        Buffer.concat(chunks),
        request.socket.remoteAddress ?? '127.0.0.1',
      );
      options
        .handler(event, lambdaContext(options.functionName ?? 'orderflow-api', Date.now() + API_TIMEOUT_MS))
        .then((result) => writeResult(response, result))
        .catch(() => {
          // What API Gateway answers when the integration fails: no detail leaks.
          writeResult(response, {
            statusCode: 500,
            body: JSON.stringify({ message: 'Internal Server Error' }),
          });
        });
    };
  });
  server.keepAliveTimeout = 5_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`port ${options.port} for the HTTP API is already in use`)
          : error,
      ),
    );
    server.listen(options.port, host, () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`,
    server,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
