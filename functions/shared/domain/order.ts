import * as z from 'zod';
import { SKU_PATTERN } from './lines.js';
import { MONEY_PATTERN } from './money.js';

export { SKU_PATTERN };
import { ACTORS, ORDER_STATUSES, type OrderStatus } from './status.js';

/** Free text: any Unicode except control characters (tab and newline allowed where text is long). */
export const text = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/, 'must not contain control characters');

const money = z.string().regex(MONEY_PATTERN, 'must be a decimal string such as "12.50"');

export const skuSchema = z
  .string()
  .regex(SKU_PATTERN, 'must be 1-64 characters, without control characters or spaces at either end');

export const SHIPPING_METHODS = ['express', 'standard', 'economy'] as const;
export type ShippingMethod = (typeof SHIPPING_METHODS)[number];

export const addressSchema = z.strictObject({
  name: text(200).min(1),
  line1: text(200).min(1),
  line2: text(200).default(''),
  city: text(100).min(1),
  region: text(100).default(''),
  postalCode: z.string().regex(/^[A-Za-z0-9 -]{2,12}$/, 'must be a postal code'),
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as "US"'),
});
export type Address = z.infer<typeof addressSchema>;

export const lineItemSchema = z.strictObject({
  sku: skuSchema,
  productId: text(64).default(''),
  /** The storefront's variant id, when it has one: a SKU mapping can name it (store/sku-mappings.ts). */
  variantId: text(64).optional(),
  name: text(200).default(''),
  quantity: z.number().int().min(1).max(1000),
  unitPrice: money,
  /** false for what is not shipped (a gift card, a download): kept and counted, never reserved or shipped. */
  requiresShipping: z.boolean().optional(),
});
export type LineItem = z.infer<typeof lineItemSchema>;

export const MAX_LINES = 50;

/** The generic order body of the HTTP contract (manual create and signed generic webhook). */
export const orderInputSchema = z.strictObject({
  externalOrderId: text(100).min(1).optional(),
  channel: text(50).default('web'),
  customer: z.strictObject({
    name: text(200).min(1),
    email: z.email().max(254),
    phone: z
      .string()
      .regex(/^\+?[0-9 ()-]{3,30}$/)
      .optional(),
  }),
  shippingAddress: addressSchema,
  items: z.array(lineItemSchema).min(1).max(MAX_LINES),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as "USD"'),
  payment: z.strictObject({
    /** Who the storefront took the payment with; for `stripe`, `reference` is the PaymentIntent id. */
    provider: z.enum(['sandbox', 'shopify', 'stripe']),
    reference: text(200).min(1),
    amount: money,
  }),
  shippingMethod: z.enum(SHIPPING_METHODS).default('standard'),
  discountCodes: z.array(text(100).min(1)).max(20).default([]),
  tags: z.array(text(100).min(1)).max(50).default([]),
  notes: text(5000).default(''),
});
export type OrderInput = z.infer<typeof orderInputSchema>;

/**
 * What a history entry that changes no status tells the seller: what happened to the order in their
 * storefront (store/shopify-sync.ts). Each is an order event of its own (`order.<notice>`), so the
 * seller's systems hear it as they hear a status change; `reason` says what Shopify answered.
 */
export const ORDER_NOTICES = [
  'shopify_sync_failed',
  'shopify_tracking_missing',
  'shopify_fulfillment_held',
] as const;
export type OrderNotice = (typeof ORDER_NOTICES)[number];

export const historyEntrySchema = z.object({
  status: z.enum(ORDER_STATUSES),
  at: z.string(),
  reason: z.string().optional(),
  actor: z.enum(ACTORS),
  notice: z.enum(ORDER_NOTICES).optional(),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

/**
 * Why an order waits for its seller, in the seeds' words: what the seller fixes before a retry carries it
 * on. The order's status says where it stopped (OUT_OF_STOCK before the reservation, FAILED_TO_RELEASE at
 * the release checks, PAYMENT_FAILED); the reason, in its history and `problems`, says why.
 */
export const PARK_REASONS = [
  'unknown_sku',
  'inventory',
  'no_delivery_name',
  'bad_address',
  'payment_not_received',
] as const;
export type ParkReason = (typeof PARK_REASONS)[number];

/** One thing the seller must fix, with the field it is in (`items.2.sku`) and what is wrong with it. */
export interface Problem {
  reason: ParkReason;
  field: string;
  message: string;
}

/**
 * A storefront's notice about an order it sent before (cancelled, updated, paid), as it arrived: what
 * orderflow did with it (`outcome`) is kept even when it changed nothing, so the seller sees it came.
 */
export interface StorefrontEvent {
  topic: string;
  /** The storefront's event id (Shopify's X-Shopify-Event-Id): a repeat of it is not acted on again. */
  eventId?: string;
  /** The order's `updated_at` in the body: an event older than the order as stored changes nothing. */
  updatedAt?: string;
  receivedAt: string;
  outcome: string;
}

export interface StorefrontDigest {
  address: string;
  name: string;
  lines: string;
}

export const ORDER_SOURCES = ['api', 'shopify', 'webhook'] as const;
export type OrderSource = (typeof ORDER_SOURCES)[number];

export type Region = 'domestic' | 'international';

export interface Hold {
  reason: string;
  since: string;
  expiresAt: string;
  /** Set when the payment's authorisation ends before the hold does: the seller must act before then. */
  warning?: string;
  /** Present while the workflow waits; removed once a release has been sent for it. */
  taskToken?: string;
}

/** An order waiting for its payment (PENDING): until `expiresAt`, then PAYMENT_FAILED. */
export interface PaymentWait {
  reason: 'payment_pending';
  since: string;
  expiresAt: string;
  /** Present while the workflow waits; the storefront's orders/paid sends it back. */
  taskToken?: string;
}

/**
 * A shipped order waiting for its carrier's push (AwaitDelivery): until `expiresAt` (the estimate plus a
 * grace period), then the workflow polls the carrier instead.
 */
export interface DeliveryWait {
  since: string;
  expiresAt: string;
  /** Present while the workflow waits; the tracking webhook sends it back with the final status. */
  taskToken?: string;
}

export interface Shipment {
  carrier: string;
  service: string;
  trackingNumber: string;
  /** The carrier's tracking page, where the carrier gives one (the sandbox carrier does not). */
  trackingUrl?: string;
  labelId: string;
  /** Where the label file (PDF 4x6) is kept in the label bucket; absent on labels bought before files were. */
  labelKey?: string;
  shippedAt: string;
  estimatedDeliveryAt: string;
  polls: number;
  deliveredAt?: string;
  exception?: string;
}

export interface Order extends Omit<OrderInput, 'payment'> {
  orderId: string;
  sellerId: string;
  source: OrderSource;
  /** The storefront's human order name (Shopify's "#1001"), beside its id in externalOrderId. */
  externalOrderName?: string;
  payment: OrderInput['payment'] & { financialStatus?: string };
  /** Sum of the lines, a decimal string. */
  total: string;
  region: Region;
  status: OrderStatus;
  createdAt: string;
  updatedAt: string;
  history: HistoryEntry[];
  hold?: Hold;
  /**
   * The seller asked to see the order before it is released (POST /orders/{id}/hold): ReserveStock holds
   * it (reason `seller_hold`). Cleared (null) once the seller releases it.
   */
  holdRequest?: { reason: string; at: string } | null;
  paymentWait?: PaymentWait;
  /** A payment authorised, not yet captured (Stripe manual capture): captured at release, if before expiresAt. */
  authorization?: { provider: string; expiresAt: string };
  release?: { releasedAt?: string; failureReason?: string };
  /** A storefront's test order (Shopify `test: true`): kept, marked, and never sent to a real provider. */
  test?: boolean;
  /** The storefront's `updated_at` of the version of the order stored here. */
  storefrontUpdatedAt?: string;
  storefrontEvents?: StorefrontEvent[];
  /**
   * Digests of the address, the recipient's and customer's names and the lines as the storefront last
   * sent them: an update applies only what the storefront changed, never undoing a seller's fix.
   */
  storefrontDigest?: StorefrontDigest;
  /** What keeps a parked order from going on; cleared when the step that found it succeeds. */
  problems?: Problem[];
  shipment?: Shipment;
  deliveryWait?: DeliveryWait;
  workflow: { executionName: string; attempt: number; startedAt?: string };
}

export function regionOf(address: Pick<Address, 'country'>, originCountry: string): Region {
  return address.country === originCountry ? 'domestic' : 'international';
}
