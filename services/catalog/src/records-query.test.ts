import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { DatasetSchema, Filter, FilterOp, Scalar } from '@govshare/contracts';
import { createDataset, type CatalogDb } from './datasets.ts';
import { batchItems, ingest } from './ingest.ts';
import { MAX_FILTER_DEPTH, exportRecords, queryRecords } from './records-query.ts';
import { addDepartment, openTestDb, testTargets } from './test-support.ts';

const schema: DatasetSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', 'x-key': true },
    s: { type: ['string', 'null'] },
    n: { type: ['integer', 'null'] },
    x: { type: 'number' },
    b: { type: 'boolean' },
  },
  required: ['id'],
  additionalProperties: false,
};
type FieldType = 'string' | 'integer' | 'number' | 'boolean';
const TYPES: Record<string, FieldType> = { id: 'string', s: 'string', n: 'integer', x: 'number', b: 'boolean' };

// Small value pools so that filters actually match; strings exercise LIKE wildcards, backslashes,
// Chinese text and an astral character (code point order vs UTF-16 order).
const STRINGS = [
  '',
  'a',
  'ab',
  'abc',
  'b',
  'B',
  'a%',
  'a_c',
  'a\\b',
  '%',
  '_',
  '北京',
  '北京市',
  '上海',
  '𠀀x',
  'ｚ',
  ' a',
];
const INTS = [-3, -1, 0, 1, 2, 7, 1000];
const NUMS = [-2.5, -1, 0, 0.1, 0.25, 1, 3.75, 1e6];
const pool = (t: FieldType): Scalar[] =>
  t === 'string' ? STRINGS : t === 'integer' ? INTS : t === 'number' ? NUMS : [true, false];
const valueArb = (t: FieldType) => fc.constantFrom(...pool(t));

const recordArb = fc.record(
  {
    id: fc.constantFrom(...STRINGS),
    s: fc.oneof(fc.constantFrom(...STRINGS), fc.constant(null)),
    n: fc.oneof(fc.constantFrom(...INTS), fc.constant(null)),
    x: valueArb('number'),
    b: valueArb('boolean'),
  },
  { requiredKeys: ['id'] },
);

const leafArb: fc.Arbitrary<Filter> = fc.constantFrom(...Object.keys(TYPES)).chain((field) => {
  const t = TYPES[field];
  const ops: FilterOp[] = [
    'eq',
    'ne',
    'in',
    'isNull',
    ...(t === 'boolean' ? [] : (['lt', 'lte', 'gt', 'gte'] as const)),
    ...(t === 'string' ? (['prefix'] as const) : []),
  ];
  return fc.constantFrom(...ops).chain((op): fc.Arbitrary<Filter> => {
    if (op === 'isNull') return fc.boolean().map((value) => ({ field, op, value }));
    if (op === 'in') return fc.array(valueArb(t), { maxLength: 4 }).map((value) => ({ field, op, value }));
    return valueArb(t).map((value) => ({ field, op, value }));
  });
});
// maxDepth keeps generated filters within what checkFilter accepts (deeper ones are refused, tested below).
const filterArb: fc.Arbitrary<Filter> = fc.letrec<{ f: Filter }>((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', maxDepth: MAX_FILTER_DEPTH - 1, depthIdentifier: 'filter', withCrossShrink: true },
    leafArb,
    fc.array(tie('f'), { minLength: 1, maxLength: 3 }).map((and) => ({ and })),
    fc.array(tie('f'), { minLength: 1, maxLength: 3 }).map((or) => ({ or })),
  ),
})).f;

/** Code point order, as Postgres compares text under COLLATE "C". */
function cmp(a: Scalar, b: Scalar): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = Array.from(String(a)).map((c) => c.codePointAt(0)!);
  const y = Array.from(String(b)).map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** The documented semantics, in memory: a missing/null value fails every comparison but `ne` and `isNull: true`. */
function matches(f: Filter, r: Record<string, unknown>): boolean {
  if ('and' in f) return f.and.every((c) => matches(c, r));
  if ('or' in f) return f.or.some((c) => matches(c, r));
  const v = r[f.field] as Scalar | null | undefined;
  const absent = v === undefined || v === null;
  switch (f.op) {
    case 'isNull':
      return f.value ? absent : !absent;
    case 'ne':
      return absent || cmp(v, f.value as Scalar) !== 0;
    default:
      if (absent) return false;
  }
  const w = f.value as Scalar;
  switch (f.op) {
    case 'eq':
      return cmp(v!, w) === 0;
    case 'in':
      return (f.value as Scalar[]).some((x) => cmp(v!, x) === 0);
    case 'lt':
      return cmp(v!, w) < 0;
    case 'lte':
      return cmp(v!, w) <= 0;
    case 'gt':
      return cmp(v!, w) > 0;
    case 'gte':
      return cmp(v!, w) >= 0;
    case 'prefix':
      return String(v).startsWith(String(w));
  }
  throw new Error(`op ${f.op}`);
}

describe.each(testTargets)('record queries on $name', ({ url }) => {
  let db: CatalogDb;
  let close: () => Promise<void>;
  let rows: Record<string, unknown>[];

  beforeAll(async () => {
    ({ db, close } = await openTestDb(url));
    await addDepartment(db);
    await createDataset(db, { id: 'things', title: 'Things', ownerDept: 'TST', tier: 'PUBLIC', schema });
    rows = fc.sample(recordArb, { numRuns: 300, seed: 42 });
    await ingest(db, 'things', 'append', batchItems(rows));
  });
  afterAll(async () => close?.());

  /** Every matching record through pagination; checks order and that no page repeats a record. */
  async function all(
    where: Filter | undefined,
    first: number,
  ): Promise<{ data: Record<string, unknown>[]; total: number; cursors: string[] }> {
    const out: Record<string, unknown>[] = [];
    const cursors: string[] = [];
    let after: string | undefined;
    let total = -1;
    for (let guard = 0; guard < 1000; guard++) {
      const page = await queryRecords(db, 'things', {
        fields: ['id', 's', 'n', 'x', 'b'],
        where,
        first,
        after,
        withTotal: guard === 0,
      });
      if (guard === 0) total = page.totalCount!;
      else expect(page.totalCount).toBeNull();
      out.push(...page.records.map((r) => r.data));
      expect(page.records.length).toBeLessThanOrEqual(first);
      if (page.endCursor) cursors.push(page.endCursor);
      if (!page.hasNextPage) break;
      after = page.endCursor!;
    }
    return { data: out, total, cursors };
  }

  it('property: the SQL filter selects exactly the records the in-memory evaluation selects, in ingest order', async () => {
    await fc.assert(
      fc.asyncProperty(filterArb, fc.integer({ min: 7, max: 500 }), async (where, first) => {
        const expected = rows.filter((r) => matches(where, r));
        const got = await all(where, first);
        expect(got.data).toEqual(expected);
        expect(got.total).toBe(expected.length);
        // The total is the same from any page, the empty one past the end included.
        for (const at of new Set([got.cursors[0], got.cursors.at(-1)])) {
          if (at)
            expect((await queryRecords(db, 'things', { fields: ['id'], where, first, after: at })).totalCount).toBe(
              expected.length,
            );
        }
      }),
      { numRuns: 120 },
    );
  });

  it('pagination visits every record exactly once, in order, while appends happen in between', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await queryRecords(db, 'things', { fields: ['id'], first: 37, after, withTotal: false });
      seen.push(...page.records.map((r) => JSON.stringify(r.data)));
      if (pages++ === 2) await ingest(db, 'things', 'append', batchItems([{ id: 'late', x: 1, b: true }]));
      if (!page.hasNextPage) break;
      after = page.endCursor!;
    }
    expect(seen.slice(0, rows.length)).toEqual(rows.map((r) => JSON.stringify({ id: r.id })));
    expect(seen.slice(rows.length)).toEqual([JSON.stringify({ id: 'late' })]);
  });

  it('returns only the requested fields and the dataset version', async () => {
    const page = await queryRecords(db, 'things', { fields: ['id', 'b'], first: 50 });
    expect(page.datasetVersion).toBe(1);
    expect(page.records).toHaveLength(50);
    page.records.forEach((r, i) => {
      const want: Record<string, unknown> = { id: rows[i].id };
      if ('b' in rows[i]) want.b = rows[i].b; // absent stays absent
      expect(r.data).toEqual(want);
      expect(r.key).toBe(rows[i].id);
      expect(r.version).toBe(1);
    });
  });

  it('refuses unknown fields, mismatched value types and misapplied ops, naming the field', async () => {
    const q = (where: Filter, fields = ['id']) => queryRecords(db, 'things', { fields, where });
    await expect(queryRecords(db, 'things', { fields: ['id', 'nope'] })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringContaining('"nope"'),
    });
    await expect(q({ field: 'ghost', op: 'eq', value: 1 })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringContaining('"ghost"'),
    });
    await expect(q({ field: 'n', op: 'eq', value: '1' })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { field: 'n', rule: 'filter-value-type' },
    });
    await expect(q({ field: 'x', op: 'prefix', value: '1' })).rejects.toMatchObject({
      details: { rule: 'filter-op-type' },
    });
    await expect(q({ field: 'b', op: 'lt', value: true })).rejects.toMatchObject({
      details: { rule: 'filter-op-type' },
    });
    await expect(q({ field: 's', op: 'in', value: 'a' })).rejects.toMatchObject({
      details: { rule: 'filter-value-type' },
    });
    await expect(q({ field: 's', op: 'isNull' })).rejects.toMatchObject({ details: { rule: 'filter-value-type' } });
    await expect(queryRecords(db, 'things', { fields: ['id'], after: 'garbage' })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
    let deep: Filter = { field: 'id', op: 'eq', value: 'a' };
    for (let i = 0; i < 10; i++) deep = { and: [deep] };
    await expect(q(deep)).rejects.toMatchObject({ code: 'QUERY_TOO_COMPLEX' });
    await expect(queryRecords(db, 'missing', { fields: ['id'] })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('field names and values are bound, never spliced into SQL', async () => {
    const evil = "a' or '1'='1";
    const page = await queryRecords(db, 'things', { fields: ['id'], where: { field: 's', op: 'eq', value: evil } });
    expect(page.records).toEqual([]);
  });

  it('exports every record in id order in bounded batches, resumable with after', async () => {
    const lines: { id: string; data: Record<string, unknown> }[] = [];
    for await (const chunk of exportRecords(db, 'things', { batchSize: 64 }))
      for (const l of chunk.split('\n').filter(Boolean)) lines.push(JSON.parse(l));
    const total = (await queryRecords(db, 'things', { fields: ['id'], first: 1 })).totalCount!;
    expect(lines).toHaveLength(total);
    const ids = lines.map((l) => Number(l.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(lines.slice(0, rows.length).map((l) => l.data)).toEqual(rows);
    const rest: string[] = [];
    for await (const chunk of exportRecords(db, 'things', { after: ids[99], limit: 50, batchSize: 16 }))
      rest.push(...chunk.split('\n').filter(Boolean));
    expect(rest.map((l) => JSON.parse(l).id)).toEqual(lines.slice(100, 150).map((l) => l.id));
  });
});
