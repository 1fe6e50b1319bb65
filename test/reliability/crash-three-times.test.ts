import { afterEach, describe, expect, it } from 'vitest';
import { runWithCrashes } from './support/crash.js';
import { planOrders } from './support/mix.js';
import { cleanUp } from './support/runtime-process.js';

// Also after a test that timed out, whose own cleanup would never run: no runtime outlives its test.
afterEach(() => cleanUp());

describe('three SIGKILLs during 200 orders', () => {
  it('every order finishes in its expected status, with stock exact and one label per shipped order', async () => {
    const plan = planOrders({ happy: 140, declined: 15, lost: 15, outOfStock: 15, undeliverable: 15 });

    const { inFlightAtKill } = await runWithCrashes({
      plan,
      killWhenAccepted: [60, 130, 200],
      stock: { 'MUG-RED': 200 },
      timeScale: 200_000,
    });

    expect(inFlightAtKill).toHaveLength(3);
    for (const inFlight of inFlightAtKill) expect(inFlight).toBeGreaterThan(0);
  });
});
