import { ENV } from '../config.js';
import { ProviderUnavailableError, providerRequest } from './http.js';

/**
 * Shopify's GraphQL Admin API, for sending fulfillments and tracking back to a seller's shop: named
 * operations POSTed to `https://<shop>/admin/api/<version>/graphql.json` with `X-Shopify-Access-Token`.
 * The version is pinned, so a Shopify release changes nothing until this line does (each version is
 * supported for a year). Locally SHOPIFY_API_URL points at the stand-in (`<url>/<shop>/admin/api/…`).
 */
export const SHOPIFY_ADMIN_API_VERSION = '2025-07';

export interface ShopifyShop {
  shopDomain: string;
  accessToken: string;
}

/** Shopify refused the request for good (a bad token, a missing scope): retrying the same cannot help. */
export class ShopifyRefusedError extends Error {
  override name = 'ShopifyRefusedError';
}

/**
 * The shop's leaky bucket is too empty for the request (`THROTTLED`): try again after `waitMs`, which the
 * cost extensions say (what the request costs minus what is left, at the bucket's restore rate).
 */
export class ShopifyThrottledError extends ProviderUnavailableError {
  override name = 'ShopifyThrottledError';
  constructor(readonly waitMs: number) {
    super(`Shopify THROTTLED: the shop's API bucket refills in ${Math.ceil(waitMs / 1000)} s`, 200);
  }
}

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

interface GraphqlAnswer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[] | string;
  extensions?: { cost?: { requestedQueryCost?: number; throttleStatus?: ThrottleStatus } };
}

/** How long a THROTTLED request waits before the bucket holds what it costs, from Shopify's own numbers. */
export function throttleWaitMs(cost: GraphqlAnswer['extensions']): number {
  const status = cost?.cost?.throttleStatus;
  const requested = cost?.cost?.requestedQueryCost;
  if (!status || !(status.restoreRate > 0) || requested === undefined) return 1_000;
  const missing = Math.max(0, requested - status.currentlyAvailable);
  return Math.max(100, Math.ceil((missing / status.restoreRate) * 1000));
}

export const shopAdminUrl = (shopDomain: string): string => {
  const base = process.env[ENV.shopifyApiUrl];
  const root = base ? `${base.replace(/\/+$/, '')}/${shopDomain}` : `https://${shopDomain}`;
  return `${root}/admin/api/${SHOPIFY_ADMIN_API_VERSION}/graphql.json`;
};

/**
 * Runs one named operation. A THROTTLED answer is waited out here while `waitUntil` (the caller's time
 * left) allows, else thrown as ShopifyThrottledError for the caller to come back later; 429, 5xx and no
 * answer are ProviderUnavailableError (retried); 401, 403 and other top-level errors ShopifyRefusedError.
 */
export async function shopifyGraphql<T>(
  shop: ShopifyShop,
  operationName: string,
  query: string,
  variables: Record<string, unknown>,
  options: { waitUntil: number; sleep?: (ms: number) => Promise<void> },
): Promise<T> {
  const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  for (;;) {
    const answer = await providerRequest({
      provider: 'Shopify',
      method: 'POST',
      url: shopAdminUrl(shop.shopDomain),
      headers: { 'content-type': 'application/json', 'x-shopify-access-token': shop.accessToken },
      body: JSON.stringify({ operationName, query, variables }),
    });
    const body = answer.body as GraphqlAnswer;
    if (answer.status === 401 || answer.status === 403 || answer.status === 404) {
      throw new ShopifyRefusedError(
        `Shopify answered ${answer.status} to ${operationName}: check the shop domain, the access token and its scopes`,
      );
    }
    const errors = Array.isArray(body.errors) ? body.errors : body.errors ? [{ message: body.errors }] : [];
    if (errors.some((error) => error.extensions?.code === 'THROTTLED')) {
      const waitMs = throttleWaitMs(body.extensions);
      if (Date.now() + waitMs >= options.waitUntil) throw new ShopifyThrottledError(waitMs);
      await sleep(waitMs);
      continue;
    }
    if (errors.length || answer.status >= 400 || !body.data) {
      throw new ShopifyRefusedError(
        `Shopify refused ${operationName}: ${errors.map((error) => error.message).join('; ') || `HTTP ${answer.status}`}`,
      );
    }
    return body.data as T;
  }
}

// ---- the operations orderflow sends -------------------------------------------------------------------

export interface TrackingInfo {
  company: string | null;
  number: string | null;
  url: string | null;
}

export interface ShopifyFulfillment {
  id: string;
  status: string;
  createdAt: string;
  trackingInfo: TrackingInfo[];
}

export interface FulfillmentOrderLine {
  id: string;
  remainingQuantity: number;
}

export interface FulfillmentOrder {
  id: string;
  status: string;
  assignedLocation: { location: { id: string } | null } | null;
  lineItems: { nodes: FulfillmentOrderLine[] };
}

export interface UserError {
  field: string[] | null;
  message: string;
}

const TRACKING = 'trackingInfo(first: 10) { company number url }';

export const shopifyOrderGid = (orderId: string): string => `gid://shopify/Order/${orderId}`;

/** The order's fulfillment orders (what is left to fulfil, per line) and the fulfillments it has. */
export async function readOrderFulfillment(
  shop: ShopifyShop,
  shopifyOrderId: string,
  options: { waitUntil: number },
): Promise<{ fulfillmentOrders: FulfillmentOrder[]; fulfillments: ShopifyFulfillment[] } | undefined> {
  const { order } = await shopifyGraphql<{
    order: { fulfillmentOrders: { nodes: FulfillmentOrder[] }; fulfillments: ShopifyFulfillment[] } | null;
  }>(
    shop,
    'OrderFulfillment',
    `query OrderFulfillment($id: ID!) { order(id: $id) {
      fulfillmentOrders(first: 50) { nodes { id status assignedLocation { location { id } }
        lineItems(first: 250) { nodes { id remainingQuantity } } } }
      fulfillments(first: 50) { id status createdAt ${TRACKING} } } }`,
    { id: shopifyOrderGid(shopifyOrderId) },
    options,
  );
  return order
    ? { fulfillmentOrders: order.fulfillmentOrders.nodes, fulfillments: order.fulfillments }
    : undefined;
}

export async function createFulfillment(
  shop: ShopifyShop,
  input: {
    lineItemsByFulfillmentOrder: {
      fulfillmentOrderId: string;
      fulfillmentOrderLineItems: { id: string; quantity: number }[];
    }[];
    trackingInfo: TrackingInfo;
    notifyCustomer: boolean;
  },
  options: { waitUntil: number },
): Promise<{ fulfillment: ShopifyFulfillment | null; userErrors: UserError[] }> {
  const { fulfillmentCreate } = await shopifyGraphql<{
    fulfillmentCreate: { fulfillment: ShopifyFulfillment | null; userErrors: UserError[] };
  }>(
    shop,
    'FulfillmentCreate',
    `mutation FulfillmentCreate($fulfillment: FulfillmentInput!) { fulfillmentCreate(fulfillment: $fulfillment) {
      fulfillment { id status createdAt ${TRACKING} } userErrors { field message } } }`,
    { fulfillment: input },
    options,
  );
  return fulfillmentCreate;
}

export async function readFulfillment(
  shop: ShopifyShop,
  fulfillmentId: string,
  options: { waitUntil: number },
): Promise<ShopifyFulfillment | undefined> {
  const { fulfillment } = await shopifyGraphql<{ fulfillment: ShopifyFulfillment | null }>(
    shop,
    'FulfillmentTracking',
    `query FulfillmentTracking($id: ID!) { fulfillment(id: $id) { id status createdAt ${TRACKING} } }`,
    { id: fulfillmentId },
    options,
  );
  return fulfillment ?? undefined;
}

export async function updateFulfillmentTracking(
  shop: ShopifyShop,
  input: { fulfillmentId: string; trackingInfoInput: TrackingInfo; notifyCustomer: boolean },
  options: { waitUntil: number },
): Promise<{ fulfillment: ShopifyFulfillment | null; userErrors: UserError[] }> {
  const { fulfillmentTrackingInfoUpdate } = await shopifyGraphql<{
    fulfillmentTrackingInfoUpdate: { fulfillment: ShopifyFulfillment | null; userErrors: UserError[] };
  }>(
    shop,
    'FulfillmentTrackingInfoUpdate',
    `mutation FulfillmentTrackingInfoUpdate($fulfillmentId: ID!, $trackingInfoInput: FulfillmentTrackingInput!,
      $notifyCustomer: Boolean) { fulfillmentTrackingInfoUpdate(fulfillmentId: $fulfillmentId,
      trackingInfoInput: $trackingInfoInput, notifyCustomer: $notifyCustomer) {
      fulfillment { id status createdAt ${TRACKING} } userErrors { field message } } }`,
    input,
    options,
  );
  return fulfillmentTrackingInfoUpdate;
}

/** Puts a fulfillment order on hold with a note the merchant sees in Shopify's admin. */
export async function holdFulfillmentOrder(
  shop: ShopifyShop,
  input: { id: string; reasonNotes: string },
  options: { waitUntil: number },
): Promise<{ userErrors: UserError[] }> {
  const { fulfillmentOrderHold } = await shopifyGraphql<{
    fulfillmentOrderHold: { userErrors: UserError[] };
  }>(
    shop,
    'FulfillmentOrderHold',
    `mutation FulfillmentOrderHold($id: ID!, $fulfillmentHold: FulfillmentOrderHoldInput!) {
      fulfillmentOrderHold(id: $id, fulfillmentHold: $fulfillmentHold) {
      fulfillmentOrder { id status } userErrors { field message } } }`,
    { id: input.id, fulfillmentHold: { reason: 'OTHER', reasonNotes: input.reasonNotes } },
    options,
  );
  return fulfillmentOrderHold;
}
