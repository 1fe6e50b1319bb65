import * as crypto from 'node:crypto';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { authenticateWebhook } from '../../functions/api/auth.js';
import { SECRET_SLOTS } from '../../functions/api/signatures.js';
import { MAX_WEBHOOK_SECRETS } from '../../functions/shared/store/seller-admin.js';
import type { ApiEvent } from '../../functions/api/http.js';
import {
  cachedSellerCount,
  forgetCachedSellers,
  getSellerCached,
  SELLER_CACHE_MS,
  SELLER_CACHE_SIZE,
  SELLER_MISS_CACHE_MS,
} from '../../functions/shared/store/sellers.js';
import { forgetCachedWebhookSecrets } from '../../functions/shared/store/webhook-secrets.js';

// Every HMAC the code computes, counted: the work a rejection does, independent of the machine's speed.
vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>();
  return { ...original, createHmac: vi.fn(original.createHmac) };
});

const dynamo = mockClient(DynamoDBDocumentClient);
const SELLERS: Record<string, string[]> = { 'one-secret': ['s1'], 'two-secrets': ['s1', 's2'] };

beforeEach(() => {
  dynamo.on(GetCommand).callsFake(({ Key }: { Key: { PK: string } }) => {
    const [, partition, sellerId = ''] = /^(SELLER|SECRET)#(.*)$/.exec(Key.PK) ?? [];
    const webhookSecrets = SELLERS[sellerId];
    if (!webhookSecrets) return {};
    return partition === 'SECRET'
      ? { Item: { ...Key, webhookSecrets } }
      : { Item: { ...Key, sellerId, originCountry: 'US', createdAt: '2026-01-01' } };
  });
});
afterEach(() => {
  dynamo.reset();
  forgetCachedSellers();
  forgetCachedWebhookSecrets();
  vi.useRealTimers();
  vi.mocked(crypto.createHmac).mockClear();
});

const body = Buffer.from('{"id":1}');
const webhook = (sellerId: string, signature: string): ApiEvent =>
  ({ pathParameters: { sellerId }, headers: { 'x-shopify-hmac-sha256': signature } }) as unknown as ApiEvent;
const badSignature = crypto.createHash('sha256').update('not the secret').digest('base64');

/** The HMACs computed and the error given for one rejected webhook. */
async function rejection(sellerId: string) {
  vi.mocked(crypto.createHmac).mockClear();
  const error = await authenticateWebhook(webhook(sellerId, badSignature), body, 'shopifyHmac').catch(
    (caught: unknown) => caught,
  );
  return { macs: vi.mocked(crypto.createHmac).mock.calls.length, error };
}

describe('webhook signature rejection', () => {
  it('does the same HMAC work and gives the same answer for an unknown seller as for a known one', async () => {
    const known = await rejection('one-secret');
    const withTwo = await rejection('two-secrets');
    const unknown = await rejection('nobody-here');

    expect(known.macs).toBeGreaterThan(0);
    expect(withTwo.macs).toBe(known.macs);
    expect(unknown.macs).toBe(known.macs);
    expect(unknown.error).toEqual(known.error);
    expect((unknown.error as { statusCode: number }).statusCode).toBe(401);
  });

  it('reads as much of the table for an unknown seller as for a known one (profile and secrets)', async () => {
    const readsFor = async (sellerId: string) => {
      dynamo.resetHistory();
      await rejection(sellerId);
      return dynamo.commandCalls(GetCommand).map((call) => call.args[0].input.Key?.PK?.split('#')[0]);
    };

    const known = await readsFor('one-secret');
    const unknown = await readsFor('nobody-here');

    expect(known.sort()).toEqual(['SECRET', 'SELLER']);
    expect(unknown.sort()).toEqual(known);
  });

  it('tries as many secrets as a seller may hold, so no seller does more work than a stranger', () => {
    expect(SECRET_SLOTS).toBe(MAX_WEBHOOK_SECRETS);
  });

  it("still accepts a known seller's signature, under any of its secrets", async () => {
    const signed = crypto.createHmac('sha256', 's2').update(body).digest('base64');

    const seller = await authenticateWebhook(webhook('two-secrets', signed), body, 'shopifyHmac');

    expect(seller.sellerId).toBe('two-secrets');
  });
});

describe('the seller cache', () => {
  const reads = () => dynamo.commandCalls(GetCommand).length;

  it('remembers a seller for a while, and a miss only briefly', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    await getSellerCached('one-secret');
    await getSellerCached('nobody');

    vi.advanceTimersByTime(SELLER_MISS_CACHE_MS + 1);
    await getSellerCached('one-secret');
    await getSellerCached('nobody');

    expect(SELLER_MISS_CACHE_MS).toBeLessThan(SELLER_CACHE_MS);
    expect(reads()).toBe(3);
    vi.advanceTimersByTime(SELLER_CACHE_MS);
    await getSellerCached('one-secret');
    expect(reads()).toBe(4);
  });

  it('holds a bounded number of sellers, dropping the least recently used first', async () => {
    await getSellerCached('one-secret');
    for (let index = 0; index < SELLER_CACHE_SIZE * 2; index++) {
      if (index % 100 === 0) await getSellerCached('one-secret');
      await getSellerCached(`junk-${index}`);
    }
    const before = reads();

    await getSellerCached('one-secret');
    await getSellerCached('junk-0');

    expect(cachedSellerCount()).toBe(SELLER_CACHE_SIZE);
    expect(reads() - before).toBe(1);
  });
});
