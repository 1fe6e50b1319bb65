import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '../../functions/shared/domain/order.js';
import { setStock } from '../../functions/shared/store/inventory.js';
import { voidPayment } from '../../functions/shared/providers/index.js';
import { createOrder, getOrder } from '../../functions/shared/store/orders.js';
import {
  addApiKey,
  putSeller,
  setProviderCredentials,
  setProviders,
} from '../../functions/shared/store/seller-admin.js';
import { startExecution } from '../../functions/shared/workflow.js';
import {
  paymentIntentEvent,
  signStripeEvent,
  startStripeStandIn,
  type PaymentIntent,
  type StripeStandIn,
} from '../../infra/local/standins/stripe.js';
import { DELIVERED_HISTORY } from '../support/order-states.js';
import { call, sellerClient } from '../support/http.js';
import { newOrder } from '../support/orders.js';
import { startWorkflowHarness, type WorkflowHarness } from '../support/workflow.js';

let harness: WorkflowHarness;
let stripe: StripeStandIn;
const ENDPOINT_SECRETS = ['whsec_stripe_current_0001', 'whsec_stripe_next_0002'];

beforeAll(async () => {
  stripe = await startStripeStandIn();
  // Configuration only: the adapter is the one that calls api.stripe.com on AWS.
  process.env.STRIPE_API_URL = stripe.url;
  harness = await startWorkflowHarness();
  for (const [sellerId, releaseMode] of [
    ['striped', 'auto'],
    ['striped-held', 'manual'],
  ] as const) {
    await putSeller({
      sellerId,
      originCountry: 'US',
      webhookSecrets: [],
      releaseMode,
      holdTimeoutHours: 8760,
    });
    await setProviders(sellerId, { payment: 'stripe' });
    await setProviderCredentials(sellerId, 'stripe', {
      apiKey: `sk_test_${sellerId.replace('-', '_')}_key`,
      webhookSecrets: ENDPOINT_SECRETS,
    });
    await addApiKey(sellerId, `${sellerId}-api-key`);
    await setStock(sellerId, 'MUG', 100);
  }
});
afterAll(async () => {
  await harness.stop();
  await stripe.stop();
});

/** A $20.00 order (2 × 10.00) paid by the intent. */
async function place(sellerId: string, intent: PaymentIntent): Promise<Order> {
  const order = newOrder({
    sellerId,
    items: [{ sku: 'MUG', quantity: 2 }],
    payment: { provider: 'stripe', reference: intent.id, amount: '20.00' },
  });
  await createOrder(order, []);
  await startExecution(order);
  return order;
}

async function settle(order: Order) {
  const execution = await harness.stepFunctions.engine.awaitExecution(order.orderId, 30_000);
  const stored = (await getOrder(order.orderId))!;
  return { execution, stored, statuses: stored.history.map((entry) => entry.status) };
}

async function waitFor(orderId: string, check: (order: Order) => boolean) {
  for (let tries = 0; tries < 500; tries++) {
    const order = await getOrder(orderId);
    if (order && check(order)) return order;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`order ${orderId} never got there`);
}

const callsOf = (intent: PaymentIntent, suffix = '') =>
  stripe.calls.filter((c) => c.path === `/v1/payment_intents/${intent.id}${suffix}`);

const deliverEvent = (sellerId: string, body: string, signature: string) =>
  call({
    method: 'POST',
    path: `/webhooks/stripe/${sellerId}`,
    headers: { 'stripe-signature': signature },
    body,
  });

describe('Stripe payments through the workflow, against the Stripe stand-in', () => {
  it('verifies an authorisation, captures it once at release for the order amount, and delivers', async () => {
    const intent = stripe.createIntent({ amount: 2000, currency: 'usd', captureMethod: 'manual' });
    const order = await place('striped', intent);

    const { execution, stored, statuses } = await settle(order);

    expect(execution.status).toBe('SUCCEEDED');
    expect(statuses).toEqual(DELIVERED_HISTORY);
    expect(stored.authorization?.provider).toBe('stripe');
    expect(stripe.intents.get(intent.id)).toMatchObject({ status: 'succeeded', amount_received: 2000 });
    const captures = callsOf(intent, '/capture');
    expect(captures).toHaveLength(1);
    expect(captures[0]).toMatchObject({ method: 'POST', status: 200 });
    // Every call carries a key derived from the order, the step and the attempt.
    for (const c of callsOf(intent).concat(captures)) {
      expect(c.idempotencyKey).toMatch(new RegExp(`^${order.orderId}:[a-z-]+:\\d+$`));
    }
    expect(captures[0]!.idempotencyKey).toBe(`${order.orderId}:capture:1`);
  });

  it('flags a hold that would outlast the authorisation, and keeps when it ends', async () => {
    const intent = stripe.createIntent({ amount: 2000, currency: 'usd', captureMethod: 'manual' });
    // Authorised 6 days and 23 hours ago: Stripe lets it lapse in an hour, long before the hold ends.
    intent.created -= 7 * 24 * 3600 - 3600;
    const order = await place('striped-held', intent);

    const held = await waitFor(order.orderId, (o) => o.status === 'ON_HOLD' && Boolean(o.hold?.taskToken));

    expect(held.authorization).toEqual({
      provider: 'stripe',
      expiresAt: new Date((intent.created + 7 * 24 * 3600) * 1000).toISOString(),
    });
    expect(held.hold!.warning).toMatch(
      /^payment_authorization_expires: .*release or cancel the order before then/,
    );
    await sellerClient('striped-held-api-key').post(`/orders/${order.orderId}/cancel`, {});
  });

  it('fails the payment of a declined card', async () => {
    const intent = stripe.createIntent({
      amount: 2000,
      currency: 'usd',
      paymentMethod: 'pm_card_chargeDeclined',
    });
    const order = await place('striped', intent);

    const { execution, stored, statuses } = await settle(order);

    expect(execution.status).toBe('SUCCEEDED');
    expect(statuses).toEqual(['PENDING', 'PAYMENT_FAILED']);
    expect(stored.history.at(-1)!.reason).toContain('requires_payment_method');
  });

  it('declines an intent for less than the order, and one that does not exist', async () => {
    const short = stripe.createIntent({ amount: 1999, currency: 'usd' });
    const shortOrder = await place('striped', short);
    const missing = await place('striped', { ...short, id: 'pi_does_not_exist' });

    const [a, b] = await Promise.all([settle(shortOrder), settle(missing)]);

    expect(a.statuses.at(-1)).toBe('PAYMENT_FAILED');
    expect(a.stored.history.at(-1)!.reason).toMatch(/covers 1999 usd/);
    expect(b.statuses.at(-1)).toBe('PAYMENT_FAILED');
    expect(b.stored.history.at(-1)!.reason).toMatch(/resource_missing/);
  });

  it('retries Stripe outages with a new key after each stored 500, and still captures once', async () => {
    const intent = stripe.createIntent({ amount: 2000, currency: 'usd', captureMethod: 'manual' });
    const onIntent = ({ path }: { path: string }) => path.startsWith(`/v1/payment_intents/${intent.id}`);
    // The first read fails; the first capture fails (Stripe keeps that 500 under its key); the second
    // capture is done but its answer is lost, so the retry must find it captured and not capture again.
    stripe.fail({ match: (c) => c.method === 'GET' && onIntent(c), status: 500 });
    stripe.fail({ match: (c) => c.method === 'POST' && onIntent(c), status: 500 });
    stripe.fail({ match: (c) => c.method === 'POST' && onIntent(c), status: 503, when: 'after' });
    const order = await place('striped', intent);

    const { execution, statuses } = await settle(order);

    expect(execution.status).toBe('SUCCEEDED');
    expect(statuses).toEqual(DELIVERED_HISTORY);
    const captures = callsOf(intent, '/capture');
    expect(captures.map((c) => [c.idempotencyKey, c.status])).toEqual([
      [`${order.orderId}:capture:1`, 500],
      [`${order.orderId}:capture:2`, 503],
    ]);
    expect(stripe.intents.get(intent.id)).toMatchObject({ status: 'succeeded', amount_received: 2000 });
  });

  it("voids a cancelled order's authorisation, once, and never captures it", async () => {
    const intent = stripe.createIntent({ amount: 2000, currency: 'usd', captureMethod: 'manual' });
    const order = await place('striped-held', intent);
    await waitFor(order.orderId, (o) => o.status === 'ON_HOLD' && Boolean(o.hold?.taskToken));

    const cancelled = await sellerClient('striped-held-api-key').post(`/orders/${order.orderId}/cancel`, {
      reason: 'customer changed their mind',
    });
    const again = await sellerClient('striped-held-api-key').post(`/orders/${order.orderId}/cancel`, {});

    expect(cancelled.statusCode).toBe(200);
    expect(again.statusCode).toBe(409);
    expect(stripe.intents.get(intent.id)).toMatchObject({ status: 'canceled', amount_received: 0 });
    expect(callsOf(intent, '/cancel')).toHaveLength(1);
    expect(callsOf(intent, '/capture')).toHaveLength(0);
  });

  it("refunds a cancelled order's payment Stripe has already taken, in full, once", async () => {
    const intent = stripe.createIntent({ amount: 2000, currency: 'usd', captureMethod: 'automatic' });
    const order = await place('striped-held', intent);
    await waitFor(order.orderId, (o) => o.status === 'ON_HOLD' && Boolean(o.hold?.taskToken));
    // The refund's first answer is lost: Stripe made it, and keeps the answer under the key.
    stripe.fail({ match: (c) => c.path === '/v1/refunds', status: 503, when: 'after' });

    const cancelled = await sellerClient('striped-held-api-key').post(`/orders/${order.orderId}/cancel`, {});
    const again = await sellerClient('striped-held-api-key').post(`/orders/${order.orderId}/cancel`, {});
    // The refund asked for again, as a retry would: Stripe already refunded the charge, which is done.
    await voidPayment((await getOrder(order.orderId))!);

    expect(cancelled.statusCode).toBe(200);
    expect(again.statusCode).toBe(409);
    expect((await getOrder(order.orderId))!.status).toBe('CANCELLED');
    expect(stripe.refunds).toEqual([
      expect.objectContaining({ payment_intent: intent.id, amount: 2000, status: 'succeeded' }),
    ]);
    const refundCalls = stripe.calls.filter((c) => c.path === '/v1/refunds');
    expect(refundCalls.map((c) => [c.idempotencyKey, c.status])).toEqual([
      [`${order.orderId}:refund:1`, 503],
      [`${order.orderId}:refund:2`, 400],
    ]);
    expect(callsOf(intent, '/cancel')).toHaveLength(0);
  });

  it("waits while Stripe is processing, goes on at Stripe's webhook, and acts on a redelivery once", async () => {
    const intent = stripe.createIntent({
      amount: 2000,
      currency: 'usd',
      paymentMethod: 'pm_standin_processing',
    });
    const order = await place('striped', intent);
    await waitFor(order.orderId, (o) => Boolean(o.paymentWait?.taskToken));

    const settled = stripe.settle(intent.id);
    const body = JSON.stringify(paymentIntentEvent('payment_intent.succeeded', settled));
    // Signed with the second of two endpoint secrets (a rotation): any matching v1 is accepted.
    const first = await deliverEvent(
      'striped',
      body,
      signStripeEvent(body, ['whsec_wrong_00000', ENDPOINT_SECRETS[1]!]),
    );
    const repeat = await deliverEvent('striped', body, signStripeEvent(body, ENDPOINT_SECRETS[0]!));
    const { execution, statuses } = await settle(order);

    expect(first.statusCode).toBe(200);
    expect(first.json).toMatchObject({ duplicate: false, outcome: 'verifying', orderId: order.orderId });
    expect(repeat.statusCode).toBe(200);
    expect(repeat.json).toMatchObject({ duplicate: true, outcome: 'verifying' });
    expect(execution.status).toBe('SUCCEEDED');
    expect(statuses).toEqual(DELIVERED_HISTORY);
  });

  it('refuses a webhook with a stale, wrong or missing signature, and changes nothing', async () => {
    const intent = stripe.createIntent({ amount: 2000, currency: 'usd' });
    const body = JSON.stringify(paymentIntentEvent('payment_intent.succeeded', intent));
    const now = Math.floor(Date.now() / 1000);

    const answers = await Promise.all([
      deliverEvent('striped', body, signStripeEvent(body, ENDPOINT_SECRETS[0]!, now - 301)),
      deliverEvent('striped', body, signStripeEvent(body, 'whsec_not_the_secret')),
      deliverEvent('striped', body, ''),
      deliverEvent('no-such-seller', body, signStripeEvent(body, ENDPOINT_SECRETS[0]!)),
      deliverEvent(
        'striped',
        body.replace('succeeded', 'canceled'),
        signStripeEvent(body, ENDPOINT_SECRETS[0]!),
      ),
    ]);
    const late = await deliverEvent('striped', body, signStripeEvent(body, ENDPOINT_SECRETS[0]!, now - 290));

    expect(answers.map((answer) => answer.statusCode)).toEqual([401, 401, 401, 401, 401]);
    // Within the tolerance, and never seen: accepted (no order is paid by this intent).
    expect(late.statusCode).toBe(200);
    expect(late.json).toMatchObject({ duplicate: false });
    expect(late.json.outcome).toMatch(/^ignored/);
  });

  it('declines an order the storefront says was paid elsewhere, with the reason', async () => {
    const order = newOrder({
      sellerId: 'striped',
      items: [{ sku: 'MUG', quantity: 2 }],
      payment: { provider: 'shopify', reference: '#1001', amount: '20.00' },
    });
    await createOrder(order, []);
    await startExecution(order);

    const { stored, statuses } = await settle(order);

    expect(statuses).toEqual(['PENDING', 'PAYMENT_FAILED']);
    expect(stored.history.at(-1)!.reason).toMatch(/^payment_provider_mismatch: .* paid with shopify/);
  });

  it('answers a malformed event with a 400 naming the field', async () => {
    const body = JSON.stringify({ id: 'not-an-event', type: 'payment_intent.succeeded', data: {} });

    const answer = await deliverEvent('striped', body, signStripeEvent(body, ENDPOINT_SECRETS[0]!));

    expect(answer.statusCode).toBe(400);
    expect(JSON.stringify(answer.json.error.details)).toMatch(/"id"|data/);
  });
});
