import { createServer, type IncomingMessage, type Server } from 'node:http';

/**
 * What the provider stand-ins share: an HTTP server on loopback (a free port unless one is given), the
 * calls it received (for tests to count: one capture, one label), and injected failures, answered as the
 * provider answers an outage (a 500 or 503 with its error shape) before the request is acted on.
 */
export interface StandInRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  /** The raw body, and its form (Stripe) or JSON (EasyPost, Shippo) reading. */
  raw: string;
  form: URLSearchParams;
  json: unknown;
}

export interface StandInResponse {
  status: number;
  /** JSON, or a file's bytes (sent with `contentType`). */
  body: unknown;
  contentType?: string;
}

export interface RecordedCall {
  method: string;
  path: string;
  idempotencyKey?: string;
  status: number;
}

export interface PlannedFailure {
  /**
   * Which calls fail: `POST /v1/payment_intents/:id/capture` is matched as `POST /v1/payment_intents/`;
   * `json` is the parsed body (a GraphQL call's `operationName`, say).
   */
  match: (call: { method: string; path: string; json?: unknown }) => boolean;
  status: number;
  /** How many matching calls fail; default 1. */
  times?: number;
  /**
   * `after`: the request is acted on and then answered with the failure (the answer was lost on the
   * way back, as in a crash after the provider did the work). Default `before`: nothing is done.
   */
  when?: 'before' | 'after';
}

export interface StandIn {
  url: string;
  port: number;
  calls: RecordedCall[];
  /** Fails the next matching calls (see PlannedFailure). */
  fail(failure: PlannedFailure): void;
  stop(): Promise<void>;
}

type Handle = (request: StandInRequest) => StandInResponse | Promise<StandInResponse>;

function read(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export async function startStandIn(
  name: string,
  handle: Handle,
  outage: (status: number) => unknown,
  options: {
    port?: number;
    /** Told of each injected failure's answer (Stripe keeps it under the request's Idempotency-Key). */
    failed?: (request: StandInRequest, response: StandInResponse) => void;
  } = {},
): Promise<StandIn> {
  const calls: RecordedCall[] = [];
  const failures: (PlannedFailure & { left: number })[] = [];
  const server: Server = createServer((incoming, outgoing) => {
    void (async () => {
      const url = new URL(incoming.url ?? '/', 'http://standin');
      const raw = await read(incoming);
      let json: unknown;
      try {
        json = raw ? JSON.parse(raw) : undefined;
      } catch {
        json = undefined;
      }
      const headers = Object.fromEntries(
        Object.entries(incoming.headers).map(([key, value]) => [
          key,
          Array.isArray(value) ? value[0] : value,
        ]),
      );
      const request: StandInRequest = {
        method: incoming.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers,
        raw,
        form: new URLSearchParams(raw),
        json,
      };
      const failure = failures.find((planned) => planned.left > 0 && planned.match(request));
      if (failure) failure.left--;
      let response: StandInResponse;
      if (failure && failure.when !== 'after')
        response = { status: failure.status, body: outage(failure.status) };
      else {
        try {
          response = await handle(request);
        } catch (error) {
          response = { status: 500, body: outage(500) };
          console.error(`${name} stand-in failed`, error);
        }
        if (failure) response = { status: failure.status, body: outage(failure.status) };
      }
      if (failure) options.failed?.(request, response);
      calls.push({
        method: request.method,
        path: request.path,
        ...(headers['idempotency-key'] ? { idempotencyKey: headers['idempotency-key'] } : {}),
        status: response.status,
      });
      const file = response.body instanceof Uint8Array;
      const payload = file
        ? Buffer.from(response.body as Uint8Array)
        : Buffer.from(JSON.stringify(response.body));
      outgoing.writeHead(response.status, {
        'content-type': file ? (response.contentType ?? 'application/octet-stream') : 'application/json',
        'content-length': payload.length,
      });
      outgoing.end(payload);
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    calls,
    fail: (failure) => failures.push({ ...failure, left: failure.times ?? 1 }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let sequence = 0;
/** Ids shaped as the provider's (`pi_…`, `shp_…`), unique within the process. */
export const newId = (prefix: string, separator = '_'): string =>
  `${prefix}${separator}${Date.now().toString(36)}${(sequence++).toString(36).padStart(4, '0')}${Math.random().toString(36).slice(2, 8)}`;
