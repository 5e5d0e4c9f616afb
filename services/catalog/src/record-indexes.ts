// Indexes declared in the data dictionary (x-index): one expression index per dataset and indexed
// field, on the dataset's partition of `records`, over exactly the expression filterToSql compares (records-query.ts), so
// that Postgres can use it for eq, in, lt/lte/gt/gte and prefix filters on that field.
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { createLogger, type Logger } from '@govshare/platform';
import type { DatasetSchema } from '@govshare/contracts';
import { fieldsOf, type FieldInfo } from './data-dictionary.ts';
import { datasets } from './schema.ts';
import type { CatalogDb } from './datasets.ts';

export type DatabaseKind = 'pglite' | 'postgres';

// Database.kind of the databases this process opened (buildCatalog, openTestDb register theirs);
// a db opened elsewhere is told by its driver (postgres.js can reserve a connection, PGlite cannot).
const kinds = new WeakMap<object, DatabaseKind>();
export function registerDatabaseKind(db: CatalogDb, kind: DatabaseKind): void {
  kinds.set(db, kind);
}
export function databaseKind(db: CatalogDb): DatabaseKind {
  return (
    kinds.get(db) ??
    (typeof (db as { $client?: { reserve?: unknown } }).$client?.reserve === 'function' ? 'postgres' : 'pglite')
  );
}

/** Every x-index index is named records_x_<12 hex of the dataset id>_<12 hex of field and expression>: 35 bytes. */
export const RECORD_INDEX_PREFIX = 'records_x_';
const hex = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 12);
export const datasetIndexPrefix = (datasetId: string) => `${RECORD_INDEX_PREFIX}${hex(datasetId)}_`;
/** The dataset's partition of `records` (made by a trigger on datasets; records_partition_name() in SQL). */
export const recordPartitionName = (datasetId: string) => `records_p_${hex(datasetId)}`;

export interface RecordIndex {
  name: string;
  datasetId: string;
  field: string;
  /** The indexed expression as SQL text (column `data` of records). */
  expression: string;
}

/** An SQL string literal (dataset ids are lower-case-with-dashes; quotes are doubled all the same). */
export const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;

/**
 * The expression filterToSql compares for a non-key field: `(data ->> 'f')` as text in code point
 * order (COLLATE "C"), or cast to numeric. Booleans are never indexed (the data dictionary refuses).
 */
export function indexExpression(field: Pick<FieldInfo, 'name' | 'type'>): string | null {
  const raw = `(data ->> ${literal(field.name)}::text)`;
  if (field.type === 'string') return `(${raw} collate "C")`;
  if (field.type === 'integer' || field.type === 'number') return `((${raw})::numeric)`;
  return null;
}

/** The indexes a dataset's schema declares (x-index fields), with deterministic names. */
export function declaredRecordIndexes(datasetId: string, schema: DatasetSchema): RecordIndex[] {
  const fields = fieldsOf(schema);
  const keys = fields.filter((f) => f.key);
  const out: RecordIndex[] = [];
  for (const f of fields) {
    if (!f.indexed) continue;
    // A single string key is filtered through the records.key column and its own index.
    if (f.key && keys.length === 1 && f.type === 'string') continue;
    const expression = indexExpression(f);
    if (!expression) continue;
    out.push({
      name: `${datasetIndexPrefix(datasetId)}${hex(`${f.name}\u0000${expression}\u0000id`)}`,
      datasetId,
      field: f.name,
      expression,
    });
  }
  return out;
}

/** Does a filter on this field use an index: the single string key (records.key) or an x-index field. */
export function fieldIsIndexed(
  field: Pick<FieldInfo, 'name' | 'type' | 'key' | 'indexed'>,
  keyFields: string[],
): boolean {
  if (field.key && keyFields.length === 1 && field.type === 'string') return true;
  return field.indexed === true && indexExpression(field) !== null;
}

interface ExistingIndex {
  name: string;
  valid: boolean;
  /** Another session is building it concurrently right now (pg_stat_progress_create_index). */
  building: boolean;
}

async function existingIndexes(db: CatalogDb, prefix: string): Promise<ExistingIndex[]> {
  const rows = (await db.execute(sql`
    select c.relname::text as name, i.indisvalid as valid,
      exists (select 1 from pg_stat_progress_create_index p where p.index_relid = c.oid) as building
    from pg_index i join pg_class c on c.oid = i.indexrelid
    where i.indrelid in (select inhrelid from pg_inherits where inhparent = 'records'::regclass)
      and starts_with(c.relname::text, ${prefix})`)) as unknown;
  const list = (Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows) as {
    name: string;
    valid: boolean;
    building: boolean;
  }[];
  return list.map((r) => ({ name: r.name, valid: r.valid === true, building: r.building === true }));
}

/** How long one concurrent build may take (it waits for older transactions, then reads the table twice). */
const BUILD_STATEMENT_TIMEOUT = '15min';

// One index statement at a time per database: concurrent builds on one table wait for each other anyway.
const queues = new WeakMap<object, Promise<unknown>>();
function serialized<T>(db: CatalogDb, work: () => Promise<T>): Promise<T> {
  const before = queues.get(db) ?? Promise.resolve();
  const next = before.then(work, work);
  queues.set(
    db,
    next.catch(() => {}),
  );
  return next;
}

/** DDL outside any transaction; server mode on a reserved connection without the pool's 30 s statement timeout. */
async function runDdl(db: CatalogDb, statement: string): Promise<void> {
  const client = (db as { $client?: { reserve?: () => Promise<any> } }).$client;
  if (databaseKind(db) === 'postgres' && typeof client?.reserve === 'function') {
    const conn = await client.reserve();
    try {
      await conn.unsafe(`set statement_timeout = '${BUILD_STATEMENT_TIMEOUT}'`);
      await conn.unsafe(statement);
    } finally {
      await conn.unsafe('reset statement_timeout').catch(() => {});
      conn.release();
    }
    return;
  }
  await db.execute(sql.raw(statement));
}

export function createIndexStatement(ix: RecordIndex, concurrently: boolean): string {
  // Then id: a page is the first matches in id order, read straight off the index (no sort, no scan
  // of the dataset in id order filtering as it goes, which the planner otherwise picks for LIMIT).
  // On the dataset's own partition: no predicate to match, and a concurrent build reads that table only.
  return `create index ${concurrently ? 'concurrently ' : ''}if not exists "${ix.name}" on "${recordPartitionName(ix.datasetId)}" (${ix.expression}, id)`;
}

export interface IndexSyncReport {
  created: string[];
  dropped: string[];
  /** An invalid index left by an interrupted concurrent build, dropped and built again. */
  rebuilt: string[];
}

async function apply(db: CatalogDb, want: RecordIndex[], have: ExistingIndex[]): Promise<IndexSyncReport> {
  const server = databaseKind(db) === 'postgres';
  const cc = server ? 'concurrently ' : '';
  const report: IndexSyncReport = { created: [], dropped: [], rebuilt: [] };
  const wanted = new Set(want.map((w) => w.name));
  const byName = new Map(have.map((h) => [h.name, h]));
  for (const h of have) {
    if (wanted.has(h.name) || h.building) continue;
    await runDdl(db, `drop index ${cc}if exists "${h.name}"`);
    report.dropped.push(h.name);
  }
  for (const w of want) {
    const h = byName.get(w.name);
    if (h && (h.valid || h.building)) continue;
    if (h) await runDdl(db, `drop index ${cc}if exists "${h.name}"`);
    try {
      await runDdl(db, createIndexStatement(w, server));
    } catch (err) {
      // Another process started the same build between our look and ours: it finishes it.
      const code =
        (err as { code?: string; cause?: { code?: string } }).code ??
        (err as { cause?: { code?: string } }).cause?.code;
      if (code !== '42P07' && code !== '23505') throw err;
    }
    (h ? report.rebuilt : report.created).push(w.name);
  }
  return report;
}

/**
 * Makes the dataset's indexes the ones its schema declares: builds missing ones (concurrently on a
 * Postgres server, so ingest goes on), drops those no longer declared, rebuilds invalid leftovers.
 */
export function syncRecordIndexes(db: CatalogDb, datasetId: string, schema: DatasetSchema): Promise<IndexSyncReport> {
  return serialized(db, async () =>
    apply(db, declaredRecordIndexes(datasetId, schema), await existingIndexes(db, datasetIndexPrefix(datasetId))),
  );
}

/** At start-up: every dataset's declared indexes exist and are valid, and no other x-index index is left. Idempotent. */
export function ensureAllRecordIndexes(db: CatalogDb): Promise<IndexSyncReport> {
  return serialized(db, async () => {
    const rows = await db.select({ id: datasets.id, schema: datasets.schema }).from(datasets);
    return apply(
      db,
      rows.flatMap((r) => declaredRecordIndexes(r.id, r.schema)),
      await existingIndexes(db, RECORD_INDEX_PREFIX),
    );
  });
}

let defaultLogger: Logger | undefined;
/**
 * After a committed dataset write: an index that fails to build does not undo the write. It is
 * logged, and built at the next schema change or start-up (filters work meanwhile, by a scan).
 */
export async function syncRecordIndexesAfterWrite(
  db: CatalogDb,
  datasetId: string,
  schema: DatasetSchema,
  logger?: Logger,
): Promise<void> {
  try {
    await syncRecordIndexes(db, datasetId, schema);
  } catch (err) {
    (logger ?? (defaultLogger ??= createLogger('catalog'))).warn(
      { err, datasetId },
      'x-index: building the dataset indexes failed; retried at the next schema change or start-up',
    );
  }
}
