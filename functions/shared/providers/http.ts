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

export async function providerRequest(request: ProviderRequest): Promise<ProviderResponse> {
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
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = text ? JSON.parse(text) : {};
    if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
  } catch {
    // not JSON: an HTML error page from a proxy, say; the status says what happened
  }
  if (response.status === 429 || response.status >= 500) {
    throw new ProviderUnavailableError(
      `${request.provider} answered ${response.status} to ${request.method} ${new URL(request.url).pathname}`,
      response.status,
    );
  }
  return { status: response.status, body };
}

/** The base URL of a provider's API, from configuration; no trailing slash. */
export function baseUrl(envName: string, fallback: string): string {
  return (process.env[envName] || fallback).replace(/\/+$/, '');
}
