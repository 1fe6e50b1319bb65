import { describe, expect, it } from 'vitest';
import {
  reserveStock,
  setStock,
  getStock,
  transitionWithStock,
} from '../../functions/shared/store/inventory.js';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../../functions/shared/clients.js';
import type { Order } from '../../functions/shared/domain/order.js';
import {
  applyTransition,
  createOrder,
  fromItem,
  getOrder,
  transition,
  transitionUpdate,
  type TransitionOptions,
} from '../../functions/shared/store/orders.js';
import { newOrder } from '../support/orders.js';

describe('applyTransition', () => {
  it('builds the order exactly as DynamoDB leaves it after the same update, sets and removes included', async () => {
    const order: Order = {
      ...newOrder({ sellerId: 's0' }),
      status: 'STOCK_RESERVED',
      hold: { reason: 'manual', taskToken: 'token-1', since: '2026-01-01T00:00:00.000Z' },
    } as Order;
    await createOrder(order, []);
    const options: TransitionOptions = {
      actor: 'seller',
      reason: 'released by hand',
      set: { release: { by: 'seller', note: 'ok' } },
      remove: ['hold.taskToken'],
    };
    const update = transitionUpdate(order, 'RELEASED', options);

    const { Attributes } = await documents.send(new UpdateCommand({ ...update, ReturnValues: 'ALL_NEW' }));

    expect(applyTransition(order, update, options)).toEqual(fromItem(Attributes!));
  });
});

describe('stock reservation against DynamoDB Local', () => {
  it('reserves all lines in one transaction and returns them on cancel', async () => {
    await setStock('s1', 'MUG', 5);
    await setStock('s1', 'TEE', 1);
    const order = newOrder({
      sellerId: 's1',
      items: [
        { sku: 'MUG', quantity: 2 },
        { sku: 'TEE', quantity: 1 },
      ],
    });
    await createOrder(order, []);
    await transition(order.orderId, 'PAYMENT_VERIFIED', { actor: 'workflow' });

    const returned = await reserveStock(order.orderId);
    // The transaction cannot return the order: the one returned is built from the read and the update.
    expect(returned).toEqual(await getOrder(order.orderId));
    await reserveStock(order.orderId); // a retried Lambda

    expect(await getStock('s1', 'MUG')).toEqual({ sku: 'MUG', available: 3, reserved: 2 });
    expect(await getStock('s1', 'TEE')).toEqual({ sku: 'TEE', available: 0, reserved: 1 });
    const reserved = await getOrder(order.orderId);
    expect(reserved?.history.map((entry) => entry.status)).toEqual([
      'PENDING',
      'PAYMENT_VERIFIED',
      'STOCK_RESERVED',
    ]);

    const cancelled = await transitionWithStock(order.orderId, 'CANCELLED', {
      actor: 'seller',
      reason: 'customer asked',
      stock: 'return',
    });
    expect(cancelled).toEqual(await getOrder(order.orderId));
    expect(cancelled.history.at(-1)).toMatchObject({
      status: 'CANCELLED',
      actor: 'seller',
      reason: 'customer asked',
    });
    await transitionWithStock(order.orderId, 'CANCELLED', { actor: 'seller', stock: 'return' });
    expect(await getStock('s1', 'MUG')).toEqual({ sku: 'MUG', available: 5, reserved: 0 });
    expect(await getStock('s1', 'TEE')).toEqual({ sku: 'TEE', available: 1, reserved: 0 });
  });

  it('reserves nothing when one line is short', async () => {
    await setStock('s2', 'A', 5);
    await setStock('s2', 'B', 0);
    const order = newOrder({
      sellerId: 's2',
      items: [
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 1 },
      ],
    });
    await createOrder(order, []);
    await transition(order.orderId, 'PAYMENT_VERIFIED', { actor: 'workflow' });

    await expect(reserveStock(order.orderId)).rejects.toMatchObject({ name: 'OutOfStock', skus: ['B'] });

    expect(await getStock('s2', 'A')).toEqual({ sku: 'A', available: 5, reserved: 0 });
    expect((await getOrder(order.orderId))?.status).toBe('PAYMENT_VERIFIED');
  });
});
