import { describe, expect, it } from 'vitest';
import { handler as markStatus } from '../../functions/mark-status/handler.js';
import { handler as reserveStock } from '../../functions/reserve-stock/handler.js';
import { getStock, setStock } from '../../functions/shared/store/inventory.js';
import { createOrder, getOrder, transition } from '../../functions/shared/store/orders.js';
import { putSeller } from '../../functions/shared/store/seller-admin.js';
import { lambdaContext } from '../support/lambda.js';
import { newOrder } from '../support/orders.js';

describe('200 orders at once for 50 units', () => {
  it('reserves exactly 50, leaves 150 out of stock, and never goes below zero', async () => {
    await putSeller({ sellerId: 'busy', originCountry: 'US', webhookSecrets: [] });
    await setStock('busy', 'HOT', 50);
    const orders = Array.from({ length: 200 }, () =>
      newOrder({ sellerId: 'busy', items: [{ sku: 'HOT', quantity: 1 }] }),
    );
    await Promise.all(orders.map((order) => createOrder(order, [])));
    await Promise.all(
      orders.map((order) => transition(order.orderId, 'PAYMENT_VERIFIED', { actor: 'workflow' })),
    );

    const outcomes = await Promise.allSettled(
      orders.map((order) => reserveStock({ orderId: order.orderId }, lambdaContext())),
    );
    // What the state machine's Catch does with each OutOfStock.
    await Promise.all(
      outcomes.map((outcome, index) =>
        outcome.status === 'rejected'
          ? markStatus(
              {
                orderId: orders[index]!.orderId,
                status: 'OUT_OF_STOCK',
                error: { Error: 'OutOfStock', Cause: String(outcome.reason) },
              },
              lambdaContext(),
            )
          : undefined,
      ),
    );

    const rejected = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(rejected.map((outcome) => (outcome as PromiseRejectedResult).reason.name)).toEqual(
      Array(150).fill('OutOfStock'),
    );
    expect(await getStock('busy', 'HOT')).toEqual({ sku: 'HOT', available: 0, reserved: 50 });
    const statuses = await Promise.all(orders.map(async (order) => (await getOrder(order.orderId))!.status));
    expect(statuses.filter((status) => status === 'STOCK_RESERVED')).toHaveLength(50);
    expect(statuses.filter((status) => status === 'OUT_OF_STOCK')).toHaveLength(150);
  });
});
