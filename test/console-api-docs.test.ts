// docs/console-api.md is what console page authors work from: its example documents must stay valid
// against the printed schema, or the pages are built on operations the hub no longer answers.
import { readFileSync } from 'node:fs';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url);
const schema = buildSchema(readFileSync(new URL('contracts/schema.graphql', root), 'utf8'));
const doc = readFileSync(new URL('docs/console-api.md', root), 'utf8');
const blocks = [...doc.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]);

describe('docs/console-api.md', () => {
  it('has example documents for every page', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(9);
  });
  it.each(blocks.map((b, i) => [i + 1, b] as const))(
    'example %i is valid against contracts/schema.graphql',
    (_i, b) => {
      expect(validate(schema, parse(b)).map((e) => e.message)).toEqual([]);
    },
  );
});
