import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../functions/api/handler.js';
import { forgetCachedSellers } from '../../functions/shared/store/sellers.js';
import { startGateway } from '../../infra/local/gateway.js';
import { run } from '../../scripts/seller.js';
import { orderIn } from '../support/order-states.js';
import { apiEvent, lambdaContext, sellerClient, type ApiEventOptions } from '../support/http.js';
import { pdfPages, pdfText } from '../support/pdf-text.js';
import { ACME, DEMO, seedSellers } from '../support/sellers.js';

const demo = sellerClient(DEMO.apiKey);
const acme = sellerClient(ACME.apiKey);

/** The handler's answer with its body as bytes, decoded as API Gateway decodes it. */
async function fetchDocument(apiKey: string, options: Omit<ApiEventOptions, 'headers'>) {
  const result = (await handler(
    apiEvent({ ...options, headers: { authorization: `Bearer ${apiKey}` } }),
    lambdaContext(),
  )) as APIGatewayProxyStructuredResultV2;
  const body = Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8');
  return { ...result, body, headers: (result.headers ?? {}) as Record<string, string> };
}

const getPdf = (path: string, apiKey = DEMO.apiKey) => fetchDocument(apiKey, { method: 'GET', path });
const postBatch = (path: string, orderIds: string[], apiKey = DEMO.apiKey) =>
  fetchDocument(apiKey, { method: 'POST', path, body: { orderIds } });

beforeAll(seedSellers);

describe('GET /orders/{orderId}/documents/…', () => {
  it('answers the invoice as an inline PDF, base64-encoded for API Gateway, with the order in its text', async () => {
    const order = await orderIn('RELEASED', { externalOrderId: 'DOC-1' });

    const answer = await getPdf(`/orders/${order.orderId}/documents/invoice.pdf`);

    expect(answer.statusCode).toBe(200);
    expect(answer.isBase64Encoded).toBe(true);
    expect(answer.headers['content-type']).toBe('application/pdf');
    expect(answer.headers['content-disposition']).toBe(`inline; filename="invoice-${order.orderId}.pdf"`);
    expect(answer.body.subarray(0, 5).toString()).toBe('%PDF-');
    const text = await pdfText(answer.body);
    expect(text).toContain('Invoice');
    expect(text).toContain('Order DOC-1');
    expect(text).toContain(`orderflow id ${order.orderId}`);
    expect(text).toContain('MUG-RED Red mug 1 USD 10.00 USD 10.00');
    expect(text).toContain('Total USD 10.00');
  });

  it('answers the packing slip, without prices', async () => {
    const order = await orderIn('RELEASED', { externalOrderId: 'DOC-2' });

    const answer = await getPdf(`/orders/${order.orderId}/documents/packing-slip.pdf`);

    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-disposition']).toBe(
      `inline; filename="packing-slip-${order.orderId}.pdf"`,
    );
    const text = await pdfText(answer.body);
    expect(text).toContain('Packing slip');
    expect(text).toContain('MUG-RED Red mug 1');
    expect(text).not.toContain('USD');
  });

  it('is 404 for an unknown order, a malformed id and another seller’s order, the same answer each time', async () => {
    const demoOrder = await orderIn('PENDING');

    const answers = [
      await getPdf('/orders/ord_doesnotexist00/documents/invoice.pdf'),
      await getPdf('/orders/not-an-id/documents/packing-slip.pdf'),
      await getPdf(`/orders/${demoOrder.orderId}/documents/invoice.pdf`, ACME.apiKey),
      await getPdf(`/orders/${demoOrder.orderId}/documents/packing-slip.pdf`, ACME.apiKey),
    ];

    for (const answer of answers) {
      expect(answer.statusCode).toBe(404);
      expect(answer.headers['content-type']).toContain('application/json');
      expect(JSON.parse(answer.body.toString()).error.code).toBe('not_found');
    }
  });

  it('needs the seller’s credentials', async () => {
    const order = await orderIn('PENDING');

    const answer = await fetchDocument('not-a-real-key', {
      method: 'GET',
      path: `/orders/${order.orderId}/documents/invoice.pdf`,
    });

    expect(answer.statusCode).toBe(401);
  });
});

describe('the seller on its documents', () => {
  it('shows the business name and address set with `npm run seller -- set-business`, and refuses a bad address', async () => {
    const address = {
      name: 'Acme Handel GmbH',
      line1: 'Lindenstraße 5',
      city: 'Köln',
      postalCode: '50667',
      country: 'DE',
    };
    const order = await orderIn('RELEASED', { sellerId: ACME.sellerId });

    const output = await run([
      'set-business',
      '--id',
      ACME.sellerId,
      '--name',
      'Acme Handel GmbH',
      '--address',
      JSON.stringify(address),
    ]);
    const refused = await run([
      'set-business',
      '--id',
      ACME.sellerId,
      '--address',
      '{"line1": "no city"}',
    ]).catch((error: unknown) => error as Error);
    forgetCachedSellers();
    const text = await pdfText(
      (await getPdf(`/orders/${order.orderId}/documents/invoice.pdf`, ACME.apiKey)).body,
    );

    expect(output).toContain('Acme Handel GmbH');
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toMatch(/^business address: .*city/);
    expect(text).toContain('Acme Handel GmbH');
    expect(text).toContain('Lindenstraße 5');
    expect(text).toContain('50667 Köln');
  });
});

describe('POST /documents/packing-slips and /documents/invoices', () => {
  it('renders every order of the batch in one PDF, each from a page of its own, in request order', async () => {
    const orders = [
      await orderIn('RELEASED', { externalOrderId: 'BATCH-1' }),
      await orderIn('STOCK_RESERVED', { externalOrderId: 'BATCH-2' }),
      await orderIn('ON_HOLD', { externalOrderId: 'BATCH-3' }),
    ];
    const ids = orders.map((order) => order.orderId);

    const slips = await postBatch('/documents/packing-slips', [ids[2]!, ids[0]!, ids[1]!, ids[0]!]);
    const invoices = await postBatch('/documents/invoices', ids);

    expect(slips.statusCode).toBe(200);
    expect(slips.headers['content-type']).toBe('application/pdf');
    expect(slips.headers['content-disposition']).toBe('inline; filename="packing-slips-3-orders.pdf"');
    const slipPages = await pdfPages(slips.body);
    expect(slipPages.map((page) => /Order (BATCH-\d)/.exec(page)?.[1])).toEqual([
      'BATCH-3',
      'BATCH-1',
      'BATCH-2',
    ]);
    expect(slipPages.every((page) => page.startsWith('Packing slip'))).toBe(true);
    const invoicePages = await pdfPages(invoices.body);
    expect(invoicePages).toHaveLength(3);
    expect(invoicePages.every((page) => page.startsWith('Invoice'))).toBe(true);
  });

  it('is 404 naming every unknown or other seller’s id, and renders nothing', async () => {
    const mine = await orderIn('RELEASED');
    const theirs = await orderIn('RELEASED', { sellerId: ACME.sellerId });

    const answer = await postBatch('/documents/packing-slips', [
      mine.orderId,
      theirs.orderId,
      'ord_unknown0000000',
    ]);

    expect(answer.statusCode).toBe(404);
    const { error } = JSON.parse(answer.body.toString());
    expect(error.code).toBe('not_found');
    expect(error.message).toContain(theirs.orderId);
    expect(error.message).toContain('ord_unknown0000000');
    expect(error.message).not.toContain(mine.orderId);
    expect(error.details).toEqual([
      { field: 'orderIds.1', message: `order ${theirs.orderId} not found` },
      { field: 'orderIds.2', message: 'order ord_unknown0000000 not found' },
    ]);
  });

  it('refuses an empty batch and one over 100 orders (400), before reading any order', async () => {
    const empty = await demo.post('/documents/packing-slips', { orderIds: [] });
    const tooMany = await demo.post('/documents/invoices', {
      orderIds: Array.from({ length: 101 }, (_, index) => `ord_unknown${String(index).padStart(8, '0')}`),
    });
    const notAList = await acme.post('/documents/packing-slips', { orderIds: 'ord_x' });

    expect(empty.statusCode).toBe(400);
    expect(empty.json.error.details[0].field).toBe('orderIds');
    expect(tooMany.statusCode).toBe(400);
    expect(notAList.statusCode).toBe(400);
  });
});

describe('through the local gateway', () => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    gateway = await startGateway({ port: 0, handler: (event) => handler(event, lambdaContext()) });
  });
  afterAll(() => gateway.stop());

  it('sends the PDF’s bytes, decoded from the function’s base64', async () => {
    const order = await orderIn('RELEASED', { externalOrderId: 'GW-1' });

    const response = await fetch(`${gateway.url}/orders/${order.orderId}/documents/packing-slip.pdf`, {
      headers: { authorization: `Bearer ${DEMO.apiKey}` },
    });
    const bytes = new Uint8Array(await response.arrayBuffer());

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(bytes.subarray(0, 5)).toString()).toBe('%PDF-');
    expect(await pdfText(bytes)).toContain('Order GW-1');
  });
});
