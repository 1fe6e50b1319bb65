import * as z from 'zod';
import { orderTotal } from '../shared/domain/lines.js';
import { MONEY_PATTERN, minorUnits, NOT_FOR_SALE, parseAmount } from '../shared/domain/money.js';
import {
  addressSchema,
  historyEntrySchema,
  orderInputSchema,
  PARK_REASONS,
  skuSchema,
  SHIPPING_METHODS,
  ORDER_SOURCES,
  text,
  type OrderInput,
} from '../shared/domain/order.js';
import { ORDER_STATUSES } from '../shared/domain/status.js';

/**
 * The API's request and response shapes. Request bodies build on the domain schemas (the source of
 * truth); responses are described here so that /openapi.json and the tests share one definition.
 */

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });
/** Only codes of the right shape are looked up; the shape itself is the domain schema's to report. */
/** ISO 3166 user-assigned codes (AA, QM-QZ, XA-XZ, ZZ) name no country, except XK (Kosovo) by convention. */
const USER_ASSIGNED = /^(AA|Q[M-Z]|X[A-JL-Z]|ZZ)$/;
const isCountry = (code: string) =>
  !/^[A-Z]{2}$/.test(code) || (!USER_ASSIGNED.test(code) && regionNames.of(code) !== code);
const isCurrency = (code: string) =>
  !/^[A-Z]{3}$/.test(code) || (CURRENCIES.has(code) && !NOT_FOR_SALE.has(code));

/**
 * Every amount of an order must be an amount of its currency (no cents on a JPY price), and so must its
 * total: the workflow reads the total back as an amount, so a price at the maximum times a large
 * quantity is refused here rather than failing the order's workflow later. The quantities' sum stays an
 * exact number, for the per-SKU sums that reserve stock.
 */
function checkAmounts(
  order: {
    currency: string;
    items: { unitPrice: string; quantity: number }[];
    payment: { amount: string };
  },
  context: z.RefinementCtx,
) {
  if (!isCurrency(order.currency) || !/^[A-Z]{3}$/.test(order.currency)) return;
  const digits = minorUnits(order.currency);
  const message = `must be a ${order.currency} amount, with at most ${digits} decimal${digits === 1 ? '' : 's'}`;
  let pricesValid = true;
  const check = (amount: string, path: (string | number)[]) => {
    if (MONEY_PATTERN.test(amount) && parseAmount(amount, order.currency) === undefined) {
      context.addIssue({ code: 'custom', path, message });
      return false;
    }
    return MONEY_PATTERN.test(amount);
  };
  order.items.forEach((line, index) => {
    if (!check(line.unitPrice, ['items', index, 'unitPrice'])) pricesValid = false;
  });
  check(order.payment.amount, ['payment', 'amount']);
  // Refinements run on bodies with other problems too; a line without a whole quantity has its own issue.
  if (!order.items.every((line) => Number.isSafeInteger(line.quantity) && line.quantity > 0)) return;
  const quantities = order.items.reduce((sum, line) => sum + BigInt(line.quantity), 0n);
  if (quantities > BigInt(Number.MAX_SAFE_INTEGER)) {
    context.addIssue({
      code: 'custom',
      path: ['items'],
      message: `the quantities must add up to at most ${Number.MAX_SAFE_INTEGER}`,
    });
  } else if (pricesValid && !MONEY_PATTERN.test(orderTotal(order.items, order.currency))) {
    context.addIssue({
      code: 'custom',
      path: ['items'],
      message: `the order total must be at most ${MAX_TOTAL} ${order.currency}; split the order`,
    });
  }
}

/** The largest amount MONEY_PATTERN allows, in whole units. */
const MAX_TOTAL = '999999999999';

/** The generic order body, with currency and country checked against the real code lists. */
export const orderBodySchema = orderInputSchema.superRefine((order, context) => {
  if (!isCurrency(order.currency)) {
    context.addIssue({
      code: 'custom',
      path: ['currency'],
      message: 'must be a current ISO 4217 currency code',
    });
  }
  if (!isCountry(order.shippingAddress.country)) {
    context.addIssue({
      code: 'custom',
      path: ['shippingAddress', 'country'],
      message: 'must be an ISO 3166-1 alpha-2 country code',
    });
  }
  checkAmounts(order, context);
});

/** Shopify's own limit on line items per order; the webhooks take as many. */
export const MAX_WEBHOOK_LINES = 250;

const PHONE = /^\+?[0-9 ()-]{3,30}$/;
const EMPTY_ADDRESS = { name: '', line1: '', line2: '', city: '', region: '', postalCode: '', country: '' };
/** A field the seller can fix: kept when it is usable text, else empty (and the order parked for it). */
const fixable = (max: number) => text(max).trim().catch('');

/**
 * A signed storefront order as the webhooks take it: an order is stored whatever it lacks, so what a
 * seller can fix (names, address, email, SKUs, tags, notes) is kept when usable and left empty when not,
 * and the workflow parks the order with a reason (`unknown_sku`, `no_delivery_name`, `bad_address`).
 * What makes the body an order at all is still checked, and a 400 names the field: the lines, each
 * with a quantity and a price, the currency and the payment. Unknown fields are ignored.
 */
export const webhookOrderSchema = z
  .object({
    externalOrderId: text(100).min(1).optional(),
    channel: text(50).min(1).catch('web'),
    customer: z
      .object({
        name: fixable(200),
        email: z.email().max(254).catch(''),
        phone: z.string().regex(PHONE).optional().catch(undefined),
      })
      .catch({ name: '', email: '' }),
    shippingAddress: z
      .object({
        name: fixable(200),
        line1: fixable(200),
        line2: fixable(200),
        city: fixable(100),
        region: fixable(100),
        postalCode: fixable(20),
        country: z
          .string()
          .regex(/^[A-Z]{2}$/)
          .refine((code) => isCountry(code))
          .catch(''),
      })
      .catch(EMPTY_ADDRESS),
    items: z
      .array(
        z.object({
          sku: fixable(200),
          productId: fixable(64),
          variantId: text(64).min(1).optional().catch(undefined),
          name: fixable(200),
          // Any whole quantity a storefront sells: more than is stocked waits as OUT_OF_STOCK.
          quantity: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
          unitPrice: z.string().regex(MONEY_PATTERN, 'must be a decimal string such as "12.50"'),
          requiresShipping: z.boolean().optional().catch(undefined),
        }),
      )
      .min(1)
      .max(MAX_WEBHOOK_LINES),
    currency: orderInputSchema.shape.currency.refine(isCurrency, 'must be a current ISO 4217 currency code'),
    payment: z.object({
      provider: orderInputSchema.shape.payment.shape.provider,
      reference: text(200).min(1),
      amount: z.string().regex(MONEY_PATTERN, 'must be a decimal string such as "12.50"'),
    }),
    shippingMethod: z.enum(SHIPPING_METHODS).catch('standard'),
    discountCodes: z.array(text(100).min(1)).max(20).catch([]),
    tags: z.array(text(100).min(1)).max(50).catch([]),
    notes: text(5000).catch(''),
  })
  .superRefine(checkAmounts)
  .transform((order): OrderInput => order);

export const addressPatchSchema = z.strictObject({
  shippingAddress: addressSchema.superRefine((address, context) => {
    if (!isCountry(address.country)) {
      context.addIssue({
        code: 'custom',
        path: ['country'],
        message: 'must be an ISO 3166-1 alpha-2 country code',
      });
    }
  }),
});

export const reasonBodySchema = z.strictObject({
  reason: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[^\u0000-\u001F\u007F]*$/, 'must not contain control characters')
    .optional(),
});

export const ORDER_ID_PATTERN = /^ord_[A-Za-z0-9]{8,64}$/;
export const orderIdSchema = z.string().regex(ORDER_ID_PATTERN, 'must be an order id such as "ord_…"');

export const MAX_BULK_RELEASE = 100;
export const bulkReleaseSchema = z.strictObject({
  orderIds: z.array(z.string().max(100)).min(1).max(MAX_BULK_RELEASE),
});

/** The most orders one document batch renders: one answer must stay within Lambda's 6 MB. */
export const MAX_DOCUMENT_BATCH = 100;
export const documentBatchSchema = z.strictObject({
  orderIds: z.array(z.string().max(100)).min(1).max(MAX_DOCUMENT_BATCH),
});

/** A PDF body, as /openapi.json describes it. */
export const pdfSchema = z.string().meta({ contentMediaType: 'application/pdf' });

export const skuMappingBodySchema = z.strictObject({ sku: skuSchema });
export const skuMappingSchema = z.object({
  kind: z.enum(['product', 'variant']),
  id: z.string().regex(/^[\x21-\x7e]{1,64}$/, "must be the storefront's product or variant id"),
  sku: skuSchema,
});

export const stockBodySchema = z.strictObject({ available: z.number().int().min(0).max(1_000_000_000) });

// ---- responses -------------------------------------------------------------------------------------

export const errorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  }),
});

export const orderViewSchema = z.object({
  orderId: z.string(),
  sellerId: z.string(),
  source: z.enum(ORDER_SOURCES),
  externalOrderId: z.string().optional(),
  externalOrderName: z.string().optional(),
  channel: z.string(),
  customer: z.object({ name: z.string(), email: z.string(), phone: z.string().optional() }),
  shippingAddress: z
    .object(Object.fromEntries(Object.keys(addressSchema.shape).map((key) => [key, z.string()])))
    .describe('as given; a storefront order may lack parts of it (then it waits, reason bad_address)'),
  items: z
    .array(
      z.object({
        sku: z.string().describe('as the storefront sent it; empty when it sent none'),
        productId: z.string(),
        name: z.string(),
        variantId: z.string().optional(),
        quantity: z.number().int(),
        unitPrice: z.string(),
        requiresShipping: z.boolean().optional(),
      }),
    )
    .max(MAX_WEBHOOK_LINES),
  currency: z.string(),
  payment: z.object({
    provider: z.string(),
    reference: z.string(),
    amount: z.string(),
    financialStatus: z.string().optional(),
  }),
  shippingMethod: z.enum(SHIPPING_METHODS),
  discountCodes: z.array(z.string()),
  tags: z.array(z.string()),
  notes: z.string(),
  total: z.string().describe('sum of the lines, a decimal string'),
  region: z.enum(['domestic', 'international']),
  status: z.enum(ORDER_STATUSES),
  createdAt: z.string(),
  updatedAt: z.string(),
  history: z.array(historyEntrySchema),
  hold: z
    .object({
      reason: z.string(),
      since: z.string(),
      expiresAt: z.string(),
      warning: z
        .string()
        .optional()
        .describe("the payment's authorisation ends before this hold does: release or cancel before then"),
    })
    .optional(),
  holdRequest: z
    .object({ reason: z.string(), at: z.string() })
    .nullable()
    .optional()
    .describe(
      'the seller asked to hold the order before release (POST /orders/{id}/hold); null once released',
    ),
  authorization: z
    .object({ provider: z.string(), expiresAt: z.string() })
    .optional()
    .describe('an authorised payment, captured at release: it can no longer be captured after expiresAt'),
  paymentWait: z
    .object({ reason: z.literal('payment_pending'), since: z.string(), expiresAt: z.string() })
    .optional()
    .describe('an order not yet paid waits for its payment until expiresAt, then PAYMENT_FAILED'),
  deliveryWait: z
    .object({ since: z.string(), expiresAt: z.string() })
    .optional()
    .describe("a shipped order waits for the carrier's pushed tracking until expiresAt, then polls it"),
  test: z.boolean().optional().describe("a storefront's test order: only ever sent to sandbox providers"),
  storefrontEvents: z
    .array(
      z.object({
        topic: z.string(),
        eventId: z.string().optional(),
        updatedAt: z.string().optional(),
        receivedAt: z.string(),
        outcome: z.string(),
      }),
    )
    .optional()
    .describe("the storefront's later deliveries of the order (cancelled, paid, updated) and what each did"),
  release: z.object({ releasedAt: z.string().optional(), failureReason: z.string().optional() }).optional(),
  problems: z
    .array(z.object({ reason: z.enum(PARK_REASONS), field: z.string(), message: z.string() }))
    .optional()
    .describe('what keeps a parked order from going on, for the seller to fix before a retry'),
  shipment: z
    .object({
      carrier: z.string(),
      service: z.string(),
      trackingNumber: z.string(),
      labelId: z.string(),
      labelKey: z
        .string()
        .optional()
        .describe('set once the label file is stored: GET /orders/{orderId}/label downloads it'),
      shippedAt: z.string(),
      estimatedDeliveryAt: z.string(),
      polls: z.number(),
      deliveredAt: z.string().optional(),
      exception: z.string().optional(),
    })
    .optional(),
  workflow: z.object({ executionName: z.string(), attempt: z.number(), startedAt: z.string().optional() }),
});

export const webhookAcceptedSchema = z.object({
  orderId: z.string(),
  status: z.enum(ORDER_STATUSES),
  duplicate: z.boolean(),
});

export const orderPageSchema = z.object({
  items: z.array(orderViewSchema),
  nextCursor: z.string().nullable(),
});

export const orderCountsSchema = z.object({
  counts: z.record(z.enum(ORDER_STATUSES), z.number().int()),
});

export const stockSchema = z.object({
  sku: z.string(),
  available: z.number().int(),
  reserved: z.number().int(),
});

export const releaseAcceptedSchema = z.object({ orderId: z.string(), status: z.enum(ORDER_STATUSES) });

export const retryAcceptedSchema = z.object({
  orderId: z.string(),
  status: z.enum(ORDER_STATUSES),
  attempt: z.number().int(),
  executionName: z.string(),
});

export const bulkReleaseResultSchema = z.object({
  results: z.array(
    z.object({
      orderId: z.string(),
      statusCode: z.number().int(),
      status: z.enum(ORDER_STATUSES).optional(),
      error: errorSchema.shape.error.optional(),
    }),
  ),
});

export const healthSchema = z.object({ status: z.literal('ok') });

export const openApiDocumentSchema = z.looseObject({
  openapi: z.literal('3.1.0'),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});

/** A Stripe event as Stripe posts it: what orderflow reads of it is checked; the rest is Stripe's. */
export const stripeEventSchema = z.looseObject({
  id: z.string().regex(/^evt_[A-Za-z0-9_]{1,250}$/, 'must be a Stripe event id (evt_…)'),
  type: z.string().min(1).max(100),
  data: z.looseObject({
    object: z.looseObject({
      id: z.string().min(1).max(255),
      object: z.string().max(100).optional(),
      status: z.string().max(100).optional(),
    }),
  }),
});

export const providerEventAcceptedSchema = z.object({
  eventId: z.string(),
  duplicate: z.boolean(),
  /** What was done: `verifying` (the order waiting for the payment goes on), `ignored: …`, … */
  outcome: z.string(),
  orderId: z.string().optional(),
});

/** EasyPost's event as it posts it: its id, what happened, and the tracker it is about. */
export const easypostEventSchema = z.looseObject({
  id: z.string().regex(/^evt_[A-Za-z0-9_]{1,250}$/, 'must be an EasyPost event id (evt_…)'),
  description: z.string().min(1).max(100),
  result: z.looseObject({
    object: z.string().max(100).optional(),
    tracking_code: z.string().min(1).max(100).optional(),
    status: z.string().max(100).optional(),
  }),
});

/** Shippo's track_updated body: the parcel's tracking number and its status now. */
export const shippoTrackEventSchema = z.looseObject({
  event: z.string().min(1).max(100),
  data: z.looseObject({
    tracking_number: z.string().min(1).max(100),
    tracking_status: z
      .looseObject({
        object_id: z.string().max(100).optional(),
        status: z.string().min(1).max(100),
        status_date: z.string().max(100).nullable().optional(),
      })
      .nullable(),
  }),
});
