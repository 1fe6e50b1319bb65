import { randomBytes } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { nowIso } from '../shared/clock.js';
import {
  orderTotal,
  regionOf,
  type Order,
  type OrderInput,
  type OrderSource,
} from '../shared/domain/order.js';
import type { Seller } from '../shared/domain/seller.js';
import { logger, metrics } from '../shared/logger.js';
import { markWorkflowStarted } from '../shared/store/executions.js';
import { getStock } from '../shared/store/inventory.js';
import { createOrder, findByIdempotency } from '../shared/store/orders.js';
import { executionName, startExecution } from '../shared/workflow.js';
import { badRequest, type FieldProblem } from './http.js';

/**
 * Order intake, shared by both webhooks and the seller's manual create: one order per storefront order,
 * however many times (and however concurrently) it is delivered.
 */

export const newOrderId = (): string => `ord_${randomBytes(12).toString('hex')}`;

/** Idempotency scopes: each names one way the same order can arrive twice. */
export const scopes = {
  shopifyWebhook: (sellerId: string, webhookId: string) => `shopify-webhook#${sellerId}#${webhookId}`,
  external: (sellerId: string, source: OrderSource, externalOrderId: string) =>
    `external#${sellerId}#${source}#${externalOrderId}`,
  idempotencyKey: (sellerId: string, key: string) => `idempotency-key#${sellerId}#${key}`,
};

export interface Intake {
  seller: Pick<Seller, 'sellerId' | 'originCountry'>;
  source: OrderSource;
  input: OrderInput;
  scopes: string[];
  externalOrderName?: string;
  financialStatus?: string;
  /** Where SKU problems are reported, e.g. Shopify's `line_items`. */
  itemsField?: string;
}

export interface IntakeResult {
  order: Order;
  duplicate: boolean;
}

async function requireKnownSkus(sellerId: string, input: OrderInput, itemsField: string): Promise<void> {
  // One read per SKU, all at once: they are independent, and each is a round trip on the request's path.
  const skus = [...new Set(input.items.map((line) => line.sku))];
  const stocks = await Promise.all(skus.map((sku) => getStock(sellerId, sku)));
  const known = new Map(skus.map((sku, index) => [sku, stocks[index] !== undefined]));
  const problems: FieldProblem[] = input.items.flatMap((line, index) =>
    known.get(line.sku) ? [] : [{ field: `${itemsField}.${index}.sku`, message: `unknown SKU ${line.sku}` }],
  );
  if (problems.length)
    throw badRequest('unknown_sku', 'the order names SKUs this seller does not stock', problems);
}

function buildOrder(intake: Intake): Order {
  const { seller, source, input } = intake;
  const orderId = newOrderId();
  const at = nowIso();
  return {
    ...input,
    ...(intake.externalOrderName ? { externalOrderName: intake.externalOrderName } : {}),
    orderId,
    sellerId: seller.sellerId,
    source,
    payment: {
      ...input.payment,
      ...(intake.financialStatus ? { financialStatus: intake.financialStatus } : {}),
    },
    total: orderTotal(input.items),
    region: regionOf(input.shippingAddress, seller.originCountry),
    status: 'PENDING',
    createdAt: at,
    updatedAt: at,
    history: [{ status: 'PENDING', at, actor: source === 'api' ? 'seller' : 'storefront' }],
    workflow: { executionName: executionName(orderId, 1), attempt: 1 },
  };
}

/**
 * Starts the first execution of an order that has none recorded: right after it is written, or when a
 * repeat finds an order whose writer stopped between the write and the start. The execution is named
 * after the order, so starting it twice runs it once.
 */
async function ensureStarted(order: Order): Promise<Order> {
  if (order.workflow.startedAt || order.workflow.attempt !== 1) return order;
  const { started } = await startExecution(order);
  const startedAt = nowIso();
  await markWorkflowStarted(order.orderId, order.workflow.executionName);
  if (started) logger.info('workflow started', { orderId: order.orderId });
  return { ...order, workflow: { ...order.workflow, startedAt } };
}

export async function receiveOrder(intake: Intake): Promise<IntakeResult> {
  // The repeat lookup and the SKU check are independent reads: made at once, they cost the request one
  // round trip instead of two. A repeat is still answered from its first delivery, whatever the check says.
  const skuCheck = requireKnownSkus(intake.seller.sellerId, intake.input, intake.itemsField ?? 'items').then(
    () => undefined,
    (error: unknown) => ({ error }),
  );
  const existing = await findByIdempotency(intake.scopes);
  const skuProblem = await skuCheck;
  if (existing) return repeat(existing);
  if (skuProblem) throw skuProblem.error;
  const { order, duplicate } = await createOrder(buildOrder(intake), intake.scopes);
  if (duplicate) return repeat(order);
  metrics.addMetric('OrdersReceived', MetricUnit.Count, 1);
  logger.info('order received', { orderId: order.orderId, source: order.source });
  return { order: await ensureStarted(order), duplicate: false };
}

async function repeat(order: Order): Promise<IntakeResult> {
  metrics.addMetric('OrdersDeduplicated', MetricUnit.Count, 1);
  return { order: await ensureStarted(order), duplicate: true };
}
