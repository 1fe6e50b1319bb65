import { afterEach, describe, expect, it } from 'vitest';
import { runWithCrashes } from './support/crash.js';
import { planOrders } from './support/mix.js';
import { cleanUp } from './support/runtime-process.js';

// Also after a test that timed out, whose own cleanup would never run: no runtime outlives its test.
afterEach(() => cleanUp());

describe('a SIGKILL of the runtime loses nothing', () => {
  it('100 orders in flight, SIGKILL, restart: each ends in its expected status, stock exact, one label each', async () => {
    const plan = planOrders({ happy: 60, declined: 10, lost: 10, outOfStock: 10, undeliverable: 10 });

    const { inFlightAtKill } = await runWithCrashes({ plan, killWhenAccepted: [50], timeScale: 200_000 });

    expect(inFlightAtKill[0]).toBeGreaterThan(0);
  });

  it('with the sweeper off, every order still finishes on the execution named after it', async () => {
    const plan = planOrders({ happy: 24, declined: 4, lost: 4, outOfStock: 4, undeliverable: 4 });

    const { inFlightAtKill, resumed } = await runWithCrashes({
      plan,
      killWhenAccepted: [20],
      timeScale: 200_000,
      sweeper: false,
    });

    expect(inFlightAtKill[0]).toBeGreaterThan(0);
    expect(resumed).toEqual([]);
  });
});
