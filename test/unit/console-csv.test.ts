import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { csvRecords } from '../../console/src/csv.js';

describe("the console's CSV records", () => {
  it('splits at the line breaks between records, never at one inside a quoted cell', () => {
    const rows = [
      ['orderId', 'notes'],
      ['ord_1', 'two\r\nlines'],
      ['ord_2', 'a "quoted" word, and a comma'],
      ['ord_3', 'lone\nbreak'],
    ];
    const text = stringify(rows, { record_delimiter: 'windows', quoted_match: /[\r\n]/ });

    const records = csvRecords(text);

    expect(records.map((record) => record.split(',')[0])).toEqual(['orderId', 'ord_1', 'ord_2', 'ord_3']);
    expect(records.map((record) => `${record}\r\n`).join('')).toBe(text);
  });

  it('keeps a last record that has no line break after it', () => {
    expect(csvRecords('a,b\r\n1,2')).toEqual(['a,b', '1,2']);
  });
});
