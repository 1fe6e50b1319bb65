import { createHmac } from 'node:crypto';

/** Shopify order ids exceed 2^53, so the sample's id is spliced into the raw text, as Shopify sends it. */
export const SHOPIFY_ORDER_ID = '820982911946154508';
const SHOPIFY_ORDER_ID_MARKER = '<<shopify-order-id>>';

/** The raw body of a payload, with the unrounded order id (or `id` given as a digit string). */
export function shopifyBody(payload: Record<string, unknown>, id = SHOPIFY_ORDER_ID): string {
  return JSON.stringify(payload).replace(`"${SHOPIFY_ORDER_ID_MARKER}"`, id);
}

/**
 * A Shopify REST `orders/create` webhook body, shaped like Shopify's own sample payload (with the
 * many fields we ignore trimmed), with SKUs from the demo seller's stock.
 */
export function shopifyOrderPayload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: SHOPIFY_ORDER_ID_MARKER,
    admin_graphql_api_id: 'gid://shopify/Order/820982911946154508',
    name: '#9999',
    order_number: 1234,
    email: 'jon@example.com',
    contact_email: 'jon@example.com',
    created_at: '2026-01-10T11:00:00-05:00',
    currency: 'USD',
    presentment_currency: 'USD',
    subtotal_price: '24.50',
    total_price: '34.50',
    total_tax: '0.00',
    financial_status: 'paid',
    fulfillment_status: null,
    gateway: 'bogus',
    payment_gateway_names: ['bogus'],
    note: 'Leave at the back door',
    tags: 'vip, gift ,  ',
    test: true,
    customer: {
      id: 115310627314723954,
      email: 'jon@example.com',
      first_name: 'Jon',
      last_name: 'Snow',
      phone: '+16135551111',
    },
    billing_address: {
      first_name: 'Jon',
      last_name: 'Snow',
      address1: '123 Billing Street',
      city: 'Billtown',
      province: 'Kentucky',
      province_code: 'KY',
      zip: 'K2P0B0',
      country: 'United States',
      country_code: 'US',
      name: 'Jon Snow',
    },
    shipping_address: {
      first_name: 'Steve',
      last_name: 'Shipper',
      address1: '123 Shipping Street',
      address2: 'Suite 4',
      phone: '555-555-SHIP',
      city: 'Shippington',
      province: 'Kentucky',
      province_code: 'KY',
      zip: '40003',
      country: 'United States',
      country_code: 'US',
      name: 'Steve Shipper',
      company: 'Shipping Company',
    },
    line_items: [
      {
        id: 866550311766439020,
        variant_id: 808950810,
        product_id: 632910392,
        title: 'Red Mug',
        name: 'Red Mug - Large',
        sku: 'MUG-RED',
        quantity: 1,
        price: '12.50',
        grams: 300,
        requires_shipping: true,
        taxable: true,
      },
      {
        id: 141249953214522974,
        variant_id: 49148385,
        product_id: 632910393,
        title: 'Black Tee',
        name: 'Black Tee - M',
        sku: 'TEE-BLK-M',
        quantity: 1,
        price: '12.00',
      },
    ],
    discount_codes: [],
    shipping_lines: [{ id: 271878346596884015, title: 'UPS Next Day Air', code: 'NDA', price: '10.00' }],
    ...overrides,
  };
}

/** What Shopify puts in X-Shopify-Hmac-Sha256, computed here independently of the service's code. */
export function shopifyHmac(rawBody: string | Buffer, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}

/** A generic webhook signature, computed independently of the service's code. */
export function orderflowSignature(
  rawBody: string,
  secret: string,
  timestamp = Math.floor(Date.now() / 1000),
) {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}
