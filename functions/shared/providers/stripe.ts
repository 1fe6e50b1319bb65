import { ENV } from '../config.js';
import { toMinor } from '../domain/money.js';
import { PaymentDeclinedError, PaymentPendingError } from '../errors.js';
import { logger } from '../logger.js';
import { rememberPaymentOrder } from '../store/provider-records.js';
import { getProviderCredentials } from '../store/provider-secrets.js';
import { advanceAttempt, idempotencyKey } from './attempts.js';
import { ProviderUnavailableError, baseUrl, providerRequest, type ProviderResponse } from './http.js';
import type { PaymentOrder, PaymentProvider } from './payment.js';

/**
 * Stripe PaymentIntents, over Stripe's REST API (hand-written on fetch, form-encoded as Stripe takes it).
 * The order's `payment.reference` is the PaymentIntent id (`pi_…`). Every call carries an Idempotency-Key
 * `<orderId>:<step>:<attempt>` (attempts.ts); Stripe honours it on POSTs and ignores it on reads.
 */

/** PaymentIntent statuses, and what each means for an order waiting to be verified. */
const VERIFIED = new Set(['requires_capture', 'succeeded']);
const DECLINED = new Set(['canceled', 'requires_payment_method']);
// processing (a bank debit clearing), requires_confirmation, requires_action (3-D Secure): the customer or
// the bank has yet to act, so the order waits for Stripe's webhook or the seller's paymentWaitHours.

export class StripeError extends Error {
  override name = 'StripeError';
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** How long Stripe holds an uncaptured card authorisation by default. */
export const AUTHORIZATION_MS = 7 * 24 * 3600 * 1000;

interface PaymentIntent {
  id: string;
  created: number;
  status: string;
  amount: number;
  amount_capturable: number;
  amount_received: number;
  currency: string;
  capture_method?: string;
}

const PAYMENT_INTENT_ID = /^pi_[A-Za-z0-9_]{1,250}$/;

async function stripeCall(
  sellerId: string,
  method: 'GET' | 'POST',
  path: string,
  key: string,
  form: Record<string, string> = {},
): Promise<ProviderResponse> {
  const credentials = await getProviderCredentials(sellerId, 'stripe');
  if (!credentials) {
    throw new StripeError(
      401,
      'configuration_error',
      'no_api_key',
      `seller ${sellerId} has no Stripe API key`,
    );
  }
  const body = new URLSearchParams(form).toString();
  let response: ProviderResponse;
  try {
    response = await providerRequest({
      provider: 'Stripe',
      method,
      url: `${baseUrl(ENV.stripeApiUrl, 'https://api.stripe.com')}${path}`,
      headers: {
        authorization: `Bearer ${credentials.apiKey}`,
        'idempotency-key': key,
        ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(method === 'POST' ? { body } : {}),
    });
  } catch (error) {
    // Stripe keeps a 500's answer under its key: the retry must not replay it.
    if (error instanceof ProviderUnavailableError && error.status !== undefined && error.status !== 429)
      await advanceAttempt(key);
    throw error;
  }
  if (response.status >= 400) {
    const detail = (response.body.error ?? {}) as Record<string, unknown>;
    // A 409 is another request with this key still running (nothing kept): a retry may reuse it.
    if (response.status === 409)
      throw new ProviderUnavailableError('Stripe: a request with this key is running');
    if (method === 'POST') await advanceAttempt(key);
    throw new StripeError(
      response.status,
      String(detail.type ?? 'api_error'),
      String(detail.code ?? ''),
      String(detail.message ?? `Stripe answered ${response.status}`).slice(0, 300),
    );
  }
  return response;
}

async function retrieve(order: PaymentOrder, step: string): Promise<PaymentIntent> {
  const id = order.payment.reference;
  if (!PAYMENT_INTENT_ID.test(id))
    throw new PaymentDeclinedError(`not a Stripe PaymentIntent id: ${id.slice(0, 40)}`);
  const key = await idempotencyKey(order.orderId, step);
  const { body } = await stripeCall(order.sellerId, 'GET', `/v1/payment_intents/${id}`, key);
  return body as unknown as PaymentIntent;
}

/** A refusal Stripe will give again however often it is asked: the payment is not good. */
function declinedBy(error: unknown): never {
  if (error instanceof StripeError) {
    throw new PaymentDeclinedError(`stripe ${error.status} ${error.code || error.type}: ${error.message}`);
  }
  throw error;
}

export const stripePayments: PaymentProvider = {
  async verify(order) {
    if (order.payment.provider !== 'stripe') {
      // The seller takes payments with Stripe; an order paid elsewhere cannot be checked here.
      throw new PaymentDeclinedError(
        `payment_provider_mismatch: the seller takes payments with stripe, the order was paid with ${order.payment.provider}`,
      );
    }
    const intent = await retrieve(order, 'verify').catch(declinedBy);
    // Stripe's webhooks name the intent, not the order: keep the way back before the order can wait.
    await rememberPaymentOrder(order.sellerId, 'stripe', intent.id, order.orderId);
    if (DECLINED.has(intent.status)) throw new PaymentDeclinedError(`stripe payment ${intent.status}`);
    if (!VERIFIED.has(intent.status)) throw new PaymentPendingError(`stripe payment ${intent.status}`);
    const expected = toMinor(order.payment.amount, order.currency);
    const available = BigInt(
      intent.status === 'succeeded' ? intent.amount_received : intent.amount_capturable,
    );
    if (intent.currency !== order.currency.toLowerCase() || available < expected) {
      throw new PaymentDeclinedError(
        `stripe payment covers ${available} ${intent.currency}, the order needs ${expected} ${order.currency.toLowerCase()}`,
      );
    }
    if (intent.status !== 'requires_capture') return {};
    // Stripe cancels an uncaptured card payment after 7 days (on its clock, not the simulated one).
    return { authorizationExpiresAt: new Date(intent.created * 1000 + AUTHORIZATION_MS).toISOString() };
  },

  async capture(order) {
    if (order.payment.provider !== 'stripe') return;
    const intent = await retrieve(order, 'capture-read').catch(declinedBy);
    // Captured already (by an earlier attempt whose answer was lost), or captured automatically.
    if (intent.status === 'succeeded') return;
    if (intent.status !== 'requires_capture') {
      throw new PaymentDeclinedError(`stripe payment is ${intent.status}, nothing to capture`);
    }
    const amount = toMinor(order.payment.amount, order.currency);
    const key = await idempotencyKey(order.orderId, 'capture');
    await stripeCall(order.sellerId, 'POST', `/v1/payment_intents/${intent.id}/capture`, key, {
      amount_to_capture: String(
        amount < BigInt(intent.amount_capturable) ? amount : intent.amount_capturable,
      ),
    }).catch(declinedBy);
    logger.info('stripe payment captured', { paymentIntent: intent.id, amount: String(amount) });
  },

  async void(order) {
    if (order.payment.provider !== 'stripe') return;
    const intent = await retrieve(order, 'void-read').catch(declinedBy);
    if (intent.status === 'canceled') return;
    if (intent.status === 'succeeded') {
      // Money taken (captured at release, or charged at checkout) cannot be voided: it is refunded, in
      // full, once. The key makes a repeat within Stripe's 24 h a replay; later, Stripe itself refuses a
      // second refund of a refunded charge, which is the refund done.
      const key = await idempotencyKey(order.orderId, 'refund');
      try {
        await stripeCall(order.sellerId, 'POST', '/v1/refunds', key, {
          payment_intent: intent.id,
          reason: 'requested_by_customer',
        });
      } catch (error) {
        if (!(error instanceof StripeError && error.code === 'charge_already_refunded')) declinedBy(error);
      }
      logger.info('stripe payment refunded', { paymentIntent: intent.id });
      return;
    }
    const key = await idempotencyKey(order.orderId, 'void');
    await stripeCall(order.sellerId, 'POST', `/v1/payment_intents/${intent.id}/cancel`, key, {
      cancellation_reason: 'requested_by_customer',
    }).catch(declinedBy);
    logger.info('stripe authorisation voided', { paymentIntent: intent.id });
  },
};
