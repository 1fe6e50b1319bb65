import { PDFDocument } from 'pdf-lib';
import type { Order } from '../../shared/domain/order.js';
import type { Seller } from '../../shared/domain/seller.js';
import { drawInvoice } from './invoice.js';
import { drawPackingSlip } from './packing-slip.js';
import { pageSizeFor, Sheet, standardFonts } from './sheet.js';

export const DOCUMENT_KINDS = {
  invoice: { title: 'Invoice', draw: drawInvoice },
  'packing-slip': { title: 'Packing slip', draw: drawPackingSlip },
} as const;
export type DocumentKind = keyof typeof DOCUMENT_KINDS;

/**
 * One PDF of a seller's orders, each starting on a page of its own (as many as its lines need), on the
 * paper of the seller's country.
 */
export async function renderDocuments(
  kind: DocumentKind,
  orders: readonly Order[],
  seller: Seller,
): Promise<Uint8Array> {
  const document = await PDFDocument.create();
  const { title, draw } = DOCUMENT_KINDS[kind];
  document.setTitle(
    orders.length === 1 ? `${title} ${orders[0]!.orderId}` : `${title}s (${orders.length} orders)`,
  );
  document.setAuthor(seller.name);
  document.setCreator('orderflow');
  const sheet = new Sheet(document, await standardFonts(document), pageSizeFor(seller.originCountry));
  for (const order of orders) draw(sheet, order, seller);
  return document.save();
}
