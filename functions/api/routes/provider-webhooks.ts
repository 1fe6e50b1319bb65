import { logger } from '../../shared/logger.js';
import { recordFinancialStatus, restorePaymentToken } from '../../shared/store/executions.js';
import { handledEvent, paymentOrderId, recordEvent } from '../../shared/store/provider-records.js';
import { sendRelease } from '../../shared/workflow.js';
import { json } from '../http.js';
import { defineRoute } from '../route.js';
import { providerEventAcceptedSchema, stripeEventSchema } from '../schemas.js';

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
