import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DAY_MS, HOUR_MS, MINUTE_MS, scaledMs } from '../shared/clock.js';
import type { Order } from '../shared/domain/order.js';
import type { OrderStatus } from '../shared/domain/status.js';
import { logger, metrics, publishMetrics } from '../shared/logger.js';
import { fromItem, getOrder, queryIndex, updateOrder } from '../shared/store/orders.js';
import { INDEXES, OPEN_SHARDS } from '../shared/store/schema.js';
import { getSellerCached } from '../shared/store/sellers.js';
import { executionName, isExecutionRunning, startExecution, type ResumeAt } from '../shared/workflow.js';

/** Where a workflow that vanished picks up again; every task it re-enters is idempotent. */
const RESUME_AT: Partial<Record<OrderStatus, ResumeAt | 'start'>> = {
  PENDING: 'start',
  PAYMENT_VERIFIED: 'ReserveStock',
  STOCK_RESERVED: 'ReserveStock',
  ON_HOLD: 'ReserveStock',
  RELEASED: 'ReleaseOrder',
  SHIPPED: 'ReleaseOrder',
  IN_TRANSIT: 'ReleaseOrder',
};

/**
 * Where the sweeper picks an order up again, if it does. OUT_OF_STOCK and FAILED_TO_RELEASE wait for the
 * seller (restock or fix, then retry), but a FAILED_TO_RELEASE order without its failure reason is a
 * seller's retry that claimed the failure and whose run then ended without an outcome (it never started,
 * or it failed): the seller can no longer retry it, so the sweeper finishes the retry.
 */
export function resumePoint(order: Pick<Order, 'status' | 'release'>): ResumeAt | 'start' | undefined {
  if (order.status === 'FAILED_TO_RELEASE') return order.release?.failureReason ? undefined : 'ReleaseOrder';
  return RESUME_AT[order.status];
}
const BEFORE_RELEASE: readonly OrderStatus[] = ['PENDING', 'PAYMENT_VERIFIED', 'STOCK_RESERVED', 'ON_HOLD'];
/**
 * A workflow gets this long after its last write before the sweeper calls it stuck; never less than a
 * real minute, however fast simulated time runs, so an order between its write and its start is left be.
 */
export const STUCK_AFTER_MS = 15 * MINUTE_MS;
const stuckAfterMs = () => Math.max(scaledMs(STUCK_AFTER_MS), MINUTE_MS);
/** A parcel this long past the carrier's estimate is overdue. */
export const OVERDUE_AFTER_MS = 2 * DAY_MS;

export interface SweepReport {
  checked: number;
  resumed: string[];
  late: string[];
  overdue: string[];
}

async function openOrders(): Promise<Order[]> {
  const orders: Order[] = [];
  for (let shard = 0; shard < OPEN_SHARDS; shard++) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await queryIndex(INDEXES.open, `OPEN#${shard}`, 500, startKey);
      orders.push(...page.items.map(fromItem));
      startKey = page.lastKey;
    } while (startKey);
  }
  return orders;
}

async function resume(order: Order, now: number): Promise<boolean> {
  const resumeAt = resumePoint(order);
  if (!resumeAt || now - Date.parse(order.updatedAt) < stuckAfterMs()) return false;
  if (await isExecutionRunning(order.workflow.executionName)) return false;
  const attempt = order.workflow.attempt + 1;
  const name = executionName(order.orderId, attempt);
  // The status condition keeps a concurrent seller action and this resume from both starting a run.
  await updateOrder(
    order.orderId,
    { workflow: { executionName: name, attempt, startedAt: new Date(now).toISOString() } },
    {
      status: [order.status],
    },
  );
  await startExecution(order, attempt, resumeAt === 'start' ? undefined : resumeAt);
  logger.warn('resumed a stuck order', { orderId: order.orderId, status: order.status, execution: name });
  return true;
}

async function flag(order: Order, now: number, report: SweepReport): Promise<void> {
  const seller = await getSellerCached(order.sellerId);
  const slaMs = scaledMs((seller?.releaseSlaHours ?? 24) * HOUR_MS);
  if (BEFORE_RELEASE.includes(order.status) && now - Date.parse(order.createdAt) > slaMs) {
    report.late.push(order.orderId);
  }
  const estimate = order.shipment?.estimatedDeliveryAt;
  if ((order.status === 'SHIPPED' || order.status === 'IN_TRANSIT') && estimate) {
    if (now - Date.parse(estimate) > scaledMs(OVERDUE_AFTER_MS)) report.overdue.push(order.orderId);
  }
}

/** One sweep over every open order: resume vanished workflows, flag late releases and overdue parcels. */
export async function sweep(now = Date.now()): Promise<SweepReport> {
  const report: SweepReport = { checked: 0, resumed: [], late: [], overdue: [] };
  for (const order of await openOrders()) {
    report.checked++;
    const current = (await getOrder(order.orderId)) ?? order;
    try {
      if (await resume(current, now)) report.resumed.push(current.orderId);
      await flag(current, now, report);
    } catch (error) {
      logger.error('sweeping an order failed', { orderId: current.orderId, error: error as Error });
    }
  }
  metrics.addMetric('StuckOrders', 'Count', report.resumed.length);
  metrics.addMetric('LateOrders', 'Count', report.late.length);
  metrics.addMetric('OverdueDeliveries', 'Count', report.overdue.length);
  if (report.late.length || report.overdue.length) {
    logger.warn('late or overdue orders', { late: report.late, overdue: report.overdue });
  }
  return report;
}

export const handler = middy()
  .use(injectLambdaContext(logger))
  .use(publishMetrics(metrics))
  .handler(async () => sweep());
