import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { addApiKey, putSeller } from '../../functions/shared/store/seller-admin.js';
import { getSeller } from '../../functions/shared/store/sellers.js';
import { sellerClient } from '../support/http.js';

/** A seller of its own per test, with the defaults, a webhook secret and an API key. */
async function newSeller() {
  const sellerId = `settings-${randomUUID().slice(0, 8)}`;
  const apiKey = `key-${randomUUID()}`;
  await putSeller({ sellerId, originCountry: 'US', webhookSecrets: [`secret-${randomUUID()}`] });
  await addApiKey(sellerId, apiKey);
  return { sellerId, apiKey, client: sellerClient(apiKey) };
}

describe('GET /settings', () => {
  it('answers the release settings only: no secret, key, provider or profile field', async () => {
    const { client } = await newSeller();

    const answer = await client.get('/settings');

    expect(answer.statusCode).toBe(200);
    expect(answer.json).toEqual({
      releaseMode: 'auto',
      reviewThresholds: { USD: '1000.00' },
      holdTimeoutHours: 168,
      releaseSlaHours: 24,
    });
  });

  it('refuses a request without credentials', async () => {
    const answer = await sellerClient('not-a-key-at-all').get('/settings');
    expect(answer.statusCode).toBe(401);
  });
});

describe('PATCH /settings', () => {
  it('changes the settings named and keeps the others, in the stored profile', async () => {
    const { sellerId, client } = await newSeller();

    const answer = await client.patch('/settings', {
      releaseMode: 'manual',
      reviewThresholds: { USD: '250.00', JPY: '30000' },
    });

    expect(answer.statusCode).toBe(200);
    expect(answer.json).toEqual({
      releaseMode: 'manual',
      reviewThresholds: { USD: '250.00', JPY: '30000' },
      holdTimeoutHours: 168,
      releaseSlaHours: 24,
    });
    const stored = await getSeller(sellerId);
    expect(stored).toMatchObject({
      releaseMode: 'manual',
      reviewThresholds: { USD: '250.00', JPY: '30000' },
    });
    expect(stored!.originCountry).toBe('US');
    expect((await client.patch('/settings', { holdTimeoutHours: 48 })).json).toMatchObject({
      releaseMode: 'manual',
      holdTimeoutHours: 48,
    });
  });

  it.each([
    ['an unknown release mode', { releaseMode: 'sometimes' }, 'releaseMode'],
    ['a threshold not in the currency’s units', { reviewThresholds: { JPY: '10.50' } }, 'reviewThresholds'],
    ['a negative hold timeout', { holdTimeoutHours: -1 }, 'holdTimeoutHours'],
    ['an SLA given as text', { releaseSlaHours: '24' }, 'releaseSlaHours'],
    ['a field that is not a release setting', { webhookSecrets: ['x'] }, ''],
    ['nothing to change', {}, ''],
  ])('refuses %s with a 400 and changes nothing', async (_case, body, field) => {
    const { sellerId, client } = await newSeller();
    const before = await getSeller(sellerId);

    const answer = await client.patch('/settings', body);

    expect(answer.statusCode).toBe(400);
    expect(JSON.stringify(answer.json.error)).toContain(field);
    expect(await getSeller(sellerId)).toEqual(before);
  });
});
