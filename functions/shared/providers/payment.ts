import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import type { Order } from '../domain/order.js';
import { PaymentDeclinedError, PaymentPendingError, TransientError } from '../errors.js';
import { tableName } from '../store/table.js';
import { maybeInjectFault } from './faults.js';

/** What a verification found beyond "good": an authorisation's end, when the money is still to be taken. */
export interface VerifiedPayment {
  authorizationExpiresAt?: string;
}

/** What a payment provider is told of an order. */
export type PaymentOrder = Pick<Order, 'orderId' | 'sellerId' | 'payment' | 'currency'>;

export interface PaymentProvider {
  /**
   * Resolves when the payment is good; throws PaymentDeclinedError, PaymentPendingError (the order waits
   * for it) or TransientError.
   */
  verify(order: PaymentOrder): Promise<VerifiedPayment | void>;
  /** Takes an authorised payment, for the order's payment amount, when the order is released. */
  capture(order: PaymentOrder): Promise<void>;
  /** Releases the authorisation of a cancelled order; a payment already taken is left to the seller. */
  void(order: PaymentOrder): Promise<void>;
}

/** Providers whose money moves elsewhere (the sandbox's does not move; Shopify's store captures it). */
const nothingToMove = { capture: async () => undefined, void: async () => undefined };

/** The number of verification attempts made for this order, this one included. */
async function countAttempt(orderId: string): Promise<number> {
  const { Attributes } = await documents.send(
    new UpdateCommand({
      TableName: tableName(),
      Key: { PK: `ORDER#${orderId}`, SK: 'SANDBOX#PAYMENT' },
      UpdateExpression: 'ADD attempts :one',
      ExpressionAttributeValues: { ':one': 1 },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return Attributes!.attempts as number;
}

const SHOPIFY_VERIFIED = new Set(['paid', 'authorized', 'partially_paid']);
// An expired authorization (cash on delivery, manual capture left too long) can no longer be captured.
const SHOPIFY_DECLINED = new Set(['voided', 'refunded', 'partially_refunded', 'expired']);

/** What a Shopify financial_status says of the payment: good, never coming, or still to come. */
export function shopifyPaymentState(status: string | undefined): 'verified' | 'declined' | 'pending' {
  const known = status ?? 'pending';
  if (SHOPIFY_VERIFIED.has(known)) return 'verified';
  return SHOPIFY_DECLINED.has(known) ? 'declined' : 'pending';
}

/**
 * Deterministic sandbox: a reference starting `decline` is declined; one starting `flaky` fails its
 * first two attempts transiently. Shopify orders follow their financial_status; one not yet paid
 * (`pending`: bank transfer, cash on delivery, manual capture) waits for the storefront's orders/paid.
 */
export const sandboxPayments: PaymentProvider = {
  ...nothingToMove,
  async verify(order) {
    const { orderId, payment } = order;
    maybeInjectFault('payment');
    if (payment.provider === 'shopify') return shopifyPayments.verify(order);
    const reference = payment.reference.toLowerCase();
    if (reference.startsWith('decline')) throw new PaymentDeclinedError('card declined');
    if (reference.startsWith('flaky') && (await countAttempt(orderId)) <= 2) {
      throw new TransientError('payment provider unavailable');
    }
  },
};

/**
 * The store takes the money (provider `shopify`): the order's financial status, as the storefront sent it
 * and as its orders/paid and orders/updated webhooks change it, says whether it is paid.
 */
export const shopifyPayments: PaymentProvider = {
  ...nothingToMove,
  async verify({ payment }) {
    const status = payment.financialStatus ?? 'pending';
    const state = shopifyPaymentState(status);
    if (state === 'verified') return;
    if (state === 'declined') throw new PaymentDeclinedError(`shopify payment ${status}`);
    throw new PaymentPendingError(`shopify payment ${status}`);
  },
};
