import { stringify } from 'csv-stringify/sync';
import type { Order } from '../shared/domain/order.js';

/** One row per order, RFC 4180 (CRLF, quotes doubled), for spreadsheets and accounting tools. */
export const CSV_COLUMNS = [
  'orderId',
  'externalOrderId',
  'createdAt',
  'status',
  'source',
  'region',
  'customerName',
  'customerEmail',
  'shipToName',
  'shipToCity',
  'shipToPostalCode',
  'shipToCountry',
  'shippingMethod',
  'currency',
  'total',
  'items',
  'trackingNumber',
  'reason',
] as const;

/**
 * Spreadsheets run a cell that starts with = + - @ (or a tab or CR) as a formula, and some importers
 * start a new cell at a line break inside a quoted one; customer-supplied text has an apostrophe put
 * before such a character at its start and after every line break, so an export can never carry a
 * formula (OWASP "CSV injection").
 */
export function neutralizeFormula(value: string): string {
  return value.replace(/(^|[\r\n])(?=[=+\-@\t\r])/g, "$1'");
}

export function orderRow(order: Order): Record<(typeof CSV_COLUMNS)[number], string> {
  return {
    orderId: order.orderId,
    externalOrderId: neutralizeFormula(order.externalOrderId ?? ''),
    createdAt: order.createdAt,
    status: order.status,
    source: order.source,
    region: order.region,
    customerName: neutralizeFormula(order.customer.name),
    customerEmail: neutralizeFormula(order.customer.email),
    shipToName: neutralizeFormula(order.shippingAddress.name),
    shipToCity: neutralizeFormula(order.shippingAddress.city),
    shipToPostalCode: neutralizeFormula(order.shippingAddress.postalCode),
    shipToCountry: order.shippingAddress.country,
    shippingMethod: order.shippingMethod,
    currency: order.currency,
    total: order.total,
    items: order.items.map((line) => `${line.sku} x${line.quantity}`).join('; '),
    trackingNumber: order.shipment?.trackingNumber ?? '',
    // Why the order is where it is (a parked order's reason code, say unknown_sku), as in its history.
    reason: neutralizeFormula(order.history.at(-1)?.reason ?? ''),
  };
}

const CSV_OPTIONS = {
  columns: [...CSV_COLUMNS],
  record_delimiter: 'windows',
  // Any line break in a cell, a lone CR or LF included, is quoted: it never ends a record.
  quoted_match: /[\r\n]/,
} as const;

export function ordersCsv(orders: readonly Order[]): string {
  return stringify(orders.map(orderRow), { ...CSV_OPTIONS, header: true });
}

/** What one order's row adds to an export's Lambda answer, where the CSV is a JSON string. */
export function csvRowBytes(order: Order): number {
  return Buffer.byteLength(JSON.stringify(stringify([orderRow(order)], CSV_OPTIONS))) - 2;
}
