import { sandboxCarrier, type Carrier } from './carrier.js';
import { sandboxPayments, type PaymentProvider } from './payment.js';

/** The providers in use. Real adapters (Stripe, a label API) implement the same interfaces. */
export const payments: PaymentProvider = sandboxPayments;
export const carrier: Carrier = sandboxCarrier;
