import { randomUUID } from 'node:crypto';
import { sampleOrder } from '../../scripts/lib/client.js';
import { nowIso } from '../../functions/shared/clock.js';
import { orderTotal } from '../../functions/shared/domain/lines.js';
import { orderInputSchema, type Order, type OrderInput } from '../../functions/shared/domain/order.js';

/** A valid generic order body (the demo's sample); override what a test is about. */
export function orderInput(overrides: Partial<OrderInput> & Record<string, unknown> = {}): OrderInput {
  return orderInputSchema.parse(sampleOrder(overrides));
}

/** A stored order in PENDING, as intake writes it. */
export function newOrder(
  options: { sellerId?: string; items?: { sku: string; quantity: number; name?: string }[] } & Partial<
    Omit<OrderInput, 'items'>
  > = {},
): Order {
  const { sellerId = 'demo', items, ...rest } = options;
  const input = orderInput({
    ...rest,
    ...(items
      ? {
          items: items.map((line) => ({
            productId: `p-${line.sku}`,
            name: line.name ?? line.sku,
            unitPrice: '10.00',
            ...line,
          })),
        }
      : {}),
  });
  const orderId = `ord_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
  const at = nowIso();
  return {
    ...input,
    orderId,
    sellerId,
    source: 'api',
    total: orderTotal(input.items, input.currency),
    region: 'domestic',
    status: 'PENDING',
    createdAt: at,
    updatedAt: at,
    history: [{ status: 'PENDING', at, actor: 'seller' }],
    workflow: { executionName: orderId, attempt: 1 },
  };
}
