import { describe, expect, it } from 'vitest';
import {
  decodeCursor,
  encodeCursor,
  filterFingerprint,
  InvalidCursorError,
} from '../../functions/shared/store/search.js';

const position = '2026-01-03T23:59:59.000Z#ord_0123456789abcdef01234567';

describe('search cursors', () => {
  it('round-trips a position as opaque base64url', () => {
    const fingerprint = filterFingerprint('demo', { status: 'PENDING' });

    const cursor = encodeCursor(position, fingerprint);

    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain('ord_');
    expect(decodeCursor(cursor, fingerprint)).toBe(position);
  });

  it('ties a cursor to its seller and filters, whatever their order', () => {
    const fingerprint = filterFingerprint('demo', { sku: 'A', region: 'domestic' });

    expect(filterFingerprint('demo', { region: 'domestic', sku: 'A' })).toBe(fingerprint);
    expect(filterFingerprint('demo', { region: 'domestic', sku: 'A', email: undefined })).toBe(fingerprint);
    expect(filterFingerprint('acme', { sku: 'A', region: 'domestic' })).not.toBe(fingerprint);
    expect(() => decodeCursor(encodeCursor(position, fingerprint), filterFingerprint('demo', {}))).toThrow(
      InvalidCursorError,
    );
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
  ])('refuses a cursor that is %s', (_, cursor) => {
    expect(() => decodeCursor(cursor, 'f')).toThrow(InvalidCursorError);
  });
});
