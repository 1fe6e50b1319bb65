import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { LookupFunction } from 'node:net';

export interface WebhookAnswer {
  status: number;
  /** The start of the answer's body, for the delivery's lastError. */
  body: string;
}

/** How long a receiver has to answer; a slow one is a failed attempt, retried later. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * POSTs the body to the URL, connecting to `address` (the one resolveWebhookTarget checked) while the
 * request keeps the URL's host name (Host header and TLS name). Redirects are not followed: a receiver
 * answers 2xx or the attempt failed.
 */
export function postWebhook(
  url: URL,
  address: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs = WEBHOOK_TIMEOUT_MS,
): Promise<WebhookAnswer> {
  const family = isIP(address) || 4;
  const pinned: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        lookup: pinned,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (text.length < 500) text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text.slice(0, 500) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
