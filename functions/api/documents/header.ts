import type { Address, Order } from '../../shared/domain/order.js';
import type { Seller } from '../../shared/domain/seller.js';
import type { Sheet } from './sheet.js';

/** What heads both documents: who sells, which order, when. */

/** An address as lines, empty parts left out. */
export function addressLines(address: Address): string[] {
  return [
    address.name,
    address.line1,
    address.line2,
    [address.postalCode, address.city, address.region].filter(Boolean).join(' '),
    address.country,
  ].filter((line) => line.trim() !== '');
}

/** The seller's address on a document: the business's, else where parcels leave from, else its country. */
export function sellerAddressLines(seller: Seller): string[] {
  const address = seller.businessAddress ?? seller.shipFrom;
  // The business name heads the block already; an address's own name line repeating it is dropped.
  if (address) return addressLines(address).filter((line, index) => index > 0 || line !== seller.name);
  return [seller.originCountry];
}

/** The number the seller and the customer know the order by: the storefront's, else orderflow's. */
export const orderNumber = (order: Order): string =>
  order.externalOrderName ?? order.externalOrderId ?? order.orderId;

/** The order's date, UTC (YYYY-MM-DD). */
export const orderDate = (order: Order): string => order.createdAt.slice(0, 10);

/** The title and order block, with the seller's name and address on the right. */
export function drawHeader(sheet: Sheet, title: string, order: Order, seller: Seller): void {
  const half = sheet.width / 2;
  const orderLines = [
    { text: title, style: { size: 20, bold: true } },
    { text: `Order ${orderNumber(order)}`, style: { size: 11, bold: true } },
    ...(orderNumber(order) !== order.orderId ? [{ text: `orderflow id ${order.orderId}` }] : []),
    { text: `Date ${orderDate(order)}` },
  ];
  const sellerLines = [
    { text: seller.name, style: { size: 11, bold: true } },
    ...sellerAddressLines(seller).map((text) => ({ text })),
  ];
  sheet.columns([
    { x: 0, width: half - 12, lines: orderLines },
    { x: half, width: half, lines: sellerLines },
  ]);
  sheet.gap(12);
}

/** The top of a document's later pages: which order it belongs to. */
export const continuationHeader = (sheet: Sheet, title: string, order: Order) => () => {
  sheet.text(`${title}, order ${orderNumber(order)} (continued)`, { grey: true, size: 9 });
  sheet.gap(8);
};
