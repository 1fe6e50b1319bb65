import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { setStock } from '../../functions/shared/store/inventory.js';
import { addApiKey, putSeller } from '../../functions/shared/store/seller-admin.js';
import { sellerClient } from '../support/http.js';

async function newSeller() {
  const sellerId = `stock-${randomUUID().slice(0, 8)}`;
  const apiKey = `key-${randomUUID()}`;
  await putSeller({ sellerId, originCountry: 'US', webhookSecrets: [`secret-${randomUUID()}`] });
  await addApiKey(sellerId, apiKey);
  return { sellerId, client: sellerClient(apiKey) };
}

describe('GET /inventory', () => {
  it('lists every SKU of the seller with available and reserved units, a page at a time', async () => {
    const { sellerId, client } = await newSeller();
    const skus = ['A-1', 'B-2', 'C 3/x', 'D-4', 'E-5'];
    for (const [index, sku] of skus.entries()) await setStock(sellerId, sku, index * 10);

    const seen: unknown[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const answer = await client.get('/inventory', { limit: '2', ...(cursor ? { cursor } : {}) });
      expect(answer.statusCode).toBe(200);
      expect(answer.json.items.length).toBeLessThanOrEqual(2);
      seen.push(...answer.json.items);
      cursor = answer.json.nextCursor;
      pages++;
    } while (cursor);

    expect(seen).toEqual(skus.map((sku, index) => ({ sku, available: index * 10, reserved: 0 })));
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('shows no other seller’s stock', async () => {
    const mine = await newSeller();
    const theirs = await newSeller();
    await setStock(theirs.sellerId, 'THEIRS', 5);
    await setStock(mine.sellerId, 'MINE', 1);

    const answer = await mine.client.get('/inventory');

    expect(answer.json.items).toEqual([{ sku: 'MINE', available: 1, reserved: 0 }]);
  });

  it.each([
    ['a page size of 0', { limit: '0' }],
    ['a page size over 200', { limit: '201' }],
    ['an unknown parameter', { sort: 'sku' }],
  ])('refuses %s with a 400', async (_case, query) => {
    const { client } = await newSeller();
    expect((await client.get('/inventory', query)).statusCode).toBe(400);
  });

  it('is in /openapi.json', async () => {
    const { client } = await newSeller();
    const document = (await client.get('/openapi.json')).json;
    expect(document.paths['/inventory'].get.operationId).toBe('listStock');
    expect(Object.keys(document.paths['/settings'])).toEqual(expect.arrayContaining(['get', 'patch']));
  });
});
