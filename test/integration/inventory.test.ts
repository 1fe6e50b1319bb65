import { describe, expect, it } from 'vitest';
import {
  reserveStock,
  setStock,
  getStock,
  transitionWithStock,
} from '../../functions/shared/store/inventory.js';
import { createOrder, getOrder, transition } from '../../functions/shared/store/orders.js';
import { newOrder } from '../support/orders.js';

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

    await reserveStock(order.orderId);
    await reserveStock(order.orderId); // a retried Lambda

    expect(await getStock('s1', 'MUG')).toEqual({ sku: 'MUG', available: 3, reserved: 2 });
    expect(await getStock('s1', 'TEE')).toEqual({ sku: 'TEE', available: 0, reserved: 1 });
    const reserved = await getOrder(order.orderId);
    expect(reserved?.history.map((entry) => entry.status)).toEqual([
      'PENDING',
      'PAYMENT_VERIFIED',
      'STOCK_RESERVED',
    ]);

    await transitionWithStock(order.orderId, 'CANCELLED', { actor: 'seller', stock: 'return' });
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
