import * as z from 'zod';
import { ORDER_EVENT_TYPES } from '../../shared/events/order-event.js';
import { NotFoundError } from '../../shared/errors.js';
import {
  getDelivery,
  listDeliveries,
  restartDelivery,
  type WebhookDelivery,
} from '../../shared/store/webhook-deliveries.js';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookEndpoints,
  type WebhookEndpoint,
} from '../../shared/store/webhook-endpoints.js';
import { enqueueDelivery } from '../../shared/webhooks/delivery-queue.js';
import {
  checkWebhookUrl,
  webhookUrlPolicy,
  WebhookUrlRefusedError,
} from '../../shared/webhooks/url-policy.js';
import { badRequest, json } from '../http.js';
import { defineRoute } from '../route.js';

const endpointBodySchema = z.strictObject({
  url: z.string().min(1).max(2048).describe('where the events are POSTed; https only on AWS'),
  events: z
    .array(z.enum(ORDER_EVENT_TYPES))
    .max(ORDER_EVENT_TYPES.length)
    .optional()
    .describe('the event types to deliver; all of them when left out or empty'),
});

const endpointSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  createdAt: z.string(),
});
const createdEndpointSchema = endpointSchema.extend({
  secret: z.string().describe('signs every delivery (X-Orderflow-Signature); shown this once only'),
});
const deliverySchema = z.object({
  eventId: z.string(),
  eventType: z.string(),
  status: z.enum(['pending', 'failing', 'delivered', 'dead', 'cancelled']),
  attempts: z.number().int(),
  createdAt: z.string(),
  lastAttemptAt: z.string().optional(),
  lastError: z.string().optional(),
  deliveredAt: z.string().optional(),
});
const deliveriesQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional().describe('the nextCursor of the page before'),
});

const shown = (endpoint: WebhookEndpoint) => ({
  id: endpoint.endpointId,
  url: endpoint.url,
  events: endpoint.events,
  createdAt: endpoint.createdAt,
});
const deliveryShown = ({ event: _event, endpointId: _e, sellerId: _s, ...delivery }: WebhookDelivery) =>
  delivery;

/** The seller's endpoint, not deleted; another seller's, or a deleted one, does not exist. */
async function liveEndpoint(sellerId: string, endpointId: string | undefined): Promise<WebhookEndpoint> {
  const endpoint = await getWebhookEndpoint(sellerId, endpointId ?? '');
  if (endpoint.deletedAt) throw new NotFoundError(`webhook endpoint ${endpointId} not found`);
  return endpoint;
}

export const createWebhookEndpointRoute = defineRoute({
  method: 'POST',
  path: '/webhook-endpoints',
  operationId: 'createWebhookEndpoint',
  summary: 'Subscribe a URL to order events; the signing secret is in this answer only',
  tag: 'webhooks out',
  auth: 'sellerApiKey',
  body: endpointBodySchema,
  responses: { 201: { description: 'the endpoint, with its secret', schema: createdEndpointSchema } },
  async handle({ sellerId, body }) {
    try {
      checkWebhookUrl(body.url, webhookUrlPolicy());
    } catch (error) {
      if (!(error instanceof WebhookUrlRefusedError)) throw error;
      throw badRequest('invalid_url', `url refused: ${error.message}`, [
        { field: 'body.url', message: error.message },
      ]);
    }
    const endpoint = await createWebhookEndpoint(sellerId, body.url, [...new Set(body.events ?? [])]);
    return json(201, { ...shown(endpoint), secret: endpoint.secret });
  },
});

export const listWebhookEndpointsRoute = defineRoute({
  method: 'GET',
  path: '/webhook-endpoints',
  operationId: 'listWebhookEndpoints',
  summary: "The seller's webhook endpoints (without their secrets)",
  tag: 'webhooks out',
  auth: 'sellerApiKey',
  responses: { 200: { description: 'the endpoints', schema: z.object({ items: z.array(endpointSchema) }) } },
  async handle({ sellerId }) {
    return json(200, { items: (await listWebhookEndpoints(sellerId)).map(shown) });
  },
});

export const deleteWebhookEndpointRoute = defineRoute({
  method: 'DELETE',
  path: '/webhook-endpoints/{endpointId}',
  operationId: 'deleteWebhookEndpoint',
  summary: 'Stop delivering to an endpoint (queued deliveries are dropped)',
  tag: 'webhooks out',
  auth: 'sellerApiKey',
  responses: {
    200: { description: 'deleted', schema: z.object({ id: z.string(), deleted: z.literal(true) }) },
  },
  async handle({ sellerId, params }) {
    await liveEndpoint(sellerId, params.endpointId);
    await deleteWebhookEndpoint(sellerId, params.endpointId!);
    return json(200, { id: params.endpointId, deleted: true });
  },
});

export const listDeliveriesRoute = defineRoute({
  method: 'GET',
  path: '/webhook-endpoints/{endpointId}/deliveries',
  operationId: 'listWebhookDeliveries',
  summary: "An endpoint's deliveries: status, attempts, last error",
  tag: 'webhooks out',
  auth: 'sellerApiKey',
  query: deliveriesQuerySchema,
  responses: {
    200: {
      description: 'a page of deliveries',
      schema: z.object({ items: z.array(deliverySchema), nextCursor: z.string().optional() }),
    },
  },
  async handle({ sellerId, params, query }) {
    const endpoint = await getWebhookEndpoint(sellerId, params.endpointId ?? '');
    const page = await listDeliveries(endpoint.endpointId, query.limit, query.cursor);
    return json(200, {
      items: page.items.map(deliveryShown),
      ...(page.next ? { nextCursor: page.next } : {}),
    });
  },
});

export const replayDeliveryRoute = defineRoute({
  method: 'POST',
  path: '/webhook-endpoints/{endpointId}/deliveries/{eventId}/replay',
  operationId: 'replayWebhookDelivery',
  summary: 'Deliver an event again (one that went to the dead-letter queue, or any other), signed afresh',
  tag: 'webhooks out',
  auth: 'sellerApiKey',
  responses: { 202: { description: 'queued again', schema: deliverySchema } },
  async handle({ sellerId, params }) {
    const endpoint = await liveEndpoint(sellerId, params.endpointId);
    const eventId = decodeURIComponent(params.eventId ?? '');
    await getDelivery(endpoint.endpointId, eventId);
    await restartDelivery(endpoint.endpointId, eventId);
    await enqueueDelivery({ sellerId, endpointId: endpoint.endpointId, eventId });
    return json(202, deliveryShown(await getDelivery(endpoint.endpointId, eventId)));
  },
});
