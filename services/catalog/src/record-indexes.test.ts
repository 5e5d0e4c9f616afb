import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql, type SQLWrapper } from 'drizzle-orm';
import type { DatasetSchema, Filter } from '@govshare/contracts';
import { changeSchema, compiledFor, createDataset, getDatasetRow, type CatalogDb } from './datasets.ts';
import { recordKey } from './data-dictionary.ts';
import { queryRecords, recordsQueries } from './records-query.ts';
import {
  declaredRecordIndexes,
  ensureAllRecordIndexes,
  recordPartitionName,
  syncRecordIndexes,
} from './record-indexes.ts';
import { records } from './schema.ts';
import { DEMO_DATASETS, DEMO_SCHEMAS, seedDemoData } from './demo-data.ts';
import { addDepartment, openTestDb, testTargets } from './test-support.ts';

const schemaWith = (indexed: string[]): DatasetSchema => ({
  type: 'object',
  properties: {
    id: { type: 'string', 'x-key': true },
    district: { type: 'string', ...(indexed.includes('district') ? { 'x-index': true } : {}) },
    age: { type: ['integer', 'null'], ...(indexed.includes('age') ? { 'x-index': true } : {}) },
    score: { type: 'number', ...(indexed.includes('score') ? { 'x-index': true } : {}) },
    note: { type: ['string', 'null'], ...(indexed.includes('note') ? { 'x-index': true } : {}) },
    flag: { type: 'boolean' },
  },
  required: ['id', 'district', 'score', 'flag'],
  additionalProperties: false,
});

const ROWS = 5000;
// Values chosen so that filters are selective (10 rows of 5,000 per district) and the planner has
// every reason to use the index; strings include code-point-order traps (upper case, CJK, astral).
const NOTES = ['a', 'ab', 'B', 'b%', 'b_c', '北京', '北京市', '𠀀x', 'ｚ', ''];
const row = (i: number) => ({
  id: `R${String(i).padStart(5, '0')}`,
  district: `D${String(i % 500).padStart(3, '0')}`,
  ...(i % 17 === 0 ? {} : { age: i % 1000 }),
  score: (i % 250) / 4,
  note: i % 13 === 0 ? null : NOTES[i % NOTES.length],
  flag: i % 2 === 0,
});

async function insertRows(db: CatalogDb, datasetId: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1000) {
    const chunk = Array.from({ length: Math.min(1000, n - i) }, (_, j) => row(i + j)).map((data) => ({
      datasetId,
      key: recordKey(['id'], data),
      data,
      version: 1,
    }));
    await db.insert(records).values(chunk);
  }
}

async function explain(db: CatalogDb, query: SQLWrapper): Promise<string> {
  const res = (await db.execute(sql`explain ${query}`)) as unknown;
  const rows = (Array.isArray(res) ? res : (res as { rows: unknown[] }).rows) as Record<string, string>[];
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

async function indexNames(db: CatalogDb): Promise<string[]> {
  const res = (await db.execute(
    sql`select c.relname::text as name from pg_index i join pg_class c on c.oid = i.indexrelid where i.indrelid in (select inhrelid from pg_inherits where inhparent = 'records'::regclass) and i.indisvalid order by 1`,
  )) as unknown;
  return ((Array.isArray(res) ? res : (res as { rows: unknown[] }).rows) as { name: string }[]).map((r) => r.name);
}

const nameOf = (datasetId: string, field: string, indexed: string[]) =>
  declaredRecordIndexes(datasetId, schemaWith(indexed)).find((i) => i.field === field)!.name;

describe.each(testTargets)('x-index indexes ($name)', ({ url }) => {
  let db: CatalogDb;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ db, close } = await openTestDb(url));
    await addDepartment(db);
    // "ix" declares indexes; "twin" holds the same rows without any; "noise" is another dataset's rows.
    await createDataset(db, {
      id: 'ix',
      title: 'ix',
      ownerDept: 'TST',
      tier: 'PUBLIC',
      schema: schemaWith(['district', 'age', 'note']),
    });
    await createDataset(db, { id: 'twin', title: 'twin', ownerDept: 'TST', tier: 'PUBLIC', schema: schemaWith([]) });
    await createDataset(db, {
      id: 'noise',
      title: 'noise',
      ownerDept: 'TST',
      tier: 'PUBLIC',
      schema: schemaWith(['district']),
    });
    for (const id of ['ix', 'twin', 'noise']) await insertRows(db, id, ROWS);
    await db.execute(sql`analyze records`);
  }, 120_000);
  afterAll(async () => close?.());

  it('names are deterministic, ≤ 63 bytes, distinct per dataset and field', () => {
    const a = declaredRecordIndexes('ix', schemaWith(['district', 'age']));
    expect(a.map((i) => i.name)).toEqual(
      declaredRecordIndexes('ix', schemaWith(['age', 'district']))
        .map((i) => i.name)
        .sort((x, y) => (x === a[0]!.name ? -1 : y === a[0]!.name ? 1 : 0)),
    );
    const long = declaredRecordIndexes('x'.repeat(200), schemaWith(['district']))[0]!;
    expect(Buffer.byteLength(long.name)).toBeLessThanOrEqual(63);
    expect(
      new Set([...a, ...declaredRecordIndexes('noise', schemaWith(['district', 'age']))].map((i) => i.name)).size,
    ).toBe(4);
    expect(a.find((i) => i.field === 'district')!.expression).toBe(`((data ->> 'district'::text) collate "C")`);
    expect(a.find((i) => i.field === 'age')!.expression).toBe(`(((data ->> 'age'::text))::numeric)`);
  });

  it('createDataset builds the declared indexes, and only those', async () => {
    const names = await indexNames(db);
    for (const f of ['district', 'age', 'note']) expect(names).toContain(nameOf('ix', f, [f]));
    expect(names).toContain(nameOf('noise', 'district', ['district']));
    expect(names.filter((n) => n.startsWith('records_x_'))).toHaveLength(4);
  });

  const cases: [string, Filter, string][] = [
    ['eq on a string', { field: 'district', op: 'eq', value: 'D007' }, 'district'],
    ['in on a string', { field: 'district', op: 'in', value: ['D001', 'D123', 'D499'] }, 'district'],
    [
      'a range on an integer',
      {
        and: [
          { field: 'age', op: 'gte', value: 100 },
          { field: 'age', op: 'lt', value: 102 },
        ],
      },
      'age',
    ],
    [
      'a string range',
      {
        and: [
          { field: 'district', op: 'gt', value: 'D010' },
          { field: 'district', op: 'lte', value: 'D011' },
        ],
      },
      'district',
    ],
    // 10 rows of 5,000 (D01 would match 2%: a page of 20 is then cheaper read in id order off the
    // dataset's own partition, which the planner rightly picks once each partition has its statistics).
    ['prefix on a string', { field: 'district', op: 'prefix', value: 'D001' }, 'district'],
  ];
  it.each(cases)('EXPLAIN of the queries queryRecords runs for %s names the index', async (_what, where, field) => {
    const compiled = compiledFor(await getDatasetRow(db, 'ix'));
    const fields = new Map(compiled.fields.map((f) => [f.name, f]));
    const { page, count } = recordsQueries(db, 'ix', where, fields, compiled.keyFields, 0, 20);
    const name = nameOf('ix', field, [field]);
    const countPlan = await explain(db, count);
    expect(countPlan, countPlan).toContain(name);
    const pagePlan = await explain(db, page);
    expect(pagePlan, pagePlan).toContain(name);
    // The twin without x-index walks its rows.
    const twin = recordsQueries(db, 'twin', where, fields, compiled.keyFields, 0, 20);
    expect(await explain(db, twin.count)).not.toMatch(/records_x_/);
  });

  it.runIf(url)(
    'a prepared statement keeps the index in its generic plan (the dataset id is in the text)',
    async () => {
      const compiled = compiledFor(await getDatasetRow(db, 'ix'));
      const fields = new Map(compiled.fields.map((f) => [f.name, f]));
      const { page } = recordsQueries(
        db,
        'ix',
        { field: 'district', op: 'eq', value: 'D007' },
        fields,
        compiled.keyFields,
        0,
        20,
      );
      // The statement as the driver prepares it, planned generically (as Postgres does for a prepared
      // statement after five executions when the generic plan looks no worse).
      const { sql: text, params } = page.toSQL();
      const arg = (v: unknown) => (typeof v === 'number' ? String(v) : `'${String(v).replaceAll("'", "''")}'`);
      const plan = await db.transaction(async (tx) => {
        await tx.execute(sql.raw('set local plan_cache_mode = force_generic_plan'));
        await tx.execute(sql.raw(`prepare generic_page as ${text}`));
        const res = (await tx.execute(
          sql.raw(`explain execute generic_page(${params.map(arg).join(', ')})`),
        )) as unknown;
        await tx.execute(sql.raw('deallocate generic_page'));
        const rows = (Array.isArray(res) ? res : (res as { rows: unknown[] }).rows) as Record<string, string>[];
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      });
      expect(plan, plan).toMatch(/\$\d/); // generic: the filter value is a parameter
      expect(plan, plan).toContain(nameOf('ix', 'district', ['district']));
    },
  );

  it('results with the index equal results without (property)', async () => {
    const str = fc.constantFrom(...NOTES, 'D007', 'D0', 'D1', 'D499', 'D5', 'a', 'b');
    const district = fc.integer({ min: -1, max: 501 }).map((i) => `D${String(i).padStart(3, '0')}`);
    const leaf: fc.Arbitrary<Filter> = fc.oneof(
      fc.record({
        field: fc.constant('district'),
        op: fc.constantFrom('eq', 'lt', 'lte', 'gt', 'gte', 'ne'),
        value: district,
      }) as fc.Arbitrary<Filter>,
      fc.record({
        field: fc.constant('district'),
        op: fc.constant('prefix'),
        value: fc.oneof(
          district.map((d) => d.slice(0, 3)),
          str,
        ),
      }) as fc.Arbitrary<Filter>,
      fc.record({
        field: fc.constant('district'),
        op: fc.constant('in'),
        value: fc.array(district, { maxLength: 4 }),
      }) as fc.Arbitrary<Filter>,
      fc.record({
        field: fc.constant('age'),
        op: fc.constantFrom('eq', 'lt', 'lte', 'gt', 'gte'),
        value: fc.oneof(fc.integer({ min: -1, max: 1001 }), fc.double({ min: -1, max: 1001, noNaN: true })),
      }) as fc.Arbitrary<Filter>,
      fc.record({
        field: fc.constant('age'),
        op: fc.constant('in'),
        value: fc.array(fc.integer({ min: 0, max: 999 }), { maxLength: 4 }),
      }) as fc.Arbitrary<Filter>,
      fc.record({
        field: fc.constant('note'),
        op: fc.constantFrom('eq', 'lt', 'gte', 'prefix'),
        value: str,
      }) as fc.Arbitrary<Filter>,
    );
    const filter = fc.oneof(
      leaf,
      fc.array(leaf, { minLength: 2, maxLength: 3 }).map((and) => ({ and })),
    );
    await fc.assert(
      fc.asyncProperty(filter, async (where) => {
        const [a, b] = await Promise.all([
          queryRecords(db, 'ix', { fields: ['id'], where, first: 50 }),
          queryRecords(db, 'twin', { fields: ['id'], where, first: 50 }),
        ]);
        expect(a.totalCount).toBe(b.totalCount);
        expect(a.records.map((r) => r.key)).toEqual(b.records.map((r) => r.key));
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  it('a schema change dropping x-index drops the index; one adding x-index builds it', async () => {
    await changeSchema(db, 'ix', schemaWith(['age', 'note', 'score']));
    const names = await indexNames(db);
    expect(names).not.toContain(nameOf('ix', 'district', ['district']));
    expect(names).toContain(nameOf('ix', 'age', ['age']));
    expect(names).toContain(nameOf('ix', 'score', ['score']));
    await changeSchema(db, 'twin', schemaWith(['district']));
    expect(await indexNames(db)).toContain(nameOf('twin', 'district', ['district']));
    // The other datasets' indexes are theirs.
    expect(await indexNames(db)).toContain(nameOf('noise', 'district', ['district']));
  });

  it('start-up brings every dataset up to date: a missing index is built, a stray one dropped (idempotent)', async () => {
    const missing = nameOf('noise', 'district', ['district']);
    await db.execute(sql.raw(`drop index "${missing}"`));
    await db.execute(
      sql.raw(
        `create index "records_x_000000000000_000000000000" on "${recordPartitionName('noise')}" ((data ->> 'x'))`,
      ),
    );
    const report = await ensureAllRecordIndexes(db);
    expect(report.created).toEqual([missing]);
    expect(report.dropped).toEqual(['records_x_000000000000_000000000000']);
    expect(await ensureAllRecordIndexes(db)).toEqual({ created: [], dropped: [], rebuilt: [] });
    expect(await indexNames(db)).toContain(missing);
  });

  it.runIf(url)('an invalid index left by an interrupted concurrent build is dropped and built again', async () => {
    // A unique concurrent build over duplicate values fails and leaves its index behind, invalid.
    const ix = declaredRecordIndexes('twin', schemaWith(['district']))[0]!;
    await db.execute(sql.raw(`drop index "${ix.name}"`));
    await db
      .execute(
        sql.raw(`create unique index concurrently "${ix.name}" on "${recordPartitionName('twin')}" (${ix.expression})`),
      )
      .catch(() => {});
    const res = (await db.execute(
      sql`select i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid where c.relname = ${ix.name}`,
    )) as unknown as { valid: boolean }[];
    expect(res.map((r) => r.valid)).toEqual([false]);
    const report = await syncRecordIndexes(db, 'twin', (await getDatasetRow(db, 'twin')).schema);
    expect(report.rebuilt).toEqual([ix.name]);
    expect(await indexNames(db)).toContain(ix.name);
  });
});

describe.each(testTargets)('demo data indexes ($name)', ({ url }) => {
  it('the demo seed (which bypasses createDataset) builds the x-index indexes of every demo dataset', async () => {
    const { db, close } = await openTestDb(url);
    try {
      await seedDemoData(db, { scale: 0.02 });
      const want = DEMO_DATASETS.flatMap((d) =>
        declaredRecordIndexes(d.id, DEMO_SCHEMAS[d.id].schema).map((i) => i.name),
      );
      expect(want.length).toBeGreaterThanOrEqual(DEMO_DATASETS.length * 2);
      const names = await indexNames(db);
      for (const n of want) expect(names).toContain(n);
      expect(await ensureAllRecordIndexes(db)).toEqual({ created: [], dropped: [], rebuilt: [] });
    } finally {
      await close();
    }
  }, 120_000);
});
