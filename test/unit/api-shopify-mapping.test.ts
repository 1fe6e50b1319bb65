import { describe, expect, it } from 'vitest';
import {
  mapShopifyOrder,
  shippingMethodOf,
  shopifyField,
  shopifyOrderSchema,
} from '../../functions/api/shopify.js';
import { orderBodySchema, webhookOrderSchema } from '../../functions/api/schemas.js';
import { parseJson } from '../../functions/api/http.js';
import { shopifyBody, shopifyOrderPayload, SHOPIFY_ORDER_ID } from '../support/shopify.js';

const parse = (payload: Record<string, unknown>) =>
  shopifyOrderSchema.parse(parseJson(Buffer.from(shopifyBody(payload))));

describe('Shopify orders/create mapping', () => {
  it('maps a Shopify order to a valid generic order, keeping the 64-bit id exact', () => {
    const { candidate, externalOrderName, financialStatus } = mapShopifyOrder(parse(shopifyOrderPayload()));

    const order = orderBodySchema.parse(candidate);

    expect(order).toMatchObject({
      externalOrderId: SHOPIFY_ORDER_ID,
      customer: { name: 'Jon Snow', email: 'jon@example.com', phone: '+16135551111' },
      shippingAddress: { name: 'Steve Shipper', region: 'KY', postalCode: '40003', country: 'US' },
      items: [
        { sku: 'MUG-RED', productId: '632910392', name: 'Red Mug - Large', quantity: 1, unitPrice: '12.50' },
        { sku: 'TEE-BLK-M', productId: '632910393', name: 'Black Tee - M', quantity: 1, unitPrice: '12.00' },
      ],
      payment: { provider: 'shopify', reference: `bogus:${SHOPIFY_ORDER_ID}`, amount: '34.50' },
      shippingMethod: 'express',
      tags: ['vip', 'gift'],
      notes: 'Leave at the back door',
    });
    expect(externalOrderName).toBe('#9999');
    expect(financialStatus).toBe('paid');
  });

  it('never ships to the billing address; takes the name from billing and the contact email; drops an unusable phone', () => {
    const payload = shopifyOrderPayload({
      shipping_address: null,
      customer: null,
      email: null,
      contact_email: 'contact@example.com',
      note: null,
      tags: '',
      discount_codes: [{ code: 'SAVE10', amount: '1.00', type: 'fixed_amount' }],
    });
    (payload.billing_address as Record<string, unknown>).phone = '555-555-BILL';

    const { candidate } = mapShopifyOrder(parse(payload));
    const order = webhookOrderSchema.parse(candidate);

    expect(order.customer).toEqual({ name: 'Jon Snow', email: 'contact@example.com' });
    expect(order.shippingAddress).toEqual({
      name: '',
      line1: '',
      line2: '',
      city: '',
      region: '',
      postalCode: '',
      country: '',
    });
    expect(order).toMatchObject({ notes: '', tags: [], discountCodes: ['SAVE10'] });
  });

  it('chooses the shipping method from the shipping line titles', () => {
    expect(shippingMethodOf([{ title: 'UPS Next Day Air', code: 'NDA' }])).toBe('express');
    expect(shippingMethodOf([{ title: 'Economy', code: null }])).toBe('economy');
    expect(shippingMethodOf([{ title: 'Standard Shipping', code: 'STD' }])).toBe('standard');
    expect(shippingMethodOf(null)).toBe('standard');
  });

  it('names failing fields as Shopify does', () => {
    expect(shopifyField('items.2.unitPrice')).toBe('line_items.2.price');
    expect(shopifyField('shippingAddress.postalCode')).toBe('shipping_address.zip');
    expect(shopifyField('shippingAddress.city')).toBe('shipping_address.city');
    expect(shopifyField('customer.email')).toBe('email');
    expect(shopifyField('currency')).toBe('currency');
  });
});
