import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import type { Order } from '../domain/order.js';
import { PaymentDeclinedError, PaymentPendingError, TransientError } from '../errors.js';
import { tableName } from '../store/table.js';
import { maybeInjectFault } from './faults.js';

export interface PaymentProvider {
  /** Resolves when the payment is good; throws PaymentDeclinedError or TransientError. */
  verify(order: Pick<Order, 'orderId' | 'payment'>): Promise<void>;
}

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
  async verify({ orderId, payment }) {
    maybeInjectFault('payment');
    if (payment.provider === 'shopify') {
      const status = payment.financialStatus ?? 'pending';
      const state = shopifyPaymentState(status);
      if (state === 'verified') return;
      if (state === 'declined') throw new PaymentDeclinedError(`shopify payment ${status}`);
      throw new PaymentPendingError(`shopify payment ${status}`);
    }
    const reference = payment.reference.toLowerCase();
    if (reference.startsWith('decline')) throw new PaymentDeclinedError('card declined');
    if (reference.startsWith('flaky') && (await countAttempt(orderId)) <= 2) {
      throw new TransientError('payment provider unavailable');
    }
  },
};
