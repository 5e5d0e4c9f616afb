// Records are partitioned by dataset (migration 0006): each dataset's rows in a table of their own,
// a read touching only its dataset's, and a database from before the partitioning migrated with
// its rows and ids intact.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase } from '@govshare/platform';
import type { DatasetSchema } from '@govshare/contracts';
import { migrationsFolder } from './app.ts';
import { compiledFor, createDataset, getDatasetRow, type CatalogDb } from './datasets.ts';
import { ingest } from './ingest.ts';
import { recordsQueries } from './records-query.ts';
import { recordPartitionName } from './record-indexes.ts';
import { tables } from './schema.ts';
import { addDepartment, freshSchemaPrefix, openTestDb, testTargets } from './test-support.ts';

const schema: DatasetSchema = {
  type: 'object',
  properties: { id: { type: 'string', 'x-key': true }, district: { type: 'string', 'x-index': true } },
  required: ['id', 'district'],
  additionalProperties: false,
};

const rowsOf = async (db: CatalogDb, query: ReturnType<typeof sql>) => {
  const res = (await db.execute(query)) as unknown;
  return (Array.isArray(res) ? res : (res as { rows: unknown[] }).rows) as Record<string, unknown>[];
};

describe.each(testTargets)('records partitioned by dataset ($name)', ({ url }) => {
  let db: CatalogDb;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ db, close } = await openTestDb(url));
    await addDepartment(db);
    for (const [id, n] of [
      ['north', 30],
      ['south', 12],
    ] as const) {
      await createDataset(db, { id, title: id, ownerDept: 'TST', tier: 'PUBLIC', schema });
      const items = Array.from({ length: n }, (_, i) => ({ row: i + 1, data: { id: `${id}-${i}`, district: 'D1' } }));
      await ingest(db, id, 'append', items);
    }
  });
  afterAll(async () => close?.());

  it("each dataset's records are stored in its own partition, and a page reads only that one", async () => {
    const where = await rowsOf(
      db,
      sql`select tableoid::regclass::text as partition, count(*)::int as n from records group by 1 order by 1`,
    );
    expect(where).toEqual(
      [
        { partition: recordPartitionName('north'), n: 30 },
        { partition: recordPartitionName('south'), n: 12 },
      ].sort((a, b) => a.partition.localeCompare(b.partition)),
    );
    const compiled = compiledFor(await getDatasetRow(db, 'north'));
    const fields = new Map(compiled.fields.map((f) => [f.name, f]));
    const { page } = recordsQueries(
      db,
      'north',
      { field: 'district', op: 'eq', value: 'D1' },
      fields,
      compiled.keyFields,
      0,
      20,
    );
    const plan = (await rowsOf(db, sql`explain ${page}`)).map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toContain(recordPartitionName('north'));
    expect(plan).not.toContain(recordPartitionName('south'));
  });

  it('a replace of one dataset leaves the other partition as it was', async () => {
    const before = await rowsOf(db, sql`select id from records where dataset_id = 'south' order by id`);
    await ingest(db, 'north', 'replace', [{ row: 1, data: { id: 'north-new', district: 'D2' } }]);
    expect(await rowsOf(db, sql`select key from records where dataset_id = 'north'`)).toEqual([{ key: 'north-new' }]);
    expect(await rowsOf(db, sql`select id from records where dataset_id = 'south' order by id`)).toEqual(before);
  });
});

describe.each(testTargets)('migrating records to partitions ($name)', ({ url }) => {
  const dir = mkdtempSync(join(tmpdir(), 'records-partitions-'));
  const before = join(dir, 'migrations-before');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('rows written before the partitioning keep their ids and datasets, and new ids follow on', async () => {
    // The migrations as they were before 0006.
    cpSync(migrationsFolder, before, { recursive: true });
    const journalPath = join(before, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
    const at = journal.entries.findIndex((e: { tag: string }) => e.tag === '0006_records_partitioned');
    expect(at).toBeGreaterThan(0);
    journal.entries = journal.entries.slice(0, at);
    writeFileSync(journalPath, JSON.stringify(journal));
    const place = {
      databaseUrl: url,
      dataDir: url ? ':memory:' : join(dir, 'data'),
      schemaPrefix: freshSchemaPrefix(),
    };

    const old = await openDatabase({ service: 'catalog', tables, migrationsFolder: before, ...place });
    try {
      const db = old.db as CatalogDb;
      await addDepartment(db);
      for (const id of ['a', 'b'])
        await db.execute(sql`insert into datasets (id, title, owner_dept, tier, key_fields, schema)
          values (${id}, ${id}, 'TST', 'PUBLIC', '["id"]'::jsonb, ${JSON.stringify(schema)}::jsonb)`);
      for (let i = 0; i < 9; i++)
        await db.execute(sql`insert into records (dataset_id, key, data, version)
          values (${i % 3 === 0 ? 'b' : 'a'}, ${`k${i}`}, ${JSON.stringify({ id: `k${i}`, district: 'D' })}::jsonb, 1)`);
      expect(await rowsOf(db, sql`select relkind::text as kind from pg_class where oid = 'records'::regclass`)).toEqual(
        [{ kind: 'r' }],
      );
    } finally {
      await old.close();
    }
    const stored = async (db: CatalogDb) =>
      rowsOf(db, sql`select id::int as id, dataset_id as dataset, key from records order by id`);

    const migrated = await openDatabase({ service: 'catalog', tables, migrationsFolder, ...place });
    try {
      const db = migrated.db as CatalogDb;
      expect(await rowsOf(db, sql`select relkind::text as kind from pg_class where oid = 'records'::regclass`)).toEqual(
        [{ kind: 'p' }],
      );
      const rows = await stored(db);
      expect(rows.map((r) => r.key)).toEqual(Array.from({ length: 9 }, (_, i) => `k${i}`));
      expect(rows.map((r) => r.dataset)).toEqual(Array.from({ length: 9 }, (_, i) => (i % 3 === 0 ? 'b' : 'a')));
      const inPartitions = await rowsOf(
        db,
        sql`select tableoid::regclass::text as partition, count(*)::int as n from records group by 1 order by 2`,
      );
      expect(inPartitions).toEqual([
        { partition: recordPartitionName('b'), n: 3 },
        { partition: recordPartitionName('a'), n: 6 },
      ]);
      const maxId = Math.max(...rows.map((r) => r.id as number));
      await db.execute(sql`insert into records (dataset_id, key, data, version) values ('a', 'new', '{}'::jsonb, 1)`);
      const [fresh] = await rowsOf(db, sql`select id::int as id from records where key = 'new'`);
      expect(fresh!.id).toBeGreaterThan(maxId);
    } finally {
      await migrated.drop();
      await migrated.close();
    }
  });
});
