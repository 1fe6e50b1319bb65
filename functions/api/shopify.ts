import * as z from 'zod';
import type { ShippingMethod } from '../shared/domain/order.js';

/**
 * The part of Shopify's REST `orders/create` and `orders/cancelled` webhook bodies that we use. Shopify
 * sends far more, so unknown fields pass; what we use is checked again as our own order.
 */
const id = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)]).transform(String);
const optionalText = z.string().nullish();

const shopifyAddressSchema = z.looseObject({
  first_name: optionalText,
  last_name: optionalText,
  name: optionalText,
  address1: optionalText,
  address2: optionalText,
  city: optionalText,
  province: optionalText,
  province_code: optionalText,
  zip: optionalText,
  country_code: optionalText,
  phone: optionalText,
});

export const shopifyOrderSchema = z.looseObject({
  id,
  name: optionalText,
  email: optionalText,
  contact_email: optionalText,
  currency: z.string(),
  total_price: z.string(),
  financial_status: optionalText,
  cancelled_at: optionalText,
  cancel_reason: optionalText,
  updated_at: optionalText,
  test: z.boolean().nullish(),
  gateway: optionalText,
  note: optionalText,
  tags: optionalText,
  customer: z
    .looseObject({
      first_name: optionalText,
      last_name: optionalText,
      email: optionalText,
      phone: optionalText,
    })
    .nullish(),
  shipping_address: shopifyAddressSchema.nullish(),
  billing_address: shopifyAddressSchema.nullish(),
  line_items: z.array(
    z.looseObject({
      sku: optionalText,
      product_id: id.nullish(),
      variant_id: id.nullish(),
      requires_shipping: z.boolean().nullish(),
      gift_card: z.boolean().nullish(),
      title: optionalText,
      name: optionalText,
      quantity: z.number(),
      price: z.string(),
    }),
  ),
  discount_codes: z.array(z.looseObject({ code: z.string() })).nullish(),
  shipping_lines: z.array(z.looseObject({ title: optionalText, code: optionalText })).nullish(),
});
export type ShopifyOrder = z.infer<typeof shopifyOrderSchema>;

/**
 * The topics taken. Every one carries the whole order, and what is done is read from that signed body
 * (`cancelled_at`, `financial_status`, `updated_at`), never from the topic: X-Shopify-Topic is not signed.
 */
export const SHOPIFY_TOPICS = ['orders/create', 'orders/updated', 'orders/paid', 'orders/cancelled'] as const;

const PHONE = /^\+?[0-9 ()-]{3,30}$/;
const personName = (first?: string | null, last?: string | null) => [first, last].filter(Boolean).join(' ');

/** Shopify's shipping line titles are free text ("UPS Next Day Air", "Economy"); match on intent. */
export function shippingMethodOf(lines: ShopifyOrder['shipping_lines']): ShippingMethod {
  const label = (lines ?? []).map((line) => `${line.title ?? ''} ${line.code ?? ''}`).join(' ');
  if (/express|overnight|next[ -]day|priority|expedited/i.test(label)) return 'express';
  if (/economy|saver|slow/i.test(label)) return 'economy';
  return 'standard';
}

/**
 * A Shopify order as our generic order input (before our own validation). The order id becomes the
 * external id; Shopify's human order name ("#1001") is kept beside it.
 */
export function mapShopifyOrder(order: ShopifyOrder): {
  candidate: Record<string, unknown>;
  externalOrderName?: string;
  financialStatus?: string;
  test?: boolean;
  updatedAt?: string;
} {
  // Never the billing address in its place: a pickup or digital order has none to ship to, and a parcel
  // sent to where the card is billed may be a gift delivered to the giver. The order waits (bad_address).
  const address = order.shipping_address;
  const billing = order.billing_address;
  const customerName =
    personName(order.customer?.first_name, order.customer?.last_name) ||
    billing?.name ||
    personName(billing?.first_name, billing?.last_name) ||
    address?.name ||
    personName(address?.first_name, address?.last_name);
  const phone = [order.customer?.phone, address?.phone, billing?.phone].find(
    (value) => value && PHONE.test(value),
  );
  return {
    candidate: {
      externalOrderId: order.id,
      channel: 'shopify',
      customer: {
        name: customerName,
        email: order.email || order.contact_email || order.customer?.email || undefined,
        ...(phone ? { phone } : {}),
      },
      shippingAddress: address
        ? {
            name: address.name || personName(address.first_name, address.last_name),
            line1: address.address1 ?? '',
            line2: address.address2 ?? '',
            city: address.city ?? '',
            region: address.province_code || address.province || '',
            postalCode: address.zip ?? '',
            country: address.country_code ?? '',
          }
        : undefined,
      items: order.line_items.map((line) => ({
        sku: line.sku ?? '',
        productId: line.product_id ?? '',
        ...(line.variant_id ? { variantId: line.variant_id } : {}),
        ...(line.requires_shipping === false || line.gift_card ? { requiresShipping: false } : {}),
        name: line.name || line.title || '',
        quantity: line.quantity,
        unitPrice: line.price,
      })),
      currency: order.currency,
      payment: {
        provider: 'shopify',
        reference: order.gateway ? `${order.gateway}:${order.id}` : `shopify:${order.id}`,
        amount: order.total_price,
      },
      shippingMethod: shippingMethodOf(order.shipping_lines),
      discountCodes: (order.discount_codes ?? []).map((discount) => discount.code),
      tags: (order.tags ?? '')
        .split(',')
        .map((tag) => tag.trim())
        .filter(Boolean),
      notes: order.note ?? '',
    },
    ...(order.name ? { externalOrderName: order.name } : {}),
    ...(order.financial_status ? { financialStatus: order.financial_status } : {}),
    ...(order.test ? { test: true } : {}),
    ...(order.updated_at ? { updatedAt: order.updated_at } : {}),
  };
}

/** Our field names back to Shopify's, so a 400 points at the field the sender actually sent. */
const SHOPIFY_FIELDS: [RegExp, string][] = [
  [/^externalOrderId/, 'id'],
  [/^customer\.name/, 'customer.first_name'],
  [/^customer\.email/, 'email'],
  [/^shippingAddress\.line1/, 'shipping_address.address1'],
  [/^shippingAddress\.line2/, 'shipping_address.address2'],
  [/^shippingAddress\.region/, 'shipping_address.province_code'],
  [/^shippingAddress\.postalCode/, 'shipping_address.zip'],
  [/^shippingAddress\.country/, 'shipping_address.country_code'],
  [/^shippingAddress/, 'shipping_address'],
  [/^items\.(\d+)\.productId/, 'line_items.$1.product_id'],
  [/^items\.(\d+)\.unitPrice/, 'line_items.$1.price'],
  [/^items/, 'line_items'],
  [/^payment\.amount/, 'total_price'],
  [/^payment\.reference/, 'gateway'],
  [/^discountCodes/, 'discount_codes'],
  [/^notes/, 'note'],
];

export function shopifyField(field: string): string {
  for (const [pattern, replacement] of SHOPIFY_FIELDS) {
    if (pattern.test(field)) return field.replace(pattern, replacement);
  }
  return field;
}
