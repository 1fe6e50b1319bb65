import type { Order } from '../domain/order.js';
import { sandboxLabels, sandboxTracking, type LabelService, type TrackingService } from './carrier.js';
import { sandboxPayments, type PaymentProvider } from './payment.js';

/**
 * The providers in use. Real adapters (Stripe, a label API) implement the same interfaces. A storefront's
 * test order (Shopify `test: true`) only ever reaches the sandbox ones, whatever the seller's real
 * providers are. One function per service, so a function's bundle holds only the service it calls.
 */
const payments: PaymentProvider = sandboxPayments;
const labels: LabelService = sandboxLabels;
const tracking: TrackingService = sandboxTracking;

export const paymentsFor = (order: Pick<Order, 'test'>): PaymentProvider =>
  order.test ? sandboxPayments : payments;
export const labelsFor = (order: Pick<Order, 'test'>): LabelService => (order.test ? sandboxLabels : labels);
export const trackingFor = (order: Pick<Order, 'test'>): TrackingService =>
  order.test ? sandboxTracking : tracking;
