import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { handler as awaitRelease } from '../../functions/await-release/handler.js';
import { handler as generateLabel } from '../../functions/generate-label/handler.js';
import { handler as markStatus } from '../../functions/mark-status/handler.js';
import { handler as pollDelivery } from '../../functions/poll-delivery/handler.js';
import { handler as releaseOrder } from '../../functions/release-order/handler.js';
import { handler as reserveStock } from '../../functions/reserve-stock/handler.js';
import { handler as verifyPayment } from '../../functions/verify-payment/handler.js';
import { documents } from '../../functions/shared/clients.js';
import { claimRetry } from '../../functions/shared/store/executions.js';
import { getStock, setStock } from '../../functions/shared/store/inventory.js';
import { createOrder, getOrder } from '../../functions/shared/store/orders.js';
import { putSeller } from '../../functions/shared/store/seller-admin.js';
import { tableName } from '../../functions/shared/store/table.js';
import { lambdaContext } from '../support/lambda.js';
import { newOrder } from '../support/orders.js';

/** Every item stored under the order: the order, its lookups, reservation and label. */
async function orderItems(orderId: string) {
  const { Items = [] } = await documents.send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': `ORDER#${orderId}` },
      ConsistentRead: true,
    }),
  );
  return Items.map((item) => item.SK as string).sort();
}

/** Runs a task handler twice with the same input, as a Lambda retry after a lost response would. */
async function twice(
  handler: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>,
  event: unknown,
) {
  const first = await handler(event, lambdaContext());
  const second = await handler(event, lambdaContext());
  return [first, second];
}

describe('every task handler run twice with the same input', () => {
  it('has the effect of running once: stock, label, history', async () => {
    await putSeller({ sellerId: 'retry', originCountry: 'US', webhookSecrets: [], releaseMode: 'manual' });
    await setStock('retry', 'MUG', 10);
    const order = newOrder({ sellerId: 'retry', items: [{ sku: 'MUG', quantity: 3 }] });
    await createOrder(order, []);
    const input = { orderId: order.orderId };

    await twice(verifyPayment, input);
    const [hold, holdAgain] = await twice(reserveStock, input);
    expect(hold).toEqual(holdAgain);
    expect(await getStock('retry', 'MUG')).toEqual({ sku: 'MUG', available: 7, reserved: 3 });

    const payload = (hold as { Payload: { reason: string; timeoutSeconds: number } }).Payload;
    await twice(awaitRelease, { orderId: order.orderId, taskToken: 'token-1', ...payload });
    await twice(releaseOrder, input);
    const [label, labelAgain] = await twice(generateLabel, input);
    expect(label).toEqual(labelAgain);
    expect(await getStock('retry', 'MUG')).toEqual({ sku: 'MUG', available: 7, reserved: 0 });
    await twice(pollDelivery, input);

    const stored = await getOrder(order.orderId);
    expect(stored!.history.map((entry) => entry.status)).toEqual([
      'PENDING',
      'PAYMENT_VERIFIED',
      'STOCK_RESERVED',
      'ON_HOLD',
      'RELEASED',
      'SHIPPED',
      'IN_TRANSIT',
    ]);
    expect(stored!.shipment!.trackingNumber).toMatch(/^SBX/);
    expect(stored!.hold).not.toHaveProperty('taskToken');
    expect((await orderItems(order.orderId)).filter((sk) => sk === 'LABEL')).toHaveLength(1);
  });

  it('mark-status cancelling twice returns the stock once', async () => {
    await putSeller({ sellerId: 'retry2', originCountry: 'US', webhookSecrets: [] });
    await setStock('retry2', 'MUG', 10);
    const order = newOrder({ sellerId: 'retry2', items: [{ sku: 'MUG', quantity: 4 }] });
    await createOrder(order, []);
    await verifyPayment({ orderId: order.orderId }, lambdaContext());
    await reserveStock({ orderId: order.orderId }, lambdaContext());

    await twice(markStatus, { orderId: order.orderId, status: 'CANCELLED', reason: 'hold_expired' });

    expect(await getStock('retry2', 'MUG')).toEqual({ sku: 'MUG', available: 10, reserved: 0 });
    const history = (await getOrder(order.orderId))!.history;
    expect(history.filter((entry) => entry.status === 'CANCELLED')).toEqual([
      expect.objectContaining({ reason: 'hold_expired', actor: 'workflow' }),
    ]);
  });

  it("mark-status recording a retried release's failure twice records it once", async () => {
    await putSeller({ sellerId: 'retry3', originCountry: 'US', webhookSecrets: [] });
    await setStock('retry3', 'MUG', 10);
    const order = newOrder({ sellerId: 'retry3', items: [{ sku: 'MUG', quantity: 1 }] });
    await createOrder(order, []);
    await verifyPayment({ orderId: order.orderId }, lambdaContext());
    await reserveStock({ orderId: order.orderId }, lambdaContext());
    await markStatus(
      { orderId: order.orderId, status: 'FAILED_TO_RELEASE', reason: 'address_undeliverable' },
      lambdaContext(),
    );
    await claimRetry((await getOrder(order.orderId))!);

    await twice(markStatus, { orderId: order.orderId, status: 'FAILED_TO_RELEASE', reason: 'still bad' });

    const stored = (await getOrder(order.orderId))!;
    expect(stored.release).toEqual({ failureReason: 'still bad' });
    expect(stored.history.filter((entry) => entry.status === 'FAILED_TO_RELEASE')).toEqual([
      expect.objectContaining({ reason: 'address_undeliverable' }),
      expect.objectContaining({ reason: 'still bad', actor: 'workflow' }),
    ]);
  });
});
