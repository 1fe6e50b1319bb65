import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { z } from 'zod';

export type ApiEvent = APIGatewayProxyEventV2;
export type ApiResult = APIGatewayProxyStructuredResultV2;

/** Bodies above this are refused before anything reads them (the contract's 413). */
export const MAX_BODY_BYTES = 256 * 1024;
/** Deeper JSON than any order needs is refused before it is parsed. */
export const MAX_JSON_DEPTH = 32;
const MAX_PROBLEMS = 20;
const MAX_MESSAGE_LENGTH = 200;

export interface FieldProblem {
  field: string;
  message: string;
}

/** A client error, answered as `{"error": {code, message, details?}}` with its status. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: FieldProblem[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const badRequest = (code: string, message: string, details?: FieldProblem[]) =>
  new ApiError(400, code, message, details);

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * A binary answer (a PDF, say): base64 with `isBase64Encoded`, which API Gateway's HTTP API (payload 2.0)
 * decodes before it answers the client; HTTP APIs need no binaryMediaTypes for it.
 */
export function binary(
  statusCode: number,
  body: Uint8Array,
  contentType: string,
  headers: Record<string, string> = {},
): ApiResult {
  return {
    statusCode,
    headers: { 'content-type': contentType, ...headers },
    body: Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64'),
    isBase64Encoded: true,
  };
}

export function errorResult(error: ApiError): ApiResult {
  const { code, message, details } = error;
  return json(error.statusCode, { error: { code, message, ...(details ? { details } : {}) } }, error.headers);
}

export function header(event: ApiEvent, name: string): string | undefined {
  const value = event.headers?.[name.toLowerCase()];
  return value === undefined || value === '' ? undefined : value;
}

/** The body exactly as the client sent it; API Gateway base64-encodes bodies it considers binary. */
export function rawBody(event: ApiEvent): Buffer {
  if (event.body === undefined || event.body === null) return Buffer.alloc(0);
  // Base64 is 4/3 of the bytes, so an oversized body is refused before it is decoded.
  const encodedLimit = event.isBase64Encoded ? Math.ceil(MAX_BODY_BYTES / 3) * 4 + 4 : MAX_BODY_BYTES * 4;
  if (event.body.length > encodedLimit) throw tooLarge();
  const bytes = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) throw tooLarge();
  return bytes;
}

const tooLarge = () =>
  new ApiError(413, 'payload_too_large', `request bodies are limited to ${MAX_BODY_BYTES} bytes`);

export function requireJsonContentType(event: ApiEvent): void {
  const mediaType = header(event, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    throw new ApiError(
      415,
      'unsupported_media_type',
      'the body must be JSON (Content-Type: application/json)',
    );
  }
}

/**
 * Strict JSON: valid UTF-8, bounded nesting, well-formed Unicode in every string, and integers too big
 * for a double kept as their source text (Shopify ids exceed 2^53) instead of silently rounded.
 */
export function parseJson(bytes: Buffer): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw badRequest('invalid_encoding', 'the body is not valid UTF-8');
  }
  if (nestingDepth(text) > MAX_JSON_DEPTH) {
    throw badRequest('invalid_json', `the body nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text, keepUnsafeIntegers as (key: string, value: unknown) => unknown);
  } catch {
    throw badRequest('invalid_json', 'the body is not valid JSON');
  }
  if (!wellFormed(value))
    throw badRequest('invalid_json', 'the body contains malformed Unicode (lone surrogates)');
  return value;
}

function keepUnsafeIntegers(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value === 'number' && context?.source !== undefined) {
    if (!Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value))) {
      return context.source;
    }
  }
  return value;
}

/** Deepest array/object nesting, ignoring brackets inside strings; linear and allocation-free. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c) index++;
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x7b || char === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (char === 0x7d || char === 0x5d) depth--;
  }
  return deepest;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function wellFormed(value: unknown): boolean {
  if (typeof value === 'string') return !LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.every(wellFormed);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).every(([key, inner]) => !LONE_SURROGATE.test(key) && wellFormed(inner));
  }
  return true;
}

/** Zod issues as the contract's failing fields; messages are bounded so input is never echoed at length. */
export function fieldProblems(error: z.ZodError, prefix = ''): FieldProblem[] {
  return error.issues.slice(0, MAX_PROBLEMS).map((issue) => {
    const path = issue.path.map(String).join('.');
    return {
      field: [prefix, path].filter(Boolean).join('.') || '(body)',
      message: issue.message.slice(0, MAX_MESSAGE_LENGTH),
    };
  });
}

export function validate<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  where: 'body' | 'query' | 'path',
): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw badRequest(
    'validation_failed',
    `the ${where} is invalid`,
    fieldProblems(result.error, where === 'body' ? '' : where),
  );
}
