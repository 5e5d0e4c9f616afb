import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildSchema, parse } from 'graphql';
import { findRefusedArgument } from './argument-guard.ts';

const schema = buildSchema(`
  input Where { field: String!, eq: String }
  type Query { records(dataset: ID!, where: Where, first: Int): [String!]! }
`);

/** Strings that often hold what is refused (a NUL, a lone surrogate) and often do not. */
const text = fc
  .array(fc.constantFrom('a', '中', '😀', '\u0000', '\ud800', '\udfff', ' '), { maxLength: 6 })
  .map((cs) => cs.join(''));
const bad = (s: string) => s.includes('\u0000') || /\p{Surrogate}/u.test(s);

describe('argument guard', () => {
  // One parsed document is reused by yoga for every request with the same text: its typed walk is
  // kept, so what must hold is that each request's variables are still checked, every time.
  it('property: one document, many requests: a request is refused exactly when its variables hold what is refused', () => {
    const doc = parse('query Q($d: ID!, $v: String) { records(dataset: $d, where: { field: "x", eq: $v }, first: 2) }');
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 12 }),
        fc.string({ unit: 'binary', maxLength: 12 }),
        (d, v) => {
          const refusal = findRefusedArgument(schema, doc, { d, v });
          expect(refusal !== undefined).toBe(bad(d) || bad(v));
          if (refusal) expect(refusal.message).toContain(bad(d) ? 'variable "$d"' : 'where.eq');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a refused literal is refused on every request, and a fine one never', () => {
    const refused = parse('{ records(dataset: "a\\u0000b") }');
    const fine = parse('{ records(dataset: "ab", where: { field: "x", eq: "y" }) }');
    for (let i = 0; i < 3; i++) {
      expect(findRefusedArgument(schema, refused)?.message).toMatch(/argument "dataset" contains a NUL character/);
      expect(findRefusedArgument(schema, fine)).toBeUndefined();
    }
  });

  it('an over-long ID is refused whether literal or variable', () => {
    const long = 'x'.repeat(101);
    expect(findRefusedArgument(schema, parse(`{ records(dataset: "${long}") }`))?.message).toMatch(/101 characters/);
    const doc = parse('query Q($d: ID!) { records(dataset: $d) }');
    expect(findRefusedArgument(schema, doc, { d: 'short' })).toBeUndefined();
    expect(findRefusedArgument(schema, doc, { d: long })?.message).toMatch(/\(variable "\$d"\) is 101 characters/);
  });
});
