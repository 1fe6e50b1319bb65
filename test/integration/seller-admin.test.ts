import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { documents } from '../../functions/shared/clients.js';
import { forgetCachedSellers, getSeller } from '../../functions/shared/store/sellers.js';
import {
  forgetCachedWebhookSecrets,
  getWebhookSecrets,
} from '../../functions/shared/store/webhook-secrets.js';
import { tableName } from '../../functions/shared/store/table.js';
import { run } from '../../scripts/seller.js';
import { call, sellerClient } from '../support/http.js';
import { orderInput } from '../support/orders.js';
import { orderflowSignature, shopifyHmac } from '../support/shopify.js';
import { countItems } from '../support/table.js';
import { mockStepFunctions } from '../support/step-functions.js';

const stepFunctions = mockStepFunctions();
afterEach(() => {
  stepFunctions.reset();
  vi.useRealTimers();
});

const secretIn = (output: string, label: string) => new RegExp(`${label}:\\s+(\\S+)`).exec(output)![1]!;

describe('npm run seller', () => {
  it('creates a seller whose printed key and webhook secret work, storing only the key hash', async () => {
    const output = await run(['create', '--id', 'shop-1', '--origin', 'GB', '--release-mode', 'manual']);
    const apiKey = secretIn(output, 'API key');
    const webhookSecret = secretIn(output, 'webhook secret');
    const shop = sellerClient(apiKey);

    await shop.put('/inventory/MUG-RED', { available: 5 });
    const raw = JSON.stringify(orderInput({ externalOrderId: 'first' }));
    const delivered = await call({
      method: 'POST',
      path: '/webhooks/orders/shop-1',
      headers: { 'x-orderflow-signature': orderflowSignature(raw, webhookSecret) },
      body: raw,
    });

    const profile = await getSeller('shop-1');
    expect(profile).toMatchObject({
      originCountry: 'GB',
      releaseMode: 'manual',
      reviewThresholds: { USD: '1000.00' },
    });
    // The secret is kept apart from the profile every task function reads.
    expect(JSON.stringify(profile)).not.toContain(webhookSecret);
    expect(await getWebhookSecrets('shop-1')).toEqual({ webhookSecrets: [webhookSecret] });
    expect(delivered.statusCode).toBe(202);
    const { Items = [] } = await documents.send(new ScanCommand({ TableName: tableName() }));
    expect(JSON.stringify(Items)).not.toContain(apiKey);
  });

  it('adds a second key without revoking the first', async () => {
    const created = await run(['create', '--id', 'shop-2', '--origin', 'US']);
    const added = await run(['add-key', '--id', 'shop-2']);

    const first = await sellerClient(secretIn(created, 'API key')).get('/inventory/NONE');
    const second = await sellerClient(/(ofk_\S+)/.exec(added)![1]!).get('/inventory/NONE');

    expect([first.statusCode, second.statusCode]).toEqual([404, 404]);
  });

  it('refuses bad settings, an existing seller and unknown commands', async () => {
    await run(['create', '--id', 'shop-3', '--origin', 'US']);

    await expect(run(['create', '--id', 'shop-3', '--origin', 'US'])).rejects.toThrow(/exists already/);
    await expect(run(['create', '--id', 'shop-4', '--origin', 'usa'])).rejects.toThrow(/originCountry/);
    await expect(run(['create', '--id', 'Bad Id', '--origin', 'US'])).rejects.toThrow(/--id/);
    await expect(run(['add-key', '--id', 'nobody'])).rejects.toThrow(/no seller/);
    await expect(run(['delete', '--id', 'shop-3'])).rejects.toThrow(/unknown command/);
  });
});

/**
 * Whether a webhook signed with the secret gets past the signature check: an empty object is signed, so
 * an accepted signature is answered 400 (the body is no order) and nothing is written either way. The
 * seller cache is emptied first, as 30 s would in a deployed function.
 */
async function accepts(sellerId: string, secret: string): Promise<boolean> {
  forgetCachedSellers();
  forgetCachedWebhookSecrets();
  const raw = '{}';
  const generic = await call({
    method: 'POST',
    path: `/webhooks/orders/${sellerId}`,
    headers: { 'x-orderflow-signature': orderflowSignature(raw, secret) },
    body: raw,
  });
  const shopify = await call({
    method: 'POST',
    path: `/webhooks/shopify/${sellerId}`,
    headers: { 'x-shopify-hmac-sha256': shopifyHmac(raw, secret) },
    body: raw,
  });
  expect([400, 401]).toContain(generic.statusCode);
  expect(shopify.statusCode).toBe(generic.statusCode);
  return generic.statusCode === 400;
}

const HOUR_MS = 3_600_000;

describe('npm run seller: webhook secrets', () => {
  it('rotates with an overlap: both secrets are accepted during it, the old one is refused after', async () => {
    const old = secretIn(await run(['create', '--id', 'rot-1', '--origin', 'US']), 'webhook secret');
    const given = 'storefront-chose-this-secret-0001';

    const output = await run(['rotate-secret', '--id', 'rot-1', '--secret', given, '--overlap-hours', '2']);

    expect(output).toMatch(/accepted until \d{4}-/);
    expect([await accepts('rot-1', old), await accepts('rot-1', given)]).toEqual([true, true]);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 2 * HOUR_MS - 60_000);
    expect([await accepts('rot-1', old), await accepts('rot-1', given)]).toEqual([true, true]);
    vi.setSystemTime(Date.now() + 2 * 60_000);
    expect([await accepts('rot-1', old), await accepts('rot-1', given)]).toEqual([false, true]);
  });

  it('generates and prints the new secret when none is given', async () => {
    await run(['create', '--id', 'rot-2', '--origin', 'US']);

    const output = await run(['rotate-secret', '--id', 'rot-2']);

    expect(await accepts('rot-2', secretIn(output, 'new webhook secret'))).toBe(true);
  });

  it("adds a storefront's own secret alongside the current one, and removes either", async () => {
    const created = secretIn(await run(['create', '--id', 'sec-1', '--origin', 'US']), 'webhook secret');
    const shops = 'shpss_0123456789abcdef0123456789abcdef';

    await run(['add-secret', '--id', 'sec-1', '--secret', shops]);
    const both = [await accepts('sec-1', created), await accepts('sec-1', shops)];
    await run(['remove-secret', '--id', 'sec-1', '--secret', created]);

    expect(both).toEqual([true, true]);
    expect([await accepts('sec-1', created), await accepts('sec-1', shops)]).toEqual([false, true]);
  });

  it('refuses what would break the seller, with a clear message, and changes nothing', async () => {
    const created = secretIn(await run(['create', '--id', 'sec-2', '--origin', 'US']), 'webhook secret');
    const before = [await getSeller('sec-2'), await getWebhookSecrets('sec-2')];
    const items = await countItems();

    for (const [argv, message] of [
      [['remove-secret', '--id', 'sec-2', '--secret', created], /no current webhook secret/],
      [['remove-secret', '--id', 'sec-2', '--secret', 'never-had-this-secret'], /no such webhook secret/],
      [['add-secret', '--id', 'sec-2', '--secret', created], /has this webhook secret already/],
      [['add-secret', '--id', 'sec-2', '--secret', 'short'], /16-256 printable ASCII/],
      [['add-secret', '--id', 'sec-2', '--secret', 'with a space in it, long enough'], /printable ASCII/],
      [['add-secret', '--id', 'sec-2'], /--secret/],
      [['add-secret', '--id', 'nobody', '--secret', 'a-perfectly-good-secret'], /no seller nobody/],
      [['rotate-secret', '--id', 'sec-2', '--overlap-hours', '0'], /overlap/],
      [['rotate-secret', '--id', 'sec-2', '--overlap-hours', 'soon'], /overlap/],
      [['rotate-secret', '--id', 'sec-2', '--overlap-hours', '100000'], /overlap/],
    ] as const) {
      await expect(run([...argv]), argv.join(' ')).rejects.toThrow(message);
    }

    expect([await getSeller('sec-2'), await getWebhookSecrets('sec-2')]).toEqual(before);
    expect(await countItems()).toBe(items);
  });

  it('refuses more secrets than a webhook check tries', async () => {
    await run(['create', '--id', 'sec-3', '--origin', 'US']);
    for (const n of [1, 2, 3])
      await run(['add-secret', '--id', 'sec-3', '--secret', `storefront-secret-${n}-xxxxxx`]);

    await expect(
      run(['add-secret', '--id', 'sec-3', '--secret', 'storefront-secret-4-xxxxxx']),
    ).rejects.toThrow(/more than 4 webhook secrets/);
    // A rotation's overlap counts too: one current and four retiring would be five.
    await expect(run(['rotate-secret', '--id', 'sec-3'])).rejects.toThrow(/more than 4/);
  });
});

describe('npm run seller: API keys', () => {
  it('lists keys with label, creation and last use, and revokes one by its key id', async () => {
    const first = secretIn(await run(['create', '--id', 'keys-1', '--origin', 'US']), 'API key');
    const added = await run(['add-key', '--id', 'keys-1', '--label', 'warehouse scanner']);
    const second = /(ofk_\S+)/.exec(added)![1]!;
    const keyId = /key id: ([0-9a-f]+)/.exec(added)![1]!;

    await sellerClient(second).get('/inventory/NONE');
    const listed = await run(['list-keys', '--id', 'keys-1']);
    const revoked = await run(['revoke-key', '--id', 'keys-1', '--key-id', keyId]);

    const rows = listed.split('\n');
    expect(rows[0]).toMatch(/^key id\s+label\s+created\s+last used$/);
    expect(rows).toHaveLength(3);
    expect(rows.find((row) => row.includes('created with the seller'))).toMatch(/never$/);
    expect(rows.find((row) => row.startsWith(keyId))).toMatch(
      /warehouse scanner\s+\d{4}-\d\d-\d\dT\S+Z\s+\d{4}-\d\d-\d\dT\S+Z$/,
    );
    expect(revoked).toContain(`API key ${keyId} of keys-1 revoked`);
    expect((await sellerClient(second).get('/inventory/NONE')).statusCode).toBe(401);
    expect((await sellerClient(first).get('/inventory/NONE')).statusCode).toBe(404);
    expect((await run(['list-keys', '--id', 'keys-1'])).split('\n')).toHaveLength(2);
  });

  it("revokes a key given whole, but never another seller's", async () => {
    const mine = secretIn(await run(['create', '--id', 'keys-2', '--origin', 'US']), 'API key');
    const theirs = secretIn(await run(['create', '--id', 'keys-3', '--origin', 'US']), 'API key');

    await expect(run(['revoke-key', '--id', 'keys-2', '--key', theirs])).rejects.toThrow(/no such key/);
    await expect(run(['revoke-key', '--id', 'keys-2', '--key-id', 'abcdef'])).rejects.toThrow(
      /no key abcdef/,
    );
    await expect(run(['revoke-key', '--id', 'keys-2', '--key-id', 'not hex'])).rejects.toThrow(/hex/);
    await expect(run(['revoke-key', '--id', 'keys-2'])).rejects.toThrow(/--key-id/);
    expect((await sellerClient(theirs).get('/inventory/NONE')).statusCode).toBe(404);
    await run(['revoke-key', '--id', 'keys-2', '--key', mine]);
    expect((await sellerClient(mine).get('/inventory/NONE')).statusCode).toBe(401);
  });
});
