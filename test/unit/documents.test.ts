import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { renderDocuments } from '../../functions/api/documents/render.js';
import { orderTotal } from '../../functions/shared/domain/lines.js';
import { formatMoney } from '../../functions/shared/domain/money.js';
import type { Address, LineItem, Order } from '../../functions/shared/domain/order.js';
import type { Seller } from '../../functions/shared/domain/seller.js';
import { newOrder } from '../support/orders.js';
import { pdfPages, pdfText } from '../support/pdf-text.js';

const berlin: Address = {
  name: 'Kaffeerösterei Sommer GmbH',
  line1: 'Torstraße 12',
  line2: 'Hinterhaus, 2. OG',
  city: 'Berlin',
  region: '',
  postalCode: '10119',
  country: 'DE',
};

function seller(overrides: Partial<Seller> = {}): Seller {
  return {
    sellerId: 'acme',
    name: 'Kaffeerösterei Sommer GmbH',
    originCountry: 'DE',
    releaseMode: 'auto',
    reviewThresholds: { EUR: '1000.00' },
    paymentWaitHours: 72,
    holdTimeoutHours: 168,
    releaseSlaHours: 24,
    createdAt: '2026-01-01T00:00:00Z',
    businessAddress: berlin,
    ...overrides,
  };
}

/** A stored order with these lines, its total summed from them as intake sums it. */
function order(
  items: (Pick<LineItem, 'sku' | 'name' | 'quantity' | 'unitPrice'> & { requiresShipping?: boolean })[],
  overrides: Partial<Order> = {},
): Order {
  const currency = overrides.currency ?? 'EUR';
  const lines = items.map((line) => ({ productId: `p-${line.sku}`, ...line }));
  const base = newOrder({ sellerId: 'acme', externalOrderId: '1042' });
  return {
    ...base,
    createdAt: '2026-11-27T09:30:00.000Z',
    ...overrides,
    currency,
    items: lines,
    total: orderTotal(lines, currency),
    payment: overrides.payment ?? {
      provider: 'sandbox',
      reference: 'pay_1042',
      amount: orderTotal(lines, currency),
    },
  };
}

const euroLines = [
  { sku: 'BEANS-1KG', name: 'Espresso beans, 1 kg', quantity: 3, unitPrice: '24.90' },
  { sku: 'GRINDER-C2', name: 'Hand grinder', quantity: 1, unitPrice: '1189.00' },
  { sku: 'GIFT-50', name: 'Gift card 50 EUR', quantity: 2, unitPrice: '50.00', requiresShipping: false },
];

const oneLine = (text: string) => text.replace(/\s+/g, ' ');

describe('invoice', () => {
  it('shows the seller, both order numbers, the date, bill-to, ship-to, each line and the totals in EUR', async () => {
    const euros = order(euroLines);

    const text = await pdfText(await renderDocuments('invoice', [euros], seller()));

    expect(text).toContain('Invoice');
    expect(text).toContain('Kaffeerösterei Sommer GmbH');
    expect(text).toContain('Torstraße 12');
    expect(text).toContain('10119 Berlin');
    expect(text).toContain('Order 1042');
    expect(text).toContain(`orderflow id ${euros.orderId}`);
    expect(text).toContain('Date 2026-11-27');
    expect(text).toContain('Ada Lovelace');
    expect(text).toContain('ada@example.com');
    expect(text).toContain('62701 Springfield IL');
    expect(text).toContain('SKU Item Qty Unit price Line total');
    expect(text).toContain('BEANS-1KG Espresso beans, 1 kg 3 EUR 24.90 EUR 74.70');
    expect(text).toContain('GRINDER-C2 Hand grinder 1 EUR 1,189.00 EUR 1,189.00');
    expect(text).toContain('GIFT-50 Gift card 50 EUR (not shipped) 2 EUR 50.00 EUR 100.00');
    // 74.70 + 1,189.00 + 100.00
    expect(text).toContain('Subtotal EUR 1,363.70');
    expect(text).toContain('Total EUR 1,363.70');
    expect(text).not.toContain('Amount paid');
  });

  it('writes JPY with no decimals, and shows what the payment took when it is more than the lines', async () => {
    const yen = order(
      [
        { sku: 'MATCHA-100', name: 'Matcha 100 g', quantity: 4, unitPrice: '3200' },
        { sku: 'WHISK', name: 'Bamboo whisk', quantity: 1, unitPrice: '1200' },
      ],
      {
        currency: 'JPY',
        payment: { provider: 'sandbox', reference: 'pay_jp', amount: '14900' },
      },
    );

    const text = await pdfText(await renderDocuments('invoice', [yen], seller()));

    expect(text).toContain('MATCHA-100 Matcha 100 g 4 JPY 3,200 JPY 12,800');
    expect(text).toContain('WHISK Bamboo whisk 1 JPY 1,200 JPY 1,200');
    expect(text).toContain('Total JPY 14,000');
    expect(text).toContain('Amount paid JPY 14,900');
    expect(text).not.toMatch(/JPY [\d,]+\.\d/);
  });

  it('renders names in scripts the standard fonts lack, and wraps a long address without losing a word', async () => {
    const line1 = Array.from({ length: 14 }, (_, index) => `Building ${index + 1} Wing`).join(' ');
    const international = order(euroLines.slice(0, 1), {
      customer: { name: 'Иван Петров', email: 'ivan@example.com' },
      shippingAddress: {
        name: '山田 太郎 (Zoë Dvořák-Đặng)',
        line1,
        line2: 'c/o Ünal Çelik',
        city: 'Shibuya-ku',
        region: 'Tokyo',
        postalCode: '150-0002',
        country: 'JP',
      },
    });

    const text = await pdfText(await renderDocuments('invoice', [international], seller()));

    // WinAnsi has ë and á, ř is written without its háček, Đ and the CJK and Cyrillic letters become "?".
    expect(text).toContain('?? ?? (Zoë Dvorák-?ang)');
    expect(text).toContain('???? ??????');
    expect(text).toContain('c/o Ünal Çelik');
    expect(oneLine(text)).toContain(line1);
    expect(text).toContain('150-0002 Shibuya-ku Tokyo');
  });

  it('continues a long order on more pages, each headed with the order, every line once', async () => {
    const lines = Array.from({ length: 50 }, (_, index) => ({
      sku: `SKU-${String(index + 1).padStart(2, '0')}`,
      name: `Item number ${index + 1}`,
      quantity: 1,
      unitPrice: '1.00',
    }));

    const pages = await pdfPages(await renderDocuments('invoice', [order(lines)], seller()));

    expect(pages.length).toBeGreaterThan(1);
    for (const page of pages.slice(1)) expect(page).toContain('Invoice, order 1042 (continued)');
    const all = pages.join('\n');
    for (const { sku } of lines) expect(all.match(new RegExp(`^${sku} `, 'gm'))).toHaveLength(1);
    expect(pages.at(-1)).toContain('Total EUR 50.00');
  });
});

describe('packing slip', () => {
  it('lists the shipped lines with SKU and quantity, no prices, and leaves the gift card out with a note', async () => {
    const text = await pdfText(await renderDocuments('packing-slip', [order(euroLines)], seller()));

    expect(text).toContain('Packing slip');
    expect(text).toContain('Order 1042');
    expect(text).toContain('Kaffeerösterei Sommer GmbH');
    expect(text).toContain('62701 Springfield IL');
    expect(text).toContain('BEANS-1KG Espresso beans, 1 kg 3');
    expect(text).toContain('GRINDER-C2 Hand grinder 1');
    expect(text).not.toContain('GIFT-50');
    expect(text).not.toContain('EUR ');
    expect(text).toContain('4 items in 2 lines');
    expect(text).toContain('Not in this parcel: 1 line that is not shipped');
  });

  it('puts each order of a batch on its own page, in the order given', async () => {
    const orders = ['A-1', 'B-2', 'C-3'].map((externalOrderId) =>
      order(euroLines.slice(0, 2), { externalOrderId }),
    );

    const pages = await pdfPages(await renderDocuments('packing-slip', orders, seller()));

    expect(pages).toHaveLength(3);
    pages.forEach((page, index) => {
      expect(page).toContain(`Order ${orders[index]!.externalOrderId}`);
      expect(page).toContain(`orderflow id ${orders[index]!.orderId}`);
    });
  });
});

describe('the seller and the paper', () => {
  it('falls back to the ship-from address, then to the country alone', async () => {
    const shipFrom = { ...berlin, line1: 'Lagerweg 3', postalCode: '14167' };
    const withShipFrom = seller({ businessAddress: undefined, shipFrom });
    const bare = seller({ businessAddress: undefined, name: 'acme' });

    const fromShipFrom = await pdfText(await renderDocuments('invoice', [order(euroLines)], withShipFrom));
    const fromCountry = (await pdfPages(await renderDocuments('invoice', [order(euroLines)], bare)))[0]!;

    expect(fromShipFrom).toContain('Lagerweg 3');
    expect(fromShipFrom).toContain('14167 Berlin');
    expect(fromCountry.split('\n').slice(0, 8)).toEqual(expect.arrayContaining(['acme', 'DE']));
  });

  it('prints on A4 for a German seller and on Letter for an American one', async () => {
    const size = async (originCountry: string) => {
      const pdf = await renderDocuments('invoice', [order(euroLines)], seller({ originCountry }));
      const { width, height } = (await PDFDocument.load(pdf)).getPage(0).getSize();
      return [Math.round(width), Math.round(height)];
    };

    expect(await size('DE')).toEqual([595, 842]);
    expect(await size('US')).toEqual([612, 792]);
  });
});

describe('formatMoney', () => {
  it('groups thousands and keeps each currency’s own minor units, exactly', () => {
    expect(formatMoney('1234.5', 'EUR')).toBe('EUR 1,234.50');
    expect(formatMoney('1200.00', 'JPY')).toBe('JPY 1,200');
    expect(formatMoney('1.25', 'KWD')).toBe('KWD 1.250');
    expect(formatMoney('49999999999500.00', 'USD')).toBe('USD 49,999,999,999,500.00');
    expect(() => formatMoney('-1', 'USD')).toThrow(RangeError);
  });
});
