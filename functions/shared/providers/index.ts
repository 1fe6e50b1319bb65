import { ENV } from '../config.js';
import { DEFAULT_PROVIDERS, type SellerProviders } from '../domain/providers.js';
import type { Order } from '../domain/order.js';
import { PaymentDeclinedError, ReleaseRejectedError } from '../errors.js';
import { getSellerCached } from '../store/sellers.js';
import { sandboxShipments, sandboxTracking, type ShipmentService, type TrackingService } from './carrier.js';
import { easypostTracking, shippoTracking } from './carrier-tracking.js';
import { easypostShipments } from './easypost.js';
import { sandboxPayments, shopifyPayments, type PaymentProvider } from './payment.js';
import { shippoShipments } from './shippo.js';
import { stripePayments } from './stripe.js';

/**
 * The providers of an order: the ones its seller chose (`providers` on the seller profile), except that a
 * storefront's test order (Shopify `test: true`) only ever reaches the sandbox, whatever the seller's real
 * providers are. The sandbox serves real orders only where the stage allows it (ALLOW_SANDBOX_PROVIDERS,
 * set per stage by the stack; the local runtime allows it): elsewhere an order of a seller who chose no
 * provider fails with a reason that says so, instead of passing a made-up payment or label. One function
 * per service, so a function's bundle holds only the adapters of the service it calls; the label service is
 * in labels.ts.
 */

export type Selectable = Pick<Order, 'test' | 'sellerId'>;

export const sandboxAllowed = (): boolean => process.env[ENV.allowSandboxProviders] === 'true';

export const SANDBOX_REFUSED =
  'the sandbox providers do not serve real orders on this stage; choose a provider for the seller ' +
  '(npm run seller -- set-providers)';

export async function providersOf(sellerId: string): Promise<SellerProviders> {
  return (await getSellerCached(sellerId))?.providers ?? DEFAULT_PROVIDERS;
}

const refusedPayments: PaymentProvider = {
  async verify() {
    throw new PaymentDeclinedError(`sandbox_not_allowed: ${SANDBOX_REFUSED}`);
  },
  capture: async () => undefined,
  void: async () => undefined,
};

const refusedShipments: ShipmentService = {
  async prepare() {
    throw new ReleaseRejectedError(`sandbox_not_allowed: ${SANDBOX_REFUSED}`);
  },
};

const refusedTracking: TrackingService = {
  async track() {
    throw new Error(`sandbox_not_allowed: ${SANDBOX_REFUSED}`);
  },
};

export async function paymentsFor(order: Selectable): Promise<PaymentProvider> {
  if (order.test) return sandboxPayments;
  const { payment } = await providersOf(order.sellerId);
  if (payment === 'stripe') return stripePayments;
  if (payment === 'shopify') return shopifyPayments;
  return sandboxAllowed() ? sandboxPayments : refusedPayments;
}

export async function shipmentsFor(order: Selectable): Promise<ShipmentService> {
  if (order.test) return sandboxShipments;
  const { carrier } = await providersOf(order.sellerId);
  if (carrier === 'easypost') return easypostShipments;
  if (carrier === 'shippo') return shippoShipments;
  return sandboxAllowed() ? sandboxShipments : refusedShipments;
}

/**
 * A real carrier pushes tracking (POST /webhooks/<carrier>/{sellerId}); the poll loop asks it only when
 * nothing has come by the estimate, and stops once a push has made the order final.
 */
export async function trackingFor(order: Selectable): Promise<TrackingService> {
  if (order.test) return sandboxTracking;
  const { carrier } = await providersOf(order.sellerId);
  if (carrier === 'easypost') return easypostTracking;
  if (carrier === 'shippo') return shippoTracking;
  return sandboxAllowed() ? sandboxTracking : refusedTracking;
}

/** Voids the payment authorisation of an order that has just been cancelled (a no-op where none is held). */
export async function voidPayment(order: Order): Promise<void> {
  await (await paymentsFor(order)).void(order);
}
