import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '../../functions/shared/domain/order.js';
import { sandboxLabels } from '../../functions/shared/providers/labels.js';
import { readLabelRecord } from '../../functions/shared/providers/label-record.js';
import { setStock } from '../../functions/shared/store/inventory.js';
import { createOrder, getOrder } from '../../functions/shared/store/orders.js';
import {
  putSeller,
  setProviderCredentials,
  setProviders,
  setShipFrom,
} from '../../functions/shared/store/seller-admin.js';
import { startExecution } from '../../functions/shared/workflow.js';
import { runAs } from '../../infra/local/aws/index.js';
import { startEasyPostStandIn, type EasyPostStandIn } from '../../infra/local/standins/carriers.js';
import { sellerClient } from '../support/http.js';
import { DELIVERED_HISTORY } from '../support/order-states.js';
import { newOrder } from '../support/orders.js';
import { ACME, DEMO, seedSellers } from '../support/sellers.js';
import { startWorkflowHarness, type WorkflowHarness } from '../support/workflow.js';

/**
 * Label files (issue 11): generate-label stores each label's PDF 4x6 in the label bucket (the SQS
 * emulator's S3 here, as in `npm start`), and the seller downloads it with GET /orders/{orderId}/label.
 */

let harness: WorkflowHarness;
let easypost: EasyPostStandIn;
const s3 = new S3Client({});
const demo = sellerClient(DEMO.apiKey);
const acme = sellerClient(ACME.apiKey);
const EASYPOST_SELLER = 'labels-easypost';

beforeAll(async () => {
  easypost = await startEasyPostStandIn();
  process.env.EASYPOST_API_URL = easypost.url;
  harness = await startWorkflowHarness();
  await seedSellers();
  await putSeller({ sellerId: EASYPOST_SELLER, originCountry: 'US', webhookSecrets: [] });
  await setProviders(EASYPOST_SELLER, { carrier: 'easypost' });
  await setProviderCredentials(EASYPOST_SELLER, 'easypost', { apiKey: 'EZTKstandinkey0002' });
  await setShipFrom(EASYPOST_SELLER, {
    name: 'Warehouse',
    line1: '100 Dock Rd',
    city: 'Springfield',
    region: 'IL',
    postalCode: '62702',
    country: 'US',
  });
  await setStock(EASYPOST_SELLER, 'MUG', 100);
});
afterAll(async () => {
  await harness.stop();
  await easypost.stop();
  s3.destroy();
});

/** The text of every page of a PDF, and the first page's size in points (pdfjs-dist, as a reader sees it). */
async function readPdf(bytes: Uint8Array): Promise<{ text: string; size: number[] }> {
  const document = await getDocument({ data: new Uint8Array(bytes), verbosity: 0 }).promise;
  try {
    const pages: string[] = [];
    for (let number = 1; number <= document.numPages; number++) {
      const content = await (await document.getPage(number)).getTextContent();
      pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
    }
    const [x0, y0, x1, y1] = (await document.getPage(1)).view as [number, number, number, number];
    return { text: pages.join('\n'), size: [x1 - x0, y1 - y0] };
  } finally {
    await document.destroy();
  }
}

async function storedFile(key: string): Promise<{ bytes: Uint8Array; contentType?: string }> {
  const object = await s3.send(new GetObjectCommand({ Bucket: process.env.LABEL_BUCKET!, Key: key }));
  return {
    bytes: await object.Body!.transformToByteArray(),
    ...(object.ContentType ? { contentType: object.ContentType } : {}),
  };
}

/** GET /orders/{orderId}/label through the api handler, run with the deployed api function's role. */
function downloadLabel(client: typeof demo, orderId: string) {
  return runAs({ name: 'api', statements: harness.parity.model.functions.api.statements }, () =>
    client.get(`/orders/${orderId}/label`),
  );
}

async function ship(order: Order): Promise<Order> {
  await createOrder(order, []);
  await startExecution(order);
  const execution = await harness.stepFunctions.engine.awaitExecution(order.orderId, 30_000);
  expect(execution.status).toBe('SUCCEEDED');
  return (await getOrder(order.orderId))!;
}

describe('label files', () => {
  it('a shipped order has its label PDF 4x6 in the bucket, which GET /orders/{id}/label answers', async () => {
    const order = await ship(newOrder({ items: [{ sku: 'MUG-RED', quantity: 1 }] }));
    const { trackingNumber, labelKey, carrier } = order.shipment!;

    const stored = await storedFile(labelKey!);
    const answer = await downloadLabel(demo, order.orderId);
    const body = Buffer.from(answer.body, 'base64');
    const pdf = await readPdf(body);

    expect(order.history.map((entry) => entry.status)).toEqual(DELIVERED_HISTORY);
    expect(labelKey).toBe(`labels/demo/${order.orderId}.pdf`);
    expect(stored.contentType).toBe('application/pdf');
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toBe('application/pdf');
    expect(answer.headers['content-disposition']).toBe(`attachment; filename="label-${order.orderId}.pdf"`);
    expect(body.equals(Buffer.from(stored.bytes))).toBe(true);
    expect(body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.size).toEqual([288, 432]);
    for (const expected of [trackingNumber, order.orderId, order.shippingAddress.name, carrier.toUpperCase()])
      expect(pdf.text).toContain(expected);
    expect(harness.parity.denials.filter((denial) => denial.action.startsWith('s3:'))).toEqual([]);
  });

  it('a retry renders the sandbox label to the same bytes, so it overwrites the key with the same file', async () => {
    const order = await ship(newOrder({ items: [{ sku: 'MUG-RED', quantity: 1 }] }));
    const { labelKey, polls: _polls, deliveredAt: _at, ...label } = order.shipment!;
    const request = {
      idempotencyKey: order.orderId,
      orderId: order.orderId,
      sellerId: order.sellerId,
      method: order.shippingMethod,
      region: order.region,
      address: order.shippingAddress,
    };

    const again = await sandboxLabels.labelFile(await sandboxLabels.buyLabel(request), request);

    expect(Buffer.from(again).equals(Buffer.from((await storedFile(labelKey!)).bytes))).toBe(true);
    expect(await sandboxLabels.buyLabel(request)).toEqual(label);
  });

  it("a real carrier's label file is downloaded from its label URL; a failed download is retried without a second purchase", async () => {
    const order = newOrder({ sellerId: EASYPOST_SELLER, items: [{ sku: 'MUG', quantity: 1 }] });
    const isDownload = (call: { method: string; path: string }) =>
      call.method === 'GET' && call.path.startsWith('/files/');
    // The label is bought, then its file host fails: GenerateLabel fails and the state machine retries it.
    easypost.fail({ match: isDownload, status: 503 });

    const shipped = await ship(order);
    const stored = await storedFile(shipped.shipment!.labelKey!);
    const pdf = await readPdf(stored.bytes);
    const purchases = [...easypost.shipments.values()]
      .filter((shipment) => shipment.reference === order.orderId)
      .reduce((sum, shipment) => sum + (easypost.purchases.get(shipment.id as string) ?? 0), 0);

    expect(shipped.history.at(-1)!.status).toBe('DELIVERED');
    expect(purchases).toBe(1);
    expect(easypost.calls.filter(isDownload).map((call) => call.status)).toEqual([503, 200]);
    expect(pdf.text).toContain(shipped.shipment!.trackingNumber);
    expect(pdf.text).toContain(order.orderId);
    // The carrier's URL stays with the purchase; the order names only the stored copy.
    expect(shipped.shipment).not.toHaveProperty('fileUrl');
    expect((await readLabelRecord(order.orderId))!.label!.fileUrl).toMatch(/\/files\/shp_\w+\.pdf$/);
  });

  it('answers 404 for an order with no label yet, another seller’s order and an unknown id', async () => {
    const pending = newOrder({ items: [{ sku: 'MUG-RED', quantity: 1 }] });
    await createOrder(pending, []);

    const notYet = await downloadLabel(demo, pending.orderId);
    const otherSeller = await downloadLabel(acme, pending.orderId);
    const unknown = await downloadLabel(demo, 'ord_00000000000000000000');

    expect(notYet.statusCode).toBe(404);
    expect(notYet.json.error).toEqual({
      code: 'label_not_found',
      message: `order ${pending.orderId} has no label yet (it is PENDING; labels are bought when it ships)`,
    });
    for (const answer of [otherSeller, unknown]) {
      expect(answer.statusCode).toBe(404);
      expect(answer.json.error.code).toBe('not_found');
    }
  });
});
