import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, addBusinessMs, nowIso } from '../../functions/shared/clock.js';
import type { Order } from '../../functions/shared/domain/order.js';
import type { OrderStatus } from '../../functions/shared/domain/status.js';
import { setStock, transitionWithStock } from '../../functions/shared/store/inventory.js';
import { recordFinancialStatus } from '../../functions/shared/store/executions.js';
import { createOrder, requireOrder, transition, updateOrder } from '../../functions/shared/store/orders.js';
import {
  putSeller,
  setProviderCredentials,
  setProviders,
  setShipFrom,
} from '../../functions/shared/store/seller-admin.js';
import { startExecution } from '../../functions/shared/workflow.js';
import type { OrderflowFunction } from '../../infra/local/stepfunctions/orderflow.js';
import { startEasyPostStandIn, type EasyPostStandIn } from '../../infra/local/standins/carriers.js';
import { newOrder } from '../support/orders.js';
import { plannedFaults, type PlannedFault } from '../support/planned-faults.js';
import { readWorkflowDefinition, rulesExercised, rulesOf } from '../support/rule-coverage.js';
import { startWorkflowHarness, type WorkflowHarness } from '../support/workflow.js';

/**
 * Every Retry and Catch rule of the order workflow, driven through the real state machine file with the
 * real functions against DynamoDB Local and the SQS emulator. Failures come from the local runtime's
 * fault hooks (a service's 500s, Lambda throttles), business outcomes from the sandbox providers' rules,
 * and races from what lands as a function starts. Which rules ran is read back from the executions'
 * histories only, and compared with the rules the ASL file has.
 */

/** What lands while a function of the order is being invoked, before it reads the order. */
type Landing = (orderId: string, invocation: number) => Promise<void>;

interface Scenario {
  title: string;
  /**
   * `held`: the seller releases by hand, and a hold expires after an hour. `easypost`: labels from the
   * EasyPost stand-in.
   */
  seller?: 'auto' | 'held' | 'easypost';
  /** What is special about the order. `label refused`: the carrier refuses its purchase for good. */
  order?: 'unpaid' | 'declined' | 'out of stock' | 'undeliverable' | 'label refused';
  faults?: Omit<PlannedFault, 'orderId'>[];
  during?: { fn: OrderflowFunction; landing: Landing };
  execution: 'SUCCEEDED' | 'FAILED';
  status: OrderStatus;
}

const ALL = Number.POSITIVE_INFINITY;
const once = (state: string, kind: PlannedFault['kind'] = 'service') => ({ state, attempts: 1, kind });
const always = (state: string, kind: PlannedFault['kind'] = 'service') => ({ state, attempts: ALL, kind });

/** A seller's cancel whose StopExecution has not reached the execution yet: only its write has landed. */
const cancel: Landing = async (orderId) => {
  await transitionWithStock(orderId, 'CANCELLED', {
    actor: 'seller',
    reason: 'customer asked',
    stock: 'return',
  });
};

/** The storefront's orders/paid, landing before the workflow has set up its wait for it. */
const paid: Landing = async (orderId) => {
  expect(await recordFinancialStatus(orderId, 'paid')).toEqual({ changed: true });
};

/** The carrier's estimate slips by a day at each of the first two polls; the third finds the parcel. */
const lateParcel: Landing = async (orderId, invocation) => {
  const { shipment } = await requireOrder(orderId);
  const estimatedDeliveryAt = invocation < 3 ? addBusinessMs(nowIso(), DAY_MS) : nowIso();
  await updateOrder(
    orderId,
    { shipment: { ...shipment!, estimatedDeliveryAt } },
    { status: ['SHIPPED', 'IN_TRANSIT'] },
  );
};

/** The carrier's push of the delivery, landing before the workflow has set up its wait for it. */
const pushedDelivery: Landing = async (orderId) => {
  const { shipment } = await requireOrder(orderId);
  await transition(orderId, 'DELIVERED', {
    actor: 'system',
    set: { shipment: { ...shipment!, deliveredAt: nowIso() } },
  });
};

const SCENARIOS: Scenario[] = [
  {
    title: 'VerifyPayment gets past a failed attempt, and the order is delivered',
    faults: [once('VerifyPayment')],
    execution: 'SUCCEEDED',
    status: 'DELIVERED',
  },
  {
    title: 'VerifyPayment runs out of retries, and the order ends PAYMENT_FAILED',
    faults: [always('VerifyPayment')],
    execution: 'SUCCEEDED',
    status: 'PAYMENT_FAILED',
  },
  {
    title: 'a declined payment is marked PAYMENT_FAILED past a failed attempt',
    order: 'declined',
    faults: [once('MarkPaymentFailed')],
    execution: 'SUCCEEDED',
    status: 'PAYMENT_FAILED',
  },
  {
    title: 'MarkPaymentFailed runs out of retries, with no Catch: the execution fails',
    order: 'declined',
    faults: [always('MarkPaymentFailed')],
    execution: 'FAILED',
    status: 'PENDING',
  },
  {
    title: 'an order cancelled as VerifyPayment starts ends Cancelled',
    during: { fn: 'verify-payment', landing: cancel },
    execution: 'SUCCEEDED',
    status: 'CANCELLED',
  },
  {
    title: 'an unpaid order waits past a throttle, and its expiry is marked past a failed attempt',
    order: 'unpaid',
    faults: [once('AwaitPayment', 'throttle'), once('ExpirePaymentWait')],
    execution: 'SUCCEEDED',
    status: 'PAYMENT_FAILED',
  },
  {
    title: 'AwaitPayment is throttled until its retries run out: the execution fails',
    order: 'unpaid',
    faults: [always('AwaitPayment', 'throttle')],
    execution: 'FAILED',
    status: 'PENDING',
  },
  {
    title: 'ExpirePaymentWait runs out of retries, with no Catch: the execution fails',
    order: 'unpaid',
    faults: [always('ExpirePaymentWait')],
    execution: 'FAILED',
    status: 'PENDING',
  },
  {
    title: 'an unpaid order cancelled as AwaitPayment starts ends Cancelled',
    order: 'unpaid',
    during: { fn: 'await-payment', landing: cancel },
    execution: 'SUCCEEDED',
    status: 'CANCELLED',
  },
  {
    title: 'ReserveStock gets past a failed attempt, and the order is delivered',
    faults: [once('ReserveStock')],
    execution: 'SUCCEEDED',
    status: 'DELIVERED',
  },
  {
    title: 'ReserveStock runs out of retries: the execution fails',
    faults: [always('ReserveStock')],
    execution: 'FAILED',
    status: 'PAYMENT_VERIFIED',
  },
  {
    title: 'an order out of stock is marked OUT_OF_STOCK past a failed attempt',
    order: 'out of stock',
    faults: [once('MarkOutOfStock')],
    execution: 'SUCCEEDED',
    status: 'OUT_OF_STOCK',
  },
  {
    title: 'MarkOutOfStock runs out of retries, with no Catch: the execution fails',
    order: 'out of stock',
    faults: [always('MarkOutOfStock')],
    execution: 'FAILED',
    status: 'PAYMENT_VERIFIED',
  },
  {
    title: 'an order cancelled as ReserveStock starts ends Cancelled',
    during: { fn: 'reserve-stock', landing: cancel },
    execution: 'SUCCEEDED',
    status: 'CANCELLED',
  },
  {
    title: 'a hold set up past a failed attempt expires, and is cancelled past a failed attempt',
    seller: 'held',
    faults: [once('AwaitRelease'), once('ExpireHold')],
    execution: 'SUCCEEDED',
    status: 'CANCELLED',
  },
  {
    title: 'AwaitRelease runs out of retries: the execution fails',
    seller: 'held',
    faults: [always('AwaitRelease')],
    execution: 'FAILED',
    status: 'STOCK_RESERVED',
  },
  {
    title: 'ExpireHold runs out of retries, with no Catch: the execution fails',
    seller: 'held',
    faults: [always('ExpireHold')],
    execution: 'FAILED',
    status: 'ON_HOLD',
  },
  {
    title: 'an order cancelled as AwaitRelease starts ends Cancelled',
    seller: 'held',
    during: { fn: 'await-release', landing: cancel },
    execution: 'SUCCEEDED',
    status: 'CANCELLED',
  },
  {
    title: 'ReleaseOrder gets past a failed attempt, and the order is delivered',
    faults: [once('ReleaseOrder')],
    execution: 'SUCCEEDED',
    status: 'DELIVERED',
  },
  {
    title: 'ReleaseOrder runs out of retries: the execution fails',
    faults: [always('ReleaseOrder')],
    execution: 'FAILED',
    status: 'STOCK_RESERVED',
  },
  {
    title: 'an undeliverable order is marked and sent to the DLQ, each past a failed attempt',
    order: 'undeliverable',
    faults: [once('MarkFailedToRelease'), once('SendToReleaseDlq')],
    execution: 'SUCCEEDED',
    status: 'FAILED_TO_RELEASE',
  },
  {
    title: 'MarkFailedToRelease runs out of retries, with no Catch: the execution fails',
    order: 'undeliverable',
    faults: [always('MarkFailedToRelease')],
    execution: 'FAILED',
    status: 'STOCK_RESERVED',
  },
  {
    title: 'SendToReleaseDlq runs out of retries, with no Catch: the execution fails',
    order: 'undeliverable',
    faults: [always('SendToReleaseDlq')],
    execution: 'FAILED',
    status: 'FAILED_TO_RELEASE',
  },
  {
    title: 'an order cancelled as ReleaseOrder starts ends Cancelled',
    during: { fn: 'release-order', landing: cancel },
    execution: 'SUCCEEDED',
    status: 'CANCELLED',
  },
  {
    title: 'GenerateLabel gets past a failed attempt, and the order is delivered',
    faults: [once('GenerateLabel')],
    execution: 'SUCCEEDED',
    status: 'DELIVERED',
  },
  {
    title: 'a label the carrier refuses for good parks the order FAILED_TO_RELEASE (CarrierRefused)',
    seller: 'easypost',
    order: 'label refused',
    execution: 'SUCCEEDED',
    status: 'FAILED_TO_RELEASE',
  },
  {
    title: 'GenerateLabel runs out of retries: the execution fails',
    faults: [always('GenerateLabel')],
    execution: 'FAILED',
    status: 'RELEASED',
  },
  {
    title: 'AwaitDelivery gets past a failed attempt, and its wait times out into the poll that delivers',
    faults: [once('AwaitDelivery')],
    execution: 'SUCCEEDED',
    status: 'DELIVERED',
  },
  {
    title: 'AwaitDelivery runs out of retries: the poll takes over, and the order is delivered',
    faults: [always('AwaitDelivery')],
    execution: 'SUCCEEDED',
    status: 'DELIVERED',
  },
  {
    title: 'a push that lands as AwaitDelivery starts ends the wait at once (DeliverySettled)',
    during: { fn: 'await-delivery', landing: pushedDelivery },
    execution: 'SUCCEEDED',
    status: 'DELIVERED',
  },
  {
    title: 'PollDelivery gets past a failed attempt, and the order is delivered',
    faults: [once('PollDelivery')],
    execution: 'SUCCEEDED',
    status: 'DELIVERED',
  },
  {
    title: 'PollDelivery runs out of retries, with no Catch: the execution fails',
    faults: [always('PollDelivery')],
    execution: 'FAILED',
    status: 'SHIPPED',
  },
  {
    title: 'a payment that lands as AwaitPayment starts is verified at once (PaymentReceived)',
    order: 'unpaid',
    during: { fn: 'await-payment', landing: paid },
    execution: 'SUCCEEDED',
    status: 'DELIVERED',
  },
  {
    title: 'a late parcel is polled three times before it is delivered',
    during: { fn: 'poll-delivery', landing: lateParcel },
    execution: 'SUCCEEDED',
    status: 'DELIVERED',
  },
];

let harness: WorkflowHarness;
let easypost: EasyPostStandIn;
let faults: ReturnType<typeof plannedFaults>;
/** What lands during each order's invocations, and how many of each there have been. */
const landings = new Map<string, { fn: OrderflowFunction; landing: Landing; invocations: number }>();
/** Every scenario's order, for the histories of their executions. */
const orderIds: string[] = [];

beforeAll(async () => {
  easypost = await startEasyPostStandIn();
  process.env.EASYPOST_API_URL = easypost.url;
  harness = await startWorkflowHarness({
    async beforeInvoke(fn, event) {
      const orderId = (event as { orderId?: string }).orderId ?? '';
      const during = landings.get(orderId);
      if (during?.fn === fn) await during.landing(orderId, ++during.invocations);
    },
  });
  faults = plannedFaults(harness.stepFunctions.engine);
  harness.parity.setFaults(faults);
  await putSeller({ sellerId: 'auto', originCountry: 'US', webhookSecrets: [] });
  await putSeller({
    sellerId: 'held',
    originCountry: 'US',
    webhookSecrets: [],
    releaseMode: 'manual',
    holdTimeoutHours: 1,
  });
  await putSeller({ sellerId: 'easypost', originCountry: 'US', webhookSecrets: [] });
  await setProviders('easypost', { carrier: 'easypost' });
  await setProviderCredentials('easypost', 'easypost', { apiKey: 'EZTKcoveragekey0001' });
  await setShipFrom('easypost', {
    name: 'Warehouse',
    line1: '100 Dock Rd',
    city: 'Springfield',
    region: 'IL',
    postalCode: '62702',
    country: 'US',
  });
  for (const sellerId of ['auto', 'held', 'easypost']) {
    await setStock(sellerId, 'MUG', 1_000);
    await setStock(sellerId, 'GONE', 0);
  }
});
afterAll(async () => {
  await harness.stop();
  await easypost.stop();
});

function orderFor(scenario: Scenario): Order {
  const order = newOrder({
    sellerId: scenario.seller ?? 'auto',
    items: [{ sku: scenario.order === 'out of stock' ? 'GONE' : 'MUG', quantity: 1 }],
  });
  switch (scenario.order) {
    case 'unpaid':
      return { ...order, payment: { ...order.payment, provider: 'shopify', financialStatus: 'pending' } };
    case 'declined':
      return { ...order, payment: { ...order.payment, reference: 'decline_card' } };
    case 'undeliverable':
      return { ...order, shippingAddress: { ...order.shippingAddress, postalCode: '00000' } };
    default:
      return order;
  }
}

describe('every Retry and Catch rule of the order workflow, with the real functions', () => {
  it.each(SCENARIOS)('$title', async (scenario) => {
    const order = orderFor(scenario);
    orderIds.push(order.orderId);
    for (const fault of scenario.faults ?? []) faults.plan({ ...fault, orderId: order.orderId });
    if (scenario.order === 'label refused') {
      easypost.fail({ match: (call) => call.method === 'POST' && call.path.endsWith('/buy'), status: 422 });
    }
    if (scenario.during) landings.set(order.orderId, { ...scenario.during, invocations: 0 });

    await createOrder(order, []);
    await startExecution(order);
    const execution = await harness.stepFunctions.engine.awaitExecution(order.orderId, 30_000);

    expect(execution.status).toBe(scenario.execution);
    expect((await requireOrder(order.orderId)).status).toBe(scenario.status);
    if (scenario.during?.landing === pushedDelivery) {
      const entered = harness.stepFunctions.engine.statesEntered(order.orderId);
      expect(entered.slice(-4)).toEqual(['AwaitDelivery', 'PollDelivery', 'DeliveryState', 'Delivered']);
      expect(harness.stepFunctions.engine.history(order.orderId)).toContainEqual(
        expect.objectContaining({
          type: 'TaskFailed',
          taskFailedEventDetails: expect.objectContaining({ error: 'DeliverySettled' }),
        }),
      );
    }
    if (scenario.during?.landing === lateParcel) {
      const polls = harness.stepFunctions.engine
        .statesEntered(order.orderId)
        .filter((state) => state === 'PollDelivery');
      expect(polls).toHaveLength(3);
      expect((await requireOrder(order.orderId)).shipment).toMatchObject({ polls: 3 });
    }
  });

  it('leaves no rule of the ASL file unexercised, and no failure unexplained by one', () => {
    const definition = readWorkflowDefinition();

    const exercised = new Set(
      orderIds.flatMap((id) => [...rulesExercised(definition, harness.stepFunctions.engine.history(id))]),
    );

    const expected = [...rulesOf(definition)];
    expect([...exercised].sort()).toEqual(expected.sort());
  });
});
