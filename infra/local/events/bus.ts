import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import type { EventBridgeEvent } from 'aws-lambda';

/** One event as the bus took it: EventBridge's envelope, with the detail parsed. */
export interface BusEvent {
  id: string;
  'detail-type': string;
  source: string;
  time: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** The event as EventBridge hands it to a target (a Lambda function's event, an SQS message's body). */
export function targetEnvelope(event: BusEvent, region: string): EventBridgeEvent<string, unknown> {
  return {
    version: '0',
    id: event.id,
    'detail-type': event['detail-type'],
    source: event.source,
    account: '000000000000',
    time: event.time,
    region,
    resources: event.resources,
    detail: event.detail,
  };
}

export interface LocalEventBus {
  /** For AWS_ENDPOINT_URL_EVENTBRIDGE. */
  endpoint: string;
  /** The bus name PutEvents must name (ORDER_EVENTS_BUS). */
  name: string;
  /** Every event the bus took since it started, oldest first. */
  events(): BusEvent[];
  /** Called with each event the bus takes, in the order it takes them (a rule's target, `npm start`'s printer). */
  subscribe(listener: (event: BusEvent) => void | Promise<void>): () => void;
  stop(): Promise<void>;
}

/**
 * The local stand-in of the stack's EventBridge bus: an endpoint that answers PutEvents (the only call
 * functions make of EventBridge) as EventBridge does, keeps what it took in memory and, given `logFile`,
 * appends each event to it as a JSON line (what `npm run events -- tail` follows). Entries naming another
 * bus fail as they would on AWS, with the entry's ErrorCode.
 */
export async function startLocalEventBus(options: {
  name: string;
  port?: number;
  logFile?: string;
  /** For fault drills: an entry this answers true for fails as EventBridge fails one (InternalFailure). */
  refuse?: (entry: Record<string, unknown>) => boolean;
}): Promise<LocalEventBus> {
  const taken: BusEvent[] = [];
  const listeners = new Set<(event: BusEvent) => void | Promise<void>>();
  if (options.logFile) mkdirSync(dirname(options.logFile), { recursive: true });

  const respond = (res: ServerResponse, status: number, body: unknown) => {
    const payload = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': randomUUID(),
      ...(status >= 400 ? { 'x-amzn-errortype': (body as { __type: string }).__type } : {}),
    });
    res.end(payload);
  };

  const putEvents = async (body: { Entries?: Record<string, unknown>[] }) => {
    const entries = body.Entries ?? [];
    const results: Record<string, string>[] = [];
    let failed = 0;
    for (const entry of entries) {
      const bus = String(entry.EventBusName ?? 'default');
      if (bus !== options.name && !bus.endsWith(`:event-bus/${options.name}`)) {
        failed++;
        results.push({
          ErrorCode: 'ResourceNotFoundException',
          ErrorMessage: `Event bus ${bus} does not exist.`,
        });
        continue;
      }
      if (options.refuse?.(entry)) {
        failed++;
        results.push({ ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service error (injected).' });
        continue;
      }
      const event: BusEvent = {
        id: randomUUID(),
        'detail-type': String(entry.DetailType),
        source: String(entry.Source),
        time: entry.Time ? new Date(Number(entry.Time) * 1000).toISOString() : new Date().toISOString(),
        resources: (entry.Resources as string[] | undefined) ?? [],
        detail: JSON.parse(String(entry.Detail ?? '{}')) as Record<string, unknown>,
      };
      taken.push(event);
      if (options.logFile) appendFileSync(options.logFile, `${JSON.stringify(event)}\n`);
      // As on EventBridge, a target that fails does not fail PutEvents.
      for (const listener of listeners) {
        await Promise.resolve()
          .then(() => listener(event))
          .catch((error: Error) => console.error(`local event bus: a subscriber failed: ${error.message}`));
      }
      results.push({ EventId: event.id });
    }
    return { Entries: results, FailedEntryCount: failed };
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (target !== 'AWSEvents.PutEvents') {
        respond(res, 400, {
          __type: 'UnknownOperationException',
          message: `${target} is not served locally`,
        });
        return;
      }
      putEvents(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'))
        .then((result) => respond(res, 200, result))
        .catch((error: Error) => respond(res, 500, { __type: 'InternalException', message: error.message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    name: options.name,
    events: () => [...taken],
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
