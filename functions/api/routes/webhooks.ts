import { nowIso } from '../../shared/clock.js';
import type { Seller } from '../../shared/domain/seller.js';
import { logger } from '../../shared/logger.js';
import { recordStorefrontEvent } from '../../shared/store/orders.js';
import { badRequest, fieldProblems, header, json, type ApiResult } from '../http.js';
import { receiveOrder, type IntakeResult } from '../intake.js';
import { scopes } from '../../shared/store/idempotency.js';
import { defineRoute, type ApiRequest } from '../route.js';
import { webhookAcceptedSchema, webhookOrderSchema } from '../schemas.js';
import { applyStorefrontEvent } from '../storefront-events.js';
import { mapShopifyOrder, SHOPIFY_TOPICS, shopifyField, shopifyOrderSchema } from '../shopify.js';

const accepted = ({ order, duplicate }: IntakeResult): ApiResult =>
  json(duplicate ? 200 : 202, { orderId: order.orderId, status: order.status, duplicate });

const webhookResponses = {
  202: { description: 'a new order was accepted', schema: webhookAcceptedSchema },
  200: {
    description: 'a repeat of an order already accepted (same orderId, duplicate: true)',
    schema: webhookAcceptedSchema,
  },
};

function signedSeller(request: ApiRequest<unknown, unknown>): Seller {
  if (!request.seller) throw new Error('webhook route reached without a verified seller');
  return request.seller;
}

const WEBHOOK_ID = /^[\x21-\x7e]{1,200}$/;

function webhookHeader(request: ApiRequest<unknown, unknown>, name: string): string | undefined {
  const value = header(request.event, name);
  if (value !== undefined && !WEBHOOK_ID.test(value)) {
    throw badRequest('validation_failed', `the ${name} header is invalid`, [
      { field: `header.${name}`, message: 'must be 1-200 printable ASCII characters' },
    ]);
  }
  return value;
}

/** The Shopify order in the body, as our order input; a 400 names the Shopify field that is not usable. */
function shopifyOrderOf(body: unknown) {
  const shopify = shopifyOrderSchema.safeParse(body);
  if (!shopify.success)
    throw badRequest('validation_failed', 'the body is invalid', fieldProblems(shopify.error));
  const mapped = mapShopifyOrder(shopify.data);
  const input = webhookOrderSchema.safeParse(mapped.candidate);
  if (!input.success) {
    const problems = fieldProblems(input.error).map((problem) => ({
      ...problem,
      field: shopifyField(problem.field),
    }));
    throw badRequest('validation_failed', 'the Shopify order cannot be taken as an order', problems);
  }
  return { shopify: shopify.data, mapped, input: input.data };
}

/**
 * Every Shopify topic carries the whole order, signed; the unsigned X-Shopify-Topic only names it. So
 * the order is stored if it is new (whatever the topic: an authentic order is never dropped), and what
 * is done with it is read from the body: it is cancelled only if `cancelled_at` is set, so a captured
 * create body replayed under the cancel topic cancels nothing. A repeated X-Shopify-Event-Id is not
 * acted on again; what a later topic did, or why it did nothing, is kept on the order.
 */
async function shopifyOrderEvent(seller: Seller, topic: string, eventId: string | undefined, body: unknown) {
  const { shopify, mapped, input } = shopifyOrderOf(body);
  const result = await receiveOrder({
    seller,
    source: 'shopify',
    input,
    // Shopify's order id, not the webhook id: any delivery of the order, by any webhook, is a repeat.
    dedupe: { idFrom: scopes.external(seller.sellerId, 'shopify', shopify.id) },
    ...(mapped.externalOrderName ? { externalOrderName: mapped.externalOrderName } : {}),
    ...(mapped.financialStatus ? { financialStatus: mapped.financialStatus } : {}),
    ...(mapped.test ? { test: true } : {}),
    ...(mapped.updatedAt ? { storefrontUpdatedAt: mapped.updatedAt } : {}),
  });
  if (topic === 'orders/create' && !shopify.cancelled_at) return accepted(result);
  let order = result.order;
  if (eventId && order.storefrontEvents?.some((event) => event.eventId === eventId)) {
    return json(200, { orderId: order.orderId, status: order.status, duplicate: true });
  }
  const { outcome, storefrontUpdatedAt } = await applyStorefrontEvent(seller, order, {
    topic,
    input,
    cancelledAt: shopify.cancelled_at ?? undefined,
    cancelReason: shopify.cancel_reason ?? undefined,
    financialStatus: shopify.financial_status ?? undefined,
    updatedAt: mapped.updatedAt,
  });
  order = await recordStorefrontEvent(
    order.orderId,
    {
      topic,
      ...(eventId ? { eventId } : {}),
      ...(mapped.updatedAt ? { updatedAt: mapped.updatedAt } : {}),
      receivedAt: nowIso(),
      outcome,
    },
    storefrontUpdatedAt ? { storefrontUpdatedAt } : {},
  );
  logger.info('storefront event', { orderId: order.orderId, topic, outcome });
  return json(result.duplicate ? 200 : 202, {
    orderId: order.orderId,
    status: order.status,
    duplicate: result.duplicate,
  });
}

export const shopifyWebhook = defineRoute({
  method: 'POST',
  path: '/webhooks/shopify/{sellerId}',
  operationId: 'receiveShopifyWebhook',
  summary: 'Shopify orders/create, orders/updated, orders/paid and orders/cancelled webhooks',
  tag: 'webhooks',
  auth: 'shopifyHmac',
  headers: [
    { name: 'X-Shopify-Hmac-Sha256', description: 'base64 HMAC-SHA256 of the raw body', required: true },
    {
      name: 'X-Shopify-Topic',
      description:
        '`orders/create` (default), `orders/updated`, `orders/paid` or `orders/cancelled`; not signed, so ' +
        'what is done is read from the body (a cancel needs `cancelled_at`)',
    },
    {
      name: 'X-Shopify-Event-Id',
      description: 'a repeat of an event already acted on is answered 200 and changes nothing',
    },
    {
      name: 'X-Shopify-Webhook-Id',
      description:
        'checked when present; repeats are recognised by the Shopify order id, whatever the webhook',
    },
  ],
  body: shopifyOrderSchema,
  bodyValidatedByHandler: true,
  responses: {
    ...webhookResponses,
  },
  async handle(request) {
    const seller = signedSeller(request);
    const topic = header(request.event, 'x-shopify-topic') ?? 'orders/create';
    if (!(SHOPIFY_TOPICS as readonly string[]).includes(topic)) {
      throw badRequest('unsupported_topic', `topic ${topic.slice(0, 50)} is not handled`, [
        { field: 'header.x-shopify-topic', message: `must be one of ${SHOPIFY_TOPICS.join(', ')}` },
      ]);
    }
    webhookHeader(request, 'x-shopify-webhook-id');
    const eventId = webhookHeader(request, 'x-shopify-event-id');
    return shopifyOrderEvent(seller, topic, eventId, request.body);
  },
});

export const genericWebhook = defineRoute({
  method: 'POST',
  path: '/webhooks/orders/{sellerId}',
  operationId: 'receiveOrderWebhook',
  summary: 'A signed generic order from any storefront',
  tag: 'webhooks',
  auth: 'orderflowSignature',
  headers: [
    {
      name: 'X-Orderflow-Signature',
      description: '`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, at most 300 s from now',
      required: true,
    },
  ],
  body: webhookOrderSchema,
  responses: webhookResponses,
  async handle(request) {
    const seller = signedSeller(request);
    const input = request.body;
    if (!input.externalOrderId) {
      throw badRequest('validation_failed', 'the body is invalid', [
        { field: 'externalOrderId', message: 'is required on webhooks, to recognise repeats' },
      ]);
    }
    const result = await receiveOrder({
      seller,
      source: 'webhook',
      input,
      dedupe: { idFrom: scopes.external(seller.sellerId, 'webhook', input.externalOrderId) },
    });
    return accepted(result);
  },
});
