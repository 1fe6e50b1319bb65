import { describe, expect, it } from 'vitest';
import {
  decodeCursor,
  encodeCursor,
  filterFingerprint,
  InvalidCursorError,
} from '../../functions/shared/store/search.js';

const position = '2026-01-03T23:59:59.000Z#ord_0123456789abcdef01234567';
const KEY = 'the-api-keys-cursor-key';

/** The cursor with its payload (before the dot) replaced, the signature kept. */
const withPayload = (cursor: string, payload: object) =>
  `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${cursor.split('.')[1]}`;

describe('search cursors', () => {
  it('round-trips a position as opaque base64url', () => {
    const fingerprint = filterFingerprint('demo', { status: 'PENDING' });

    const cursor = encodeCursor(position, fingerprint, KEY);

    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain('ord_');
    expect(decodeCursor(cursor, fingerprint, KEY)).toBe(position);
  });

  it('ties a cursor to its seller and filters, whatever their order', () => {
    const fingerprint = filterFingerprint('demo', { sku: 'A', region: 'domestic' });

    expect(filterFingerprint('demo', { region: 'domestic', sku: 'A' })).toBe(fingerprint);
    expect(filterFingerprint('demo', { region: 'domestic', sku: 'A', email: undefined })).toBe(fingerprint);
    expect(filterFingerprint('acme', { sku: 'A', region: 'domestic' })).not.toBe(fingerprint);
    expect(() =>
      decodeCursor(encodeCursor(position, fingerprint, KEY), filterFingerprint('demo', {}), KEY),
    ).toThrow(InvalidCursorError);
  });

  it('refuses a cursor signed with another key', () => {
    const fingerprint = filterFingerprint('demo', {});

    const cursor = encodeCursor(position, fingerprint, 'another-api-keys-cursor-key');

    expect(() => decodeCursor(cursor, fingerprint, KEY)).toThrow(/not issued for this search/);
  });

  it('refuses an edited position, even a well-formed one for the same seller and filters', () => {
    const fingerprint = filterFingerprint('demo', {});
    const cursor = encodeCursor(position, fingerprint, KEY);

    const edited = withPayload(cursor, { p: '2026-01-01T00:00:00.000Z#ord_0123456789abcdef01234567' });

    expect(() => decodeCursor(edited, fingerprint, KEY)).toThrow(InvalidCursorError);
  });

  it('refuses an unsigned cursor of the old form', () => {
    const fingerprint = filterFingerprint('demo', {});

    const unsigned = Buffer.from(JSON.stringify({ p: position, f: fingerprint })).toString('base64url');

    expect(() => decodeCursor(unsigned, fingerprint, KEY)).toThrow(InvalidCursorError);
  });

  it.each([
    ['not base64url', '***'],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['JSON of the wrong shape', Buffer.from('[1,2]').toString('base64url')],
    [
      'a position that is not a sort key',
      Buffer.from(JSON.stringify({ p: 'x', f: 'f' })).toString('base64url'),
    ],
    ['too long', 'A'.repeat(401)],
    ['empty', ''],
    ['three parts', 'a.b.c'],
    ['a signature of the wrong length', 'abc.def'],
  ])('refuses a cursor that is %s', (_, cursor) => {
    expect(() => decodeCursor(cursor, 'f', KEY)).toThrow(InvalidCursorError);
  });
});
