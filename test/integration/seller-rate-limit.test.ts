import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ENV } from '../../functions/shared/config.js';
import { sellerClient } from '../support/http.js';
import { ACME, DEMO, seedSellers } from '../support/sellers.js';

// As the stack sets it for the api function (infra/throttles.ts), before the first request reads it.
const PER_SECOND = 5;
process.env[ENV.sellerApiRate] = String(PER_SECOND);

const demo = sellerClient(DEMO.apiKey);
const acme = sellerClient(ACME.apiKey);

// The clock stands still within each second the test is about, however slow the machine answers.
const T0 = Date.parse('2026-11-27T12:00:00.000Z');
const at = (seconds: number) => vi.setSystemTime(T0 + seconds * 1000 + 250);

beforeAll(async () => {
  await seedSellers();
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterAll(() => vi.useRealTimers());

describe('each seller has its own share of the seller API', () => {
  it('past its share a seller is answered 429 with Retry-After, another seller is not, and the next second it may go on', async () => {
    at(0);
    const burst = await Promise.all(Array.from({ length: 30 }, () => demo.get('/inventory/MUG-RED')));
    const meanwhile = await Promise.all(
      Array.from({ length: PER_SECOND }, () => acme.get('/inventory/MUG-RED')),
    );

    const limited = burst.filter((answer) => answer.statusCode === 429);
    expect(burst.filter((answer) => answer.statusCode === 200)).toHaveLength(PER_SECOND);
    expect(limited).toHaveLength(burst.length - PER_SECOND);
    expect(limited[0]!.headers['retry-after']).toBe('1');
    expect(limited[0]!.json.error.code).toBe('rate_limited');
    expect(meanwhile.map((answer) => answer.statusCode)).toEqual(new Array(PER_SECOND).fill(200));

    at(1);
    expect((await demo.get('/inventory/MUG-RED')).statusCode).toBe(200);
  });

  it('a request the limit refuses changes nothing', async () => {
    at(10);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) => demo.put('/inventory/LIMITED', { available: index + 1 })),
    );
    const written = answers
      .filter((answer) => answer.statusCode === 200)
      .map((answer) => answer.json.available);
    expect(written).toHaveLength(PER_SECOND);
    at(11);
    // The stock is what one of the accepted writes set, never a refused one's figure.
    expect(written).toContain((await demo.get('/inventory/LIMITED')).json.available);
  });
});
