import { ships } from '../../shared/domain/lines.js';
import { formatMoney, fromMinor, toMinor } from '../../shared/domain/money.js';
import type { Order } from '../../shared/domain/order.js';
import type { Seller } from '../../shared/domain/seller.js';
import { addressLines, continuationHeader, drawHeader } from './header.js';
import type { Sheet } from './sheet.js';

const TITLE = 'Invoice';

/**
 * An order's invoice: seller, order numbers and date, bill-to and ship-to, every line with its price, and
 * the totals in the order's currency. Orders carry no shipping or tax of their own (the storefront's
 * charges are in what the payment took), so the amount paid is shown when it differs from the lines.
 */
export function drawInvoice(sheet: Sheet, order: Order, seller: Seller): void {
  sheet.startDocument(continuationHeader(sheet, TITLE, order));
  drawHeader(sheet, TITLE, order, seller);
  const half = sheet.width / 2;
  const billTo = [order.customer.name, order.customer.email, order.customer.phone ?? ''].filter(Boolean);
  sheet.columns([
    {
      x: 0,
      width: half - 12,
      lines: [{ text: 'Bill to', style: { bold: true } }, ...billTo.map((text) => ({ text }))],
    },
    {
      x: half,
      width: half,
      lines: [
        { text: 'Ship to', style: { bold: true } },
        ...addressLines(order.shippingAddress).map((text) => ({ text })),
      ],
    },
  ]);
  sheet.gap(16);

  const money = (amount: string) => formatMoney(amount, order.currency);
  const columns = {
    sku: { x: 0, width: 100 },
    name: { x: 106, width: sheet.width - 106 - 250 },
    quantity: { x: sheet.width - 240, width: 40, align: 'right' as const },
    unitPrice: { x: sheet.width - 190, width: 90, align: 'right' as const },
    lineTotal: { x: sheet.width - 90, width: 90, align: 'right' as const },
  };
  const heading = { bold: true, size: 9 };
  sheet.row([
    { ...columns.sku, ...heading, text: 'SKU' },
    { ...columns.name, ...heading, text: 'Item' },
    { ...columns.quantity, ...heading, text: 'Qty' },
    { ...columns.unitPrice, ...heading, text: 'Unit price' },
    { ...columns.lineTotal, ...heading, text: 'Line total' },
  ]);
  sheet.rule();
  let subtotal = 0n;
  for (const line of order.items) {
    const lineTotal = toMinor(line.unitPrice, order.currency) * BigInt(line.quantity);
    subtotal += lineTotal;
    sheet.row([
      { ...columns.sku, text: line.sku },
      { ...columns.name, text: `${line.name || line.sku}${ships(line) ? '' : ' (not shipped)'}` },
      { ...columns.quantity, text: String(line.quantity) },
      { ...columns.unitPrice, text: money(line.unitPrice) },
      { ...columns.lineTotal, text: money(fromMinor(lineTotal, order.currency)) },
    ]);
    sheet.gap(2);
  }
  sheet.rule();
  const totals = [
    { label: 'Subtotal', amount: fromMinor(subtotal, order.currency), bold: false },
    { label: 'Total', amount: order.total, bold: true },
    ...(toMinor(order.payment.amount, order.currency) !== toMinor(order.total, order.currency)
      ? [{ label: 'Amount paid', amount: order.payment.amount, bold: false }]
      : []),
  ];
  for (const { label, amount, bold } of totals) {
    sheet.row([
      { x: sheet.width - 240, width: 140, text: label, bold },
      { ...columns.lineTotal, text: money(amount), bold },
    ]);
  }
  sheet.gap(16);
  sheet.text(
    `Amounts in ${order.currency}. Payment: ${order.payment.provider}, ${order.payment.reference}.`,
    {
      grey: true,
      size: 9,
    },
  );
}
