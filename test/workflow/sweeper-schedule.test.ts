import { randomUUID } from 'node:crypto';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler, sweep } from '../../functions/delivery-sweeper/handler.js';
import { dynamodb } from '../../functions/shared/clients.js';
import type { Order } from '../../functions/shared/domain/order.js';
import { setStock } from '../../functions/shared/store/inventory.js';
import { createOrder, getOrder, updateOrder } from '../../functions/shared/store/orders.js';
import { putSeller } from '../../functions/shared/store/seller-admin.js';
import { startExecution } from '../../functions/shared/workflow.js';
import { lambdaContext } from '../../infra/local/lambda-context.js';
import { createTable } from '../../infra/local/services.js';
import { orderIn } from '../support/order-states.js';
import { newOrder } from '../support/orders.js';
import { startWorkflowHarness, type WorkflowHarness } from '../support/workflow.js';

/**
 * The sweeper's schedule, in real time (as on AWS): each sweep is given the time it runs at, days apart,
 * while the workflows it resumes run on the local engine. Each test has a table of its own, so what a
 * sweep reads is exactly what the test put there.
 */
let harness: WorkflowHarness;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
let t0: number;

beforeAll(async () => {
  harness = await startWorkflowHarness();
  process.env.ORDERFLOW_TIME_SCALE = '1';
});
afterAll(() => harness.stop());

beforeEach(async () => {
  process.env.ORDERS_TABLE = `sweep-${randomUUID().slice(0, 8)}`;
  await createTable(process.env.AWS_ENDPOINT_URL_DYNAMODB!, process.env.ORDERS_TABLE);
  await putSeller({ sellerId: 'auto', originCountry: 'US', webhookSecrets: [] });
  await putSeller({ sellerId: 'manual', originCountry: 'US', webhookSecrets: [], releaseMode: 'manual' });
  for (const sellerId of ['auto', 'manual']) await setStock(sellerId, 'MUG-RED', 1000);
  t0 = Date.now();
});

/** Orders waiting for the seller, stored as if their last status write was at `writtenAt`. */
async function outOfStock(count: number, writtenAt = t0): Promise<string[]> {
  const orders = Array.from({ length: count }, () => ({
    ...newOrder({ sellerId: 'auto' }),
    status: 'OUT_OF_STOCK' as const,
    updatedAt: new Date(writtenAt).toISOString(),
  }));
  await Promise.all(orders.map((order) => createOrder(order, [])));
  return orders.map((order) => order.orderId);
}

const sorted = (ids: readonly string[]) => [...ids].sort();

describe('the delivery sweeper', () => {
  it('reads only the orders that are due, and looks at each once', async () => {
    const early = await outOfStock(3);
    const later = await outOfStock(2, t0 + 10 * MINUTE);

    const first = await sweep(t0 + 20 * MINUTE);
    const again = await sweep(t0 + 20 * MINUTE);
    const third = await sweep(t0 + 30 * MINUTE);

    // A status write is looked at a quarter of an hour later; then not until it turns late.
    expect([first.read, first.checked]).toEqual([early.length, early.length]);
    expect([again.read, again.checked]).toEqual([0, 0]);
    expect([third.read, third.checked]).toEqual([later.length, later.length]);
    expect([first.complete, again.complete, third.complete]).toEqual([true, true, true]);
  });

  it('keeps orders that wait for the seller out of the sweeps until they turn late, and flags them then', async () => {
    const waiting = newOrder({ sellerId: 'manual', items: [{ sku: 'MUG-RED', quantity: 1 }] });
    await createOrder(waiting, []);
    await startExecution(waiting);
    await vi.waitFor(async () => expect((await getOrder(waiting.orderId))?.status).toBe('ON_HOLD'), {
      timeout: 20_000,
    });
    const held = (await getOrder(waiting.orderId))!;
    const [outOfStockId] = await outOfStock(1);
    const both = sorted([held.orderId, outOfStockId!]);

    const firstLook = await sweep(t0 + 16 * MINUTE);
    const quiet = [await sweep(t0 + 12 * HOUR), await sweep(t0 + 23 * HOUR)];
    const turnedLate = await sweep(t0 + DAY + MINUTE);
    const stillQuiet = await sweep(t0 + 40 * HOUR);
    const holdOver = await sweep(Date.parse(held.hold!.expiresAt) + 16 * MINUTE);

    expect(firstLook).toMatchObject({ read: 2, checked: 2, resumed: [], late: [] });
    expect(quiet.map((report) => report.read)).toEqual([0, 0]);
    expect(turnedLate.read).toBe(2);
    expect(sorted(turnedLate.late)).toEqual(both);
    expect(stillQuiet.read).toBe(0);
    // A week on, the hold's own timeout should have ended it: a look, but its execution is still waiting.
    expect(holdOver.checked).toBe(2);
    expect(holdOver.resumed).toEqual([]);
    expect(harness.stepFunctions.engine.running()).toContain(held.workflow.executionName);
    expect((await getOrder(held.orderId))?.workflow.attempt).toBe(1);
  });

  it('resumes a workflow that vanished in PENDING, RELEASED, SHIPPED or IN_TRANSIT, once', async () => {
    const estimate = new Date(t0 + 3 * DAY).toISOString();
    const shipment = {
      carrier: 'sandbox-post',
      service: 'standard',
      trackingNumber: `SBX${randomUUID().slice(0, 8)}`,
      labelId: `lbl_${randomUUID().slice(0, 8)}`,
      shippedAt: new Date(t0).toISOString(),
      estimatedDeliveryAt: estimate,
      polls: 0,
    };
    const orders: Order[] = [];
    for (const status of ['PENDING', 'RELEASED', 'SHIPPED', 'IN_TRANSIT'] as const) {
      const order = await orderIn(status, { sellerId: 'auto' });
      if (order.shipment === undefined && (status === 'SHIPPED' || status === 'IN_TRANSIT')) {
        await updateOrder(order.orderId, { shipment }, { status: [status] });
      }
      orders.push(order);
    }
    const ids = orders.map((order) => order.orderId);

    const first = await sweep(t0 + 20 * MINUTE);
    const resumedAs = await Promise.all(ids.map(async (id) => (await getOrder(id))!.workflow.executionName));
    // Each resumed run gets to the wait for the parcel (days, in real time): for the push, then the polls.
    await vi.waitFor(
      async () => {
        for (const id of ids) expect((await getOrder(id))?.shipment?.trackingNumber).toBeDefined();
        for (const name of resumedAs)
          expect(harness.stepFunctions.engine.statesEntered(name)).toContain('AwaitDelivery');
      },
      { timeout: 20_000 },
    );
    const second = await sweep(t0 + 40 * MINUTE);

    expect(sorted(first.resumed)).toEqual(sorted(ids));
    expect(resumedAs).toEqual(ids.map((id) => `${id}-2`));
    const [fromStart, ...fromRelease] = resumedAs.map((name) =>
      harness.stepFunctions.engine.statesEntered(name),
    );
    expect(fromStart).toContain('VerifyPayment');
    for (const states of fromRelease) {
      expect(states).not.toContain('VerifyPayment');
      expect(states).toContain('ReleaseOrder');
    }
    // Their executions are running: the next look leaves them be.
    expect(second).toMatchObject({ checked: 4, resumed: [] });
    expect(harness.stepFunctions.engine.running()).toEqual(expect.arrayContaining(resumedAs));
    for (const id of ids) expect((await getOrder(id))?.workflow.attempt).toBe(2);
  });

  it('flags a parcel two days past its estimate as overdue, and does not look before', async () => {
    const order = await orderIn('IN_TRANSIT', { sellerId: 'auto' });
    const estimate = t0 + DAY;
    await updateOrder(
      order.orderId,
      {
        shipment: {
          carrier: 'sandbox-post',
          service: 'express',
          trackingNumber: `SBX${randomUUID().slice(0, 8)}`,
          labelId: `lbl_${randomUUID().slice(0, 8)}`,
          shippedAt: new Date(t0).toISOString(),
          estimatedDeliveryAt: new Date(estimate).toISOString(),
          polls: 0,
        },
      },
      { status: ['IN_TRANSIT'] },
    );
    // Its workflow waits in the delivery loop until the estimate.
    await startExecution(order, 1, 'ReleaseOrder');

    const firstLook = await sweep(t0 + 16 * MINUTE);
    const beforeOverdue = await sweep(estimate + 2 * DAY - MINUTE);
    const overdue = await sweep(estimate + 2 * DAY + MINUTE);

    expect(firstLook).toMatchObject({ checked: 1, resumed: [], overdue: [] });
    expect(beforeOverdue.read).toBe(0);
    expect(overdue.overdue).toEqual([order.orderId]);
    expect(overdue.resumed).toEqual([]);
  });

  it('carries on where a sweep that ran out of time stopped, looking at each order once', async () => {
    const due = await outOfStock(40);
    let budget = 12;

    const cutShort = await sweep(t0 + 20 * MINUTE, { timeLeftMs: () => (budget-- > 0 ? 1000 : 0) });
    const rest = await sweep(t0 + 20 * MINUTE);
    const after = await sweep(t0 + 20 * MINUTE);

    expect(cutShort.complete).toBe(false);
    expect(cutShort.checked).toBeGreaterThan(0);
    expect(cutShort.checked).toBeLessThan(due.length);
    expect(rest.complete).toBe(true);
    expect(rest.checked).toBe(due.length - cutShort.checked);
    expect(after.read).toBe(0);
  });

  it('starts no work in the last 20 s before its Lambda timeout, and leaves it due', async () => {
    await outOfStock(3, t0 - 20 * MINUTE);
    const context = (leftMs: number) => lambdaContext('orderflow-delivery-sweeper', Date.now() + leftMs);

    const closeToTimeout = await handler({}, context(19_000));
    const inTime = await handler({}, context(60_000));

    expect(closeToTimeout).toMatchObject({ read: 0, checked: 0, complete: false });
    expect(inTime).toMatchObject({ read: 3, checked: 3, complete: true });
  });

  it("runs against a table whose Open index copies keys and the status only, as the stack's does", async () => {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: process.env.ORDERS_TABLE }));

    const open = Table?.GlobalSecondaryIndexes?.find((index) => index.IndexName === 'Open');

    expect(open?.Projection).toEqual({ ProjectionType: 'INCLUDE', NonKeyAttributes: ['status'] });
  });
});
