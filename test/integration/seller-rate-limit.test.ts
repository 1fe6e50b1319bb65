import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/shared/config.js';
import { sellerClient } from '../support/http.js';
import { ACME, DEMO, seedSellers } from '../support/sellers.js';

// As the stack sets it for the api function (infra/throttles.ts), before the first request reads it.
const PER_SECOND = 5;
process.env[ENV.sellerApiRate] = String(PER_SECOND);

const demo = sellerClient(DEMO.apiKey);
const acme = sellerClient(ACME.apiKey);

beforeAll(() => seedSellers());

describe('each seller has its own share of the seller API', () => {
  it('past its share a seller is answered 429 with Retry-After, another seller is not, and the next second it may go on', async () => {
    const burst = await Promise.all(Array.from({ length: 30 }, () => demo.get('/inventory/MUG-RED')));
    const meanwhile = await Promise.all(
      Array.from({ length: PER_SECOND }, () => acme.get('/inventory/MUG-RED')),
    );

    const ok = burst.filter((answer) => answer.statusCode === 200).length;
    const limited = burst.filter((answer) => answer.statusCode === 429);
    // The burst may straddle two seconds: at most two windows' worth got through.
    expect(ok).toBeGreaterThanOrEqual(PER_SECOND);
    expect(ok).toBeLessThanOrEqual(2 * PER_SECOND);
    expect(ok + limited.length).toBe(burst.length);
    expect(limited[0]!.headers['retry-after']).toBe('1');
    expect(limited[0]!.json.error.code).toBe('rate_limited');
    expect(meanwhile.map((answer) => answer.statusCode)).toEqual(new Array(PER_SECOND).fill(200));

    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await demo.get('/inventory/MUG-RED')).statusCode).toBe(200);
  });

  it('a request the limit refuses changes nothing', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) => demo.put('/inventory/LIMITED', { available: index + 1 })),
    );
    const written = answers
      .filter((answer) => answer.statusCode === 200)
      .map((answer) => answer.json.available);
    expect(answers.some((answer) => answer.statusCode === 429)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    // The stock is what one of the accepted writes set, never a refused one's figure.
    expect(written).toContain((await demo.get('/inventory/LIMITED')).json.available);
  });
});
