import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweep } from '../../functions/delivery-sweeper/handler.js';
import { getStock, setStock } from '../../functions/shared/store/inventory.js';
import { createOrder, getOrder, transition } from '../../functions/shared/store/orders.js';
import { claimRetry } from '../../functions/shared/store/executions.js';
import { putSeller } from '../../functions/shared/store/seller-admin.js';
import { newOrder } from '../support/orders.js';
import { startWorkflowHarness, type WorkflowHarness } from '../support/workflow.js';
import { DELIVERED_HISTORY, orderIn } from '../support/order-states.js';

let harness: WorkflowHarness;
const HOUR = 3_600_000;

beforeAll(async () => {
  harness = await startWorkflowHarness();
  await putSeller({ sellerId: 'sweep', originCountry: 'US', webhookSecrets: [] });
  await setStock('sweep', 'MUG', 10);
});
afterAll(() => harness.stop());

describe('the delivery sweeper', () => {
  it('resumes an order whose workflow vanished from the status it reached, and it finishes', async () => {
    // Paid, but its execution was never started (a crash between the write and the start).
    const order = newOrder({ sellerId: 'sweep', items: [{ sku: 'MUG', quantity: 1 }] });
    await createOrder(order, []);
    await transition(order.orderId, 'PAYMENT_VERIFIED', { actor: 'workflow' });

    const report = await sweep(Date.now() + HOUR);
    const resumedAs = (await getOrder(order.orderId))!.workflow.executionName;
    await harness.stepFunctions.engine.awaitExecution(resumedAs, 30_000);

    expect(report.resumed).toEqual([order.orderId]);
    expect(resumedAs).toBe(`${order.orderId}-2`);
    const stored = (await getOrder(order.orderId))!;
    expect(stored.history.map((entry) => entry.status)).toEqual(DELIVERED_HISTORY);
    expect(harness.stepFunctions.engine.statesEntered(resumedAs)).not.toContain('VerifyPayment');
    expect(await getStock('sweep', 'MUG')).toEqual({ sku: 'MUG', available: 9, reserved: 0 });
  });

  it('leaves a fresh order alone, and flags one not released within the seller SLA', async () => {
    const order = newOrder({ sellerId: 'sweep' });
    await createOrder(order, []);

    const soon = await sweep(Date.parse(order.createdAt));
    const late = await sweep(Date.parse(order.createdAt) + 48 * HOUR);

    expect(soon.resumed).not.toContain(order.orderId);
    expect(soon.late).not.toContain(order.orderId);
    expect(late.late).toContain(order.orderId);
  });

  it("finishes a seller's retry of a failed release whose run never started, and leaves other failures to the seller", async () => {
    const items = [{ sku: 'MUG', quantity: 1, name: 'Mug' }];
    const waiting = await orderIn('FAILED_TO_RELEASE', { sellerId: 'sweep', items });
    const claimed = await orderIn('FAILED_TO_RELEASE', { sellerId: 'sweep', items });
    // The retry took the failure (so no second retry can start) and then died before starting its run:
    // the seller cannot retry again, and nothing runs.
    await claimRetry(claimed);

    const report = await sweep(Date.now() + HOUR);
    const resumedAs = (await getOrder(claimed.orderId))!.workflow.executionName;
    await harness.stepFunctions.engine.awaitExecution(resumedAs, 30_000);

    expect(report.resumed).toContain(claimed.orderId);
    expect(report.resumed).not.toContain(waiting.orderId);
    expect(harness.stepFunctions.engine.statesEntered(resumedAs)[0]).toBe('Route');
    expect(harness.stepFunctions.engine.statesEntered(resumedAs)).not.toContain('ReserveStock');
    expect((await getOrder(claimed.orderId))!.status).toBe('DELIVERED');
    expect(await getOrder(waiting.orderId)).toMatchObject({
      status: 'FAILED_TO_RELEASE',
      release: { failureReason: 'bad_address' },
    });
  });
});
