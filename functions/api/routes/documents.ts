import type { Order } from '../../shared/domain/order.js';
import { NotFoundError } from '../../shared/errors.js';
import { getSellerCached } from '../../shared/store/sellers.js';
import type { DocumentKind } from '../documents/render.js';
import { ApiError, binary } from '../http.js';
import { defineRoute } from '../route.js';
import { sellerOrder } from './orders.js';
import { documentBatchSchema, MAX_DOCUMENT_BATCH, pdfSchema } from '../schemas.js';

/** Invoices and packing slips as PDF, for one order or a batch (one order per page, or more as needed). */

const TAG = 'documents';
const PDF = 'application/pdf';

const pdfResponse = (description: string) => ({ description, contentType: PDF, schema: pdfSchema });

/** The PDF, shown in the browser rather than downloaded, under a name that says what it is. */
const pdfAnswer = (pdf: Uint8Array, filename: string) =>
  binary(200, pdf, PDF, {
    'content-disposition': `inline; filename="${filename}"`,
    'cache-control': 'private, no-store',
  });

async function render(kind: DocumentKind, sellerId: string, orders: Order[]): Promise<Uint8Array> {
  const seller = await getSellerCached(sellerId);
  if (!seller) throw new ApiError(401, 'unauthorized', 'the API key belongs to no seller');
  // pdf-lib (about 500 KB of the bundle) is loaded by the first request that renders, not by every cold start.
  const { renderDocuments } = await import('../documents/render.js');
  return renderDocuments(kind, orders, seller);
}

/** The seller's orders of the batch, in request order; every unknown (or another seller's) id is named. */
async function sellerOrders(sellerId: string, orderIds: readonly string[]): Promise<Order[]> {
  const unique = [...new Set(orderIds)];
  const found = new Map<string, Order>();
  const missing: string[] = [];
  // A few reads at a time, as the bulk release does.
  for (let start = 0; start < unique.length; start += 10) {
    await Promise.all(
      unique.slice(start, start + 10).map(async (orderId) => {
        try {
          found.set(orderId, await sellerOrder(sellerId, orderId));
        } catch (error) {
          const notFound =
            error instanceof NotFoundError || (error instanceof ApiError && error.statusCode === 404);
          if (!notFound) throw error;
          missing.push(orderId);
        }
      }),
    );
  }
  if (missing.length) {
    const named = unique.filter((orderId) => missing.includes(orderId));
    throw new ApiError(
      404,
      'not_found',
      `${named.length === 1 ? 'order' : 'orders'} not found: ${named.join(', ').slice(0, 300)}`,
      named.slice(0, 20).map((orderId) => ({
        field: `orderIds.${orderIds.indexOf(orderId)}`,
        message: `order ${orderId.slice(0, 100)} not found`,
      })),
    );
  }
  return unique.map((orderId) => found.get(orderId)!);
}

function singleRoute(kind: DocumentKind, operationId: string, summary: string) {
  return defineRoute({
    method: 'GET',
    path: `/orders/{orderId}/documents/${kind}.pdf`,
    operationId,
    summary,
    tag: TAG,
    auth: 'sellerApiKey',
    responses: {
      200: pdfResponse(`the ${kind.replace('-', ' ')} (Content-Disposition: inline)`),
      404: { description: 'no such order for this seller' },
    },
    async handle({ params, sellerId }) {
      const order = await sellerOrder(sellerId, params.orderId);
      return pdfAnswer(await render(kind, sellerId, [order]), `${kind}-${order.orderId}.pdf`);
    },
  });
}

function batchRoute(kind: DocumentKind, path: string, operationId: string, summary: string) {
  return defineRoute({
    method: 'POST',
    path,
    operationId,
    summary,
    tag: TAG,
    auth: 'sellerApiKey',
    body: documentBatchSchema,
    responses: {
      200: pdfResponse(`one PDF, each order from a new page, in request order (repeated ids once)`),
      404: {
        description: `an id is unknown or another seller's: each is named in the error, and nothing is rendered`,
      },
    },
    async handle({ body, sellerId }) {
      const orders = await sellerOrders(sellerId, body.orderIds);
      return pdfAnswer(await render(kind, sellerId, orders), `${kind}s-${orders.length}-orders.pdf`);
    },
  });
}

export const invoiceRoute = singleRoute(
  'invoice',
  'getInvoice',
  "The order's invoice as PDF: seller, order numbers, bill-to and ship-to, lines and totals in the order's currency",
);

export const packingSlipRoute = singleRoute(
  'packing-slip',
  'getPackingSlip',
  "The order's packing slip as PDF: ship-to and the shipped lines with SKU and quantity, no prices",
);

export const packingSlipBatchRoute = batchRoute(
  'packing-slip',
  '/documents/packing-slips',
  'getPackingSlips',
  `Packing slips of up to ${MAX_DOCUMENT_BATCH} orders in one PDF`,
);

export const invoiceBatchRoute = batchRoute(
  'invoice',
  '/documents/invoices',
  'getInvoices',
  `Invoices of up to ${MAX_DOCUMENT_BATCH} orders in one PDF`,
);
