import { skuSchema } from '../../shared/domain/order.js';
import * as z from 'zod';
import { getStock, listStock, setStock } from '../../shared/store/inventory.js';
import { putSkuMapping } from '../../shared/store/sku-mappings.js';
import { ApiError, json, validate } from '../http.js';
import { defineRoute } from '../route.js';
import { skuMappingBodySchema, skuMappingSchema, stockBodySchema, stockSchema } from '../schemas.js';

/** The SKU in the path; a client that percent-encoded it gets the same SKU back. */
function skuParam(value: string | undefined): string {
  let sku = value ?? '';
  if (sku.includes('%')) {
    try {
      sku = decodeURIComponent(sku);
    } catch {
      // left as sent; the pattern below refuses it
    }
  }
  return validate(skuSchema, sku, 'path');
}

export const putStockRoute = defineRoute({
  method: 'PUT',
  path: '/inventory/{sku}',
  operationId: 'setStock',
  summary: 'Set the stock on hand that is free to reserve (reserved units stay reserved)',
  tag: 'inventory',
  auth: 'sellerApiKey',
  body: stockBodySchema,
  responses: { 200: { description: 'the stock after the change', schema: stockSchema } },
  async handle({ params, sellerId, body }) {
    return json(200, await setStock(sellerId, skuParam(params.sku), body.available));
  },
});

export const getStockRoute = defineRoute({
  method: 'GET',
  path: '/inventory/{sku}',
  operationId: 'getStock',
  summary: 'Stock of one SKU',
  tag: 'inventory',
  auth: 'sellerApiKey',
  responses: {
    200: { description: 'available and reserved units', schema: stockSchema },
    404: { description: 'this seller has no stock record for the SKU' },
  },
  async handle({ params, sellerId }) {
    const sku = skuParam(params.sku);
    const stock = await getStock(sellerId, sku);
    if (!stock) throw new ApiError(404, 'not_found', `no stock record for ${sku}`);
    return json(200, stock);
  },
});

export const putSkuMappingRoute = defineRoute({
  method: 'PUT',
  path: '/sku-mappings/{kind}/{id}',
  operationId: 'mapProductToSku',
  summary:
    "Map a storefront product or variant (kind `product` or `variant`, the storefront's id) to one of " +
    'your SKUs: lines of it without a SKU, or with one you do not stock, take this SKU, in later orders ' +
    'too; retry an order waiting with reason unknown_sku to carry it on',
  tag: 'inventory',
  auth: 'sellerApiKey',
  body: skuMappingBodySchema,
  responses: { 200: { description: 'the mapping', schema: skuMappingSchema } },
  async handle({ params, sellerId, body }) {
    const { kind, id } = validate(skuMappingSchema.pick({ kind: true, id: true }), params, 'path');
    return json(200, await putSkuMapping(sellerId, { kind, id, sku: body.sku }));
  },
});

const stockListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: skuSchema.optional().describe('the nextCursor of the page before'),
});

export const listStockRoute = defineRoute({
  method: 'GET',
  path: '/inventory',
  operationId: 'listStock',
  summary: 'Your SKUs with their available and reserved units, in SKU order, a page at a time',
  tag: 'inventory',
  auth: 'sellerApiKey',
  query: stockListQuerySchema,
  responses: {
    200: {
      description: 'a page of stock records',
      schema: z.object({ items: z.array(stockSchema), nextCursor: z.string().optional() }),
    },
  },
  async handle({ sellerId, query }) {
    const page = await listStock(sellerId, query.limit, query.cursor);
    return json(200, { items: page.items, ...(page.next ? { nextCursor: page.next } : {}) });
  },
});
