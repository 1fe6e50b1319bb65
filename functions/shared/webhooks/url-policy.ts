import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { ENV, requireEnv } from '../config.js';

/**
 * Where seller webhooks may go. On AWS (`public-https`) only https URLs, and never to an address inside a
 * network (private, loopback, link-local, the instance metadata service...): a seller must not be able to
 * make orderflow call into AWS's or anyone's private network (server-side request forgery). The policy is
 * configuration: the local runtime sets `any`, as its receivers are on the same machine.
 */
export type WebhookUrlPolicy = 'public-https' | 'any';

export function webhookUrlPolicy(): WebhookUrlPolicy {
  const value = requireEnv(ENV.webhookUrlPolicy);
  if (value !== 'public-https' && value !== 'any') {
    throw new Error(`${ENV.webhookUrlPolicy} must be public-https or any, got ${value}`);
  }
  return value;
}

export class WebhookUrlRefusedError extends Error {
  override name = 'WebhookUrlRefusedError';
}

const INTERNAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv6');
}

/** An address no public webhook receiver has; IPv4-mapped IPv6 addresses are judged as IPv4. */
export function isInternalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return INTERNAL.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return INTERNAL.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Checks a URL as registered: its scheme, and its host when the host is an address. Throws when refused. */
export function checkWebhookUrl(raw: string, policy: WebhookUrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlRefusedError('not a URL');
  }
  if (url.username || url.password)
    throw new WebhookUrlRefusedError('credentials in the URL are not accepted');
  if (policy === 'any') {
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new WebhookUrlRefusedError('only http and https URLs');
    return url;
  }
  if (url.protocol !== 'https:') throw new WebhookUrlRefusedError('only https URLs');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && isInternalAddress(host)) throw new WebhookUrlRefusedError('a private or local address');
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal'))
    throw new WebhookUrlRefusedError('a private or local host name');
  return url;
}

/**
 * The address a delivery connects to, checked when it is made: a name registered as public may resolve to
 * an internal address later (DNS rebinding), so every address it resolves to is checked, and the request
 * goes to the one checked.
 */
export async function resolveWebhookTarget(
  url: URL,
  policy: WebhookUrlPolicy,
  resolve: (host: string) => Promise<{ address: string }[]> = (host) => lookup(host, { all: true }),
): Promise<string> {
  checkWebhookUrl(url.toString(), policy);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [{ address: host }] : await resolve(host);
  if (!addresses.length) throw new WebhookUrlRefusedError(`${host} does not resolve`);
  if (policy === 'public-https' && addresses.some(({ address }) => isInternalAddress(address))) {
    throw new WebhookUrlRefusedError(`${host} resolves to a private or local address`);
  }
  return addresses[0]!.address;
}
