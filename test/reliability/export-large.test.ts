import { BatchWriteCommand, type BatchWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { documents } from '../../functions/shared/clients.js';
import type { Order } from '../../functions/shared/domain/order.js';
import { orderItem } from '../../functions/shared/store/orders.js';
import { tableName } from '../../functions/shared/store/table.js';
import { sellerClient, type ApiAnswer } from '../support/http.js';
import { newOrder } from '../support/orders.js';
import { ACME, DEMO, seedSellers } from '../support/sellers.js';

// In the reliability project, one file at a time: seeding 52,000 orders into the shared DynamoDB Local would
// slow every test file running beside it.

/** Lambda's limit on a synchronous answer, which API Gateway passes on: the JSON envelope counts too. */
const LAMBDA_ANSWER_LIMIT = 6 * 1024 * 1024;
const EXPORT_ORDERS = 50_000;
const LARGE_ORDERS = 2_000;

const answerBytes = (answer: ApiAnswer) =>
  Buffer.byteLength(
    JSON.stringify({ statusCode: answer.statusCode, headers: answer.headers, body: answer.body }),
  );

/** Copies of `template`, one a second back from 2026-06-01, written 25 at a time, 8 calls at once. */
async function seed(template: Order, count: number, prefix: string): Promise<void> {
  const start = Date.parse('2026-06-01T00:00:00.000Z');
  const items = Array.from({ length: count }, (_, index) => {
    const at = new Date(start - index * 1000).toISOString();
    const orderId = `ord_${prefix}${String(index).padStart(20 - prefix.length, '0')}`;
    return orderItem({ ...template, orderId, createdAt: at, updatedAt: at });
  });
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < items.length) {
        const batch = items.slice(next, (next += 25));
        let requests: BatchWriteCommandInput['RequestItems'] = {
          [tableName()]: batch.map((Item) => ({ PutRequest: { Item } })),
        };
        while (requests && Object.keys(requests).length) {
          const answer: { UnprocessedItems?: BatchWriteCommandInput['RequestItems'] } = await documents.send(
            new BatchWriteCommand({ RequestItems: requests }),
          );
          requests = answer.UnprocessedItems;
        }
      }
    }),
  );
}

/** Every page of `path`, following X-Next-Cursor (CSV) or nextCursor (JSON). */
async function everyPage(
  client: ReturnType<typeof sellerClient>,
  path: string,
  query: Record<string, string>,
) {
  const pages: ApiAnswer[] = [];
  let cursor: string | undefined;
  do {
    const answer = await client.get(path, { ...query, ...(cursor ? { cursor } : {}) });
    expect(answer.statusCode, answer.body.slice(0, 300)).toBe(200);
    pages.push(answer);
    cursor = answer.headers['x-next-cursor'] ?? answer.json?.nextCursor ?? undefined;
  } while (cursor);
  return pages;
}

beforeAll(async () => {
  await seedSellers();
  await seed(newOrder({ sellerId: DEMO.sellerId }), EXPORT_ORDERS, 'x');
  // Orders as large as the contract allows: 50 lines, long SKUs, and names of quotes, which JSON escapes
  // (twice: the body is JSON inside Lambda's JSON answer).
  const lines = Array.from({ length: 50 }, (_, index) => ({
    sku: `SKU-${String(index).padStart(2, '0')}-${'L'.repeat(53)}`,
    quantity: 1,
    name: `${'"'.repeat(190)} ${index}`,
  }));
  await seed(newOrder({ sellerId: ACME.sellerId, items: lines }), LARGE_ORDERS, 'l');
}, 300_000);

describe('answers that would outgrow Lambda’s 6 MB', () => {
  it('an export of 50,000 orders completes, page by page, every answer under the limit', async () => {
    const pages = await everyPage(sellerClient(DEMO.apiKey), '/orders/export.csv', { limit: '5000' });
    const rows = pages.flatMap((page) => page.body.split('\r\n').slice(1, -1));
    expect(rows).toHaveLength(EXPORT_ORDERS);
    expect(new Set(rows.map((row) => row.split(',')[0])).size).toBe(EXPORT_ORDERS);
    for (const page of pages) expect(answerBytes(page)).toBeLessThan(LAMBDA_ANSWER_LIMIT);
  }, 600_000);

  it('a page of large orders ends early, under the limit, and its cursor carries on with the next order', async () => {
    const acme = sellerClient(ACME.apiKey);
    const csv = await everyPage(acme, '/orders/export.csv', { limit: '5000' });
    const json = await everyPage(acme, '/orders', { limit: '200' });
    for (const pages of [csv, json]) {
      // More pages than the limit alone would make: the size ended them.
      expect(pages.length).toBeGreaterThan(1);
      for (const page of pages) expect(answerBytes(page)).toBeLessThan(LAMBDA_ANSWER_LIMIT);
    }
    expect(json[0]!.json.items.length).toBeLessThan(200);
    const csvIds = csv.flatMap((page) =>
      page.body
        .split('\r\n')
        .slice(1, -1)
        .map((row) => row.split(',')[0]),
    );
    const jsonIds = json.flatMap((page) => page.json.items.map((item: { orderId: string }) => item.orderId));
    for (const ids of [csvIds, jsonIds]) {
      expect(ids).toHaveLength(LARGE_ORDERS);
      expect(new Set(ids).size).toBe(LARGE_ORDERS);
    }
  }, 300_000);
});
