import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, neutralizeFormula, ordersCsv } from '../../functions/api/csv.js';
import { newOrder } from '../support/orders.js';

describe('orders CSV', () => {
  it('writes RFC 4180: a header, CRLF records, quotes doubled, embedded newlines and commas quoted', () => {
    const order = newOrder({ customer: { name: 'Bob, "the builder"\nJr.', email: 'bob@example.com' } });

    const csv = ordersCsv([order]);

    expect(csv.startsWith(`${CSV_COLUMNS.join(',')}\r\n`)).toBe(true);
    expect(csv).toContain('"Bob, ""the builder""\nJr."');
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv.split('\r\n')[1]).toBe(
      `${order.orderId},${order.externalOrderId},${order.createdAt},PENDING,api,domestic,` +
        '"Bob, ""the builder""\nJr.",bob@example.com,Ada Lovelace,Springfield,62701,US,standard,USD,12.50,MUG-RED x1,,',
    );
  });

  it("gives a parked order's reason, as its history says it", () => {
    const order = newOrder();
    const parked = {
      ...order,
      status: 'OUT_OF_STOCK' as const,
      history: [
        ...order.history,
        {
          status: 'OUT_OF_STOCK' as const,
          at: order.createdAt,
          actor: 'workflow' as const,
          reason: 'unknown_sku',
        },
      ],
    };

    const [header, row] = ordersCsv([parked]).split('\r\n');

    expect(header!.split(',').at(-1)).toBe('reason');
    expect(row!.split(',').at(-1)).toBe('unknown_sku');
  });

  it('neutralises cells a spreadsheet would run as a formula', () => {
    for (const formula of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx']) {
      expect(neutralizeFormula(formula)).toBe(`'${formula}`);
    }
    expect(neutralizeFormula('Ada')).toBe('Ada');
  });

  it('neutralises a formula that follows a line break inside a cell', () => {
    expect(neutralizeFormula('Ada\n=1+1')).toBe("Ada\n'=1+1");
    expect(neutralizeFormula('Ada\r\n@SUM(A1)')).toBe("Ada\r\n'@SUM(A1)");
    expect(neutralizeFormula('a\r+1\n-2')).toBe("a\r'+1\n'-2");
    expect(neutralizeFormula('=x\n\r=y')).toBe("'=x\n'\r'=y");
    expect(neutralizeFormula('1 - 2\nno formula')).toBe('1 - 2\nno formula');
  });

  it('quotes every cell with a CR or LF, and neutralises what follows it', () => {
    const order = newOrder({ customer: { name: 'Ada\r=cmd', email: 'ada@example.com' } });
    const unix = newOrder({ customer: { name: 'Ada\n+1', email: 'ada@example.com' } });

    const [, row, other] = ordersCsv([order, unix]).split('\r\n');

    expect(row).toContain(`,"Ada\r'=cmd",`);
    expect(other).toContain(`,"Ada\n'+1",`);
  });

  it('writes just the header for no orders', () => {
    expect(ordersCsv([])).toBe(`${CSV_COLUMNS.join(',')}\r\n`);
  });
});
