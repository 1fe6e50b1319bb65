import { createHmac, randomUUID } from 'node:crypto';
import type { OrderInput } from '../../functions/shared/domain/order.js';
import type { Order } from '../../functions/shared/domain/order.js';

/** A small client for the orderflow HTTP API, used by the demo, the load generator and the benchmarks. */
export interface ClientOptions {
  baseUrl: string;
  sellerId: string;
  apiKey: string;
  webhookSecret: string;
}

export const LOCAL_DEMO: ClientOptions = {
  baseUrl: process.env.ORDERFLOW_URL ?? 'http://localhost:3000',
  sellerId: 'demo',
  apiKey: 'demo-api-key',
  webhookSecret: 'demo-webhook-secret',
};

/**
 * No request waits longer than this for its answer: a request that is never answered fails (and a drill
 * or a demo says so) instead of hanging whatever awaits it.
 */
const REQUEST_TIMEOUT_MS = 120_000;

/** `X-Orderflow-Signature` for a generic webhook: HMAC-SHA256 over "<unix seconds>.<raw body>". */
export function signGeneric(secret: string, body: string, at = Math.floor(Date.now() / 1000)): string {
  const digest = createHmac('sha256', secret).update(`${at}.${body}`).digest('hex');
  return `t=${at},v1=${digest}`;
}

export function sampleOrder(overrides: Partial<OrderInput> = {}): OrderInput {
  return {
    externalOrderId: `ext-${randomUUID()}`,
    channel: 'web',
    customer: { name: 'Ada Lovelace', email: 'ada@example.com' },
    shippingAddress: {
      name: 'Ada Lovelace',
      line1: '1 Main St',
      line2: '',
      city: 'Springfield',
      region: 'IL',
      postalCode: '62701',
      country: 'US',
    },
    items: [{ sku: 'MUG-RED', productId: 'p-1', name: 'Red mug', quantity: 1, unitPrice: '12.50' }],
    currency: 'USD',
    payment: { provider: 'sandbox', reference: `pay_${randomUUID().slice(0, 8)}`, amount: '12.50' },
    shippingMethod: 'standard',
    discountCodes: [],
    tags: [],
    notes: '',
    ...overrides,
  };
}

export class OrderflowClient {
  constructor(readonly options: ClientOptions) {}

  async sendWebhook(
    order: OrderInput,
  ): Promise<{ status: number; orderId?: string; duplicate?: boolean; body: unknown }> {
    const body = JSON.stringify(order);
    const response = await fetch(`${this.options.baseUrl}/webhooks/orders/${this.options.sellerId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-orderflow-signature': signGeneric(this.options.webhookSecret, body),
      },
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const json = (await response.json().catch(() => ({}))) as { orderId?: string; duplicate?: boolean };
    return { status: response.status, orderId: json.orderId, duplicate: json.duplicate, body: json };
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.options.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.options.apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return { status: response.status, body: (await response.json().catch(() => ({}))) as T };
  }

  async getOrder(orderId: string): Promise<Order> {
    const { status, body } = await this.request<Order>('GET', `/orders/${orderId}`);
    if (status !== 200) throw new Error(`GET /orders/${orderId} answered ${status}`);
    return body;
  }
}

/** Statuses after which nothing happens without the seller. */
export const SETTLED = new Set([
  'DELIVERED',
  'DELIVERY_EXCEPTION',
  'PAYMENT_FAILED',
  'CANCELLED',
  'OUT_OF_STOCK',
  'FAILED_TO_RELEASE',
]);
