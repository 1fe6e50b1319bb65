import { PDFDocument, StandardFonts } from 'pdf-lib';
import type { Address } from '../domain/order.js';

/** A 4x6 inch label in PDF points (72 a inch), the size carriers print on thermal label stock. */
const WIDTH = 4 * 72;
const HEIGHT = 6 * 72;
const MARGIN = 18;

export interface LabelContent {
  carrier: string;
  service: string;
  trackingNumber: string;
  orderId: string;
  address: Address;
  /** Written as the document's creation date, so the same label renders to the same bytes every time. */
  shippedAt: string;
}

/** The standard fonts encode WinAnsi only: anything else is shown as `?` rather than failing the label. */
const printable = (text: string): string => text.replace(/[^\x20-\x7e\xa0-\xff]/g, '?');

/**
 * A 4x6 shipping label as a PDF: carrier and service, the recipient, the tracking number and the order id.
 * The sandbox carrier's labels, and the carrier stand-ins' files, are drawn by this one function.
 */
export async function renderLabelPdf(content: LabelContent): Promise<Uint8Array> {
  const document = await PDFDocument.create();
  const at = new Date(content.shippedAt);
  document.setTitle(`Shipping label ${content.trackingNumber}`);
  document.setProducer('orderflow');
  document.setCreator('orderflow');
  document.setCreationDate(at);
  document.setModificationDate(at);
  const page = document.addPage([WIDTH, HEIGHT]);
  const regular = await document.embedFont(StandardFonts.Helvetica);
  const bold = await document.embedFont(StandardFonts.HelveticaBold);
  let y = HEIGHT - MARGIN;
  const line = (text: string, size: number, font = regular) => {
    y -= size + 4;
    page.drawText(printable(text), { x: MARGIN, y, size, font, maxWidth: WIDTH - 2 * MARGIN });
  };
  line(content.carrier.toUpperCase(), 18, bold);
  line(content.service, 12);
  y -= 14;
  line('SHIP TO:', 9, bold);
  const { address } = content;
  for (const text of [
    address.name,
    address.line1,
    address.line2 ?? '',
    [address.city, address.region, address.postalCode].filter(Boolean).join(' '),
    address.country,
  ].filter(Boolean)) {
    line(text, 12);
  }
  y -= 20;
  line('TRACKING #', 9, bold);
  line(content.trackingNumber, 16, bold);
  y -= 14;
  line(`Order ${content.orderId}`, 9);
  return document.save({ useObjectStreams: false });
}
