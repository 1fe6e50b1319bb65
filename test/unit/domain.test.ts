import { describe, expect, it } from 'vitest';
import { fromMinor, normalizeAmount, parseAmount, toMinor } from '../../functions/shared/domain/money.js';
import { orderTotal, quantitiesBySku } from '../../functions/shared/domain/lines.js';
import { regionOf } from '../../functions/shared/domain/order.js';
import {
  ORDER_STATUSES,
  TRANSITIONS,
  allowedFrom,
  canTransition,
  isTerminal,
  RETRYABLE,
} from '../../functions/shared/domain/status.js';
import { chooseService, transitDays } from '../../functions/shared/providers/carrier.js';
import { holdReason } from '../../functions/reserve-stock/handler.js';
import { releaseProblem, releaseProblems } from '../../functions/release-order/handler.js';
import { reasonOf } from '../../functions/mark-status/handler.js';
import { resumePoint } from '../../functions/delivery-sweeper/handler.js';
import type { Seller } from '../../functions/shared/domain/seller.js';
import { newOrder } from '../support/orders.js';

const seller: Seller = {
  sellerId: 'demo',
  name: 'demo',
  originCountry: 'US',
  releaseMode: 'auto',
  reviewThresholds: { USD: '1000.00', JPY: '150000' },
  paymentWaitHours: 72,
  holdTimeoutHours: 168,
  releaseSlaHours: 24,
  createdAt: '2026-01-01T00:00:00Z',
};

describe('the transition table', () => {
  it('names only known statuses and has the design terminal statuses', () => {
    for (const [from, targets] of Object.entries(TRANSITIONS)) {
      expect(ORDER_STATUSES).toContain(from);
      for (const to of targets) expect(ORDER_STATUSES).toContain(to);
    }
    expect(ORDER_STATUSES.filter(isTerminal)).toEqual(['DELIVERED', 'DELIVERY_EXCEPTION', 'CANCELLED']);
    // A failed payment waits for the seller: retried (back to PENDING) or cancelled.
    expect(TRANSITIONS.PAYMENT_FAILED).toEqual(['PENDING', 'CANCELLED']);
  });

  it('forbids cancelling after release and allows it before', () => {
    expect(canTransition('RELEASED', 'CANCELLED')).toBe(false);
    expect(canTransition('SHIPPED', 'CANCELLED')).toBe(false);
    expect(allowedFrom('CANCELLED')).toEqual([
      'PENDING',
      'PAYMENT_VERIFIED',
      'STOCK_RESERVED',
      'ON_HOLD',
      'OUT_OF_STOCK',
      'FAILED_TO_RELEASE',
      'PAYMENT_FAILED',
    ]);
  });
});

describe('dead ends', () => {
  it('leave no status but the terminal ones that neither the seller nor the sweeper can move an order from', () => {
    // What a seller can do to an order whose workflow has ended: retry (the API's list), cancel (the table).
    const sellerRetries: readonly string[] = RETRYABLE;
    const stranded = ORDER_STATUSES.filter(
      (status) =>
        !isTerminal(status) &&
        !sellerRetries.includes(status) &&
        resumePoint({ status, release: {} }) === undefined,
    );

    expect(stranded).toEqual([]);
  });

  it("resume a FAILED_TO_RELEASE order only once a seller's retry has taken its failure reason", () => {
    expect(resumePoint({ status: 'FAILED_TO_RELEASE', release: { failureReason: 'x' } })).toBeUndefined();
    expect(resumePoint({ status: 'FAILED_TO_RELEASE', release: {} })).toBe('ReleaseOrder');
    expect(resumePoint({ status: 'OUT_OF_STOCK' })).toBeUndefined();
  });
});

describe('money', () => {
  it("keeps each currency's ISO 4217 minor units: JPY 0, USD 2, KWD 3, CLF 4", () => {
    expect(fromMinor(toMinor('1200', 'JPY'), 'JPY')).toBe('1200');
    expect(normalizeAmount('1200.00', 'JPY')).toBe('1200');
    expect(normalizeAmount('12.5', 'USD')).toBe('12.50');
    expect(normalizeAmount('1.25', 'KWD')).toBe('1.250');
    expect(normalizeAmount('0.0001', 'CLF')).toBe('0.0001');
    expect(toMinor('12.5', 'USD')).toBe(1250n);
    expect(toMinor('1.005', 'BHD')).toBe(1005n);
  });

  it('refuses an amount with more decimals than its currency, and what is no amount', () => {
    expect(parseAmount('1200.50', 'JPY')).toBeUndefined();
    expect(parseAmount('1.001', 'USD')).toBeUndefined();
    expect(parseAmount('1.0001', 'KWD')).toBeUndefined();
    for (const amount of ['1e3', '-1.00', '', ' 1', '1,00', '0x10']) {
      expect(parseAmount(amount, 'USD'), amount).toBeUndefined();
    }
    expect(() => toMinor('1200.5', 'JPY')).toThrow(RangeError);
  });

  it('totals lines exactly where floats would drift', () => {
    expect(
      orderTotal(
        [
          { quantity: 3, unitPrice: '0.10' },
          { quantity: 1, unitPrice: '0.20' },
        ],
        'USD',
      ),
    ).toBe('0.50');
  });

  it('totals the largest allowed order exactly, far past 2^53 minor units', () => {
    const line = { quantity: 1000, unitPrice: '999999999999.99' };

    const total = orderTotal(
      Array.from({ length: 250 }, () => line),
      'USD',
    );

    // 250 × 1000 × 99,999,999,999,999 cents, written out by hand.
    expect(total).toBe('249999999999997500.00');
  });

  it('sums repeated SKUs', () => {
    expect(
      quantitiesBySku([
        { sku: 'A', quantity: 1 },
        { sku: 'B', quantity: 2 },
        { sku: 'A', quantity: 3 },
      ]),
    ).toEqual(
      new Map([
        ['A', 4],
        ['B', 2],
      ]),
    );
  });
});

describe('the hold gate', () => {
  it.each([
    [{}, {}, undefined],
    [{ releaseMode: 'manual' as const }, {}, 'manual_release_mode'],
    [{ reviewThresholds: { USD: '10.00' } }, {}, 'review_threshold'],
    [{ reviewThresholds: { USD: '12.50' } }, {}, 'review_threshold'],
    [{ reviewThresholds: { USD: '12.51' } }, {}, undefined],
    [{}, { currency: 'JPY', total: '1200' }, undefined],
    [{}, { currency: 'JPY', total: '150000' }, 'review_threshold'],
    [{}, { currency: 'EUR', total: '99999999.00' }, undefined],
    [
      { reviewThresholds: undefined, reviewThreshold: '10.00' } as unknown as Partial<Seller>,
      {},
      'review_threshold',
    ],
    [{}, { discountCodes: ['SPRING'] }, 'discount_codes'],
    [{}, { tags: ['gift', 'Custom'] }, 'custom_tag'],
    [{}, { holdRequest: { reason: 'check it', at: '2026-01-01T00:00:00.000Z' } }, 'seller_hold'],
    [
      { releaseMode: 'manual' as const },
      { holdRequest: { reason: 'x', at: '2026-01-01T00:00:00.000Z' } },
      'seller_hold',
    ],
    [{}, { holdRequest: null }, undefined],
  ])('seller %o and order %o → %s', (sellerChanges, orderChanges, expected) => {
    const order = { ...newOrder(), ...orderChanges };
    expect(holdReason(order, { ...seller, ...sellerChanges })).toBe(expected);
  });
});

describe('release checks', () => {
  it('rejects a bad address or no recipient name, an unnamed line and missing stock, in that order', () => {
    const good = newOrder();
    expect(releaseProblem(good, 'HELD')).toBeUndefined();
    expect(releaseProblem(good, 'RETURNED')).toBe('stock_not_reserved');
    expect(releaseProblem({ ...good, items: [{ ...good.items[0]!, name: ' ' }] }, 'HELD')).toBe(
      'line_without_name: MUG-RED',
    );
    expect(
      releaseProblem({ ...good, shippingAddress: { ...good.shippingAddress, postalCode: 'x' } }, 'HELD'),
    ).toBe('bad_address');
    expect(releaseProblem({ ...good, shippingAddress: { ...good.shippingAddress, name: ' ' } }, 'HELD')).toBe(
      'no_delivery_name',
    );
  });

  it('names each field a seller must fix, and knows countries without postal codes', () => {
    const good = newOrder();
    const empty = { name: '', line1: '', line2: '', city: '', region: '', postalCode: '', country: '' };

    expect(releaseProblems(good)).toEqual([]);
    expect(releaseProblems({ ...good, shippingAddress: empty }).map((p) => [p.reason, p.field])).toEqual([
      ['no_delivery_name', 'shippingAddress.name'],
      ['bad_address', 'shippingAddress.line1'],
      ['bad_address', 'shippingAddress.city'],
      ['bad_address', 'shippingAddress.country'],
      ['bad_address', 'shippingAddress.postalCode'],
    ]);
    const noZip = (country: string) => ({ ...good.shippingAddress, country, postalCode: '' });
    expect(releaseProblems({ ...good, shippingAddress: noZip('HK') })).toEqual([]);
    expect(releaseProblems({ ...good, shippingAddress: noZip('US') })).toEqual([
      { reason: 'bad_address', field: 'shippingAddress.postalCode', message: 'no postal code' },
    ]);
  });
});

describe('reasons carried by caught errors', () => {
  it('reads errorMessage from a Lambda cause, and plain text otherwise', () => {
    expect(
      reasonOf({
        Error: 'ReleaseRejected',
        Cause: '{"errorType":"ReleaseRejected","errorMessage":"address_undeliverable"}',
      }),
    ).toBe('address_undeliverable');
    expect(reasonOf({ Error: 'States.Timeout', Cause: 'timed out' })).toBe('timed out');
    expect(reasonOf({ Error: 'States.Timeout' })).toBe('States.Timeout');
  });
});

describe('carrier choice', () => {
  it('picks carrier and service by region and method, and adds international transit days', () => {
    expect(chooseService('domestic', 'express')).toEqual({ carrier: 'sandbox-post', service: 'Express' });
    expect(chooseService('international', 'economy')).toEqual({
      carrier: 'sandbox-global',
      service: 'International Economy',
    });
    expect(transitDays('domestic', 'standard')).toBe(3);
    expect(transitDays('international', 'express')).toBe(5);
    expect(regionOf({ country: 'DE' }, 'US')).toBe('international');
  });
});

describe('providers', () => {
  it('sends a storefront test order to the sandbox providers only', async () => {
    const providers = await import('../../functions/shared/providers/index.js');
    const { sandboxPayments } = await import('../../functions/shared/providers/payment.js');
    const { sandboxTracking } = await import('../../functions/shared/providers/carrier.js');
    const { labelsFor, sandboxLabels } = await import('../../functions/shared/providers/labels.js');

    // A test order is never looked up: its seller's choice does not matter.
    const testOrder = { test: true, sellerId: 'no-such-seller' };
    expect(await providers.paymentsFor(testOrder)).toBe(sandboxPayments);
    expect(await labelsFor(testOrder)).toBe(sandboxLabels);
    expect(await providers.trackingFor(testOrder)).toBe(sandboxTracking);
  });
});

describe('webhook lines', () => {
  it('takes any whole quantity a storefront sells, and 250 lines, where the seller API keeps its limits', async () => {
    const { webhookOrderSchema, orderBodySchema } = await import('../../functions/api/schemas.js');
    const { orderInput } = await import('../support/orders.js');
    const line = { ...orderInput().items[0]!, quantity: 5000 };
    const body = {
      ...orderInput({ externalOrderId: 'big' }),
      items: Array.from({ length: 250 }, () => line),
    };

    expect(webhookOrderSchema.safeParse(body).success).toBe(true);
    expect(orderBodySchema.safeParse(body).success).toBe(false);
    expect(webhookOrderSchema.safeParse({ ...body, items: [...body.items, line] }).success).toBe(false);
    expect(webhookOrderSchema.safeParse({ ...body, items: [{ ...line, quantity: 0 }] }).success).toBe(false);
  });
});
