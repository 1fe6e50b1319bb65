import { describe, expect, it } from 'vitest';
import { nestingDepth, parseJson, rawBody } from '../../functions/api/http.js';
import { apiEvent } from '../support/http.js';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { statusCode: number; code: string }).code;
  }
};

describe('request bodies', () => {
  it('keeps integers beyond 2^53 as their digits instead of rounding them', () => {
    expect(parseJson(Buffer.from('{"id":820982911946154508,"n":12,"x":1.5}'))).toEqual({
      id: '820982911946154508',
      n: 12,
      x: 1.5,
    });
    expect(parseJson(Buffer.from('{"q":1e400}'))).toEqual({ q: '1e400' });
  });

  it('refuses invalid UTF-8, deep nesting and lone surrogates', () => {
    expect(codeOf(() => parseJson(Buffer.from([0x7b, 0xff, 0x7d])))).toBe('invalid_encoding');
    expect(codeOf(() => parseJson(Buffer.from('['.repeat(33) + ']'.repeat(33))))).toBe('invalid_json');
    expect(codeOf(() => parseJson(Buffer.from('{"a":"\\ud800"}')))).toBe('invalid_json');
    expect(codeOf(() => parseJson(Buffer.from('{"\\udc00":1}')))).toBe('invalid_json');
    expect(parseJson(Buffer.from('{"a":"\\ud83d\\ude00"}'))).toEqual({ a: '😀' });
  });

  it('counts nesting outside strings only', () => {
    expect(nestingDepth('{"a":"[[[[[[","b":[[1]]}')).toBe(3);
    expect(nestingDepth('"\\"[["')).toBe(0);
  });

  it('decodes base64 bodies and refuses bodies over 256 KB before decoding them', () => {
    const event = apiEvent({ method: 'POST', path: '/orders', body: Buffer.from('{"a":1}') });
    expect(rawBody(event).toString()).toBe('{"a":1}');
    expect(
      codeOf(() => rawBody(apiEvent({ method: 'POST', path: '/', body: Buffer.alloc(257 * 1024) }))),
    ).toBe('payload_too_large');
    expect(
      codeOf(() => rawBody(apiEvent({ method: 'POST', path: '/', body: 'x'.repeat(256 * 1024 + 1) }))),
    ).toBe('payload_too_large');
    expect(rawBody(apiEvent({ method: 'POST', path: '/', body: 'x'.repeat(256 * 1024) }))).toHaveLength(
      256 * 1024,
    );
  });
});
