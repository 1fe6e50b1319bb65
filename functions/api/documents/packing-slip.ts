import { ships } from '../../shared/domain/lines.js';
import type { Order } from '../../shared/domain/order.js';
import type { Seller } from '../../shared/domain/seller.js';
import { addressLines, continuationHeader, drawHeader } from './header.js';
import type { Sheet } from './sheet.js';

const TITLE = 'Packing slip';

/**
 * What goes in the parcel: seller, order, ship-to, and each shipped line with its SKU and quantity, no
 * prices. Lines that are not shipped (gift cards, downloads) are left out, as the workflow leaves them
 * out of reservation and release; a note says how many there are, so the packer does not look for them.
 */
export function drawPackingSlip(sheet: Sheet, order: Order, seller: Seller): void {
  sheet.startDocument(continuationHeader(sheet, TITLE, order));
  drawHeader(sheet, TITLE, order, seller);
  sheet.columns([
    {
      x: 0,
      width: sheet.width / 2,
      lines: [
        { text: 'Ship to', style: { bold: true } },
        ...addressLines(order.shippingAddress).map((text) => ({ text })),
      ],
    },
    {
      x: sheet.width / 2,
      width: sheet.width / 2,
      lines: [{ text: 'Shipping', style: { bold: true } }, { text: order.shippingMethod }],
    },
  ]);
  sheet.gap(16);

  const columns = {
    sku: { x: 0, width: 140 },
    name: { x: 146, width: sheet.width - 146 - 120 },
    quantity: { x: sheet.width - 110, width: 50, align: 'right' as const },
    packed: { x: sheet.width - 45, width: 45, align: 'right' as const },
  };
  const heading = { bold: true, size: 9 };
  sheet.row([
    { ...columns.sku, ...heading, text: 'SKU' },
    { ...columns.name, ...heading, text: 'Item' },
    { ...columns.quantity, ...heading, text: 'Qty' },
    { ...columns.packed, ...heading, text: 'Packed' },
  ]);
  sheet.rule();
  const shipped = order.items.filter(ships);
  for (const line of shipped) {
    sheet.row([
      { ...columns.sku, text: line.sku },
      { ...columns.name, text: line.name || line.sku },
      { ...columns.quantity, text: String(line.quantity) },
      { ...columns.packed, text: '[  ]' },
    ]);
    sheet.gap(2);
  }
  sheet.rule();
  const units = shipped.reduce((sum, line) => sum + line.quantity, 0);
  sheet.text(
    `${units} ${units === 1 ? 'item' : 'items'} in ${shipped.length} ${shipped.length === 1 ? 'line' : 'lines'}`,
    {
      bold: true,
    },
  );
  const notShipped = order.items.length - shipped.length;
  if (notShipped) {
    sheet.gap(6);
    sheet.text(
      `Not in this parcel: ${notShipped} ${notShipped === 1 ? 'line' : 'lines'} that ${notShipped === 1 ? 'is' : 'are'} not shipped (gift cards, downloads).`,
      { grey: true, size: 9 },
    );
  }
}
