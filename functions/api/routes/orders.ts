import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { Order } from '../../shared/domain/order.js';
import { isTerminal } from '../../shared/domain/status.js';
import { logger } from '../../shared/logger.js';
import { getSellerOrder } from '../../shared/store/orders.js';
import { readLabelFile } from '../../shared/store/label-files.js';
import { countOrdersByStatus } from '../../shared/store/order-counts.js';
import { searchOrders } from '../../shared/store/search.js';
import { getSeller } from '../../shared/store/sellers.js';
import { csvRowBytes, ordersCsv } from '../csv.js';
import { ApiError, badRequest, binary, header, json, rawBody, type ApiEvent } from '../http.js';
import { receiveOrder, requireKnownSkus } from '../intake.js';
import { scopes } from '../../shared/store/idempotency.js';
import { defineRoute, errorResponse } from '../route.js';
import {
  addressPatchSchema,
  bulkReleaseResultSchema,
  bulkReleaseSchema,
  orderBodySchema,
  orderCountsSchema,
  orderIdSchema,
  orderPageSchema,
  orderViewSchema,
  reasonBodySchema,
  releaseAcceptedSchema,
  retryAcceptedSchema,
} from '../schemas.js';
import { exportQuerySchema, searchQuerySchema } from '../search-query.js';
import {
  cancelOrder,
  fixShippingAddress,
  publicOrder,
  releaseHeldOrder,
  requestHold,
  retryOrder,
} from '../seller-actions.js';

/**
 * What a page of orders may take of Lambda's 6 MB answer (6,291,456 bytes, the JSON envelope and headers
 * included): a page ends early, with its cursor, rather than grow past it.
 */
export const ANSWER_BUDGET_BYTES = 5 * 2 ** 20;

const TAG = 'orders';

/** The seller's order named in the path; an id that cannot exist is as unknown as another seller's. */
export async function sellerOrder(sellerId: string, orderId: string | undefined): Promise<Order> {
  if (!orderIdSchema.safeParse(orderId).success) throw new ApiError(404, 'not_found', 'order not found');
  return getSellerOrder(sellerId, orderId!);
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

function idempotencyKey(event: ApiEvent): string | undefined {
  const key = header(event, 'idempotency-key');
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw badRequest('validation_failed', 'the Idempotency-Key header is invalid', [
      { field: 'header.idempotency-key', message: 'must be 1-255 printable ASCII characters' },
    ]);
  }
  return key;
}

const orderResponse = (description: string) => ({ description, schema: orderViewSchema });

export const createOrderRoute = defineRoute({
  method: 'POST',
  path: '/orders',
  operationId: 'createOrder',
  summary: 'Create an order by hand',
  tag: TAG,
  auth: 'sellerApiKey',
  headers: [
    {
      name: 'Idempotency-Key',
      description:
        'a repeat with the same key and body returns the first order (200); the same key with another body is 422',
    },
  ],
  body: orderBodySchema,
  responses: {
    201: orderResponse('the order was created and its workflow started'),
    200: orderResponse('a repeat (same Idempotency-Key or externalOrderId): the order created first'),
    422: { description: 'idempotency_key_reused: the Idempotency-Key was first sent with another body' },
  },
  async handle({ event, body, sellerId }) {
    const key = idempotencyKey(event);
    const seller = await getSeller(sellerId);
    if (!seller) throw new ApiError(401, 'unauthorized', 'the API key belongs to no seller');
    await requireKnownSkus(sellerId, body);
    const keyScope = key ? scopes.idempotencyKey(sellerId, key) : undefined;
    // The request a key was first used with, as sent: a retry sends the same bytes.
    const requestDigest = createHash('sha256').update(rawBody(event)).digest('base64url');
    const { order, duplicate, dedupedBy } = await receiveOrder({
      seller,
      source: 'api',
      input: body,
      dedupe: {
        records: [
          ...(keyScope ? [keyScope] : []),
          ...(body.externalOrderId ? [scopes.external(sellerId, 'api', body.externalOrderId)] : []),
        ],
        requestDigest,
      },
    });
    // A key reused for another request is the client's mistake (the IETF Idempotency-Key draft: 422), as
    // a payment API refuses it, rather than a silent answer with an order the request did not describe.
    // The repeat's lookup read the key's record already: its digest came back with the order.
    const firstDigest = dedupedBy?.scope === keyScope ? dedupedBy?.requestDigest : undefined;
    if (duplicate && keyScope && firstDigest && firstDigest !== requestDigest) {
      throw new ApiError(
        422,
        'idempotency_key_reused',
        `Idempotency-Key ${key} was first used with another request body; use a new key for a new order`,
      );
    }
    return json(
      duplicate ? 200 : 201,
      publicOrder(order),
      duplicate ? { 'idempotent-replayed': 'true' } : {},
    );
  },
});

export const getOrderRoute = defineRoute({
  method: 'GET',
  path: '/orders/{orderId}',
  operationId: 'getOrder',
  summary: 'An order with its history, hold, release and shipment',
  tag: TAG,
  auth: 'sellerApiKey',
  responses: { 200: orderResponse('the order'), 404: { description: 'no such order for this seller' } },
  async handle({ params, sellerId }) {
    return json(200, publicOrder(await sellerOrder(sellerId, params.orderId)));
  },
});

/**
 * The label file, sent through the API rather than as a presigned S3 URL: a label is 50-100 KB (far under
 * Lambda's 6 MB answer), the seller's key is checked in one place, and no URL that works without the key
 * ever leaves the API.
 */
export const getOrderLabelRoute = defineRoute({
  method: 'GET',
  path: '/orders/{orderId}/label',
  operationId: 'getOrderLabel',
  summary: "The order's shipping label, a PDF 4x6",
  tag: TAG,
  auth: 'sellerApiKey',
  responses: {
    200: { description: 'the label file', contentType: 'application/pdf', schema: z.string() },
    404: { description: 'no such order for this seller, or it has no label yet' },
  },
  async handle({ params, sellerId }) {
    const order = await sellerOrder(sellerId, params.orderId);
    const key = order.shipment?.labelKey;
    const file = key ? await readLabelFile(key) : undefined;
    if (!file) {
      throw new ApiError(
        404,
        'label_not_found',
        `order ${order.orderId} has no label yet (it is ${order.status}; labels are bought when it ships)`,
      );
    }
    return binary(200, file, 'application/pdf', {
      'content-disposition': `attachment; filename="label-${order.orderId}.pdf"`,
    });
  },
});

export const searchOrdersRoute = defineRoute({
  method: 'GET',
  path: '/orders',
  operationId: 'searchOrders',
  summary: 'Search orders, newest first, a page at a time',
  tag: TAG,
  auth: 'sellerApiKey',
  query: searchQuerySchema,
  responses: { 200: { description: 'one page of orders', schema: orderPageSchema } },
  async handle({ query, sellerId, cursorKey }) {
    const page = await searchOrders(sellerId, query.filters, {
      limit: query.limit,
      cursorKey,
      ...(query.cursor ? { cursor: query.cursor } : {}),
      // The body is JSON inside Lambda's JSON answer: each order counted as escaped twice.
      maxBytes: {
        limit: ANSWER_BUDGET_BYTES,
        sizeOf: (order) => Buffer.byteLength(JSON.stringify(JSON.stringify(publicOrder(order)))),
      },
    });
    return json(200, { items: page.items.map(publicOrder), nextCursor: page.nextCursor });
  },
});

export const countOrdersRoute = defineRoute({
  method: 'GET',
  path: '/orders/counts',
  operationId: 'countOrders',
  summary: 'How many orders are in each status (the console’s tab counts)',
  tag: TAG,
  auth: 'sellerApiKey',
  // No filters (yet): a query parameter is a mistake, not something to ignore.
  query: z.strictObject({}),
  responses: { 200: { description: 'a count for every status', schema: orderCountsSchema } },
  async handle({ sellerId }) {
    return json(200, { counts: await countOrdersByStatus(sellerId) });
  },
});

export const exportOrdersRoute = defineRoute({
  method: 'GET',
  path: '/orders/export.csv',
  operationId: 'exportOrders',
  summary: 'The same search as CSV; X-Next-Cursor continues a long export',
  tag: TAG,
  auth: 'sellerApiKey',
  query: exportQuerySchema,
  responses: {
    200: { description: 'RFC 4180 CSV with a header row', contentType: 'text/csv', schema: z.string() },
  },
  async handle({ query, sellerId, cursorKey }) {
    const page = await searchOrders(sellerId, query.filters, {
      limit: query.limit,
      cursorKey,
      ...(query.cursor ? { cursor: query.cursor } : {}),
      maxBytes: { limit: ANSWER_BUDGET_BYTES, sizeOf: csvRowBytes },
    });
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': 'attachment; filename="orders.csv"',
        ...(page.nextCursor ? { 'x-next-cursor': page.nextCursor } : {}),
      },
      body: ordersCsv(page.items),
    };
  },
});

export const patchOrderRoute = defineRoute({
  method: 'PATCH',
  path: '/orders/{orderId}',
  operationId: 'fixShippingAddress',
  summary: 'Fix the shipping address (before release, or while FAILED_TO_RELEASE)',
  tag: TAG,
  auth: 'sellerApiKey',
  body: addressPatchSchema,
  responses: {
    200: orderResponse('the order with its new address'),
    404: { description: 'no such order for this seller' },
    409: { description: 'the order is released or finished' },
  },
  async handle({ params, sellerId, body }) {
    const order = await sellerOrder(sellerId, params.orderId);
    return json(200, publicOrder(await fixShippingAddress(order, body.shippingAddress)));
  },
});

export const cancelOrderRoute = defineRoute({
  method: 'POST',
  path: '/orders/{orderId}/cancel',
  operationId: 'cancelOrder',
  summary: 'Cancel an order that is not yet released; reserved stock is returned',
  tag: TAG,
  auth: 'sellerApiKey',
  body: reasonBodySchema,
  bodyOptional: true,
  responses: {
    200: orderResponse('the cancelled order'),
    404: { description: 'no such order for this seller' },
    409: { description: 'the order is released or finished' },
  },
  async handle({ params, sellerId, body }) {
    const order = await sellerOrder(sellerId, params.orderId);
    if (isTerminal(order.status)) {
      throw new ApiError(409, 'illegal_transition', `order ${order.orderId} is already ${order.status}`);
    }
    return json(200, publicOrder(await cancelOrder(order, 'seller', body.reason ?? 'cancelled_by_seller')));
  },
});

export const holdOrderRoute = defineRoute({
  method: 'POST',
  path: '/orders/{orderId}/hold',
  operationId: 'holdOrder',
  summary:
    'Hold an order that has not reached its release yet: it waits ON_HOLD (seller_hold) for the seller',
  tag: TAG,
  auth: 'sellerApiKey',
  body: reasonBodySchema,
  bodyOptional: true,
  responses: {
    200: orderResponse('the order, with its hold request (or already on hold)'),
    404: { description: 'no such order for this seller' },
    409: { description: 'the order is being released, released or finished' },
  },
  async handle({ params, sellerId, body }) {
    const order = await sellerOrder(sellerId, params.orderId);
    return json(200, publicOrder(await requestHold(order, body.reason ?? 'held_by_seller')));
  },
});

export const releaseOrderRoute = defineRoute({
  method: 'POST',
  path: '/orders/{orderId}/release',
  operationId: 'releaseOrder',
  summary: 'Release a held order (sends its task token to the waiting workflow)',
  tag: TAG,
  auth: 'sellerApiKey',
  responses: {
    202: {
      description: 'the release was sent; the workflow moves the order on',
      schema: releaseAcceptedSchema,
    },
    404: { description: 'no such order for this seller' },
    409: { description: 'the order is not on hold (or is being released)' },
  },
  async handle({ params, sellerId }) {
    const order = await releaseHeldOrder(await sellerOrder(sellerId, params.orderId));
    return json(202, { orderId: order.orderId, status: order.status });
  },
});

/** One id's failure in a bulk call, as the status and error it would have had on its own. */
function outcomeOf(error: unknown): { statusCode: number; error: unknown } {
  try {
    const answer = errorResponse(error);
    return { statusCode: answer.statusCode!, error: (JSON.parse(answer.body!) as { error: unknown }).error };
  } catch (unexpected) {
    logger.error('bulk release of one order failed', { error: unexpected as Error });
    return { statusCode: 500, error: { code: 'internal_error', message: 'internal error' } };
  }
}

export const bulkReleaseRoute = defineRoute({
  method: 'POST',
  path: '/orders/release',
  operationId: 'releaseOrders',
  summary: 'Release up to 100 held orders; one result per id',
  tag: TAG,
  auth: 'sellerApiKey',
  body: bulkReleaseSchema,
  responses: { 200: { description: 'a result per id, in request order', schema: bulkReleaseResultSchema } },
  async handle({ body, sellerId }) {
    const orderIds = [...new Set(body.orderIds)];
    const results = new Map<string, unknown>();
    // A few at a time: each release is a conditional write and a Step Functions call.
    for (let start = 0; start < orderIds.length; start += 10) {
      await Promise.all(
        orderIds.slice(start, start + 10).map(async (orderId) => {
          try {
            const order = await releaseHeldOrder(await sellerOrder(sellerId, orderId));
            results.set(orderId, { orderId, statusCode: 202, status: order.status });
          } catch (error) {
            results.set(orderId, { orderId, ...outcomeOf(error) });
          }
        }),
      );
    }
    return json(200, { results: orderIds.map((orderId) => results.get(orderId)) });
  },
});

export const retryOrderRoute = defineRoute({
  method: 'POST',
  path: '/orders/{orderId}/retry',
  operationId: 'retryOrder',
  summary: 'Retry a FAILED_TO_RELEASE, OUT_OF_STOCK or PAYMENT_FAILED order from the step that failed',
  tag: TAG,
  auth: 'sellerApiKey',
  responses: {
    202: { description: 'a new execution was started', schema: retryAcceptedSchema },
    404: { description: 'no such order for this seller' },
    409: { description: 'the order is not retryable, or another retry started first' },
  },
  async handle({ params, sellerId }) {
    const claim = await retryOrder(await sellerOrder(sellerId, params.orderId));
    return json(202, {
      orderId: claim.order.orderId,
      status: claim.order.status,
      attempt: claim.attempt,
      executionName: claim.executionName,
    });
  },
});
