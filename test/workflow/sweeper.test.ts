import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweep } from '../../functions/delivery-sweeper/handler.js';
import { getStock, setStock } from '../../functions/shared/store/inventory.js';
import { createOrder, getOrder, transition } from '../../functions/shared/store/orders.js';
import { putSeller } from '../../functions/shared/store/seller-admin.js';
import { newOrder } from '../support/orders.js';
import { startWorkflowHarness, type WorkflowHarness } from '../support/workflow.js';
import { DELIVERED_HISTORY } from '../support/order-states.js';

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
});
