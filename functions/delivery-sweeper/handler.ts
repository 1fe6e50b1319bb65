import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import type { Order } from '../shared/domain/order.js';
import { isTerminal, OPEN_STATUSES, type OrderStatus } from '../shared/domain/status.js';
import { nextLook, overdueAt, releaseDeadline, stuckAfterMs } from '../shared/domain/sweep-schedule.js';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics, publishMetrics } from '../shared/logger.js';
import {
  countNotDue,
  dueOrderIds,
  lookAt,
  readOpenOrders,
  scheduleLook,
  type DueOrder,
  type StatusCounts,
  type SweptOrder,
} from '../shared/store/open-orders.js';
import { updateOrder } from '../shared/store/orders.js';
import { OPEN_SHARDS } from '../shared/store/schema.js';
import { getSeller } from '../shared/store/sellers.js';
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
export function resumePoint(order: {
  status: OrderStatus;
  release?: Order['release'] | undefined;
}): ResumeAt | 'start' | undefined {
  if (order.status === 'FAILED_TO_RELEASE') return order.release?.failureReason ? undefined : 'ReleaseOrder';
  return RESUME_AT[order.status];
}
/** Index entries per query page: also BatchGetItem's limit, so one page is one read of the orders. */
const PAGE_SIZE = 100;
/** Orders looked at once per shard: with the shards in parallel, 32 calls in flight at most. */
const LOOKS_PER_SHARD = 4;
/** The sweep starts no new work this close to the Lambda's timeout; what is left stays due for the next. */
export const TIME_MARGIN_MS = 20_000;

export interface SweepReport {
  /** Index entries read: orders that were due. */
  read: number;
  /** Orders looked at: still open and still due when read from the table. */
  checked: number;
  resumed: string[];
  late: string[];
  overdue: string[];
  /** False when the sweep ran out of time; the next one starts with what is still due. */
  complete: boolean;
  /**
   * Open orders per status, counted from the index entries the sweep read (its due part, then the rest
   * of each shard): absent when a shard was not read to its end, so no partial count is published.
   */
  open?: Partial<Record<OrderStatus, number>>;
}

export interface SweepOptions {
  /** How long the sweep may still start work (ms); the handler's is the Lambda's remaining time less a margin. */
  timeLeftMs?: () => number;
}

async function resume(order: SweptOrder, now: number): Promise<boolean> {
  const resumeAt = resumePoint(order);
  if (!resumeAt || now - Date.parse(order.updatedAt) < stuckAfterMs()) return false;
  if (await isExecutionRunning(order.workflow.executionName)) return false;
  const attempt = order.workflow.attempt + 1;
  const name = executionName(order.orderId, attempt);
  // The status condition keeps a concurrent seller action and this resume from both starting a run; the
  // execution's name keeps two sweeps from both starting one. The resumed run gets its own first look.
  await updateOrder(
    order.orderId,
    {
      workflow: { executionName: name, attempt, startedAt: new Date(now).toISOString() },
      ...lookAt(order.orderId, now + stuckAfterMs()),
    },
    { status: [order.status] },
  );
  await startExecution(order, attempt, resumeAt === 'start' ? undefined : resumeAt);
  logger.warn('resumed a stuck order', { orderId: order.orderId, status: order.status, execution: name });
  return true;
}

/**
 * One sweep's state: what it found, and each seller's release SLA, read once per sweep: fresh each sweep (a
 * changed SLA applies at the next one), never from the request path's cache of another invocation.
 */
interface Sweep {
  now: number;
  report: SweepReport;
  outOfTime: () => boolean;
  slaHours: Map<string, Promise<number | undefined>>;
  /** Statuses of the index entries read so far, every shard's. */
  counts: StatusCounts;
}

function slaHoursOf(state: Sweep, sellerId: string): Promise<number | undefined> {
  let hours = state.slaHours.get(sellerId);
  if (!hours) {
    hours = getSeller(sellerId).then((seller) => seller?.releaseSlaHours);
    state.slaHours.set(sellerId, hours);
  }
  return hours;
}

/** One due order: flag it if late or overdue, resume its workflow if it vanished, or book its next look. */
async function look(entry: DueOrder, state: Sweep): Promise<void> {
  const { order } = entry;
  const { now, report } = state;
  // A status write since the index was read moved it on.
  if (isTerminal(order.status) || entry.dueAt > now) return;
  report.checked++;
  try {
    const slaHours = await slaHoursOf(state, order.sellerId);
    if (now > (releaseDeadline(order, slaHours) ?? Infinity)) report.late.push(order.orderId);
    if (now > (overdueAt(order) ?? Infinity)) report.overdue.push(order.orderId);
    if (await resume(order, now)) report.resumed.push(order.orderId);
    else await scheduleLook(entry, nextLook(order, now, slaHours));
  } catch (error) {
    // Left due: the next sweep tries it again.
    logger.error('sweeping an order failed', { orderId: order.orderId, error: error as Error });
  }
}

/** Runs `task` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function sweepShard(shard: number, state: Sweep) {
  const { now, report, outOfTime } = state;
  // The shard's orders not yet due, counted before any look here moves a due order among them: with the
  // due part the loop below reads, every entry of the shard is read (and counted) once.
  await countNotDue(shard, now, state.counts);
  let startKey: Record<string, unknown> | undefined;
  do {
    if (outOfTime()) return void (report.complete = false);
    const page = await dueOrderIds(shard, now, PAGE_SIZE, startKey, state.counts);
    report.read += page.orderIds.length;
    await eachLimited(await readOpenOrders(page.orderIds), LOOKS_PER_SHARD, async (entry) => {
      if (outOfTime()) return void (report.complete = false);
      await look(entry, state);
    });
    startKey = page.lastKey;
  } while (startKey);
}

/**
 * One sweep over the open orders that are due (the Open index is sorted by when each next needs a
 * look), all shards at once: resume vanished workflows, flag late releases and overdue parcels, and book
 * each order's next look. Each look moves its order out of the due range, so a sweep cut short leaves
 * exactly the orders it did not reach due for the next one, longest due first.
 */
export async function sweep(now = Date.now(), options: SweepOptions = {}): Promise<SweepReport> {
  const report: SweepReport = { read: 0, checked: 0, resumed: [], late: [], overdue: [], complete: true };
  const outOfTime = () => (options.timeLeftMs?.() ?? Infinity) <= 0;
  const state: Sweep = { now, report, outOfTime, slaHours: new Map(), counts: new Map() };
  const shards = await Promise.allSettled(
    Array.from({ length: OPEN_SHARDS }, (_, shard) => sweepShard(shard, state)),
  );
  // A shard that failed (throttled, say) stays due; the others' work stands.
  for (const [shard, result] of shards.entries()) {
    if (result.status === 'fulfilled') continue;
    report.complete = false;
    logger.error('sweeping a shard failed', { shard, error: result.reason as Error });
  }
  metrics.addMetric('StuckOrders', 'Count', report.resumed.length);
  metrics.addMetric('LateOrders', 'Count', report.late.length);
  metrics.addMetric('OverdueDeliveries', 'Count', report.overdue.length);
  if (report.complete) {
    report.open = Object.fromEntries(OPEN_STATUSES.map((status) => [status, state.counts.get(status) ?? 0]));
    publishOpenOrders(report.open);
  }
  logger.info('swept', { read: report.read, checked: report.checked, complete: report.complete });
  if (!report.complete) logger.warn('the sweep ran out of time; the next one carries on');
  if (report.late.length || report.overdue.length) {
    logger.warn('late or overdue orders', { late: report.late, overdue: report.overdue });
  }
  return report;
}

/**
 * The open-orders gauge, one metric per open status (dimension `status`; zero too, so a status that
 * empties shows as such). A sweep cut short publishes none: a gap in the graph, not a wrong figure.
 */
function publishOpenOrders(open: Partial<Record<OrderStatus, number>>): void {
  for (const [status, count] of Object.entries(open)) {
    const gauge = metrics.singleMetric();
    gauge.addDimension('status', status);
    gauge.addMetric('OpenOrders', MetricUnit.Count, count);
  }
}

export const handler = middy<unknown, SweepReport, Error, Context>()
  .use(injectLambdaContext(logger))
  .use(publishMetrics(metrics))
  .handler(async (_event, context) =>
    sweep(Date.now(), { timeLeftMs: () => context.getRemainingTimeInMillis() - TIME_MARGIN_MS }),
  );
