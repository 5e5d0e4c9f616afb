import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalJson } from './canonical.ts';
import { leafBytes, splitCanonical } from './append.ts';
import { pgArray } from './raw-sql.ts';

describe('leaf bytes computed before the seq is known', () => {
  it('head + seq + tail is exactly the canonical JSON of the stored event', () => {
    const key = fc.oneof(fc.string(), fc.constantFrom('seq', 'se', 'seq0', 'Seq', 'sep', 'ser', 'a', 'z', '\u00e9', '\ud83d\ude00'));
    fc.assert(
      fc.property(fc.dictionary(key, fc.jsonValue()), fc.nat({ max: 2 ** 40 }), (obj, seq) => {
        const { head, tail } = splitCanonical(obj);
        const stored = { ...obj, seq };
        expect(head + String(seq) + tail).toBe(canonicalJson(stored));
        expect(Buffer.from(head + seq + tail, 'utf8').equals(leafBytes(stored as any))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('pgArray', () => {
  it('quotes and escapes text elements, keeps NULL and numbers', () => {
    expect(pgArray(['a"b', 'c\\d', null, 3, 'NULL', ''])).toBe('{"a\\"b","c\\\\d",NULL,3,"NULL",""}');
  });
});
