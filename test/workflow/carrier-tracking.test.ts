import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '../../functions/shared/domain/order.js';
import { setStock } from '../../functions/shared/store/inventory.js';
import { createOrder, getOrder } from '../../functions/shared/store/orders.js';
import {
  putSeller,
  setProviderCredentials,
  setProviders,
  setShipFrom,
} from '../../functions/shared/store/seller-admin.js';
import { startExecution } from '../../functions/shared/workflow.js';
import {
  signEasyPostWebhook,
  signShippoWebhook,
  startEasyPostStandIn,
  startShippoStandIn,
  type EasyPostStandIn,
  type ShippoStandIn,
} from '../../infra/local/standins/carriers.js';
import { call } from '../support/http.js';
import { newOrder } from '../support/orders.js';
import { startWorkflowHarness, type WorkflowHarness } from '../support/workflow.js';

let harness: WorkflowHarness;
let easypost: EasyPostStandIn;
let shippo: ShippoStandIn;
const SECRET = 'carrier-webhook-secret-0001';

beforeAll(async () => {
  // Parcels stay where a test puts them: only pushed news moves an order here.
  [easypost, shippo] = await Promise.all([
    startEasyPostStandIn({ autoProgress: false }),
    startShippoStandIn({ autoProgress: false }),
  ]);
  process.env.EASYPOST_API_URL = easypost.url;
  process.env.SHIPPO_API_URL = shippo.url;
  harness = await startWorkflowHarness();
  // Slower than the harness's default, so polls (the fallback) come seconds apart and the pushes land first.
  process.env.ORDERFLOW_TIME_SCALE = '100000';
  for (const carrier of ['easypost', 'shippo'] as const) {
    const sellerId = `tracks-${carrier}`;
    await putSeller({ sellerId, originCountry: 'US', webhookSecrets: [] });
    await setProviders(sellerId, { carrier });
    await setProviderCredentials(sellerId, carrier, {
      apiKey: carrier === 'easypost' ? 'EZTKtrackingkey01' : 'shippo_test_tracking01',
      webhookSecrets: ['an-older-secret-000001', SECRET],
    });
    await setShipFrom(sellerId, {
      name: 'Warehouse',
      line1: '100 Dock Rd',
      city: 'Springfield',
      region: 'IL',
      postalCode: '62702',
      country: 'US',
    });
    await setStock(sellerId, 'MUG', 100);
  }
});
afterAll(async () => {
  await harness.stop();
  await Promise.all([easypost.stop(), shippo.stop()]);
});

/** A new order of the seller, once shipped and (with `waiting`) once the workflow waits for the push. */
async function shipped(sellerId: string, waiting = false): Promise<Order> {
  const order = newOrder({ sellerId, items: [{ sku: 'MUG', quantity: 1 }] });
  await createOrder(order, []);
  await startExecution(order);
  for (let tries = 0; tries < 500; tries++) {
    const current = (await getOrder(order.orderId))!;
    if (current.shipment && (!waiting || current.deliveryWait?.taskToken)) return current;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`order ${order.orderId} never shipped`);
}

interface Carrier {
  name: 'easypost' | 'shippo';
  /** The carrier's webhook body for a status, as it would post it. */
  event: (trackingNumber: string, status: string) => Record<string, unknown>;
  sign: (body: string, secret: string) => Record<string, string>;
  statuses: { inTransit: string; delivered: string; returned: string };
}

const CARRIERS: Carrier[] = [
  {
    name: 'easypost',
    event: (number, status) => easypost.track(number, status),
    sign: (body, secret) => ({ 'x-hmac-signature': signEasyPostWebhook(body, secret) }),
    statuses: { inTransit: 'in_transit', delivered: 'delivered', returned: 'return_to_sender' },
  },
  {
    name: 'shippo',
    event: (number, status) => shippo.track(number, status),
    sign: (body, secret) => ({ 'shippo-auth-signature': signShippoWebhook(body, secret) }),
    statuses: { inTransit: 'TRANSIT', delivered: 'DELIVERED', returned: 'RETURNED' },
  },
];

describe.each(CARRIERS)('tracking pushed by $name', (carrier) => {
  const sellerId = `tracks-${carrier.name}`;
  const push = (body: string, secret = SECRET) =>
    call({
      method: 'POST',
      path: `/webhooks/${carrier.name}/${sellerId}`,
      headers: carrier.sign(body, secret),
      body,
    });

  it('moves the order forward on verified news, once per event, never back, and the workflow ends', async () => {
    const order = await shipped(sellerId, true);
    const number = order.shipment!.trackingNumber;
    const inTransit = JSON.stringify(carrier.event(number, carrier.statuses.inTransit));
    const delivered = JSON.stringify(carrier.event(number, carrier.statuses.delivered));
    const lateInTransit = JSON.stringify(carrier.event(number, carrier.statuses.inTransit));

    const first = await push(inTransit);
    const waitingAfterNews = (await getOrder(order.orderId))!;
    const runningAfterNews = harness.stepFunctions.engine.running().includes(order.orderId);
    const arrived = await push(delivered);
    const repeat = await push(delivered);
    const late = await push(lateInTransit);
    const execution = await harness.stepFunctions.engine.awaitExecution(order.orderId, 60_000);
    const stored = (await getOrder(order.orderId))!;

    expect(first.json).toMatchObject({ duplicate: false, orderId: order.orderId, outcome: 'IN_TRANSIT' });
    // News on the way is recorded; the workflow goes on waiting for the final status.
    expect(waitingAfterNews.status).toBe('IN_TRANSIT');
    expect(waitingAfterNews.deliveryWait?.taskToken).toEqual(expect.any(String));
    expect(runningAfterNews).toBe(true);
    expect(arrived.json).toMatchObject({ duplicate: false, outcome: 'DELIVERED' });
    expect(repeat.json).toMatchObject({ duplicate: true, outcome: 'DELIVERED' });
    expect(late.json).toMatchObject({ duplicate: false, outcome: 'ignored: the order is DELIVERED already' });
    expect(execution.status).toBe('SUCCEEDED');
    expect(stored.status).toBe('DELIVERED');
    expect(stored.history.filter((entry) => entry.status === 'DELIVERED')).toHaveLength(1);
    expect(stored.shipment!.deliveredAt).toEqual(expect.any(String));
    // The push ended the wait: the carrier was never polled, and the token is forgotten once sent.
    expect(harness.stepFunctions.engine.statesEntered(order.orderId).slice(-3)).toEqual([
      'AwaitDelivery',
      'DeliveryState',
      'Delivered',
    ]);
    expect(stored.deliveryWait).not.toHaveProperty('taskToken');
  });

  it('ends in DELIVERY_EXCEPTION when the parcel goes back to the sender', async () => {
    const order = await shipped(sellerId, true);

    const answer = await push(
      JSON.stringify(carrier.event(order.shipment!.trackingNumber, carrier.statuses.returned)),
    );
    const execution = await harness.stepFunctions.engine.awaitExecution(order.orderId, 60_000);
    const stored = (await getOrder(order.orderId))!;

    expect(answer.json).toMatchObject({ outcome: 'DELIVERY_EXCEPTION' });
    expect(execution.status).toBe('SUCCEEDED');
    expect(stored.status).toBe('DELIVERY_EXCEPTION');
    expect(stored.history.at(-1)).toMatchObject({
      status: 'DELIVERY_EXCEPTION',
      reason: 'returned_to_sender',
    });
    expect(harness.stepFunctions.engine.statesEntered(order.orderId)).not.toContain('PollDelivery');
  });

  it('refuses a wrong signature or a malformed body, and ignores a parcel it does not ship', async () => {
    const order = await shipped(sellerId);
    const body = JSON.stringify(carrier.event(order.shipment!.trackingNumber, carrier.statuses.delivered));
    const stranger = JSON.stringify({
      ...JSON.parse(body),
      ...(carrier.name === 'easypost'
        ? {
            id: 'evt_stranger_0001',
            result: { object: 'Tracker', tracking_code: 'NOT-OURS', status: 'delivered' },
          }
        : {
            data: { tracking_number: 'NOT-OURS', tracking_status: { status: 'DELIVERED', object_id: 'x1' } },
          }),
    });

    const forged = await push(body, 'not-the-secret-at-all');
    const tampered = await call({
      method: 'POST',
      path: `/webhooks/${carrier.name}/${sellerId}`,
      headers: carrier.sign(body, SECRET),
      body: body.replace(carrier.statuses.delivered, carrier.statuses.returned),
    });
    const malformed = await push('{"id": 1}');
    const unknown = await push(stranger);

    expect([forged.statusCode, tampered.statusCode, malformed.statusCode]).toEqual([401, 401, 400]);
    expect(unknown.json.outcome).toBe('ignored: no order ships with this tracking number');
    // Nothing pushed moved it (the fallback poll may have found it in transit meanwhile).
    expect(['SHIPPED', 'IN_TRANSIT']).toContain((await getOrder(order.orderId))!.status);
  });
});
