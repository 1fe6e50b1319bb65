import type { Order } from '../domain/order.js';
import { sandboxCarrier, type Carrier } from './carrier.js';
import { sandboxPayments, type PaymentProvider } from './payment.js';

/** The providers in use. Real adapters (Stripe, a label API) implement the same interfaces. */
export const payments: PaymentProvider = sandboxPayments;
export const carrier: Carrier = sandboxCarrier;

/**
 * The providers an order's payment and parcel go to: a storefront's test order (Shopify `test: true`)
 * only ever reaches the sandbox ones, whatever the seller's real providers are.
 */
export function providersFor(order: Pick<Order, 'test'>): { payments: PaymentProvider; carrier: Carrier } {
  if (order.test) return { payments: sandboxPayments, carrier: sandboxCarrier };
  return { payments, carrier };
}
