import type { Order } from '../../shared/domain/order.js';
import { isTerminal, type OrderStatus } from '../../shared/domain/status.js';
import { IllegalTransitionError } from '../../shared/errors.js';
import { logger, metrics } from '../../shared/logger.js';
import {
  easypostUpdate,
  shippoUpdate,
  type TrackingUpdate,
} from '../../shared/providers/carrier-tracking.js';
import { getOrder, transition } from '../../shared/store/orders.js';
import {
  dropDeliveryToken,
  recordFinancialStatus,
  restorePaymentToken,
} from '../../shared/store/executions.js';
import {
  handledEvent,
  paymentOrderId,
  recordEvent,
  trackedOrderId,
} from '../../shared/store/provider-records.js';
import { sendRelease } from '../../shared/workflow.js';
import { json } from '../http.js';
import { defineRoute } from '../route.js';
import {
  easypostEventSchema,
  providerEventAcceptedSchema,
  shippoTrackEventSchema,
  stripeEventSchema,
} from '../schemas.js';

/**
 * PaymentIntent events that say an order's payment is settled one way or the other. The order is then
 * verified again against Stripe itself (VerifyPayment), so the event only wakes it: nothing in its body is
 * trusted beyond the intent it names.
 */
const SETTLING_EVENTS = new Set([
  'payment_intent.succeeded',
  'payment_intent.amount_capturable_updated',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
]);

/** Sends an order waiting for its payment on to verify it again; records what came. */
async function wakePaymentWait(orderId: string, paymentStatus: string): Promise<string> {
  const { changed, taskToken } = await recordFinancialStatus(orderId, paymentStatus);
  if (!changed) return `ignored: ${paymentStatus} is known, or the order is past payment`;
  if (!taskToken) return `recorded: ${paymentStatus}`;
  try {
    const delivered = await sendRelease(taskToken, { paymentStatus });
    return delivered ? 'verifying' : `recorded: ${paymentStatus}`;
  } catch (error) {
    await restorePaymentToken(orderId, taskToken);
    throw error;
  }
}

export const stripeWebhook = defineRoute({
  method: 'POST',
  path: '/webhooks/stripe/{sellerId}',
  operationId: 'receiveStripeWebhook',
  summary: "Stripe's PaymentIntent events, for orders waiting for their payment",
  tag: 'webhooks',
  auth: 'stripeSignature',
  headers: [
    {
      name: 'Stripe-Signature',
      description:
        '`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, any v1 may match (secret rotation), at most 300 s from now',
      required: true,
    },
  ],
  body: stripeEventSchema,
  responses: {
    200: {
      description: 'the event was acted on, or was a redelivery (duplicate: true), or concerns no order',
      schema: providerEventAcceptedSchema,
    },
  },
  async handle(request) {
    const sellerId = request.sellerId;
    const event = request.body;
    const previous = await handledEvent(sellerId, 'stripe', event.id);
    if (previous !== undefined) {
      return json(200, { eventId: event.id, duplicate: true, outcome: previous });
    }
    const intent = event.data.object;
    let outcome: string;
    let orderId: string | undefined;
    if (!SETTLING_EVENTS.has(event.type) || intent.object !== 'payment_intent' || !intent.status) {
      outcome = `ignored: ${event.type} is not acted on`;
    } else {
      orderId = await paymentOrderId(sellerId, 'stripe', intent.id);
      outcome = orderId
        ? await wakePaymentWait(orderId, `stripe_${intent.status}`)
        : 'ignored: no order is paid by this PaymentIntent';
    }
    const first = await recordEvent(sellerId, 'stripe', event.id, outcome);
    logger.info('stripe event', { eventId: event.id, type: event.type, orderId, outcome });
    return json(200, { eventId: event.id, duplicate: !first, outcome, ...(orderId ? { orderId } : {}) });
  },
});

/** How far along a shipped order is: a tracking update that would not move it forward is ignored. */
const PROGRESS: Partial<Record<OrderStatus, number>> = {
  SHIPPED: 0,
  IN_TRANSIT: 1,
  DELIVERED: 2,
  DELIVERY_EXCEPTION: 2,
};

/**
 * Ends the workflow's wait for the push (AwaitDelivery) of an order made final, with its status. The token
 * is the one the final write found on the order: a wait set up after that write finds the order settled
 * itself. Sending fails the webhook (the carrier delivers it again, and the token is sent again); a token
 * no longer waited on (the wait timed out into polling) is simply forgotten.
 */
async function endDeliveryWait(order: Order): Promise<void> {
  const taskToken = order.deliveryWait?.taskToken;
  if (!taskToken || !isTerminal(order.status)) return;
  await sendRelease(taskToken, { status: order.status });
  await dropDeliveryToken(order.orderId, taskToken);
}

/**
 * A carrier's tracking news for a shipped order: IN_TRANSIT, DELIVERED or DELIVERY_EXCEPTION, each only
 * forward (a late "in transit" after "delivered", or any news before SHIPPED, changes nothing). A final
 * status ends the workflow's wait for it; an intermediate one is only recorded.
 */
async function applyTracking(orderId: string, update: TrackingUpdate): Promise<string> {
  if (!update) return 'ignored: no news for the order';
  const order = await getOrder(orderId);
  if (!order?.shipment) return 'ignored: the order has no shipment';
  const to: OrderStatus = update.status === 'EXCEPTION' ? 'DELIVERY_EXCEPTION' : update.status;
  const now = PROGRESS[order.status];
  if (now === undefined) return `ignored: the order is ${order.status}`;
  if (PROGRESS[to]! <= now) {
    // A redelivery after the token could not be sent: send it now.
    await endDeliveryWait(order);
    return `ignored: the order is ${order.status} already`;
  }
  const shipment =
    update.status === 'DELIVERED'
      ? { ...order.shipment, deliveredAt: update.at }
      : update.status === 'EXCEPTION'
        ? { ...order.shipment, exception: update.reason }
        : order.shipment;
  let moved: Order;
  try {
    moved = await transition(
      orderId,
      to,
      {
        actor: 'system',
        ...(update.status === 'EXCEPTION' ? { reason: update.reason } : {}),
        set: { shipment },
      },
      order,
    );
  } catch (error) {
    if (!(error instanceof IllegalTransitionError)) throw error;
    return `ignored: the order moved on to ${error.from}`;
  }
  await endDeliveryWait(moved);
  if (to === 'DELIVERED') metrics.addMetric('OrdersDelivered', 'Count', 1);
  if (to === 'DELIVERY_EXCEPTION') metrics.addMetric('DeliveryExceptions', 'Count', 1);
  return to;
}

/** Dedupes a carrier's event, finds the order by its tracking number, and applies the news. */
async function trackingEvent(
  sellerId: string,
  provider: 'easypost' | 'shippo',
  eventId: string,
  trackingNumber: string | undefined,
  update: () => TrackingUpdate,
) {
  const previous = await handledEvent(sellerId, provider, eventId);
  if (previous !== undefined) return json(200, { eventId, duplicate: true, outcome: previous });
  const orderId = trackingNumber ? await trackedOrderId(sellerId, provider, trackingNumber) : undefined;
  const outcome = orderId
    ? await applyTracking(orderId, update())
    : 'ignored: no order ships with this tracking number';
  const first = await recordEvent(sellerId, provider, eventId, outcome);
  logger.info('tracking event', { provider, eventId, orderId, outcome });
  return json(200, { eventId, duplicate: !first, outcome, ...(orderId ? { orderId } : {}) });
}

const trackingResponses = {
  200: {
    description:
      'the news was applied, ignored (no order, not forward), or was a redelivery (duplicate: true)',
    schema: providerEventAcceptedSchema,
  },
};

export const easypostWebhook = defineRoute({
  method: 'POST',
  path: '/webhooks/easypost/{sellerId}',
  operationId: 'receiveEasyPostWebhook',
  summary: "EasyPost's tracker.updated events for the seller's parcels",
  tag: 'webhooks',
  auth: 'easypostHmac',
  headers: [
    {
      name: 'X-Hmac-Signature',
      description:
        '`hmac-sha256-hex=<hex HMAC-SHA256 of the raw body>` with the NFKD-normalized webhook secret',
      required: true,
    },
  ],
  body: easypostEventSchema,
  responses: trackingResponses,
  async handle(request) {
    const event = request.body;
    const tracker = event.result;
    const relevant = event.description === 'tracker.updated' && tracker.object !== 'Shipment';
    return trackingEvent(
      request.sellerId,
      'easypost',
      event.id,
      relevant ? tracker.tracking_code : undefined,
      () => (tracker.status ? easypostUpdate(tracker.status) : undefined),
    );
  },
});

export const shippoWebhook = defineRoute({
  method: 'POST',
  path: '/webhooks/shippo/{sellerId}',
  operationId: 'receiveShippoWebhook',
  summary: "Shippo's track_updated events for the seller's parcels",
  tag: 'webhooks',
  auth: 'shippoSignature',
  headers: [
    {
      name: 'Shippo-Auth-Signature',
      description: '`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, at most 300 s from now',
      required: true,
    },
  ],
  body: shippoTrackEventSchema,
  responses: trackingResponses,
  async handle(request) {
    const { event, data } = request.body;
    const status = data.tracking_status;
    // Shippo's tracking webhooks carry no event id and are not idempotent: a status update is the event.
    const eventId = status
      ? (status.object_id ?? `${data.tracking_number}:${status.status}:${status.status_date ?? ''}`)
      : `${data.tracking_number}:none`;
    const relevant = event === 'track_updated' && status !== null;
    return trackingEvent(
      request.sellerId,
      'shippo',
      eventId,
      relevant ? data.tracking_number : undefined,
      () => (status ? shippoUpdate(status.status) : undefined),
    );
  },
});
