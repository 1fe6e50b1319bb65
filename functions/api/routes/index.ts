import { tableReachable } from '../../shared/store/health.js';
import { ApiError, json } from '../http.js';
import { openApiDocument } from '../openapi.js';
import { defineRoute, type Route } from '../route.js';
import { healthSchema, openApiDocumentSchema } from '../schemas.js';
import { invoiceBatchRoute, invoiceRoute, packingSlipBatchRoute, packingSlipRoute } from './documents.js';
import { getStockRoute, listStockRoute, putSkuMappingRoute, putStockRoute } from './inventory.js';
import {
  bulkReleaseRoute,
  cancelOrderRoute,
  countOrdersRoute,
  createOrderRoute,
  exportOrdersRoute,
  getOrderLabelRoute,
  getOrderRoute,
  holdOrderRoute,
  patchOrderRoute,
  releaseOrderRoute,
  retryOrderRoute,
  searchOrdersRoute,
} from './orders.js';
import { easypostWebhook, shippoWebhook, stripeWebhook } from './provider-webhooks.js';
import {
  createWebhookEndpointRoute,
  deleteWebhookEndpointRoute,
  listDeliveriesRoute,
  listWebhookEndpointsRoute,
  replayDeliveryRoute,
} from './webhook-endpoints.js';
import { getSessionRoute, signInRoute, signOutRoute } from './sessions.js';
import { getSettingsRoute, patchSettingsRoute } from './settings.js';
import { genericWebhook, shopifyWebhook } from './webhooks.js';

const healthRoute = defineRoute({
  method: 'GET',
  path: '/health',
  operationId: 'health',
  summary: 'Ready when the order table answers',
  tag: 'system',
  auth: 'none',
  responses: {
    200: { description: 'ready', schema: healthSchema },
    503: { description: 'the order table does not answer' },
  },
  async handle() {
    if (!(await tableReachable())) throw new ApiError(503, 'unavailable', 'the order table does not answer');
    return json(200, { status: 'ok' });
  },
});

const openApiRoute = defineRoute({
  method: 'GET',
  path: '/openapi.json',
  operationId: 'openapi',
  summary: 'This API described in OpenAPI 3.1',
  tag: 'system',
  auth: 'none',
  responses: { 200: { description: 'the OpenAPI document', schema: openApiDocumentSchema } },
  async handle() {
    return json(200, openApiDocument(routes));
  },
});

/** Every route the API serves: the router's table and the source of /openapi.json. */
export const routes: readonly Route[] = [
  healthRoute,
  openApiRoute,
  shopifyWebhook,
  genericWebhook,
  stripeWebhook,
  easypostWebhook,
  shippoWebhook,
  signInRoute,
  getSessionRoute,
  signOutRoute,
  createOrderRoute,
  searchOrdersRoute,
  countOrdersRoute,
  exportOrdersRoute,
  getOrderRoute,
  getOrderLabelRoute,
  patchOrderRoute,
  cancelOrderRoute,
  holdOrderRoute,
  releaseOrderRoute,
  bulkReleaseRoute,
  retryOrderRoute,
  invoiceRoute,
  packingSlipRoute,
  packingSlipBatchRoute,
  invoiceBatchRoute,
  putStockRoute,
  listStockRoute,
  getStockRoute,
  putSkuMappingRoute,
  createWebhookEndpointRoute,
  listWebhookEndpointsRoute,
  deleteWebhookEndpointRoute,
  listDeliveriesRoute,
  replayDeliveryRoute,
  getSettingsRoute,
  patchSettingsRoute,
];
