import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '../../functions/shared/domain/order.js';
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
import {
  startEasyPostStandIn,
  startShippoStandIn,
  type EasyPostStandIn,
  type ShippoStandIn,
} from '../../infra/local/standins/carriers.js';
import type { StandIn } from '../../infra/local/standins/server.js';
import { DELIVERED_HISTORY } from '../support/order-states.js';
import { newOrder } from '../support/orders.js';
import { startWorkflowHarness, type WorkflowHarness } from '../support/workflow.js';

let harness: WorkflowHarness;
let easypost: EasyPostStandIn;
let shippo: ShippoStandIn;

beforeAll(async () => {
  [easypost, shippo] = await Promise.all([startEasyPostStandIn(), startShippoStandIn()]);
  // Configuration only: the adapters are the ones that call the real APIs on AWS.
  process.env.EASYPOST_API_URL = easypost.url;
  process.env.SHIPPO_API_URL = shippo.url;
  harness = await startWorkflowHarness();
  for (const [sellerId, apiKey] of [
    ['ships-easypost', 'EZTKstandinkey0001'],
    ['ships-shippo', 'shippo_test_standin0001'],
  ] as const) {
    const carrier = sellerId === 'ships-easypost' ? 'easypost' : 'shippo';
    await putSeller({ sellerId, originCountry: 'US', webhookSecrets: [] });
    await setProviders(sellerId, { carrier });
    await setProviderCredentials(sellerId, carrier, { apiKey });
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

async function place(sellerId: string, overrides: Parameters<typeof newOrder>[0] = {}): Promise<Order> {
  const order = newOrder({ sellerId, items: [{ sku: 'MUG', quantity: 1 }], ...overrides });
  await createOrder(order, []);
  await startExecution(order);
  return order;
}

async function settle(order: Order) {
  const execution = await harness.stepFunctions.engine.awaitExecution(order.orderId, 30_000);
  const stored = (await getOrder(order.orderId))!;
  const dlq = (await harness.dlqMessages()).filter((message) => message.orderId === order.orderId);
  return { execution, stored, statuses: stored.history.map((entry) => entry.status), dlq };
}

/** A real carrier's parcel is seen in transit by a poll (the stand-in moves it a step per read) before it arrives. */
const TRACKED_HISTORY = [...DELIVERED_HISTORY.slice(0, -1), 'IN_TRANSIT', 'DELIVERED'];

interface Carrier {
  sellerId: string;
  standIn: () => StandIn;
  /** The labels the provider sold for this order. */
  labelsSold: (order: Order) => number;
  /** The provider's create-shipment and purchase calls. */
  createPath: string;
  isPurchase: (call: { method: string; path: string }) => boolean;
  addressMessage: RegExp;
}

const CARRIERS: Carrier[] = [
  {
    sellerId: 'ships-easypost',
    standIn: () => easypost,
    labelsSold: (order) =>
      [...easypost.shipments.values()]
        .filter((shipment) => shipment.reference === order.orderId)
        .reduce((sum, shipment) => sum + (easypost.purchases.get(shipment.id as string) ?? 0), 0),
    createPath: '/v2/shipments',
    isPurchase: (c) => c.method === 'POST' && c.path.endsWith('/buy'),
    addressMessage: /EasyPost: Address not found/,
  },
  {
    sellerId: 'ships-shippo',
    standIn: () => shippo,
    labelsSold: (order) => shippo.transactions.filter((t) => t.metadata === order.orderId).length,
    createPath: '/shipments',
    isPurchase: (c) => c.method === 'POST' && c.path === '/transactions',
    addressMessage: /could not be found/,
  },
];

describe.each(CARRIERS)('labels from $sellerId through the workflow', (carrier) => {
  it('checks the address at release, keeps the shipment, buys one label and delivers', async () => {
    const order = await place(carrier.sellerId, { shippingMethod: 'express' });

    const { execution, stored, statuses } = await settle(order);
    const record = await readLabelRecord(order.orderId);

    expect(execution.status).toBe('SUCCEEDED');
    expect(statuses).toEqual(TRACKED_HISTORY);
    // Express: the fastest rate the stand-in offers at home.
    expect(stored.shipment).toMatchObject({ carrier: 'USPS', service: 'Express' });
    expect(stored.shipment!.trackingNumber).toMatch(/^9[24]0[05]\d+/);
    expect(record).toMatchObject({
      shipmentId: expect.any(String),
      label: expect.objectContaining({ trackingNumber: stored.shipment!.trackingNumber }),
    });
    expect(carrier.labelsSold(order)).toBe(1);
  });

  it("parks an order whose address the carrier cannot find: FAILED_TO_RELEASE, bad_address, the carrier's words", async () => {
    const order = await place(carrier.sellerId, {
      shippingAddress: { ...newOrder().shippingAddress, postalCode: '00000' },
    });

    const { stored, statuses, dlq } = await settle(order);

    expect(statuses.at(-1)).toBe('FAILED_TO_RELEASE');
    expect(stored.release?.failureReason).toBe('bad_address');
    expect(stored.problems?.[0]).toMatchObject({
      reason: 'bad_address',
      message: expect.stringMatching(carrier.addressMessage),
    });
    expect(dlq).toEqual([expect.objectContaining({ reason: 'bad_address' })]);
    expect(carrier.labelsSold(order)).toBe(0);
  });

  it("parks an order whose label the carrier refuses for good: FAILED_TO_RELEASE with the carrier's words", async () => {
    const order = await place(carrier.sellerId);
    // A 4xx is the carrier's last word (an expired rate, an account it will not charge): no retry buys.
    carrier.standIn().fail({ match: carrier.isPurchase, status: 422 });

    const { execution, stored, statuses, dlq } = await settle(order);

    expect(execution.status).toBe('SUCCEEDED');
    expect(statuses.slice(-2)).toEqual(['RELEASED', 'FAILED_TO_RELEASE']);
    expect(stored.release?.failureReason).toMatch(/^label_refused: .*422.*stand-in outage 422/);
    expect(dlq).toEqual([
      expect.objectContaining({ reason: stored.release!.failureReason, sellerId: carrier.sellerId }),
    ]);
    expect(carrier.labelsSold(order)).toBe(0);
    expect(stored.shipment).toBeUndefined();
  });

  it('with no push, polls the carrier: a parcel sent back ends in DELIVERY_EXCEPTION', async () => {
    // The stand-in sends a parcel to 99999 back to its sender on the last step of its journey.
    const order = await place(carrier.sellerId, {
      shippingAddress: { ...newOrder().shippingAddress, postalCode: '99999' },
    });

    const { execution, stored, statuses } = await settle(order);
    const history = harness.stepFunctions.engine.history(order.orderId);
    const waited = history.find(
      (event) => event.type === 'TaskScheduled' && JSON.stringify(event).includes('await-delivery'),
    );
    const timedOut = history.find((event) => event.type === 'TaskTimedOut');

    expect(execution.status).toBe('SUCCEEDED');
    expect(statuses.at(-1)).toBe('DELIVERY_EXCEPTION');
    expect(stored.history.at(-1)!.reason).toBe('returned_to_sender');
    // The wait for a push lasted past the estimate by the carrier's grace period, then the polls began.
    const timeoutSeconds = (waited?.taskScheduledEventDetails as { timeoutInSeconds?: number } | undefined)
      ?.timeoutInSeconds;
    expect(timeoutSeconds).toBeGreaterThanOrEqual(
      Math.ceil(
        (Date.parse(stored.shipment!.estimatedDeliveryAt) - Date.parse(stored.shipment!.shippedAt)) / 1000,
      ),
    );
    expect(timedOut).toBeDefined();
    expect(harness.stepFunctions.engine.statesEntered(order.orderId)).toContain('PollDelivery');
  });

  it('retries the carrier through outages, still one label', async () => {
    const order = await place(carrier.sellerId);
    carrier
      .standIn()
      .fail({ match: (c) => c.method === 'POST' && c.path === carrier.createPath, status: 503 });
    carrier.standIn().fail({ match: carrier.isPurchase, status: 500 });

    const { execution, statuses } = await settle(order);

    expect(execution.status).toBe('SUCCEEDED');
    expect(statuses).toEqual(TRACKED_HISTORY);
    expect(carrier.labelsSold(order)).toBe(1);
  });

  it('buys exactly one label when the purchase is made but its answer never recorded', async () => {
    const order = await place(carrier.sellerId);
    // The carrier sells the label, then the answer is lost: the function dies before recording it.
    carrier.standIn().fail({ match: carrier.isPurchase, status: 502, when: 'after' });

    const { execution, stored, statuses } = await settle(order);

    expect(execution.status).toBe('SUCCEEDED');
    expect(statuses).toEqual(TRACKED_HISTORY);
    expect(carrier.labelsSold(order)).toBe(1);
    expect((await readLabelRecord(order.orderId))!.label).toEqual(
      expect.objectContaining({ trackingNumber: stored.shipment!.trackingNumber }),
    );
  });
});
