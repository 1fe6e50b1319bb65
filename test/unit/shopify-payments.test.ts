import { describe, expect, it } from 'vitest';
import { PaymentDeclinedError, PaymentPendingError } from '../../functions/shared/errors.js';
import { sandboxPayments } from '../../functions/shared/providers/payment.js';

const verify = (financialStatus: string | undefined) =>
  sandboxPayments.verify({
    orderId: 'ord_unit',
    sellerId: 'demo',
    currency: 'USD',
    payment: {
      provider: 'shopify',
      reference: '#1001',
      amount: '10.00',
      ...(financialStatus === undefined ? {} : { financialStatus }),
    },
  });

/** Every financial_status Shopify sends on a REST order, and what orderflow makes of it. */
describe("a Shopify order's payment, by its financial_status", () => {
  it.each(['paid', 'authorized', 'partially_paid'])('%s is verified', async (status) => {
    await expect(verify(status)).resolves.toBeUndefined();
  });

  it.each(['voided', 'refunded', 'partially_refunded', 'expired'])(
    '%s is declined: no payment will come',
    async (status) => {
      await expect(verify(status)).rejects.toBeInstanceOf(PaymentDeclinedError);
    },
  );

  it.each(['pending', undefined, 'some_new_status'])(
    '%s waits for orders/paid (PaymentPending)',
    async (status) => {
      await expect(verify(status)).rejects.toBeInstanceOf(PaymentPendingError);
    },
  );
});
