import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyEasyPostHmac, verifyOrderflowSignature } from '../../functions/api/signatures.js';
import { easypostUpdate, shippoUpdate } from '../../functions/shared/providers/carrier-tracking.js';
import { pickRate } from '../../functions/shared/providers/label-record.js';
import { signEasyPostWebhook, signShippoWebhook } from '../../infra/local/standins/carriers.js';
import { signStripeEvent } from '../../infra/local/standins/stripe.js';

const RATES = [
  { id: 'ground', amount: '6.40', currency: 'USD', days: 5 },
  { id: 'priority', amount: '9.10', currency: 'USD', days: 2 },
  { id: 'express', amount: '31.25', currency: 'USD', days: 1 },
  { id: 'slow-cheap', amount: '4.99', currency: 'USD', days: 8 },
];

describe('rate choice', () => {
  it('takes the fastest for express, the cheapest in time for standard, the cheapest for economy', () => {
    expect(pickRate(RATES, 'express', 'domestic')?.id).toBe('express');
    expect(pickRate(RATES, 'standard', 'domestic')?.id).toBe('ground');
    // Abroad, 8 days is in time for standard.
    expect(pickRate(RATES, 'standard', 'international')?.id).toBe('slow-cheap');
    expect(pickRate(RATES, 'economy', 'domestic')?.id).toBe('slow-cheap');
    expect(pickRate([], 'economy', 'domestic')).toBeUndefined();
  });

  it('compares amounts as money, not as text', () => {
    const rates = [
      { id: 'ten', amount: '10.00', currency: 'USD', days: 3 },
      { id: 'nine', amount: '9.00', currency: 'USD', days: 3 },
    ];

    expect(pickRate(rates, 'economy', 'domestic')?.id).toBe('nine');
  });
});

describe('carrier tracking statuses', () => {
  it.each([
    ['pre_transit', undefined],
    ['unknown', undefined],
    ['error', undefined],
    ['in_transit', 'IN_TRANSIT'],
    ['out_for_delivery', 'IN_TRANSIT'],
    ['available_for_pickup', 'IN_TRANSIT'],
    ['delivered', 'DELIVERED'],
    ['return_to_sender', 'EXCEPTION'],
    ['failure', 'EXCEPTION'],
  ])('EasyPost %s → %s', (status, expected) => {
    expect(easypostUpdate(status)?.status).toBe(expected);
  });

  it.each([
    ['UNKNOWN', undefined],
    ['PRE_TRANSIT', undefined],
    ['TRANSIT', 'IN_TRANSIT'],
    ['DELIVERED', 'DELIVERED'],
    ['RETURNED', 'EXCEPTION'],
    ['FAILURE', 'EXCEPTION'],
  ])('Shippo %s → %s', (status, expected) => {
    expect(shippoUpdate(status)?.status).toBe(expected);
  });
});

describe('provider webhook signatures', () => {
  const body = Buffer.from('{"id":"evt_1","description":"tracker.updated"}');

  it('EasyPost: hmac-sha256-hex of the raw body, the secret NFKD-normalized, any current secret', () => {
    // "ﬁ" (one ligature character) is "fi" once NFKD-normalized: EasyPost signs with the normalized secret.
    const signed = `hmac-sha256-hex=${createHmac('sha256', 'fine-secret').update(body).digest('hex')}`;

    expect(verifyEasyPostHmac(body, signed, ['other-secret', '\uFB01ne-secret'])).toBe(true);
    expect(
      verifyEasyPostHmac(body, signEasyPostWebhook(body.toString(), 'fine-secret'), ['fine-secret']),
    ).toBe(true);
    expect(
      verifyEasyPostHmac(body, signed.toUpperCase().replace('HMAC-SHA256-HEX', 'hmac-sha256-hex'), [
        'fine-secret',
      ]),
    ).toBe(true);
    expect(verifyEasyPostHmac(body, signed, ['other-secret'])).toBe(false);
    expect(verifyEasyPostHmac(Buffer.from(`${body} `), signed, ['fine-secret'])).toBe(false);
    expect(verifyEasyPostHmac(body, signed.replace('hmac-sha256-hex=', ''), ['fine-secret'])).toBe(false);
    expect(verifyEasyPostHmac(body, undefined, ['fine-secret'])).toBe(false);
  });

  it('Stripe and Shippo: t=,v1= over "<t>.<body>", any v1, within 300 s', () => {
    const now = Math.floor(Date.now() / 1000);
    const raw = body.toString();

    expect(verifyOrderflowSignature(body, signStripeEvent(raw, ['old', 'new']), ['new'])).toBe(true);
    expect(verifyOrderflowSignature(body, signShippoWebhook(raw, 'shippo-secret'), ['shippo-secret'])).toBe(
      true,
    );
    expect(verifyOrderflowSignature(body, signStripeEvent(raw, 'new', now - 301), ['new'])).toBe(false);
    expect(verifyOrderflowSignature(body, signStripeEvent(raw, 'old'), ['new'])).toBe(false);
  });
});
