import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context, EventBridgeEvent, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ENV, requireEnv } from '../shared/config.js';
import type { Order, OrderNotice } from '../shared/domain/order.js';
import type { ShopifyConnection } from '../shared/domain/providers.js';
import type { OrderEvent } from '../shared/events/order-event.js';
import { logger, metrics, publishMetrics } from '../shared/logger.js';
import {
  ShopifyRefusedError,
  ShopifyThrottledError,
  createFulfillment,
  holdFulfillmentOrder,
  readFulfillment,
  readOrderFulfillment,
  updateFulfillmentTracking,
  type ShopifyFulfillment,
  type ShopifyShop,
  type TrackingInfo,
  type UserError,
} from '../shared/providers/shopify-admin.js';
import { delayMessage } from '../shared/queues.js';
import { SHOPIFY_SYNC_MAX_ATTEMPTS, syncRetryDelaySeconds } from '../shared/shopify-sync.js';
import { getOrder } from '../shared/store/orders.js';
import { getProviderCredentials } from '../shared/store/provider-secrets.js';
import { getSellerCached } from '../shared/store/sellers.js';
import {
  addNotice,
  claimFulfillment,
  getShopifySync,
  recordFulfillment,
  releaseClaim,
} from '../shared/store/shopify-sync.js';

/**
 * Sends what happened to a Shopify order back to its shop, from the order events (a rule on the bus
 * puts them on the sync queue): when it ships, one fulfillment with its tracking (`fulfillmentCreate`,
 * the lines Shopify still has to fulfil, the seller's `notifyCustomer`), read back to catch tracking
 * Shopify dropped; when the tracking changes, `fulfillmentTrackingInfoUpdate`; when orderflow cancels it,
 * its fulfillment orders are put on hold with a note. What Shopify refuses is told to the seller as an
 * order notice (history entry and event) and not retried: the same request would be refused again.
 */

/** Longer than the function's 30 s timeout: a claim this old belongs to a worker that died. */
const CLAIM_STALE_MS = 90_000;
/** What a worker that finds another's fresh claim waits before it looks again. */
const CLAIM_BUSY_DELAY_SECONDS = 5;
/** Time kept back from the function's timeout when waiting out a THROTTLED answer. */
const TIMEOUT_MARGIN_MS = 5_000;

type Outcome =
  { kind: 'synced' | 'skipped' | 'refused' } | { kind: 'retry'; delaySeconds: number; throttled?: boolean };

interface Sync {
  order: Order;
  event: OrderEvent;
  shop: ShopifyShop;
  connection: ShopifyConnection;
  waitUntil: number;
}

const sameTracking = (a: TrackingInfo | undefined, b: TrackingInfo) =>
  !!a && a.number === b.number && (a.url ?? null) === (b.url ?? null) && (a.company ?? null) === b.company;

const trackingOf = (fulfillment: ShopifyFulfillment | undefined): TrackingInfo | undefined =>
  fulfillment?.trackingInfo.find((info) => info.number);

const describe = (userErrors: UserError[]) =>
  userErrors
    .map((error) => `${error.field?.join('.') ?? ''}${error.field ? ': ' : ''}${error.message}`)
    .join('; ');

async function notice(sync: Sync, kind: OrderNotice, reason: string, step: string): Promise<void> {
  // A refusal is counted with its outcome (ShopifySyncFailed); dropped tracking here.
  if (await addNotice(sync.order.orderId, kind, reason, `${sync.event.id}:${step}`)) {
    if (kind === 'shopify_tracking_missing') metrics.addMetric('ShopifyTrackingDropped', 'Count', 1);
    logger.warn('Shopify sync notice', { notice: kind, reason });
  }
}

/** Finds the fulfillment an earlier attempt made, or makes it; undefined when Shopify refused. */
async function findOrCreateFulfillment(
  sync: Sync,
  tracking: TrackingInfo,
  claim: { firstClaimedAt: string; retaken: boolean },
): Promise<ShopifyFulfillment | undefined> {
  const { order, shop, waitUntil } = sync;
  const state = await readOrderFulfillment(shop, order.externalOrderId!, { waitUntil });
  if (!state) {
    await notice(
      sync,
      'shopify_sync_failed',
      `${shop.shopDomain} has no order ${order.externalOrderId}`,
      'create',
    );
    return undefined;
  }
  const live = state.fulfillments.filter((fulfillment) => fulfillment.status !== 'CANCELLED');
  // Ours is the one with our tracking number; failing that, after a claim that never recorded its
  // fulfillment, one Shopify made since (its tracking may be what Shopify dropped).
  // (Shopify's clock is not ours: a minute's slack.)
  const ours =
    live.find((fulfillment) => fulfillment.trackingInfo.some((info) => info.number === tracking.number)) ??
    (claim.retaken
      ? live.find(
          (fulfillment) => Date.parse(fulfillment.createdAt) >= Date.parse(claim.firstClaimedAt) - 60_000,
        )
      : undefined);
  if (ours) return ours;

  const open = state.fulfillmentOrders.filter(
    (fo) =>
      ['OPEN', 'IN_PROGRESS'].includes(fo.status) &&
      fo.lineItems.nodes.some((line) => line.remainingQuantity > 0),
  );
  if (!open.length) {
    const statuses = [...new Set(state.fulfillmentOrders.map((fo) => fo.status))].join(', ') || 'none';
    await notice(
      sync,
      'shopify_sync_failed',
      `nothing left to fulfil in Shopify (fulfillment orders: ${statuses}); no fulfillment was created`,
      'create',
    );
    return undefined;
  }
  // One call fulfils fulfillment orders of one location only (Shopify's rule): the parcel's.
  const location = open[0]!.assignedLocation?.location?.id;
  const here = open.filter((fo) => fo.assignedLocation?.location?.id === location);
  const { fulfillment, userErrors } = await createFulfillment(
    shop,
    {
      lineItemsByFulfillmentOrder: here.map((fo) => ({
        fulfillmentOrderId: fo.id,
        fulfillmentOrderLineItems: fo.lineItems.nodes
          .filter((line) => line.remainingQuantity > 0)
          .map((line) => ({ id: line.id, quantity: line.remainingQuantity })),
      })),
      trackingInfo: tracking,
      notifyCustomer: sync.connection.notifyCustomer,
    },
    { waitUntil },
  );
  if (userErrors.length || !fulfillment) {
    await notice(sync, 'shopify_sync_failed', `fulfillmentCreate: ${describe(userErrors)}`, 'create');
    return undefined;
  }
  metrics.addMetric('ShopifyFulfillmentsCreated', 'Count', 1);
  // Read back: some clients have seen Shopify keep a fulfillment and drop its tracking.
  const stored = (await readFulfillment(shop, fulfillment.id, { waitUntil })) ?? fulfillment;
  if (!trackingOf(stored)) {
    await notice(
      sync,
      'shopify_tracking_missing',
      `Shopify kept fulfillment ${fulfillment.id} without the tracking number ${tracking.number}; sending it again`,
      'create',
    );
  }
  return stored;
}

async function sendShipment(sync: Sync): Promise<Outcome> {
  const { order, shop, waitUntil } = sync;
  const shipment = order.shipment!;
  const tracking: TrackingInfo = {
    company: shipment.carrier,
    number: shipment.trackingNumber,
    url: shipment.trackingUrl ?? null,
  };
  let record = await getShopifySync(order.orderId);
  if (!record.fulfillmentId) {
    const claim = await claimFulfillment(order.orderId, CLAIM_STALE_MS);
    if (!claim.claimed) {
      record = await getShopifySync(order.orderId);
      if (!record.fulfillmentId) return { kind: 'retry', delaySeconds: CLAIM_BUSY_DELAY_SECONDS };
    } else {
      let made: ShopifyFulfillment | undefined;
      try {
        made = await findOrCreateFulfillment(sync, tracking, claim);
      } catch (error) {
        await releaseClaim(order.orderId);
        throw error;
      }
      if (!made) {
        await releaseClaim(order.orderId);
        return { kind: 'refused' };
      }
      const kept = trackingOf(made);
      await recordFulfillment(order.orderId, made.id, kept);
      record = { fulfillmentId: made.id, ...(kept ? { tracking: kept } : {}) };
    }
  }
  if (sameTracking(record.tracking, tracking)) return { kind: 'synced' };

  const { fulfillment, userErrors } = await updateFulfillmentTracking(
    shop,
    {
      fulfillmentId: record.fulfillmentId!,
      trackingInfoInput: tracking,
      notifyCustomer: sync.connection.notifyCustomer,
    },
    { waitUntil },
  );
  if (userErrors.length || !fulfillment) {
    await notice(
      sync,
      'shopify_sync_failed',
      `fulfillmentTrackingInfoUpdate: ${describe(userErrors)}`,
      'tracking',
    );
    return { kind: 'refused' };
  }
  const kept = trackingOf((await readFulfillment(shop, fulfillment.id, { waitUntil })) ?? fulfillment);
  await recordFulfillment(order.orderId, fulfillment.id, kept);
  if (!kept) {
    await notice(
      sync,
      'shopify_tracking_missing',
      `Shopify kept fulfillment ${fulfillment.id} without the tracking number ${tracking.number}`,
      'tracking',
    );
    return { kind: 'refused' };
  }
  metrics.addMetric('ShopifyTrackingUpdated', 'Count', 1);
  return { kind: 'synced' };
}

/**
 * A cancellation decided in orderflow (not one the shop sent: Shopify knows those): the shop's open
 * fulfillment orders are put on hold with a note, so nobody ships it from Shopify's admin, and the
 * merchant decides there whether to cancel and refund the Shopify order (money orderflow does not move).
 */
async function holdCancelled(sync: Sync): Promise<Outcome> {
  const { order, event, shop, waitUntil } = sync;
  if (event.actor === 'storefront') return { kind: 'skipped' };
  const state = await readOrderFulfillment(shop, order.externalOrderId!, { waitUntil });
  const open = (state?.fulfillmentOrders ?? []).filter((fo) =>
    ['OPEN', 'IN_PROGRESS', 'SCHEDULED'].includes(fo.status),
  );
  const note = `Cancelled in orderflow (${event.reason ?? 'no reason given'}): cancel or refund this order in Shopify`;
  for (const fo of open) {
    const { userErrors } = await holdFulfillmentOrder(shop, { id: fo.id, reasonNotes: note }, { waitUntil });
    if (userErrors.length) {
      await notice(sync, 'shopify_sync_failed', `fulfillmentOrderHold: ${describe(userErrors)}`, 'hold');
      return { kind: 'refused' };
    }
  }
  if (open.length) {
    await notice(
      sync,
      'shopify_fulfillment_held',
      `${open.length} fulfillment order(s) put on hold in Shopify; cancel or refund the order there`,
      'hold',
    );
  }
  return { kind: 'synced' };
}

async function syncRecord(record: SQSRecord, context: Context): Promise<Outcome> {
  const { detail: event } = JSON.parse(record.body) as EventBridgeEvent<string, OrderEvent>;
  logger.appendKeys({ orderId: event.orderId, eventId: event.id });
  const order = await getOrder(event.orderId);
  if (!order || order.source !== 'shopify' || !order.externalOrderId) return { kind: 'skipped' };
  const connection = (await getSellerCached(order.sellerId))?.shopify;
  if (!connection) return { kind: 'skipped' };
  const waitUntil = Date.now() + context.getRemainingTimeInMillis() - TIMEOUT_MARGIN_MS;
  const partial = { order, event, connection, waitUntil };
  const credentials = await getProviderCredentials(order.sellerId, 'shopify');
  if (!credentials) {
    await addNotice(
      order.orderId,
      'shopify_sync_failed',
      'no Shopify Admin API access token is stored',
      `${event.id}:token`,
    );
    return { kind: 'refused' };
  }
  const sync: Sync = {
    ...partial,
    shop: { shopDomain: connection.shopDomain, accessToken: credentials.apiKey },
  };
  if (event.type === 'order.cancelled') return holdCancelled(sync);
  if (order.shipment && event.data.shipment) return sendShipment(sync);
  return { kind: 'skipped' };
}

export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(publishMetrics(metrics))
  .handler(async (event, context) => {
    const queueUrl = requireEnv(ENV.shopifySyncUrl);
    const failures: SQSBatchResponse['batchItemFailures'] = [];
    // One after the other: an order's events arrive together (shipped, in transit), and a batch is small.
    for (const record of event.Records) {
      const attempt = Number(record.attributes.ApproximateReceiveCount ?? '1');
      let outcome: Outcome;
      try {
        outcome = await syncRecord(record, context);
      } catch (error) {
        if (error instanceof ShopifyRefusedError) {
          const { detail } = JSON.parse(record.body) as EventBridgeEvent<string, OrderEvent>;
          await addNotice(detail.orderId, 'shopify_sync_failed', error.message, `${detail.id}:refused`);
          metrics.addMetric('ShopifySyncFailed', 'Count', 1);
          continue;
        }
        const throttled = error instanceof ShopifyThrottledError;
        logger.warn('Shopify sync failed; retried', { error: error as Error, attempt });
        outcome = {
          kind: 'retry',
          throttled,
          delaySeconds: throttled ? Math.ceil(error.waitMs / 1000) : syncRetryDelaySeconds(attempt),
        };
        if (attempt >= SHOPIFY_SYNC_MAX_ATTEMPTS) {
          const { detail } = JSON.parse(record.body) as EventBridgeEvent<string, OrderEvent>;
          await addNotice(
            detail.orderId,
            'shopify_sync_failed',
            `gave up after ${attempt} attempts: ${(error as Error).message}`,
            `${detail.id}:gave-up`,
          ).catch(() => false);
          metrics.addMetric('ShopifySyncDeadLettered', 'Count', 1);
          // Visible at once: its next receive is past maxReceiveCount and moves it to the dead letters.
          outcome = { kind: 'retry', delaySeconds: 0 };
        }
      }
      if (outcome.kind === 'refused') metrics.addMetric('ShopifySyncFailed', 'Count', 1);
      if (outcome.kind !== 'retry') continue;
      if (outcome.throttled) metrics.addMetric('ShopifySyncThrottled', 'Count', 1);
      await delayMessage(queueUrl, record.receiptHandle, outcome.delaySeconds);
      failures.push({ itemIdentifier: record.messageId });
    }
    return { batchItemFailures: failures };
  });
