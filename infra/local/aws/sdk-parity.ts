import { AsyncLocalStorage } from 'node:async_hooks';
import { Readable } from 'node:stream';
import { Client } from '@smithy/core/client';
import { HttpResponse } from '@smithy/core/transport';
import {
  authorizationsFor,
  evaluate,
  matches,
  s3AuthorizationsFor,
  type Authorization,
  type LocalNames,
} from './iam.js';
import type { AwsFaults } from './faults.js';
import type { PolicyStatement } from './stack-model.js';

/** Who is calling: a function of the stack (or the state machine), with its role's statements. */
export interface Principal {
  /** `verify-payment`, `api`, `state-machine`... */
  name: string;
  statements: readonly PolicyStatement[];
}

/** An SDK call the caller's role did not allow, as the local runtime refused it. */
export interface Denial {
  principal: string;
  action: string;
  resource: string;
  /** The partitions the refused request touched (DynamoDB), which a LeadingKeys condition may not allow. */
  leadingKeys?: string[];
  at: string;
}

/** How a partition a role may use shows among the allowed grants: `api dynamodb:LeadingKeys ORDER#*`. */
export const LEADING_KEYS = 'dynamodb:LeadingKeys';

const current = new AsyncLocalStorage<Principal>();
const utf8 = new TextDecoder();

/** Runs `work` as `principal`: every AWS SDK call it makes, however deep, is authorized against that role. */
export function runAs<T>(principal: Principal, work: () => Promise<T>): Promise<T> {
  return current.run(principal, work);
}

interface ParityState {
  names: () => LocalNames;
  faults?: AwsFaults | undefined;
  denials: Denial[];
  /** `<principal> <action>` of every call a role made and was allowed, and `<principal> dynamodb:LeadingKeys <pattern>` of each partition pattern it used. */
  allowed: Set<string>;
}

let state: ParityState | undefined;
const instrumented = new WeakSet<object>();

/**
 * Makes every AWS SDK client in this process behave, for calls made inside `runAs`, as the service would
 * behave for that role on AWS: a call the role does not allow answers 400 AccessDeniedException, and, when
 * faults are set, calls fail now and then with the service's own throttling and server errors. Both are
 * answered in place of the HTTP response, inside the SDK's retry loop, so the SDK deserializes them into
 * its own exception classes and retries exactly what it would retry on AWS. Calls made outside `runAs`
 * (the runtime itself, tests, the admin scripts) are left alone.
 *
 * The function code is not touched: the runtime installs this once, and the clients the functions create
 * get it on their first call.
 */
export function installSdkParity(options: { names: () => LocalNames; faults?: AwsFaults }): {
  denials: Denial[];
  allowed: Set<string>;
  setFaults(faults: AwsFaults | undefined): void;
} {
  state = {
    names: options.names,
    faults: options.faults,
    denials: state?.denials ?? [],
    allowed: state?.allowed ?? new Set(),
  };
  const prototype = Client.prototype as unknown as { send: (...args: unknown[]) => unknown; __parity?: true };
  if (!prototype.__parity) {
    const send = prototype.send;
    prototype.send = function (this: Client<never, never, never, never>, ...args: unknown[]) {
      // A document client shares its client's middleware stack: mark the stack, not the client.
      if (!instrumented.has(this.middlewareStack)) {
        instrumented.add(this.middlewareStack);
        this.middlewareStack.add(parityMiddleware as never, {
          step: 'deserialize',
          priority: 'low',
          name: 'orderflowLocalParity',
        });
      }
      return send.apply(this, args);
    };
    prototype.__parity = true;
  }
  const installed = state;
  return {
    denials: installed.denials,
    allowed: installed.allowed,
    setFaults(faults) {
      installed.faults = faults;
    },
  };
}

type Next = (args: { request: unknown; input?: unknown }) => Promise<{ response: unknown }>;
interface HandlerContext {
  clientName?: string;
  commandName?: string;
}

/**
 * What the request needs IAM to allow: a JSON-protocol request's from its target and body, an S3 request's
 * (REST: no target) from its command and input. Undefined for a request this runtime does not authorize.
 */
function authorizationsOf(
  args: { request: unknown; input?: unknown },
  context: HandlerContext,
  names: LocalNames,
): { authorizations: Authorization[]; target?: string; body?: Record<string, unknown> } | undefined {
  const request = args.request as { headers?: Record<string, string>; body?: unknown };
  const target = request.headers?.['x-amz-target'];
  if (!target) {
    if (context.clientName !== 'S3Client' || !context.commandName) return undefined;
    const input = (args.input ?? {}) as Record<string, unknown>;
    return { authorizations: s3AuthorizationsFor(context.commandName, input) };
  }
  const raw = request.body instanceof Uint8Array ? utf8.decode(request.body) : request.body;
  if (typeof raw !== 'string') return undefined;
  const body = JSON.parse(raw || '{}') as Record<string, unknown>;
  return { authorizations: authorizationsFor(target, body, names), target, body };
}

function parityMiddleware(next: Next, context: HandlerContext) {
  return async (args: { request: unknown; input?: unknown }) => {
    const principal = current.getStore();
    if (!principal || !state) return next(args);
    const names = state.names();
    const needed = authorizationsOf(args, context, names);
    if (!needed) return next(args);
    for (const { action, resource, leadingKeys } of needed.authorizations) {
      if (evaluate(principal.statements, action, resource, names, leadingKeys) === 'allowed') {
        state.allowed.add(`${principal.name} ${action}`);
        // Which of the role's partitions it used, as `<principal> dynamodb:LeadingKeys <pattern>`.
        for (const pattern of principal.statements.flatMap((statement) => statement.leadingKeys ?? [])) {
          if (leadingKeys?.some((key) => matches(pattern, key)))
            state.allowed.add(`${principal.name} ${LEADING_KEYS} ${pattern}`);
        }
        continue;
      }
      state.denials.push({
        principal: principal.name,
        action,
        resource,
        ...(leadingKeys?.length ? { leadingKeys } : {}),
        at: new Date().toISOString(),
      });
      const message =
        `User: arn:aws:sts::${names.account}:assumed-role/orderflow-${principal.name}/${principal.name} ` +
        `is not authorized to perform: ${action} on resource: ${resource} because no identity-based ` +
        `policy allows the ${action} action`;
      return needed.target
        ? answer(400, 'AccessDeniedException', { message })
        : s3Answer(403, 'AccessDenied', message);
    }
    // AWS's faults are injected into the JSON-protocol services only (S3 calls are left alone).
    const fault = needed.target
      ? state.faults?.next(
          needed.target,
          needed.body!,
          (args.request as { headers?: Record<string, string> }).headers?.['amz-sdk-invocation-id'],
        )
      : undefined;
    if (fault) return answer(fault.status, fault.type, fault.body);
    return next(args);
  };
}

/** An S3 (REST-XML) error response, as S3 writes it. */
function s3Answer(status: number, code: string, message: string) {
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const requestId = crypto.randomUUID();
  const payload = Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escape(message)}</Message>` +
      `<RequestId>${requestId}</RequestId></Error>`,
  );
  return Promise.resolve({
    response: new HttpResponse({
      statusCode: status,
      headers: {
        'content-type': 'application/xml',
        'content-length': String(payload.length),
        'x-amz-request-id': requestId,
      },
      body: Readable.from([payload]),
    }),
    output: undefined,
  });
}

/** A JSON-protocol error response, as the service writes it (`__type`, `message`, extra members). */
function answer(status: number, type: string, body: Record<string, unknown>) {
  const payload = Buffer.from(JSON.stringify({ __type: type, ...body }));
  return Promise.resolve({
    response: new HttpResponse({
      statusCode: status,
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'content-length': String(payload.length),
        'x-amzn-requestid': crypto.randomUUID(),
        'x-amzn-errortype': type,
      },
      body: Readable.from([payload]),
    }),
    output: undefined,
  });
}
