import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { documents } from '../../functions/shared/clients.js';
import { getSeller } from '../../functions/shared/store/sellers.js';
import { tableName } from '../../functions/shared/store/table.js';
import { run } from '../../scripts/seller.js';
import { call, sellerClient } from '../support/http.js';
import { orderInput } from '../support/orders.js';
import { orderflowSignature } from '../support/shopify.js';
import { mockStepFunctions } from '../support/step-functions.js';

const stepFunctions = mockStepFunctions();
afterEach(() => stepFunctions.reset());

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

    expect(await getSeller('shop-1')).toMatchObject({
      originCountry: 'GB',
      releaseMode: 'manual',
      reviewThresholds: { USD: '1000.00' },
      webhookSecrets: [webhookSecret],
    });
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
