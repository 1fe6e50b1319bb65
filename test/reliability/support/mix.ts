import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { expect } from 'vitest';
import type { Order, OrderInput, ShippingMethod } from '../../../functions/shared/domain/order.js';
import type { OrderStatus } from '../../../functions/shared/domain/status.js';
import { localDynamoClient } from '../../../infra/local/services.js';
import { sampleOrder, type OrderflowClient } from '../../../scripts/lib/client.js';
import { stockOf } from './api.js';

/** The kinds of order a run mixes, each with the sandbox rule that decides its final status. */
export type Kind = 'happy' | 'declined' | 'lost' | 'outOfStock' | 'undeliverable';

export const FINAL_STATUS: Record<Kind, OrderStatus> = {
  happy: 'DELIVERED',
  declined: 'PAYMENT_FAILED',
  lost: 'DELIVERY_EXCEPTION',
  outOfStock: 'OUT_OF_STOCK',
  undeliverable: 'FAILED_TO_RELEASE',
};

export interface PlannedOrder {
  kind: Kind;
  input: OrderInput;
}

const METHODS: ShippingMethod[] = ['express', 'standard', 'economy'];

/** One line of one SKU; the rest is a valid sample order. */
function order(sku: string, quantity: number, overrides: Partial<OrderInput> = {}, index = 0): OrderInput {
  const base = sampleOrder();
  return {
    ...base,
    items: [{ sku, productId: `p-${sku}`, name: sku, quantity, unitPrice: '10.00' }],
    payment: { ...base.payment, amount: (10 * quantity).toFixed(2) },
    shippingMethod: METHODS[index % METHODS.length]!,
    ...overrides,
  };
}

const address = (postalCode: string, country = 'US') => ({
  ...sampleOrder().shippingAddress,
  postalCode,
  country,
});

/**
 * `counts` orders of each kind, interleaved: happy ones ship a mug (some abroad), declined ones never
 * touch stock, lost parcels ship a tee, out-of-stock ones ask for more posters than exist, undeliverable
 * ones keep two tees reserved.
 */
export function planOrders(counts: Record<Kind, number>): PlannedOrder[] {
  const byKind = (kind: Kind, make: (index: number) => OrderInput) =>
    Array.from({ length: counts[kind] }, (_, index) => ({ kind, input: make(index) }));
  const groups = [
    byKind('happy', (i) =>
      order('MUG-RED', 1, i % 5 === 0 ? { shippingAddress: address('10115', 'DE') } : {}, i),
    ),
    byKind('declined', (i) =>
      order(
        'MUG-RED',
        1,
        { payment: { provider: 'sandbox', reference: `decline-${i}`, amount: '10.00' } },
        i,
      ),
    ),
    byKind('lost', (i) => order('TEE-BLK-M', 1, { shippingAddress: address('99999') }, i)),
    byKind('outOfStock', (i) => order('POSTER-A2', 11, {}, i)),
    byKind('undeliverable', (i) => order('TEE-BLK-M', 2, { shippingAddress: address('00000') }, i)),
  ];
  const mixed: PlannedOrder[] = [];
  for (let i = 0; mixed.length < groups.reduce((n, g) => n + g.length, 0); i++) {
    for (const group of groups) if (group[i]) mixed.push(group[i]!);
  }
  return mixed;
}

/** What stock must read once every order of `plan` has settled, from what each kind does to stock. */
export function expectedStock(
  plan: readonly PlannedOrder[],
  initial: Record<string, number>,
): Record<string, { available: number; reserved: number }> {
  const stock = Object.fromEntries(
    Object.entries(initial).map(([sku, available]) => [sku, { available, reserved: 0 }]),
  );
  for (const { kind, input } of plan) {
    for (const line of input.items) {
      const sku = stock[line.sku]!;
      if (kind === 'happy' || kind === 'lost') sku.available -= line.quantity;
      if (kind === 'undeliverable') {
        sku.available -= line.quantity;
        sku.reserved += line.quantity;
      }
    }
  }
  return stock;
}

/** Every shipping label in the table, read from DynamoDB Local directly. */
async function labels(dynamoDbEndpoint: string): Promise<{ orderId: string; trackingNumber: string }[]> {
  const client = localDynamoClient(dynamoDbEndpoint);
  const found: { orderId: string; trackingNumber: string }[] = [];
  let startKey: Record<string, never> | undefined;
  try {
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: 'orderflow',
          FilterExpression: 'SK = :label',
          ExpressionAttributeValues: { ':label': { S: 'LABEL' } },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        found.push({
          orderId: item.orderId!.S!,
          trackingNumber: item.label!.M!.trackingNumber!.S!,
        });
      }
      startKey = page.LastEvaluatedKey as Record<string, never> | undefined;
    } while (startKey);
  } finally {
    client.destroy();
  }
  return found;
}

/**
 * The run's outcome as a user sees it over HTTP, plus the labels in the table: each order in its
 * kind's final status, each step once, one label per shipped order, stock exact.
 */
export async function assertOutcome(options: {
  client: OrderflowClient;
  dynamoDbEndpoint: string;
  plan: readonly PlannedOrder[];
  orderIds: readonly string[];
  orders: Map<string, Order>;
  initialStock: Record<string, number>;
}): Promise<void> {
  const { client, plan, orderIds, orders } = options;
  expect(new Set(orderIds).size).toBe(plan.length);
  const wrong = plan
    .map(({ kind }, index) => ({
      kind,
      orderId: orderIds[index]!,
      status: orders.get(orderIds[index]!)!.status,
    }))
    .filter(({ kind, status }) => status !== FINAL_STATUS[kind]);
  expect(wrong).toEqual([]);
  for (const order of orders.values()) {
    const statuses = order.history.map((entry) => entry.status);
    expect(new Set(statuses).size, `${order.orderId}: ${statuses.join(' → ')}`).toBe(statuses.length);
  }

  const shipped = [...orders.values()].filter((order) => order.shipment);
  expect(shipped.map((order) => order.orderId).sort()).toEqual(
    plan
      .map(({ kind }, index) => ({ kind, id: orderIds[index]! }))
      .filter(({ kind }) => kind === 'happy' || kind === 'lost')
      .map(({ id }) => id)
      .sort(),
  );
  const trackingNumbers = shipped.map((order) => order.shipment!.trackingNumber);
  expect(new Set(trackingNumbers).size).toBe(shipped.length);
  const bought = await labels(options.dynamoDbEndpoint);
  expect(bought.length).toBe(shipped.length);
  expect(new Map(bought.map((label) => [label.orderId, label.trackingNumber]))).toEqual(
    new Map(shipped.map((order) => [order.orderId, order.shipment!.trackingNumber])),
  );

  const expected = expectedStock(plan, options.initialStock);
  for (const [sku, figures] of Object.entries(expected)) {
    expect(await stockOf(client, sku), sku).toEqual(figures);
  }
}
