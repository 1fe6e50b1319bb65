import { describe, expect, it } from 'vitest';
import {
  checkWebhookUrl,
  isInternalAddress,
  resolveWebhookTarget,
  WebhookUrlRefusedError,
} from '../../functions/shared/webhooks/url-policy.js';
import {
  retryDelaySeconds,
  WEBHOOK_MAX_ATTEMPTS,
  WEBHOOK_RETRY_DELAYS_MS,
} from '../../functions/shared/webhooks/retry-schedule.js';

const resolvesTo =
  (...addresses: string[]) =>
  async () =>
    addresses.map((address) => ({ address }));

describe('seller webhook URLs on AWS (public-https)', () => {
  it('are https, with a public host', () => {
    expect(checkWebhookUrl('https://hooks.example.com/orderflow', 'public-https').hostname).toBe(
      'hooks.example.com',
    );
  });

  it.each([
    ['http://hooks.example.com/', 'only https'],
    ['https://127.0.0.1/', 'private or local'],
    ['https://169.254.169.254/latest/meta-data', 'private or local'],
    ['https://10.1.2.3/', 'private or local'],
    ['https://192.168.0.10/', 'private or local'],
    ['https://[::1]/', 'private or local'],
    ['https://[fd00::1]/', 'private or local'],
    ['https://localhost/', 'private or local'],
    ['https://user:pass@hooks.example.com/', 'credentials'],
    ['ftp://hooks.example.com/', 'only https'],
    ['not a url', 'not a URL'],
  ])('refuse %s', (url, why) => {
    expect(() => checkWebhookUrl(url, 'public-https')).toThrow(why);
  });

  it('are refused at delivery when their name resolves to an internal address (DNS rebinding)', async () => {
    const url = new URL('https://hooks.example.com/');

    await expect(resolveWebhookTarget(url, 'public-https', resolvesTo('93.184.216.34'))).resolves.toBe(
      '93.184.216.34',
    );
    await expect(
      resolveWebhookTarget(url, 'public-https', resolvesTo('93.184.216.34', '10.0.0.5')),
    ).rejects.toThrow(WebhookUrlRefusedError);
    await expect(resolveWebhookTarget(url, 'public-https', resolvesTo('::ffff:127.0.0.1'))).rejects.toThrow(
      WebhookUrlRefusedError,
    );
  });

  it('tell internal addresses from public ones, IPv4-mapped IPv6 included', () => {
    const internal = ['127.0.0.1', '172.20.0.1', '100.64.1.1', '0.0.0.0', 'fe80::1', '::ffff:10.0.0.1'];
    const public_ = ['93.184.216.34', '2606:2800:220:1::'];

    expect(internal.filter((address) => !isInternalAddress(address))).toEqual([]);
    expect(public_.filter(isInternalAddress)).toEqual([]);
  });
});

describe('seller webhook URLs locally (any)', () => {
  it('may be http and on this machine, for receivers of the local runtime', async () => {
    const url = checkWebhookUrl('http://127.0.0.1:4000/hooks', 'any');

    await expect(resolveWebhookTarget(url, 'any')).resolves.toBe('127.0.0.1');
  });
});

describe('the retry schedule', () => {
  it('keeps retrying for more than 24 hours, each wait within what SQS allows', () => {
    const total = WEBHOOK_RETRY_DELAYS_MS.reduce((sum, delay) => sum + delay, 0);
    const previous = process.env.ORDERFLOW_TIME_SCALE;
    delete process.env.ORDERFLOW_TIME_SCALE;
    let waits: number[];
    try {
      waits = WEBHOOK_RETRY_DELAYS_MS.map((_, index) => retryDelaySeconds(index + 1));
    } finally {
      if (previous !== undefined) process.env.ORDERFLOW_TIME_SCALE = previous;
    }

    expect(total).toBeGreaterThanOrEqual(24 * 3600 * 1000);
    expect(WEBHOOK_MAX_ATTEMPTS).toBe(WEBHOOK_RETRY_DELAYS_MS.length + 1);
    expect(waits.every((seconds) => seconds > 0 && seconds <= 12 * 3600)).toBe(true);
    expect(waits.reduce((sum, seconds) => sum + seconds, 0) * 1000).toBe(total);
  });
});
