import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IncludedData, StepFunctionsEngine } from './engine.js';
import type { ExecutionStatus } from './store.js';
import { apiError, StepFunctionsApiError } from './errors.js';

const TARGET_PREFIX = 'AWSStepFunctions.';
const MAX_BODY = 1024 * 1024;

type Request = Record<string, unknown>;

function required(request: Request, name: string): string {
  const value = request[name];
  if (typeof value !== 'string' || value === '') throw apiError.missingParameter(name);
  return value;
}

/** An ARN parameter: the engine also takes bare execution names, which the API must refuse as AWS does. */
function requiredArn(request: Request, name: string): string {
  const value = required(request, name);
  if (!value.startsWith('arn:')) throw apiError.invalidArn(value);
  return value;
}

function optional(request: Request, name: string): string | undefined {
  const value = request[name];
  return typeof value === 'string' ? value : undefined;
}

function optionalNumber(request: Request, name: string): number | undefined {
  const value = request[name];
  return typeof value === 'number' ? value : undefined;
}

function page(request: Request): { maxResults?: number; nextToken?: string } {
  const maxResults = optionalNumber(request, 'maxResults');
  const nextToken = optional(request, 'nextToken');
  return {
    ...(maxResults !== undefined ? { maxResults } : {}),
    ...(nextToken ? { nextToken } : {}),
  };
}

function includedData(request: Request): IncludedData | undefined {
  const value = optional(request, 'includedData');
  if (value === undefined || value === 'ALL_DATA' || value === 'METADATA_ONLY') return value;
  throw apiError.validation(
    `1 validation error detected: Value '${value}' at 'includedData' failed to satisfy constraint: ` +
      'Member must satisfy enum value set: [ALL_DATA, METADATA_ONLY]',
  );
}

/**
 * The operations the functions use, and the read calls the AWS CLI and other tools inspect a workflow
 * with, in the Step Functions JSON 1.0 protocol.
 */
function operations(engine: StepFunctionsEngine): Record<string, (request: Request) => unknown> {
  return {
    StartExecution: (request) =>
      engine.startExecutionDurably({
        stateMachineArn: required(request, 'stateMachineArn'),
        ...(optional(request, 'name') !== undefined ? { name: optional(request, 'name')! } : {}),
        ...(optional(request, 'input') !== undefined ? { input: optional(request, 'input')! } : {}),
      }),
    DescribeExecution: (request) =>
      engine.describeExecution(requiredArn(request, 'executionArn'), includedData(request)),
    StopExecution: async (request) => ({
      stopDate: await engine.stopExecution(requiredArn(request, 'executionArn'), {
        ...(optional(request, 'error') !== undefined ? { error: optional(request, 'error')! } : {}),
        ...(optional(request, 'cause') !== undefined ? { cause: optional(request, 'cause')! } : {}),
      }),
    }),
    SendTaskSuccess: async (request) => {
      await engine.sendTaskSuccess(required(request, 'taskToken'), required(request, 'output'));
      return {};
    },
    SendTaskFailure: async (request) => {
      await engine.sendTaskFailure(
        required(request, 'taskToken'),
        optional(request, 'error') ?? '',
        optional(request, 'cause') ?? '',
      );
      return {};
    },
    SendTaskHeartbeat: (request) => {
      engine.sendTaskHeartbeat(required(request, 'taskToken'));
      return {};
    },
    ListExecutions: (request) =>
      engine.listExecutions({
        stateMachineArn: required(request, 'stateMachineArn'),
        ...(optional(request, 'statusFilter')
          ? { statusFilter: optional(request, 'statusFilter') as ExecutionStatus }
          : {}),
        ...page(request),
      }),
    GetExecutionHistory: (request) =>
      engine.getExecutionHistory(requiredArn(request, 'executionArn'), {
        ...page(request),
        reverseOrder: request.reverseOrder === true,
        includeExecutionData: request.includeExecutionData !== false,
      }),
    ListStateMachines: (request) => engine.listStateMachines(page(request)),
    DescribeStateMachine: (request) => engine.describeStateMachine(required(request, 'stateMachineArn')),
    DescribeStateMachineForExecution: (request) =>
      engine.describeStateMachineForExecution(requiredArn(request, 'executionArn')),
  };
}

/** Timestamps travel as epoch seconds in this protocol. */
function encode(body: unknown): string {
  return JSON.stringify(body, function (this: Record<string, unknown>, key, value: unknown) {
    const original = this[key];
    return original instanceof Date ? original.getTime() / 1000 : value;
  });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = encode(body);
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': crypto.randomUUID(),
  });
  response.end(text);
}

function sendError(response: ServerResponse, error: StepFunctionsApiError): void {
  send(response, error.status, {
    __type: `com.amazonaws.swf.service.v2.model#${error.code}`,
    message: error.message,
  });
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw apiError.validation('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export interface StepFunctionsServer {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/** Serves the engine on `port` (0 picks a free one) at 127.0.0.1, where the SDK's endpoint points. */
export async function serveStepFunctions(
  engine: StepFunctionsEngine,
  options: { port?: number; host?: string } = {},
): Promise<StepFunctionsServer> {
  const handlers = operations(engine);
  const server: Server = createServer((request, response) => {
    void (async () => {
      try {
        if (request.method !== 'POST') throw apiError.unknownOperation(`${request.method} ${request.url}`);
        const target = String(request.headers['x-amz-target'] ?? '');
        const operation = target.startsWith(TARGET_PREFIX)
          ? handlers[target.slice(TARGET_PREFIX.length)]
          : undefined;
        if (!operation) throw apiError.unknownOperation(target);
        const text = await readBody(request);
        let body: unknown;
        try {
          body = text === '' ? {} : JSON.parse(text);
        } catch {
          throw new StepFunctionsApiError('SerializationException', 'request body is not JSON');
        }
        if (body === null || typeof body !== 'object') {
          throw new StepFunctionsApiError('SerializationException', 'request body is not an object');
        }
        send(response, 200, await operation(body as Request));
      } catch (error) {
        if (error instanceof StepFunctionsApiError) return sendError(response, error);
        console.error('local Step Functions: request failed', error);
        sendError(response, new StepFunctionsApiError('InternalFailure', (error as Error).message, 500));
      }
    })();
  });
  server.keepAliveTimeout = 5_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
