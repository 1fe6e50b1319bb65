import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { getOrder } from '../../functions/shared/store/orders.js';
import { apiEvent, call, invoke, sellerClient, type ApiAnswer } from '../support/http.js';
import { orderInput } from '../support/orders.js';
import { DEMO, seedSellers } from '../support/sellers.js';
import { openApiDocument } from '../../functions/api/openapi.js';
import type { Route } from '../../functions/api/route.js';
import { routes } from '../../functions/api/routes/index.js';
import {
  authenticWebhookRequests,
  HEADERS_READ,
  malformedRequests,
  naughty,
  STRICT_FIELDS,
  withPath,
  type Body,
} from '../support/malformed-input.js';
import { mockStepFunctions } from '../support/step-functions.js';
import { countItems } from '../support/table.js';

const stepFunctions = mockStepFunctions();
const demo = sellerClient(DEMO.apiKey);

beforeAll(seedSellers);
afterEach(() => stepFunctions.reset());

const AUTH = { authorization: `Bearer ${DEMO.apiKey}` };

const createOrderEvent = (body: string | Buffer | Body, headers: Record<string, string> = {}) =>
  apiEvent({ method: 'POST', path: '/orders', headers: { ...AUTH, ...headers }, body });

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

describe('bad input', () => {
  it('answers hundreds of malformed requests with 4xx only, writes nothing, and keeps serving', async () => {
    const before = await countItems();
    const events = malformedRequests(DEMO).map(({ label, request, expected }) => ({
      label,
      event: apiEvent(request),
      expected,
    }));
    const answers = await sendAll(events.map(({ event }) => event));

    expect(events.length).toBeGreaterThanOrEqual(1500);
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
      expect(answer.statusCode).toBeLessThan(500);
      if (answer.statusCode >= 400) {
        expect(answer.json.error).toEqual(
          expect.objectContaining({ code: expect.any(String), message: expect.any(String) }),
        );
      }
      expect(answer.body).not.toMatch(/\bat .+\.(ts|js):\d+/);
    }
    expect(await countItems()).toBe(before);
    expect(stepFunctions.started.size).toBe(0);
    expect((await call({ method: 'GET', path: '/health' })).statusCode).toBe(200);
    expect((await demo.post('/orders', orderInput())).statusCode).toBe(201);
  });

  it('covers every route, every header the API reads and every query parameter it documents', () => {
    const corpus = malformedRequests(DEMO);
    const document = openApiDocument(routes) as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
    };

    const reached = (route: Route) => {
      const pattern = new RegExp(`^${route.path.replace(/\{\w+\}/g, '[^/]+').replace(/\./g, '\\.')}$`);
      return corpus.filter(({ request }) => request.method === route.method && pattern.test(request.path));
    };
    for (const route of routes) {
      const requests = reached(route);
      expect(requests.length, `${route.method} ${route.path}`).toBeGreaterThan(0);
      const parameters = document.paths[route.path]![route.method.toLowerCase()]!.parameters ?? [];
      for (const { name, in: where } of parameters.filter((parameter) => parameter.in !== 'path')) {
        const sent = requests.filter(({ request }) =>
          where === 'query'
            ? request.query && name in request.query
            : Object.keys(request.headers).includes(name.toLowerCase()),
        );
        expect(sent.length, `${route.method} ${route.path} ${where} ${name}`).toBeGreaterThan(0);
      }
    }
    for (const name of HEADERS_READ) {
      expect(
        corpus.some(({ request }) => name in request.headers),
        name,
      ).toBe(true);
    }
  });

  it('stores every authentic storefront order that only lacks what a seller can fix (2xx, never 4xx/5xx)', async () => {
    const cases = authenticWebhookRequests(DEMO);

    const answers = await sendAll(cases.map(({ request }) => apiEvent(request)));

    expect(cases.length).toBeGreaterThan(50);
    const unexpected = answers
      .map((answer, index) => ({ label: cases[index]!.label, status: answer.statusCode, body: answer.body }))
      .filter(({ status }) => status !== 202);
    expect(unexpected).toEqual([]);
    const stored = await Promise.all(answers.map((answer) => getOrder(answer.json.orderId)));
    expect(stored.every((order) => order !== undefined)).toBe(true);
    expect(stepFunctions.started.size).toBe(cases.length);
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
