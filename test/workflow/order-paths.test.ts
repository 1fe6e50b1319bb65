import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '../../functions/shared/domain/order.js';
import { getStock, setStock } from '../../functions/shared/store/inventory.js';
import { createOrder, getOrder, updateOrder } from '../../functions/shared/store/orders.js';
import { searchOrders } from '../../functions/shared/store/search.js';
import { addApiKey, putSeller } from '../../functions/shared/store/seller-admin.js';
import { startExecution } from '../../functions/shared/workflow.js';
import { sellerClient } from '../support/http.js';
import { newOrder } from '../support/orders.js';
import { startWorkflowHarness, type WorkflowHarness } from '../support/workflow.js';
import { DELIVERED_HISTORY } from '../support/order-states.js';

let harness: WorkflowHarness;

beforeAll(async () => {
  harness = await startWorkflowHarness();
  // One seller auto-releases; "held" holds everything for a long time; "expiring" holds for an hour.
  await putSeller({ sellerId: 'paths', originCountry: 'US', webhookSecrets: [] });
  await putSeller({
    sellerId: 'held',
    originCountry: 'US',
    webhookSecrets: [],
    releaseMode: 'manual',
    holdTimeoutHours: 8760,
  });
  await putSeller({
    sellerId: 'expiring',
    originCountry: 'US',
    webhookSecrets: [],
    releaseMode: 'manual',
    holdTimeoutHours: 1,
  });
  await addApiKey('paths', 'paths-api-key');
  await addApiKey('held', 'held-api-key');
  for (const sellerId of ['paths', 'held', 'expiring']) await setStock(sellerId, 'MUG', 10);
});
afterAll(() => harness.stop());

type Overrides = Parameters<typeof newOrder>[0];

async function place(overrides: Overrides): Promise<Order> {
  const order = newOrder({ items: [{ sku: 'MUG', quantity: 2 }], ...overrides });
  await createOrder(order, []);
  await startExecution(order);
  return order;
}

async function settle(order: Order) {
  const execution = await harness.stepFunctions.engine.awaitExecution(order.orderId, 30_000);
  const stored = (await getOrder(order.orderId))!;
  const dlq = (await harness.dlqMessages()).filter((message) => message.orderId === order.orderId);
  return { execution, stored, statuses: stored.history.map((entry) => entry.status), dlq };
}

async function waitForStatus(orderId: string, status: string) {
  for (let tries = 0; tries < 300; tries++) {
    const order = await getOrder(orderId);
    if (order?.status === status) return order;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`order ${orderId} never reached ${status}`);
}

const address = newOrder().shippingAddress;

describe('the order workflow on the real state machine, handlers, DynamoDB Local and SQS emulator', () => {
  it('delivers a happy order in at most 12 state transitions with one poll, consuming its stock', async () => {
    const before = (await getStock('paths', 'MUG'))!;
    const order = await place({ sellerId: 'paths' });

    const { execution, stored, statuses, dlq } = await settle(order);

    expect(execution.status).toBe('SUCCEEDED');
    expect(dlq).toEqual([]);
    expect(statuses).toEqual(DELIVERED_HISTORY);
    expect(stored.shipment).toMatchObject({ carrier: 'sandbox-post', service: 'Ground', polls: 1 });
    expect(harness.stepFunctions.engine.stateEnteredCount(order.orderId)).toBeLessThanOrEqual(12);
    expect(
      harness.stepFunctions.engine.statesEntered(order.orderId).filter((s) => s === 'PollDelivery'),
    ).toHaveLength(1);
    expect(await getStock('paths', 'MUG')).toEqual({
      sku: 'MUG',
      available: before.available - 2,
      reserved: before.reserved,
    });
  });

  it('records a declined payment as PAYMENT_FAILED and touches no stock', async () => {
    const before = await getStock('paths', 'MUG');
    const order = await place({
      sellerId: 'paths',
      payment: { provider: 'sandbox', reference: 'decline_1', amount: '20.00' },
    });

    const { execution, stored, statuses, dlq } = await settle(order);

    expect(execution.status).toBe('SUCCEEDED');
    expect(dlq).toEqual([]);
    expect(statuses).toEqual(['PENDING', 'PAYMENT_FAILED']);
    expect(stored.history.at(-1)).toMatchObject({ actor: 'workflow', reason: 'card declined' });
    expect(await getStock('paths', 'MUG')).toEqual(before);
  });

  it("indexes every order's SKUs, products and email in its first task, a declined one included", async () => {
    const order = await place({
      sellerId: 'paths',
      items: [{ sku: 'MUG', quantity: 1 }],
      payment: { provider: 'sandbox', reference: 'decline_2', amount: '10.00' },
    });
    await settle(order);
    const productId = order.items[0]!.productId!;

    for (const filters of [{ sku: 'MUG' }, { productId }, { email: order.customer.email.toUpperCase() }]) {
      const page = await searchOrders('paths', filters, { limit: 100, cursorKey: 'test' });
      expect(page.items.map((found) => found.orderId)).toContain(order.orderId);
    }
  });

  it('gets a flaky payment through with the Retry, visibly, and delivers', async () => {
    const before = (await getStock('paths', 'MUG'))!;
    const order = await place({
      sellerId: 'paths',
      payment: { provider: 'sandbox', reference: 'flaky_1', amount: '20.00' },
    });

    const { statuses, dlq } = await settle(order);

    expect(statuses).toEqual(DELIVERED_HISTORY);
    expect(dlq).toEqual([]);
    expect(await getStock('paths', 'MUG')).toEqual({
      sku: 'MUG',
      available: before.available - 2,
      reserved: before.reserved,
    });
    const failures = harness.stepFunctions.engine
      .history(order.orderId)
      .filter((event) => event.type === 'LambdaFunctionFailed' || event.type === 'TaskFailed');
    expect(failures.length).toBeGreaterThanOrEqual(2);
  });

  it('leaves nothing reserved when a line is short, and says OUT_OF_STOCK', async () => {
    await setStock('paths', 'RARE', 1);
    const before = (await getStock('paths', 'MUG'))!;
    const order = await place({
      sellerId: 'paths',
      items: [
        { sku: 'MUG', quantity: 1 },
        { sku: 'RARE', quantity: 2 },
      ],
    });

    const { statuses, stored, dlq } = await settle(order);

    expect(statuses).toEqual(['PENDING', 'PAYMENT_VERIFIED', 'OUT_OF_STOCK']);
    expect(dlq).toEqual([]);
    expect(stored.history.at(-1)!.reason).toBe('inventory');
    expect(stored.problems).toEqual([
      { reason: 'inventory', field: 'items.1.sku', message: expect.stringContaining('RARE') },
    ]);
    expect(await getStock('paths', 'MUG')).toEqual(before);
    expect(await getStock('paths', 'RARE')).toEqual({ sku: 'RARE', available: 1, reserved: 0 });
  });

  it('holds an order for the seller, releases it on the seller API call, and delivers', async () => {
    const order = await place({ sellerId: 'held' });
    const held = await waitForStatus(order.orderId, 'ON_HOLD');
    expect(held.hold).toMatchObject({ reason: 'manual_release_mode' });
    expect(await getStock('held', 'MUG')).toEqual({ sku: 'MUG', available: 8, reserved: 2 });

    const release = await sellerClient('held-api-key').post(`/orders/${order.orderId}/release`);
    expect(release.statusCode).toBeLessThan(300);
    const { statuses, stored, dlq } = await settle(order);

    expect(dlq).toEqual([]);
    expect(statuses).toEqual([
      'PENDING',
      'PAYMENT_VERIFIED',
      'STOCK_RESERVED',
      'ON_HOLD',
      'RELEASED',
      'SHIPPED',
      'DELIVERED',
    ]);
    expect(stored.hold).not.toHaveProperty('taskToken');
    expect(await getStock('held', 'MUG')).toEqual({ sku: 'MUG', available: 8, reserved: 0 });
  });

  it('holds a parked order the seller asked to hold once it goes on, and its release clears the request', async () => {
    await setStock('paths', 'LATE', 0);
    const order = await place({ sellerId: 'paths', items: [{ sku: 'LATE', quantity: 1 }] });
    await waitForStatus(order.orderId, 'OUT_OF_STOCK');
    const seller = sellerClient('paths-api-key');

    const hold = await seller.post(`/orders/${order.orderId}/hold`, { reason: 'check the engraving' });
    expect(hold.statusCode).toBe(200);
    expect(hold.json.holdRequest).toMatchObject({ reason: 'check the engraving' });
    await setStock('paths', 'LATE', 3);
    expect((await seller.post(`/orders/${order.orderId}/retry`)).statusCode).toBe(202);
    const held = await waitForStatus(order.orderId, 'ON_HOLD');

    expect(held.hold).toMatchObject({ reason: 'seller_hold' });
    expect((await seller.post(`/orders/${order.orderId}/release`)).statusCode).toBe(202);
    await waitForStatus(order.orderId, 'DELIVERED');
    const stored = (await getOrder(order.orderId))!;
    expect(stored.history.map((entry) => entry.status)).toEqual([
      'PENDING',
      'PAYMENT_VERIFIED',
      'OUT_OF_STOCK',
      'PAYMENT_VERIFIED',
      'STOCK_RESERVED',
      'ON_HOLD',
      'RELEASED',
      'SHIPPED',
      'DELIVERED',
    ]);
    expect(stored.holdRequest).toBeNull();
    // Released and gone: a hold is refused, and says why.
    const late = await seller.post(`/orders/${order.orderId}/hold`);
    expect(late.statusCode).toBe(409);
    expect(late.json.error.code).toBe('not_holdable');
  });

  it('cancels a hold that times out, with reason hold_expired, and returns its stock', async () => {
    const order = await place({ sellerId: 'expiring' });

    const { statuses, stored, dlq } = await settle(order);

    expect(statuses).toEqual(['PENDING', 'PAYMENT_VERIFIED', 'STOCK_RESERVED', 'ON_HOLD', 'CANCELLED']);
    expect(dlq).toEqual([]);
    expect(stored.history.at(-1)).toMatchObject({ reason: 'hold_expired', actor: 'workflow' });
    expect(await getStock('expiring', 'MUG')).toEqual({ sku: 'MUG', available: 10, reserved: 0 });
  });

  it('sends a failed release to the DLQ with its reason and marks FAILED_TO_RELEASE, stock still reserved', async () => {
    const before = (await getStock('paths', 'MUG'))!;
    const order = await place({ sellerId: 'paths', shippingAddress: { ...address, postalCode: '00000' } });

    const { statuses, stored, dlq } = await settle(order);

    expect(statuses).toEqual(['PENDING', 'PAYMENT_VERIFIED', 'STOCK_RESERVED', 'FAILED_TO_RELEASE']);
    expect(stored.release).toEqual({ failureReason: 'bad_address' });
    expect(dlq).toEqual([
      {
        orderId: order.orderId,
        sellerId: 'paths',
        reason: 'bad_address',
        failedAt: expect.any(String),
      },
    ]);
    expect(await getStock('paths', 'MUG')).toEqual({
      sku: 'MUG',
      available: before.available - 2,
      reserved: before.reserved + 2,
    });
  });

  it('reports a lost parcel as DELIVERY_EXCEPTION', async () => {
    const before = (await getStock('paths', 'MUG'))!;
    const order = await place({ sellerId: 'paths', shippingAddress: { ...address, postalCode: '99999' } });

    const { statuses, stored, dlq } = await settle(order);

    expect(dlq).toEqual([]);
    // The stock left with the parcel when the label was bought.
    expect(await getStock('paths', 'MUG')).toEqual({
      sku: 'MUG',
      available: before.available - 2,
      reserved: before.reserved,
    });

    expect(statuses).toEqual([
      'PENDING',
      'PAYMENT_VERIFIED',
      'STOCK_RESERVED',
      'RELEASED',
      'SHIPPED',
      'DELIVERY_EXCEPTION',
    ]);
    expect(stored.shipment).toMatchObject({ exception: 'parcel lost in transit' });
    expect(stored.history.at(-1)!.reason).toBe('parcel lost in transit');
  });

  it('cancels a held order on the seller call, stops its execution and returns its stock', async () => {
    const order = await place({ sellerId: 'held', items: [{ sku: 'MUG', quantity: 3 }] });
    await waitForStatus(order.orderId, 'ON_HOLD');
    const before = (await getStock('held', 'MUG'))!;

    const cancel = await sellerClient('held-api-key').post(`/orders/${order.orderId}/cancel`, {
      reason: 'customer asked',
    });
    const { execution, statuses, dlq } = await settle(order);

    expect(cancel.statusCode).toBe(200);
    expect(dlq).toEqual([]);
    expect(execution.status).toBe('ABORTED');
    expect(statuses).toEqual(['PENDING', 'PAYMENT_VERIFIED', 'STOCK_RESERVED', 'ON_HOLD', 'CANCELLED']);
    expect(await getStock('held', 'MUG')).toEqual({
      sku: 'MUG',
      available: before.available + 3,
      reserved: before.reserved - 3,
    });
  });

  it('retries a failed release: a repeat failure can be retried again, and a fixed address delivers', async () => {
    const order = await place({ sellerId: 'paths', shippingAddress: { ...address, postalCode: '00000' } });
    await settle(order);
    const seller = sellerClient('paths-api-key');

    const [first, second] = await Promise.all(
      [1, 2].map(() => seller.post(`/orders/${order.orderId}/retry`)),
    );
    expect([first!.statusCode, second!.statusCode].sort()).toEqual([202, 409]);
    await harness.stepFunctions.engine.awaitExecution(`${order.orderId}-2`, 30_000);
    const failedAgain = (await getOrder(order.orderId))!;
    expect(failedAgain.status).toBe('FAILED_TO_RELEASE');
    expect(failedAgain.release).toEqual({ failureReason: 'bad_address' });
    // The retry removed the first failure's message; the failed retry sent its own.
    const dlqAfterRetry = (await harness.dlqMessages()).filter(
      (message) => message.orderId === order.orderId,
    );
    expect(dlqAfterRetry).toEqual([expect.objectContaining({ reason: 'bad_address' })]);
    expect(dlqAfterRetry[0]!.failedAt).toBe(failedAgain.updatedAt);
    expect(failedAgain.history.slice(-2)).toEqual([
      expect.objectContaining({ status: 'FAILED_TO_RELEASE', reason: 'bad_address' }),
      expect.objectContaining({
        status: 'FAILED_TO_RELEASE',
        reason: 'bad_address',
        actor: 'workflow',
      }),
    ]);

    const fixed = await seller.patch(`/orders/${order.orderId}`, { shippingAddress: address });
    const retried = await seller.post(`/orders/${order.orderId}/retry`);
    await harness.stepFunctions.engine.awaitExecution(`${order.orderId}-3`, 30_000);

    expect(fixed.statusCode).toBe(200);
    expect(retried.statusCode).toBe(202);
    expect(harness.stepFunctions.engine.statesEntered(`${order.orderId}-3`)).not.toContain('ReserveStock');
    const stored = (await getOrder(order.orderId))!;
    expect(stored.history.map((entry) => entry.status)).toEqual([
      'PENDING',
      'PAYMENT_VERIFIED',
      'STOCK_RESERVED',
      'FAILED_TO_RELEASE',
      'FAILED_TO_RELEASE',
      'RELEASED',
      'SHIPPED',
      'DELIVERED',
    ]);
    const dlq = (await harness.dlqMessages()).filter((message) => message.orderId === order.orderId);
    expect(dlq).toEqual([]);
  });

  it('records a retried release that fails for a new reason, and the order stays retryable', async () => {
    await setStock('paths', 'LAMP', 1);
    const order = await place({
      sellerId: 'paths',
      items: [{ sku: 'LAMP', quantity: 1 }],
      shippingAddress: { ...address, postalCode: '00000' },
    });
    await settle(order);
    const seller = sellerClient('paths-api-key');
    // The address is fixed, but a line has lost its name: the next release fails for that instead.
    await updateOrder(
      order.orderId,
      { shippingAddress: address, items: order.items.map((line) => ({ ...line, name: ' ' })) },
      { status: ['FAILED_TO_RELEASE'] },
    );

    const retried = await seller.post(`/orders/${order.orderId}/retry`);
    await harness.stepFunctions.engine.awaitExecution(`${order.orderId}-2`, 30_000);

    expect(retried.statusCode).toBe(202);
    const stored = (await getOrder(order.orderId))!;
    expect(stored.status).toBe('FAILED_TO_RELEASE');
    expect(stored.release).toEqual({ failureReason: 'line_without_name: LAMP' });
    expect(stored.history.at(-1)).toMatchObject({
      status: 'FAILED_TO_RELEASE',
      reason: 'line_without_name: LAMP',
      actor: 'workflow',
    });
    expect((await seller.post(`/orders/${order.orderId}/retry`)).statusCode).toBe(202);
    await harness.stepFunctions.engine.awaitExecution(`${order.orderId}-3`, 30_000);
    expect((await getOrder(order.orderId))!.history.at(-1)).toMatchObject({ status: 'FAILED_TO_RELEASE' });
  });

  it('retries an order still out of stock: OUT_OF_STOCK again with the new reason, retryable, then delivered', async () => {
    await setStock('paths', 'SCARCE', 1);
    const order = await place({ sellerId: 'paths', items: [{ sku: 'SCARCE', quantity: 3 }] });
    await settle(order);
    const seller = sellerClient('paths-api-key');

    await setStock('paths', 'SCARCE', 2);
    const stillShort = await seller.post(`/orders/${order.orderId}/retry`);
    const second = await harness.stepFunctions.engine.awaitExecution(`${order.orderId}-2`, 30_000);
    const afterSecond = (await getOrder(order.orderId))!;
    await setStock('paths', 'SCARCE', 3);
    const restocked = await seller.post(`/orders/${order.orderId}/retry`);
    await harness.stepFunctions.engine.awaitExecution(`${order.orderId}-3`, 30_000);

    expect(stillShort.statusCode).toBe(202);
    expect(second.status).toBe('SUCCEEDED');
    expect(afterSecond.status).toBe('OUT_OF_STOCK');
    expect(afterSecond.history.slice(-2)).toEqual([
      expect.objectContaining({ status: 'PAYMENT_VERIFIED', actor: 'seller', reason: 'retry' }),
      expect.objectContaining({
        status: 'OUT_OF_STOCK',
        actor: 'workflow',
        reason: 'inventory',
      }),
    ]);
    expect(restocked.statusCode).toBe(202);
    const stored = (await getOrder(order.orderId))!;
    expect(stored.history.map((entry) => entry.status)).toEqual([
      'PENDING',
      'PAYMENT_VERIFIED',
      'OUT_OF_STOCK',
      'PAYMENT_VERIFIED',
      'OUT_OF_STOCK',
      'PAYMENT_VERIFIED',
      'STOCK_RESERVED',
      'RELEASED',
      'SHIPPED',
      'DELIVERED',
    ]);
    expect(await getStock('paths', 'SCARCE')).toEqual({ sku: 'SCARCE', available: 0, reserved: 0 });
  });
});
