import { createHmac } from 'node:crypto';
import { newId, startStandIn, type StandIn, type StandInRequest, type StandInResponse } from './server.js';

/**
 * A stand-in for the part of Stripe's API orderflow uses, at STRIPE_API_URL: PaymentIntents created,
 * read, captured and cancelled, with Stripe's shapes, statuses, errors and idempotency.
 *
 * - `Authorization: Bearer sk_test_…` or `sk_live_…` (or the key as HTTP Basic's user); anything else is 401 (Stripe's
 *   `{"error": {"type": "invalid_request_error", "message": "Invalid API Key provided…"}}`).
 * - `POST /v1/payment_intents` (form: amount, currency, capture_method=automatic|manual, confirm=true,
 *   payment_method): `pm_card_visa` → `succeeded`, or `requires_capture` when manual;
 *   `pm_card_chargeDeclined` → 402 `card_error`/`card_declined` and the intent `requires_payment_method`;
 *   `pm_standin_processing` (stand-in only: a bank debit still clearing) → `processing`; without
 *   confirm → `requires_confirmation`.
 * - `GET /v1/payment_intents/:id`; unknown → 404 `resource_missing`.
 * - `POST /v1/payment_intents/:id/capture` (amount_to_capture ≤ amount_capturable) from
 *   `requires_capture` → `succeeded`; `POST /v1/payment_intents/:id/cancel` from any status but
 *   `succeeded`/`canceled` → `canceled`; otherwise 400 `payment_intent_unexpected_state`.
 * - `POST /v1/refunds` (form: payment_intent, amount ≤ what is left) of a `succeeded` intent → a Refund
 *   (`re_…`, status `succeeded`); nothing left to refund → 400 `charge_already_refunded`; an intent not
 *   `succeeded` → 400 `charge_not_refundable`; `refunds` keeps them.
 * - `Idempotency-Key` on a POST: the first answer (a 500 included) is kept and replayed for the same key
 *   with the same parameters; other parameters under a used key are 400 `idempotency_error`.
 * - `settle(id)` moves a `processing` intent on (succeeded, or requires_capture when manual), as the bank
 *   does; `signEvent` signs a webhook body as Stripe does (`Stripe-Signature: t=…,v1=…`).
 */
export interface PaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_received: number;
  currency: string;
  capture_method: 'automatic' | 'manual';
  status: string;
  created: number;
  last_payment_error: null | { code: string; message: string };
}

export interface Refund {
  id: string;
  object: 'refund';
  amount: number;
  currency: string;
  payment_intent: string;
  status: 'succeeded';
}

export interface StripeStandIn extends StandIn {
  intents: Map<string, PaymentIntent>;
  /** Every refund made, in order. */
  refunds: Refund[];
  /** Creates an intent directly, as a storefront's checkout would have. */
  createIntent(options: {
    amount: number;
    currency: string;
    captureMethod?: 'automatic' | 'manual';
    paymentMethod?: string;
  }): PaymentIntent;
  settle(id: string): PaymentIntent;
}

const stripeError = (status: number, type: string, message: string, code?: string, param?: string) => ({
  status,
  body: { error: { type, message, ...(code ? { code } : {}), ...(param ? { param } : {}) } },
});

const outage = (status: number) => ({
  error: { type: 'api_error', message: `An unknown error occurred (stand-in ${status}).` },
});

const BEARER = /^Bearer (sk_(test|live)_[A-Za-z0-9_]{4,})$/;
const SECRET_KEY = /^sk_(test|live)_[A-Za-z0-9_]{4,}$/;

/** The secret key, sent as Stripe takes it: `Bearer sk_…`, or as HTTP Basic's user (`curl -u sk_…:`). */
function apiKeyOf(authorization: string | undefined): string | undefined {
  const bearer = BEARER.exec(authorization ?? '')?.[1];
  if (bearer) return bearer;
  const basic = /^Basic (.+)$/.exec(authorization ?? '')?.[1];
  const user = basic ? Buffer.from(basic, 'base64').toString('utf8').replace(/:$/, '') : '';
  return SECRET_KEY.test(user) ? user : undefined;
}

export async function startStripeStandIn(options: { port?: number } = {}): Promise<StripeStandIn> {
  const intents = new Map<string, PaymentIntent>();
  const refunds: Refund[] = [];
  const kept = new Map<string, { params: string; response: StandInResponse }>();

  function create(params: URLSearchParams): StandInResponse {
    const amount = Number(params.get('amount'));
    const currency = (params.get('currency') ?? '').toLowerCase();
    if (!Number.isInteger(amount) || amount < 1)
      return stripeError(
        400,
        'invalid_request_error',
        'Invalid integer: amount',
        'parameter_invalid_integer',
        'amount',
      );
    if (!/^[a-z]{3}$/.test(currency))
      return stripeError(
        400,
        'invalid_request_error',
        'Invalid currency',
        'parameter_invalid_empty',
        'currency',
      );
    const intent: PaymentIntent = {
      id: newId('pi'),
      object: 'payment_intent',
      amount,
      amount_capturable: 0,
      amount_received: 0,
      currency,
      capture_method: params.get('capture_method') === 'manual' ? 'manual' : 'automatic',
      status: 'requires_payment_method',
      created: Math.floor(Date.now() / 1000),
      last_payment_error: null,
    };
    intents.set(intent.id, intent);
    const method = params.get('payment_method');
    if (!method) return { status: 200, body: intent };
    if (params.get('confirm') !== 'true') {
      intent.status = 'requires_confirmation';
      return { status: 200, body: intent };
    }
    if (method === 'pm_card_chargeDeclined') {
      intent.last_payment_error = { code: 'card_declined', message: 'Your card was declined.' };
      return {
        status: 402,
        body: {
          error: {
            type: 'card_error',
            code: 'card_declined',
            decline_code: 'generic_decline',
            message: 'Your card was declined.',
            payment_intent: intent,
          },
        },
      };
    }
    if (method === 'pm_standin_processing') intent.status = 'processing';
    else authorise(intent);
    return { status: 200, body: intent };
  }

  function authorise(intent: PaymentIntent): void {
    if (intent.capture_method === 'manual') {
      intent.status = 'requires_capture';
      intent.amount_capturable = intent.amount;
    } else {
      intent.status = 'succeeded';
      intent.amount_received = intent.amount;
    }
  }

  const missing = (id: string) =>
    stripeError(
      404,
      'invalid_request_error',
      `No such payment_intent: '${id}'`,
      'resource_missing',
      'intent',
    );
  const unexpected = (intent: PaymentIntent, action: string) =>
    stripeError(
      400,
      'invalid_request_error',
      `This PaymentIntent could not be ${action} because it has a status of ${intent.status}.`,
      'payment_intent_unexpected_state',
    );

  function refund(params: URLSearchParams): StandInResponse {
    const id = params.get('payment_intent') ?? '';
    const intent = intents.get(id);
    if (!intent) return missing(id);
    if (intent.status !== 'succeeded') {
      return stripeError(
        400,
        'invalid_request_error',
        `This PaymentIntent (${id}) does not have a successful charge to refund.`,
        'charge_not_refundable',
      );
    }
    const left =
      intent.amount_received -
      refunds.filter((r) => r.payment_intent === id).reduce((sum, r) => sum + r.amount, 0);
    if (left <= 0) {
      return stripeError(
        400,
        'invalid_request_error',
        `Charge for ${id} has already been refunded.`,
        'charge_already_refunded',
      );
    }
    const amount = Number(params.get('amount') ?? left);
    if (!Number.isInteger(amount) || amount < 1 || amount > left) {
      return stripeError(
        400,
        'invalid_request_error',
        'The refund amount is invalid.',
        'amount_too_large',
        'amount',
      );
    }
    const made: Refund = {
      id: newId('re'),
      object: 'refund',
      amount,
      currency: intent.currency,
      payment_intent: id,
      status: 'succeeded',
    };
    refunds.push(made);
    return { status: 200, body: made };
  }

  function act(request: StandInRequest): StandInResponse {
    if (request.path === '/v1/refunds') {
      return request.method === 'POST'
        ? refund(request.form)
        : stripeError(405, 'invalid_request_error', 'Method not allowed');
    }
    const match = /^\/v1\/payment_intents(?:\/([^/]+)(?:\/(capture|cancel))?)?$/.exec(request.path);
    if (!match)
      return stripeError(
        404,
        'invalid_request_error',
        `Unrecognized request URL (${request.method}: ${request.path}).`,
      );
    const [, id, action] = match;
    if (!id)
      return request.method === 'POST'
        ? create(request.form)
        : stripeError(405, 'invalid_request_error', 'Method not allowed');
    const intent = intents.get(id);
    if (!intent) return missing(id);
    if (request.method === 'GET' && !action) return { status: 200, body: intent };
    if (request.method !== 'POST' || !action)
      return stripeError(405, 'invalid_request_error', 'Method not allowed');
    if (action === 'capture') {
      if (intent.status !== 'requires_capture') return unexpected(intent, 'captured');
      const amount = Number(request.form.get('amount_to_capture') ?? intent.amount_capturable);
      if (!Number.isInteger(amount) || amount < 1 || amount > intent.amount_capturable) {
        return stripeError(
          400,
          'invalid_request_error',
          'The amount to capture is invalid.',
          'amount_too_large',
          'amount_to_capture',
        );
      }
      Object.assign(intent, { status: 'succeeded', amount_received: amount, amount_capturable: 0 });
      return { status: 200, body: intent };
    }
    if (intent.status === 'succeeded' || intent.status === 'canceled') return unexpected(intent, 'canceled');
    Object.assign(intent, { status: 'canceled', amount_capturable: 0 });
    return { status: 200, body: intent };
  }

  const standIn = await startStandIn(
    'Stripe',
    (request) => {
      const apiKey = apiKeyOf(request.headers.authorization);
      if (!apiKey) {
        return stripeError(
          401,
          'invalid_request_error',
          'Invalid API Key provided: a secret key sk_test_… or sk_live_… is required',
        );
      }
      const key = request.headers['idempotency-key'];
      if (request.method !== 'POST' || !key) return act(request);
      const scope = `${apiKey}\u0000${key}`;
      const params = `${request.path}?${request.raw}`;
      const previous = kept.get(scope);
      if (previous) {
        if (previous.params !== params) {
          return stripeError(
            400,
            'idempotency_error',
            'Keys for idempotent requests can only be used with the same parameters they were first used with.',
          );
        }
        return previous.response;
      }
      const response = act(request);
      kept.set(scope, { params, response: structuredClone(response) });
      return response;
    },
    outage,
    {
      ...options,
      failed(request, response) {
        const apiKey = apiKeyOf(request.headers.authorization);
        const key = request.headers['idempotency-key'];
        if (request.method === 'POST' && apiKey && key) {
          kept.set(`${apiKey}\u0000${key}`, { params: `${request.path}?${request.raw}`, response });
        }
      },
    },
  );

  return {
    ...standIn,
    intents,
    refunds,
    createIntent({ amount, currency, captureMethod = 'automatic', paymentMethod = 'pm_card_visa' }) {
      const { body } = create(
        new URLSearchParams({
          amount: String(amount),
          currency,
          capture_method: captureMethod,
          payment_method: paymentMethod,
          confirm: 'true',
        }),
      );
      const intent =
        (body as { error?: { payment_intent: PaymentIntent } }).error?.payment_intent ??
        (body as PaymentIntent);
      return intent;
    },
    settle(id) {
      const intent = intents.get(id);
      if (!intent || intent.status !== 'processing') throw new Error(`${id} is not processing`);
      authorise(intent);
      return intent;
    },
  };
}

/** A Stripe event about a PaymentIntent, as Stripe posts it to a webhook endpoint. */
export function paymentIntentEvent(type: string, intent: PaymentIntent, id = newId('evt')) {
  return {
    id,
    object: 'event',
    api_version: '2024-06-20',
    created: Math.floor(Date.now() / 1000),
    type,
    livemode: false,
    data: { object: intent },
  };
}

/** `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, one v1 per secret. */
export function signStripeEvent(
  body: string,
  secrets: string | string[],
  timestamp = Math.floor(Date.now() / 1000),
): string {
  const signatures = [secrets]
    .flat()
    .map((secret) => `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`);
  return [`t=${timestamp}`, ...signatures].join(',');
}
