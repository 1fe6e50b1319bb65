import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleOrder } from '../../scripts/lib/client.js';
import {
  awaitSettled,
  clientFor,
  deliverUntilAccepted,
  inParallel,
  sendGenericWebhook,
  serverErrors,
  stockOf,
} from './support/api.js';
import { startInProcessRuntime } from './support/in-process.js';

let runtime: Awaited<ReturnType<typeof startInProcessRuntime>>;

beforeAll(async () => {
  runtime = await startInProcessRuntime();
});
afterAll(() => runtime?.cleanUp());

describe('oversell', () => {
  it('500 concurrent orders for 50 units: exactly 50 ship, 450 are OUT_OF_STOCK, stock is conserved', async () => {
    const demo = clientFor(runtime.url);
    expect((await demo.request('PUT', '/inventory/POSTER-A2', { available: 50 })).status).toBe(200);
    const bodies = Array.from({ length: 500 }, () =>
      JSON.stringify(
        sampleOrder({
          items: [{ sku: 'POSTER-A2', productId: 'p-2', name: 'Poster', quantity: 1, unitPrice: '12.50' }],
        }),
      ),
    );

    const answers = await inParallel(bodies, 500, (body) =>
      deliverUntilAccepted(() => sendGenericWebhook(runtime.url, body)),
    );

    // A sender whose request timed out under the burst retries it and is told it was a duplicate.
    expect(answers.filter((answer) => answer.status !== 202 && answer.status !== 200)).toEqual([]);
    const orderIds = answers.map((answer) => answer.json.orderId as string);
    expect(new Set(orderIds).size).toBe(500);
    const orders = [...(await awaitSettled(demo, orderIds, 120_000)).values()];
    // The burst was answered: no 5xx or dropped connection that a storefront's retry would have hidden.
    expect(serverErrors.unexpected()).toEqual([]);
    const count = (status: string) => orders.filter((order) => order.status === status).length;
    expect(count('DELIVERED')).toBe(50);
    expect(count('OUT_OF_STOCK')).toBe(450);
    expect(await stockOf(demo, 'POSTER-A2')).toEqual({ available: 0, reserved: 0 });
    for (const order of orders.filter((candidate) => candidate.status === 'OUT_OF_STOCK')) {
      expect(order.history.map((entry) => entry.status)).toEqual([
        'PENDING',
        'PAYMENT_VERIFIED',
        'OUT_OF_STOCK',
      ]);
    }
  });
});
