import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, LOCAL_REGION } from '../../infra/local/services.js';
import type { LocalStepFunctions } from '../../infra/local/stepfunctions/index.js';
import {
  ORDERFLOW_FUNCTIONS,
  orderflowStateMachineArn,
  startOrderflowStepFunctions,
} from '../../infra/local/stepfunctions/orderflow.js';
import { newOrder } from '../support/orders.js';

// Function code talks to the engine over HTTP, exactly as on AWS, so its endpoint is configured
// before any of that code loads (the shared SDK clients read it when they are created).
const port = await freePort();
process.env.AWS_ENDPOINT_URL_SFN = `http://127.0.0.1:${port}`;
process.env.STATE_MACHINE_ARN = orderflowStateMachineArn(LOCAL_REGION);
// Three days of transit in about 2.6 s; a week's hold in about 6 s.
process.env.ORDERFLOW_TIME_SCALE = '100000';

const workflow = await import('../../functions/shared/workflow.js');
const orders = await import('../../functions/shared/store/orders.js');
const { setStock, getStock } = await import('../../functions/shared/store/inventory.js');
const { putSeller } = await import('../../functions/shared/store/seller-admin.js');

let local: LocalStepFunctions;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  local = await startOrderflowStepFunctions({
    releaseDlqUrl: 'http://127.0.0.1:1/000000000000/unused',
    port,
    overrides: {
      retryIntervalOverrides: Object.fromEntries(
        ['VerifyPayment', 'ReserveStock', 'ReleaseOrder', 'GenerateLabel', 'PollDelivery'].map((s) => [s, 0]),
      ),
    },
  });
  await putSeller({ sellerId: 'wired', originCountry: 'US', webhookSecrets: [], releaseMode: 'manual' });
  await setStock('wired', 'MUG', 10);
});

afterAll(async () => {
  await local?.stop();
});

describe("the order workflow on the local engine, with the project's handlers", () => {
  it('binds every task function of the ASL', () => {
    expect(ORDERFLOW_FUNCTIONS).toHaveLength(9);
    expect(local.stateMachineArn).toBe(process.env.STATE_MACHINE_ARN);
  });

  it('holds an order, takes the release the seller sends with the stored token, and delivers it', async () => {
    const order = newOrder({ sellerId: 'wired', items: [{ sku: 'MUG', quantity: 2 }] });
    await orders.createOrder(order, []);

    const started = await workflow.startExecution(order);
    expect(started.started).toBe(true);
    // A repeat start while it runs, with the same input, is the same execution (AWS's rule).
    expect((await workflow.startExecution(order)).executionArn).toBe(started.executionArn);
    const held = await until('the order to be held', async () => {
      const current = await orders.getOrder(order.orderId);
      return current?.status === 'ON_HOLD' && current.hold?.taskToken ? current : undefined;
    });
    expect(await workflow.isExecutionRunning(order.orderId)).toBe(true);
    expect(await workflow.sendRelease(held.hold!.taskToken!, { releasedBy: 'seller' })).toBe(true);
    const done = await local.engine.awaitExecution(order.orderId, 20_000);

    expect(done.status).toBe('SUCCEEDED');
    expect((await orders.getOrder(order.orderId))?.status).toBe('DELIVERED');
    expect(await getStock('wired', 'MUG')).toEqual({ sku: 'MUG', available: 8, reserved: 0 });
    expect(local.engine.statesEntered(order.orderId)).toEqual([
      'Route',
      'VerifyPayment',
      'ReserveStock',
      'HoldGate',
      'AwaitRelease',
      'ReleaseOrder',
      'GenerateLabel',
      // The sandbox carrier pushes nothing: the wait for a push ends at its estimate, with the poll.
      'AwaitDelivery',
      'PollDelivery',
      'DeliveryState',
      'Delivered',
    ]);
    // The token was used: a second release is refused without an error.
    expect(await workflow.sendRelease(held.hold!.taskToken!, {})).toBe(false);
    expect(await workflow.isExecutionRunning(order.orderId)).toBe(false);
  });

  it('stops a held order when asked, as a cancellation does', async () => {
    const order = newOrder({ sellerId: 'wired', items: [{ sku: 'MUG', quantity: 1 }] });
    await orders.createOrder(order, []);
    await workflow.startExecution(order);
    await until('the order to be held', async () =>
      (await orders.getOrder(order.orderId))?.status === 'ON_HOLD' ? true : undefined,
    );

    await workflow.stopExecution(order.orderId, 'cancelled by the seller');

    expect(local.engine.describeExecution(order.orderId).status).toBe('ABORTED');
    expect(await workflow.isExecutionRunning(order.orderId)).toBe(false);
    await workflow.stopExecution(`${order.orderId}-9`, 'never started');
  });
});
