import * as z from 'zod';
import type { Order } from '../../shared/domain/order.js';
import type { Seller } from '../../shared/domain/seller.js';
import { isTerminal } from '../../shared/domain/status.js';
import { findByIdempotency } from '../../shared/store/orders.js';
import { ApiError, badRequest, fieldProblems, header, json, validate, type ApiResult } from '../http.js';
import { receiveOrder, type IntakeResult } from '../intake.js';
import { scopes } from '../../shared/store/idempotency.js';
import { defineRoute, type ApiRequest } from '../route.js';
import { webhookAcceptedSchema, webhookOrderSchema } from '../schemas.js';
import { cancelOrder } from '../seller-actions.js';
import {
  mapShopifyOrder,
  SHOPIFY_TOPICS,
  shopifyCancelSchema,
  shopifyField,
  shopifyOrderSchema,
} from '../shopify.js';

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

async function shopifyCreate(seller: Seller, body: unknown): Promise<ApiResult> {
  const shopify = shopifyOrderSchema.safeParse(body);
  if (!shopify.success)
    throw badRequest('validation_failed', 'the body is invalid', fieldProblems(shopify.error));
  const { candidate, externalOrderName, financialStatus } = mapShopifyOrder(shopify.data);
  const input = webhookOrderSchema.safeParse(candidate);
  if (!input.success) {
    const problems = fieldProblems(input.error).map((problem) => ({
      ...problem,
      field: shopifyField(problem.field),
    }));
    throw badRequest('validation_failed', 'the Shopify order cannot be taken as an order', problems);
  }
  const result = await receiveOrder({
    seller,
    source: 'shopify',
    input: input.data,
    // Shopify's order id, not the webhook id: any delivery of the order, by any webhook, is a repeat.
    dedupe: { idFrom: scopes.external(seller.sellerId, 'shopify', shopify.data.id) },
    ...(externalOrderName ? { externalOrderName } : {}),
    ...(financialStatus ? { financialStatus } : {}),
  });
  return accepted(result);
}

/** `orders/cancelled`: cancels the order if it is not yet released; a repeat finds it cancelled already. */
async function shopifyCancel(seller: Seller, body: unknown): Promise<ApiResult> {
  const { id, cancel_reason: reason } = validate(shopifyCancelSchema, body, 'body');
  const order: Order | undefined = await findByIdempotency([scopes.external(seller.sellerId, 'shopify', id)]);
  if (!order) throw new ApiError(404, 'not_found', `no order for Shopify order ${id}`);
  if (order.status === 'CANCELLED') return json(200, { orderId: order.orderId, status: order.status });
  if (isTerminal(order.status)) {
    throw new ApiError(409, 'illegal_transition', `order ${order.orderId} is ${order.status}`);
  }
  const cancelled = await cancelOrder(
    order,
    'storefront',
    `shopify_cancelled:${reason || 'other'}`.slice(0, 200),
  );
  return json(200, { orderId: cancelled.orderId, status: cancelled.status });
}

export const shopifyWebhook = defineRoute({
  method: 'POST',
  path: '/webhooks/shopify/{sellerId}',
  operationId: 'receiveShopifyWebhook',
  summary: 'Shopify orders/create and orders/cancelled webhooks',
  tag: 'webhooks',
  auth: 'shopifyHmac',
  headers: [
    { name: 'X-Shopify-Hmac-Sha256', description: 'base64 HMAC-SHA256 of the raw body', required: true },
    { name: 'X-Shopify-Topic', description: '`orders/create` (default) or `orders/cancelled`' },
    {
      name: 'X-Shopify-Webhook-Id',
      description:
        'checked when present; repeats are recognised by the Shopify order id, whatever the webhook',
    },
  ],
  body: z.union([shopifyOrderSchema, shopifyCancelSchema]),
  bodyValidatedByHandler: true,
  responses: {
    ...webhookResponses,
    404: { description: 'orders/cancelled for an order we never received' },
    409: { description: 'orders/cancelled for an order already released' },
  },
  async handle(request) {
    const seller = signedSeller(request);
    const topic = header(request.event, 'x-shopify-topic') ?? 'orders/create';
    if (!(SHOPIFY_TOPICS as readonly string[]).includes(topic)) {
      throw badRequest('unsupported_topic', `topic ${topic.slice(0, 50)} is not handled`, [
        { field: 'header.x-shopify-topic', message: `must be one of ${SHOPIFY_TOPICS.join(', ')}` },
      ]);
    }
    if (topic === 'orders/cancelled') return shopifyCancel(seller, request.body);
    const webhookId = header(request.event, 'x-shopify-webhook-id');
    if (webhookId !== undefined && !WEBHOOK_ID.test(webhookId)) {
      throw badRequest('validation_failed', 'the webhook id is invalid', [
        { field: 'header.x-shopify-webhook-id', message: 'must be 1-200 printable ASCII characters' },
      ]);
    }
    return shopifyCreate(seller, request.body);
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
