import { describe, expect, it } from 'vitest';
import { fromMinor, toMinor } from '../../functions/shared/domain/money.js';
import { orderTotal, quantitiesBySku } from '../../functions/shared/domain/lines.js';
import { regionOf } from '../../functions/shared/domain/order.js';
import {
  ORDER_STATUSES,
  TRANSITIONS,
  allowedFrom,
  canTransition,
  isTerminal,
} from '../../functions/shared/domain/status.js';
import { chooseService, transitDays } from '../../functions/shared/providers/carrier.js';
import { holdReason } from '../../functions/reserve-stock/handler.js';
import { releaseProblem, releaseProblems } from '../../functions/release-order/handler.js';
import { reasonOf } from '../../functions/mark-status/handler.js';
import type { Seller } from '../../functions/shared/domain/seller.js';
import { newOrder } from '../support/orders.js';

const seller: Seller = {
  sellerId: 'demo',
  name: 'demo',
  originCountry: 'US',
  releaseMode: 'auto',
  reviewThreshold: '1000.00',
  holdTimeoutHours: 168,
  releaseSlaHours: 24,
  webhookSecrets: [],
  createdAt: '2026-01-01T00:00:00Z',
};

describe('the transition table', () => {
  it('names only known statuses and has the design terminal statuses', () => {
    for (const [from, targets] of Object.entries(TRANSITIONS)) {
      expect(ORDER_STATUSES).toContain(from);
      for (const to of targets) expect(ORDER_STATUSES).toContain(to);
    }
    expect(ORDER_STATUSES.filter(isTerminal)).toEqual([
      'DELIVERED',
      'DELIVERY_EXCEPTION',
      'PAYMENT_FAILED',
      'CANCELLED',
    ]);
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
    ]);
  });
});

describe('money', () => {
  it('converts decimal strings to minor units and back without floats', () => {
    expect(toMinor('12.5')).toBe(1250);
    expect(toMinor('0.10')).toBe(10);
    expect(fromMinor(toMinor('19.99') * 3)).toBe('59.97');
    expect(() => toMinor('1e3')).toThrow(RangeError);
    expect(() => toMinor('-1.00')).toThrow(RangeError);
  });

  it('totals lines exactly where floats would drift', () => {
    expect(
      orderTotal([
        { quantity: 3, unitPrice: '0.10' },
        { quantity: 1, unitPrice: '0.20' },
      ]),
    ).toBe('0.50');
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
    [{ reviewThreshold: '10.00' }, {}, 'review_threshold'],
    [{}, { discountCodes: ['SPRING'] }, 'discount_codes'],
    [{}, { tags: ['gift', 'Custom'] }, 'custom_tag'],
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
      releaseProblem({ ...good, shippingAddress: { ...good.shippingAddress, postalCode: '00000' } }, 'HELD'),
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
