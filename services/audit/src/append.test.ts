import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalJson } from './canonical.ts';
import { leafBytes, splitCanonical } from './append.ts';
import { pgArray } from './raw-sql.ts';
import { leafHash, toHex } from './merkle.ts';
import { backends, ctx, makeEvent, startTestAudit, text, type TestAudit } from './test-helpers.ts';

describe('leaf bytes computed before the seq is known', () => {
  it('head + seq + tail is exactly the canonical JSON of the stored event', () => {
    const key = fc.oneof(
      fc.string(),
      fc.constantFrom('seq', 'se', 'seq0', 'Seq', 'sep', 'ser', 'a', 'z', '\u00e9', '\ud83d\ude00'),
    );
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

describe.each(backends())('stored leaf bytes are exactly the hashed bytes (%s)', (backend) => {
  let a: TestAudit;
  beforeAll(async () => {
    a = await startTestAudit(backend);
  });
  afterAll(async () => {
    await a?.stop();
  });

  it('round-trips backslashes, quotes, control characters and non-ASCII text through the batch statement', async () => {
    const tricky = [
      'back\\slash \\\\ \\" \\x41 \\101',
      'quote " and {braces}, commas',
      'line\nfeed\ttab\u0001\u007f',
      'NULL',
      '',
      'caf\u00e9 \u4e2d\u6587 \ud83d\ude00',
    ];
    const evs = tricky.map((purpose, i) =>
      makeEvent({ purpose, requestId: `r\\"{${i}}`, actor: { sub: `s"${i}\\`, dept: 'SAMR', roles: ['x'] } }),
    );
    const acks = await Promise.all(evs.map((e) => a.service.log.append([e])));
    await a.service.checkpoints.signNow();
    for (const [i, e] of evs.entries()) {
      const seq = acks[i]![0]!.seq;
      const r = await a.remote.inclusionProof({ seq }, ctx);
      const stored = { ...e, seq };
      expect(Buffer.from(r.leaf, 'base64').equals(leafBytes(stored as any))).toBe(true);
      expect(r.leafHash).toBe(toHex(leafHash(leafBytes(stored as any))));
      const search = await a.remote.searchEvents({ requestId: e.requestId }, ctx);
      expect(search.events).toEqual([stored]);
    }
    const exported = await text(a.remote.exportLog({}, ctx));
    expect(exported).toContain('"type":"consistency"');
  });
});
