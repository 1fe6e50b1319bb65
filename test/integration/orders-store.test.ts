import { beforeAll, describe, expect, it } from 'vitest';
import { getOrder, updateOrder } from '../../functions/shared/store/orders.js';
import { IllegalTransitionError } from '../../functions/shared/errors.js';
import { orderIn } from '../support/order-states.js';
import { seedSellers } from '../support/sellers.js';

beforeAll(seedSellers);

describe('updateOrder', () => {
  it('sets fields with no status condition (DynamoDB refuses an expression name it does not use)', async () => {
    const order = await orderIn('ON_HOLD');

    const updated = await updateOrder(order.orderId, { notes: 'gift wrap' });

    expect(updated).toMatchObject({ orderId: order.orderId, status: 'ON_HOLD', notes: 'gift wrap' });
    expect(await getOrder(order.orderId)).toMatchObject({ notes: 'gift wrap' });
  });

  it('sets nothing when the order is not in a status the condition names', async () => {
    const order = await orderIn('ON_HOLD');

    await expect(updateOrder(order.orderId, { notes: 'late' }, { status: ['RELEASED'] })).rejects.toThrow(
      IllegalTransitionError,
    );
    expect((await getOrder(order.orderId))?.notes).toBe(order.notes);
  });
});
