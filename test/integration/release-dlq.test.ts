import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ReleaseDlq } from '../../functions/shared/release-dlq.js';
import { sellerClient } from '../support/http.js';
import { orderIn } from '../support/order-states.js';
import { testReleaseDlq } from '../support/release-dlq.js';
import { DEMO, seedSellers } from '../support/sellers.js';
import { mockStepFunctions } from '../support/step-functions.js';

const stepFunctions = mockStepFunctions();
let dlq: Awaited<ReturnType<typeof testReleaseDlq>>;

beforeAll(seedSellers);
// Each test its own queue, so what one leaves hidden cannot show up in another.
beforeEach(async () => {
  dlq = await testReleaseDlq();
});
afterEach(() => {
  stepFunctions.reset();
  dlq.stop();
});

describe('the release DLQ', () => {
  it('lists every message oldest first and leaves them all visible', async () => {
    await dlq.sendFailure('ord_a');
    await dlq.sendFailure('ord_b', 'line_without_name: MUG');
    await dlq.sendRaw('not json');

    const listed = await new ReleaseDlq().list();

    expect(listed).toEqual([
      expect.objectContaining({
        orderId: 'ord_a',
        sellerId: 'demo',
        reason: 'address_undeliverable',
        receiveCount: 1,
      }),
      expect.objectContaining({ orderId: 'ord_b', reason: 'line_without_name: MUG' }),
      expect.objectContaining({ body: 'not json', receiveCount: 1 }),
    ]);
    expect(listed.map((message) => message.sentAt)).toEqual(
      listed.map(() => expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/)),
    );
    expect(await dlq.visibleNow()).toEqual(['not json', 'ord_a', 'ord_b']);
  });
});

describe('POST /orders/{orderId}/retry', () => {
  it("removes the retried order's DLQ messages and leaves the others visible", async () => {
    const order = await orderIn('FAILED_TO_RELEASE');
    const other = await orderIn('FAILED_TO_RELEASE');
    await dlq.sendFailure(order.orderId);
    await dlq.sendFailure(order.orderId, 'again');
    await dlq.sendFailure(other.orderId);

    const answer = await sellerClient(DEMO.apiKey).post(`/orders/${order.orderId}/retry`);

    expect(answer.statusCode).toBe(202);
    expect(stepFunctions.started.size).toBe(1);
    expect(await dlq.visibleNow()).toEqual([other.orderId]);
  });

  it('removes nothing when the retry is refused', async () => {
    const order = await orderIn('DELIVERED');
    await dlq.sendFailure(order.orderId);

    const answer = await sellerClient(DEMO.apiKey).post(`/orders/${order.orderId}/retry`);

    expect(answer.statusCode).toBe(409);
    expect(await dlq.visibleNow()).toEqual([order.orderId]);
  });
});
