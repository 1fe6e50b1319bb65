import { createHash, randomBytes } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { nowIso } from '../shared/clock.js';
import { orderTotal, ships } from '../shared/domain/lines.js';
import { normalizeAmount } from '../shared/domain/money.js';
import {
  regionOf,
  type Order,
  type OrderInput,
  type OrderSource,
  type StorefrontDigest,
} from '../shared/domain/order.js';
import type { Seller } from '../shared/domain/seller.js';
import { logger, metrics } from '../shared/logger.js';
import { isStocked } from '../shared/store/inventory.js';
import { orderIdFor } from '../shared/store/idempotency.js';
import { createOrder, type IdempotencyMatch } from '../shared/store/orders.js';
import { executionName, startExecution } from '../shared/workflow.js';
import { badRequest, type FieldProblem } from './http.js';

/**
 * Order intake, shared by both webhooks and the seller's manual create: one order per storefront order,
 * however many times (and however concurrently) it is delivered.
 */

export const newOrderId = (): string => `ord_${randomBytes(12).toString('hex')}`;

const digest = (value: unknown) =>
  createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);

/** What a storefront said of the parts of an order it may later change (see Order.storefrontDigest). */
export function storefrontDigest(
  input: Pick<OrderInput, 'shippingAddress' | 'customer' | 'items'>,
): StorefrontDigest {
  return {
    address: digest(input.shippingAddress),
    name: digest(input.customer.name),
    lines: digest(input.items),
  };
}

export interface Intake {
  seller: Pick<Seller, 'sellerId' | 'originCountry'> & Partial<Pick<Seller, 'paymentWaitHours'>>;
  source: OrderSource;
  input: OrderInput;
  /**
   * How a repeat is recognised (see store/idempotency.ts): the scope the order's id derives from (the
   * webhooks: the storefront's order id), or idempotency records (the seller API).
   */
  dedupe: { idFrom: string } | { records: string[]; requestDigest?: string };
  externalOrderName?: string;
  financialStatus?: string;
  /** A storefront's test order, marked as such. */
  test?: boolean;
  storefrontUpdatedAt?: string;
}

export interface IntakeResult {
  order: Order;
  duplicate: boolean;
  /** For a repeat found by an idempotency scope: which one, and the first request's digest. */
  dedupedBy?: IdempotencyMatch;
}

/**
 * The seller API's check that every SKU is stocked: a person reads its 400. The webhooks store the order
 * whatever its SKUs, and the workflow parks it (`unknown_sku`) until the seller stocks or maps them.
 */
export async function requireKnownSkus(sellerId: string, input: OrderInput): Promise<void> {
  // At most one read per SKU, all at once; a SKU seen before costs none.
  const skus = [...new Set(input.items.filter(ships).map((line) => line.sku))];
  const stocked = await Promise.all(skus.map((sku) => isStocked(sellerId, sku)));
  const known = new Map(skus.map((sku, index) => [sku, stocked[index]]));
  const problems: FieldProblem[] = input.items.flatMap((line, index) =>
    !ships(line) || known.get(line.sku)
      ? []
      : [{ field: `items.${index}.sku`, message: `unknown SKU ${line.sku}` }],
  );
  if (problems.length)
    throw badRequest('unknown_sku', 'the order names SKUs this seller does not stock', problems);
}

function buildOrder(intake: Intake): Order {
  const { seller, source, input } = intake;
  const orderId = 'idFrom' in intake.dedupe ? orderIdFor(intake.dedupe.idFrom) : newOrderId();
  const at = nowIso();
  const currency = input.currency;
  const items = input.items.map((line) => ({
    ...line,
    unitPrice: normalizeAmount(line.unitPrice, currency),
  }));
  return {
    ...input,
    items,
    ...(intake.externalOrderName ? { externalOrderName: intake.externalOrderName } : {}),
    ...(intake.test ? { test: true } : {}),
    ...(intake.storefrontUpdatedAt ? { storefrontUpdatedAt: intake.storefrontUpdatedAt } : {}),
    ...(source === 'api' ? {} : { storefrontDigest: storefrontDigest(input) }),
    orderId,
    sellerId: seller.sellerId,
    source,
    payment: {
      ...input.payment,
      amount: normalizeAmount(input.payment.amount, currency),
      ...(intake.financialStatus ? { financialStatus: intake.financialStatus } : {}),
    },
    total: orderTotal(items, currency),
    region: regionOf(input.shippingAddress, seller.originCountry),
    status: 'PENDING',
    createdAt: at,
    updatedAt: at,
    history: [{ status: 'PENDING', at, actor: source === 'api' ? 'seller' : 'storefront' }],
    workflow: { executionName: executionName(orderId, 1), attempt: 1 },
  };
}

/**
 * Starts the order's first execution: right after it is written, and again on every repeat, so a writer
 * that stopped between the write and the start is recovered by the next delivery. The execution is named
 * after the order, so starting it again never runs it twice (a finished or retried one is left alone).
 */
async function ensureStarted(order: Order, paymentWaitHours?: number): Promise<void> {
  if (order.workflow.attempt !== 1) return;
  const { started } = await startExecution(order, 1, undefined, paymentWaitHours);
  if (started) logger.info('workflow started', { orderId: order.orderId });
}

export async function receiveOrder(intake: Intake): Promise<IntakeResult> {
  // No read before the write: the order's write claims its id and idempotency records, and only when
  // one is taken does createOrder read whose it is. A new order costs one DynamoDB write.
  const { records = [], requestDigest } = 'records' in intake.dedupe ? intake.dedupe : {};
  const { order, duplicate, dedupedBy } = await createOrder(buildOrder(intake), records, requestDigest);
  const waitHours = intake.seller.paymentWaitHours;
  if (duplicate) return { ...(await repeat(order, waitHours)), ...(dedupedBy ? { dedupedBy } : {}) };
  metrics.addMetric('OrdersReceived', MetricUnit.Count, 1);
  logger.info('order received', { orderId: order.orderId, source: order.source });
  await ensureStarted(order, waitHours);
  return { order, duplicate: false };
}

async function repeat(order: Order, paymentWaitHours?: number): Promise<IntakeResult> {
  metrics.addMetric('OrdersDeduplicated', MetricUnit.Count, 1);
  await ensureStarted(order, paymentWaitHours);
  return { order, duplicate: true };
}
