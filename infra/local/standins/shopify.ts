import { startStandIn, type StandIn, type StandInRequest, type StandInResponse } from './server.js';

/**
 * A stand-in for the part of Shopify's GraphQL Admin API orderflow uses, at SHOPIFY_API_URL: a shop's
 * API is `<url>/<shop>.myshopify.com/admin/api/<version>/graphql.json`. It keeps, per shop and order, the
 * fulfillment orders with each line's `remainingQuantity` and the fulfillments made, so tests can assert
 * what the shop holds. It answers the named operations orderflow sends (by `operationName`; it parses no
 * GraphQL) with Shopify's shapes:
 *
 * - `X-Shopify-Access-Token: shpat_…` (any such token); anything else is 401
 *   `{"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}`.
 * - `OrderFulfillment(id)`: the order's `fulfillmentOrders` and `fulfillments`; an order the stand-in was
 *   never given is `null`, unless it was started with `autoOrders` (`npm start`), which gives it one open
 *   fulfillment order of one line of quantity 1, as if the shop had it.
 * - `FulfillmentCreate(fulfillment)`: every line's quantity must be at most its `remainingQuantity`
 *   (else userErrors "Invalid fulfillment order line item quantity requested."), every fulfillment order
 *   OPEN or IN_PROGRESS and of one order and location; lines are deducted, a fulfillment order with
 *   nothing left is CLOSED.
 * - `FulfillmentTracking(id)`, `FulfillmentTrackingInfoUpdate(fulfillmentId, trackingInfoInput, notifyCustomer)`,
 *   `FulfillmentOrderHold(id, fulfillmentHold {reason, reasonNotes})` (ON_HOLD, with the note).
 * - A leaky bucket per shop (2,000 points, 100 restored a second, Shopify's Standard plan; 10 points a
 *   query or mutation): every answer carries `extensions.cost`, and a request the bucket cannot pay for
 *   is `{"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]}` with the same
 *   extensions (HTTP 200, as Shopify answers). `drain(shop)` empties the bucket as the next request arrives.
 * - For tests: `beforeNext(operation, hook)` runs `hook` before the next such operation is acted on (the
 *   merchant doing something in the admin meanwhile), `loseNextAnswer(operation)` acts on the next such
 *   operation and answers 500 (a crash between Shopify's work and the caller's record of it), and
 *   `dropTrackingOnNextCreate()` keeps the next fulfillment without its tracking, as some clients have
 *   seen Shopify do.
 */
export interface TrackingInfo {
  company: string | null;
  number: string | null;
  url: string | null;
}

export interface StandInFulfillmentOrder {
  id: string;
  status: 'OPEN' | 'IN_PROGRESS' | 'ON_HOLD' | 'CLOSED' | 'CANCELLED';
  locationId: string;
  lineItems: { id: string; totalQuantity: number; remainingQuantity: number }[];
  holdNotes: string[];
}

export interface StandInFulfillment {
  id: string;
  status: 'SUCCESS';
  createdAt: string;
  trackingInfo: TrackingInfo[];
  notifyCustomer: boolean;
  lineItems: { fulfillmentOrderLineItemId: string; quantity: number }[];
}

export interface StandInShopifyOrder {
  id: string;
  fulfillmentOrders: StandInFulfillmentOrder[];
  fulfillments: StandInFulfillment[];
}

export interface ShopifyStandIn extends StandIn {
  /** Gives the shop an order with one open fulfillment order holding lines of these quantities. */
  addOrder(shop: string, orderId: string, quantities: number[]): StandInShopifyOrder;
  order(shop: string, orderId: string): StandInShopifyOrder | undefined;
  /** Every operation answered, in order: its name and whether it was THROTTLED, refused or done. */
  operations: { shop: string; name: string; outcome: 'done' | 'throttled' | 'user_errors' }[];
  /** Empties the shop's bucket as its next request arrives (other shops' clients took it all). */
  drain(shop: string): void;
  beforeNext(operation: string, hook: () => void): void;
  /** Acts on the next such operation the bucket pays for, then answers 500: the answer lost on the way. */
  loseNextAnswer(operation: string): void;
  dropTrackingOnNextCreate(): void;
}

export const SHOPIFY_BUCKET = { maximumAvailable: 2000, restoreRate: 100, cost: 10 };

const PATH = /^\/([a-z0-9][a-z0-9-]*\.myshopify\.com)\/admin\/api\/(\d{4}-\d{2})\/graphql\.json$/;
const TOKEN = /^shpat_[A-Za-z0-9_]{4,}$/;

const outage = (status: number) => ({ errors: `Internal error (stand-in ${status})` });

let sequence = 0;
const gid = (type: string) => `gid://shopify/${type}/${Date.now()}${String(sequence++).padStart(5, '0')}`;

export async function startShopifyStandIn(
  options: { port?: number; autoOrders?: boolean } = {},
): Promise<ShopifyStandIn> {
  const orders = new Map<string, StandInShopifyOrder>();
  const buckets = new Map<string, { available: number; at: number }>();
  const drained = new Set<string>();
  const hooks: { operation: string; hook: () => void }[] = [];
  const lostAnswers: string[] = [];
  const operations: ShopifyStandIn['operations'] = [];
  let dropTracking = false;

  const keyOf = (shop: string, orderId: string) => `${shop}/${orderId.replace('gid://shopify/Order/', '')}`;

  function addOrder(shop: string, orderId: string, quantities: number[]): StandInShopifyOrder {
    const order: StandInShopifyOrder = {
      id: `gid://shopify/Order/${orderId}`,
      fulfillmentOrders: [
        {
          id: gid('FulfillmentOrder'),
          status: 'OPEN',
          locationId: 'gid://shopify/Location/1',
          lineItems: quantities.map((quantity) => ({
            id: gid('FulfillmentOrderLineItem'),
            totalQuantity: quantity,
            remainingQuantity: quantity,
          })),
          holdNotes: [],
        },
      ],
      fulfillments: [],
    };
    orders.set(keyOf(shop, orderId), order);
    return order;
  }

  /** Takes the request's cost from the shop's bucket, refilled for the time since; false when it cannot. */
  function pay(shop: string): { paid: boolean; available: number } {
    const now = Date.now();
    const bucket = buckets.get(shop) ?? { available: SHOPIFY_BUCKET.maximumAvailable, at: now };
    if (drained.delete(shop)) Object.assign(bucket, { available: 0, at: now });
    bucket.available = Math.min(
      SHOPIFY_BUCKET.maximumAvailable,
      bucket.available + ((now - bucket.at) / 1000) * SHOPIFY_BUCKET.restoreRate,
    );
    bucket.at = now;
    buckets.set(shop, bucket);
    if (bucket.available < SHOPIFY_BUCKET.cost) return { paid: false, available: bucket.available };
    bucket.available -= SHOPIFY_BUCKET.cost;
    return { paid: true, available: bucket.available };
  }

  const fulfillmentView = (f: StandInFulfillment) => ({
    id: f.id,
    status: f.status,
    createdAt: f.createdAt,
    trackingInfo: f.trackingInfo,
  });
  const orderView = (order: StandInShopifyOrder) => ({
    id: order.id,
    fulfillmentOrders: {
      nodes: order.fulfillmentOrders.map((fo) => ({
        id: fo.id,
        status: fo.status,
        assignedLocation: { location: { id: fo.locationId } },
        lineItems: {
          nodes: fo.lineItems.map((line) => ({ id: line.id, remainingQuantity: line.remainingQuantity })),
        },
      })),
    },
    fulfillments: order.fulfillments.map(fulfillmentView),
  });
  const findFulfillment = (id: string) =>
    [...orders.values()].flatMap((order) => order.fulfillments).find((f) => f.id === id);
  const findFulfillmentOrder = (id: string) => {
    for (const order of orders.values()) {
      const fo = order.fulfillmentOrders.find((candidate) => candidate.id === id);
      if (fo) return { order, fo };
    }
    return undefined;
  };
  const userError = (field: string[], message: string) => ({ field, message });
  const tracking = (input: Partial<TrackingInfo> | undefined): TrackingInfo[] =>
    input?.number ? [{ company: input.company ?? null, number: input.number, url: input.url ?? null }] : [];

  type Variables = Record<string, unknown>;
  const resolvers: Record<string, (shop: string, variables: Variables) => Record<string, unknown>> = {
    OrderFulfillment(shop, { id }) {
      const key = keyOf(shop, String(id));
      if (!orders.has(key) && options.autoOrders) addOrder(shop, key.split('/')[1]!, [1]);
      const order = orders.get(key);
      return { order: order ? orderView(order) : null };
    },
    FulfillmentCreate(_shop, { fulfillment }) {
      const input = fulfillment as {
        lineItemsByFulfillmentOrder: {
          fulfillmentOrderId: string;
          fulfillmentOrderLineItems?: { id: string; quantity: number }[];
        }[];
        trackingInfo?: Partial<TrackingInfo>;
        notifyCustomer?: boolean;
      };
      const refuse = (message: string) => ({
        fulfillmentCreate: { fulfillment: null, userErrors: [userError(['fulfillment'], message)] },
      });
      const found = input.lineItemsByFulfillmentOrder.map((group) => ({
        group,
        ...findFulfillmentOrder(group.fulfillmentOrderId),
      }));
      if (found.some(({ fo }) => !fo)) return refuse('Fulfillment order does not exist.');
      const order = found[0]!.order!;
      if (
        found.some(({ order: other, fo }) => other !== order || fo!.locationId !== found[0]!.fo!.locationId)
      )
        return refuse('All fulfillment orders must belong to the same order and location.');
      const closed = found.find(({ fo }) => !['OPEN', 'IN_PROGRESS'].includes(fo!.status));
      if (closed)
        return refuse(
          `Fulfillment order ${closed.fo!.id} has an unfulfillable status= ${closed.fo!.status}.`,
        );
      const deductions: { line: StandInFulfillmentOrder['lineItems'][number]; quantity: number }[] = [];
      for (const { group, fo } of found) {
        const wanted =
          group.fulfillmentOrderLineItems ??
          fo!.lineItems.map((line) => ({
            id: line.id,
            quantity: line.remainingQuantity,
          }));
        for (const { id, quantity } of wanted) {
          const line = fo!.lineItems.find((candidate) => candidate.id === id);
          if (!line || !(quantity > 0) || quantity > line.remainingQuantity)
            return refuse('Invalid fulfillment order line item quantity requested.');
          deductions.push({ line, quantity });
        }
      }
      for (const { line, quantity } of deductions) line.remainingQuantity -= quantity;
      for (const { fo } of found)
        fo!.status = fo!.lineItems.every((line) => line.remainingQuantity === 0) ? 'CLOSED' : 'IN_PROGRESS';
      const made: StandInFulfillment = {
        id: gid('Fulfillment'),
        status: 'SUCCESS',
        createdAt: new Date().toISOString(),
        trackingInfo: dropTracking ? [] : tracking(input.trackingInfo),
        notifyCustomer: input.notifyCustomer ?? false,
        lineItems: deductions.map(({ line, quantity }) => ({
          fulfillmentOrderLineItemId: line.id,
          quantity,
        })),
      };
      dropTracking = false;
      order.fulfillments.push(made);
      return { fulfillmentCreate: { fulfillment: fulfillmentView(made), userErrors: [] } };
    },
    FulfillmentTracking(_shop, { id }) {
      const fulfillment = findFulfillment(String(id));
      return { fulfillment: fulfillment ? fulfillmentView(fulfillment) : null };
    },
    FulfillmentTrackingInfoUpdate(_shop, { fulfillmentId, trackingInfoInput, notifyCustomer }) {
      const fulfillment = findFulfillment(String(fulfillmentId));
      if (!fulfillment)
        return {
          fulfillmentTrackingInfoUpdate: {
            fulfillment: null,
            userErrors: [userError(['fulfillmentId'], 'Fulfillment does not exist.')],
          },
        };
      fulfillment.trackingInfo = tracking(trackingInfoInput as Partial<TrackingInfo>);
      fulfillment.notifyCustomer = notifyCustomer === true;
      return { fulfillmentTrackingInfoUpdate: { fulfillment: fulfillmentView(fulfillment), userErrors: [] } };
    },
    FulfillmentOrderHold(_shop, { id, fulfillmentHold }) {
      const found = findFulfillmentOrder(String(id));
      if (!found || !['OPEN', 'IN_PROGRESS'].includes(found.fo.status))
        return {
          fulfillmentOrderHold: {
            fulfillmentOrder: null,
            userErrors: [userError(['id'], 'The fulfillment order cannot be put on hold.')],
          },
        };
      found.fo.status = 'ON_HOLD';
      found.fo.holdNotes.push(String((fulfillmentHold as { reasonNotes?: string }).reasonNotes ?? ''));
      return {
        fulfillmentOrderHold: {
          fulfillmentOrder: { id: found.fo.id, status: found.fo.status },
          userErrors: [],
        },
      };
    },
  };

  function handle(request: StandInRequest): StandInResponse {
    const path = PATH.exec(request.path);
    if (request.method !== 'POST' || !path) return { status: 404, body: { errors: 'Not Found' } };
    if (!TOKEN.test(request.headers['x-shopify-access-token'] ?? ''))
      return {
        status: 401,
        body: { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' },
      };
    const shop = path[1]!;
    const { operationName, variables = {} } = (request.json ?? {}) as {
      operationName?: string;
      variables?: Variables;
    };
    const resolver = operationName ? resolvers[operationName] : undefined;
    if (!resolver)
      return { status: 200, body: { errors: [{ message: `the stand-in does not know ${operationName}` }] } };
    const { paid, available } = pay(shop);
    const cost = (actual: number | null) => ({
      cost: {
        requestedQueryCost: SHOPIFY_BUCKET.cost,
        actualQueryCost: actual,
        throttleStatus: {
          maximumAvailable: SHOPIFY_BUCKET.maximumAvailable,
          currentlyAvailable: Math.floor(available),
          restoreRate: SHOPIFY_BUCKET.restoreRate,
        },
      },
    });
    if (!paid) {
      operations.push({ shop, name: operationName!, outcome: 'throttled' });
      return {
        status: 200,
        body: {
          errors: [
            {
              message: 'Throttled',
              extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' },
            },
          ],
          extensions: cost(null),
        },
      };
    }
    const hook = hooks.findIndex((planned) => planned.operation === operationName);
    if (hook >= 0) hooks.splice(hook, 1)[0]!.hook();
    const data = resolver(shop, variables);
    const refused = Object.values(data).some(
      (value) => (value as { userErrors?: unknown[] } | null)?.userErrors?.length,
    );
    operations.push({ shop, name: operationName!, outcome: refused ? 'user_errors' : 'done' });
    const lost = lostAnswers.indexOf(operationName!);
    if (lost >= 0) {
      lostAnswers.splice(lost, 1);
      return { status: 500, body: outage(500) };
    }
    return { status: 200, body: { data, extensions: cost(SHOPIFY_BUCKET.cost) } };
  }

  const server = await startStandIn('Shopify', handle, outage, options.port ? { port: options.port } : {});
  return {
    ...server,
    operations,
    addOrder,
    order: (shop, orderId) => orders.get(keyOf(shop, orderId)),
    drain: (shop) => drained.add(shop),
    beforeNext: (operation, hook) => hooks.push({ operation, hook }),
    loseNextAnswer: (operation) => lostAnswers.push(operation),
    dropTrackingOnNextCreate: () => (dropTracking = true),
  };
}
