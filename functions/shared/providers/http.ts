import { TransientError } from '../errors.js';

/**
 * The one way the adapters talk HTTP (hand-written on fetch: the providers' SDKs would add hundreds of KB
 * to bundles that must stay small). Transport failures, 429 and 5xx are TransientErrors, which every task
 * state retries; any other answer is returned for the adapter to read in the provider's own terms.
 */
export interface ProviderResponse {
  status: number;
  body: Record<string, unknown>;
}

export interface ProviderRequest {
  provider: string;
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Under the task functions' 20 s timeout, so a hung provider is a retry, not a timed-out Lambda. */
  timeoutMs?: number;
}

/** A provider's answer that a later attempt may get past: the adapter may need to know it was answered. */
export class ProviderUnavailableError extends TransientError {
  constructor(
    message: string,
    /** The HTTP status, when the provider answered at all. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The request sent, with transport failures, 429 and 5xx as ProviderUnavailableErrors. */
async function send(request: ProviderRequest): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      signal: AbortSignal.timeout(request.timeoutMs ?? 8_000),
    });
  } catch (error) {
    // The URL may carry ids but never credentials (those are in headers), so it can be named.
    throw new ProviderUnavailableError(
      `${request.provider} did not answer ${request.method} ${new URL(request.url).pathname}: ${(error as Error).name}`,
    );
  }
  if (response.status === 429 || response.status >= 500) {
    await response.body?.cancel();
    throw new ProviderUnavailableError(
      `${request.provider} answered ${response.status} to ${request.method} ${new URL(request.url).pathname}`,
      response.status,
    );
  }
  return response;
}

export async function providerRequest(request: ProviderRequest): Promise<ProviderResponse> {
  const response = await send(request);
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = text ? JSON.parse(text) : {};
    if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
  } catch {
    // not JSON: an HTML error page from a proxy, say; the status says what happened
  }
  return { status: response.status, body };
}

/**
 * A file the provider serves (a label's PDF at its label URL): its bytes, when it answers 200 with the
 * expected content; anything else is a ProviderUnavailableError, which the task's retries get past.
 */
export async function providerFile(
  request: Omit<ProviderRequest, 'method' | 'body'> & { contentType: string },
): Promise<Uint8Array> {
  const { contentType, ...rest } = request;
  const response = await send({ ...rest, method: 'GET' });
  const path = new URL(request.url).pathname;
  const type = response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (response.status !== 200 || type !== contentType) {
    await response.body?.cancel();
    throw new ProviderUnavailableError(
      `${request.provider} answered ${response.status} ${type ?? ''} to GET ${path}, not a ${contentType}`,
      response.status,
    );
  }
  try {
    return new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    // The timeout can also end the body half read.
    throw new ProviderUnavailableError(
      `${request.provider} did not send all of ${path}: ${(error as Error).name}`,
    );
  }
}

/** The base URL of a provider's API, from configuration; no trailing slash. */
export function baseUrl(envName: string, fallback: string): string {
  return (process.env[envName] || fallback).replace(/\/+$/, '');
}
