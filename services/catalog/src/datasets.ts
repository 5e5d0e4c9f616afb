import { and, asc, count, eq, gt, ilike, isNull, or, sql, type SQL } from 'drizzle-orm';
import { AppError, type Db } from '@govshare/platform';
import type {
  Dataset,
  DatasetCreate,
  DatasetListQuery,
  DatasetPage,
  DatasetSchema,
  Department,
  Grant,
  Tier,
} from '@govshare/contracts';
import {
  canonicalJson,
  checkCompatibility,
  compileDatasetSchema,
  withFieldOrder,
  type CompiledDatasetSchema,
} from './data-dictionary.ts';
import { datasets, datasetVersions, departments, grants, type CatalogTables } from './schema.ts';
import { toGrant } from './grants.ts';
import { datasetCacheFor, grantCacheFor } from './read-cache.ts';
import { declaredRecordIndexes, syncRecordIndexesAfterWrite } from './record-indexes.ts';

export type CatalogDb = Db<CatalogTables>;
export type DatasetRow = typeof datasets.$inferSelect;

export function toDataset(r: DatasetRow): Dataset {
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    ownerDept: r.ownerDept,
    tier: r.tier as Tier,
    keyFields: r.keyFields,
    version: r.version,
    schema: withFieldOrder(r.schema, r.fieldOrder),
    recordCount: r.recordCount,
    updatedAt: r.updatedAt.toISOString(),
  };
}

// The API form of a cached row, built once per row object (rows are replaced, never changed).
const datasetForms = new WeakMap<DatasetRow, Dataset>();
function datasetOf(r: DatasetRow): Dataset {
  let d = datasetForms.get(r);
  if (!d) datasetForms.set(r, (d = toDataset(r)));
  return d;
}

// Compiled validators per distinct schema (keyed by its canonical JSON, so several databases in one
// process never share a stale entry), and per row object so a cached row skips the canonical JSON.
const compiledCache = new Map<string, CompiledDatasetSchema>();
const compiledForms = new WeakMap<object, CompiledDatasetSchema>();
export function compiledFor(row: Pick<DatasetRow, 'id' | 'version' | 'schema' | 'keyFields'>): CompiledDatasetSchema {
  const known = compiledForms.get(row);
  if (known) return known;
  const k = `${row.keyFields.join(',')}@${canonicalJson(row.schema)}`;
  let c = compiledCache.get(k);
  if (!c) {
    // Key order comes from the key_fields column (the JSONB schema does not keep property order).
    c = { ...compileDatasetSchema(row.schema), keyFields: row.keyFields };
    if (compiledCache.size > 500) compiledCache.clear();
    compiledCache.set(k, c);
  }
  compiledForms.set(row, c);
  return c;
}

export async function listDepartments(db: CatalogDb): Promise<{ departments: Department[] }> {
  const rows = await db.select().from(departments).orderBy(asc(departments.code));
  return { departments: rows.map((r) => ({ code: r.code, nameZh: r.nameZh, nameEn: r.nameEn })) };
}

export async function getDatasetRow(db: CatalogDb, id: string): Promise<DatasetRow> {
  const row = await datasetCacheFor(db).get(
    id,
    async () => (await db.select().from(datasets).where(eq(datasets.id, id)))[0],
  );
  if (!row) throw new AppError('NOT_FOUND', `dataset "${id}" not found`);
  return row;
}

export async function getDataset(db: CatalogDb, id: string): Promise<Dataset> {
  return toDataset(await getDatasetRow(db, id));
}

export const encodeCursor = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
export function decodeCursor(cursor: string, prefix: string): string {
  const s = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!s.startsWith(prefix)) throw new AppError('BAD_USER_INPUT', 'after: not a valid cursor (cursor)');
  return s.slice(prefix.length);
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export async function listDatasets(db: CatalogDb, q: DatasetListQuery): Promise<DatasetPage> {
  const first = q.first ?? 20;
  const conds: SQL[] = [];
  if (q.tier) conds.push(eq(datasets.tier, q.tier));
  if (q.ownerDept) conds.push(eq(datasets.ownerDept, q.ownerDept));
  if (q.search) {
    const pat = `%${escapeLike(q.search)}%`;
    conds.push(or(ilike(datasets.id, pat), ilike(datasets.title, pat), ilike(datasets.description, pat))!);
  }
  if (q.field) {
    // A field of the data dictionary by its name or its title (titles are what people know: 身份证号).
    const pat = `%${escapeLike(q.field)}%`;
    conds.push(
      sql`exists (select 1 from jsonb_each(${datasets.schema}->'properties') as p(name, def)
        where p.name ilike ${pat} or p.def->>'title' ilike ${pat})`,
    );
  }
  const filter = conds.length ? and(...conds) : undefined;
  const pageConds = [...conds];
  if (q.after) pageConds.push(gt(datasets.id, decodeCursor(q.after, 'd:')));
  const [rows, [{ n }]] = await Promise.all([
    db
      .select()
      .from(datasets)
      .where(pageConds.length ? and(...pageConds) : undefined)
      .orderBy(sql`${datasets.id} collate "C"`)
      .limit(first + 1),
    db.select({ n: count() }).from(datasets).where(filter),
  ]);
  const page = rows.slice(0, first);
  return {
    datasets: page.map(toDataset),
    totalCount: Number(n),
    endCursor: page.length ? encodeCursor(`d:${page[page.length - 1].id}`) : null,
    hasNextPage: rows.length > first,
  };
}

/** Creates the dataset, then the indexes its schema declares (x-index; after the commit, outside the transaction). */
export async function createDataset(db: CatalogDb, input: DatasetCreate): Promise<Dataset> {
  const compiled = compileDatasetSchema(input.schema);
  const created = await db.transaction(async (tx) => {
    const [dept] = await tx.select().from(departments).where(eq(departments.code, input.ownerDept));
    if (!dept)
      throw new AppError(
        'BAD_USER_INPUT',
        `ownerDept: department "${input.ownerDept}" does not exist (department-unknown)`,
        { path: 'ownerDept', rule: 'department-unknown' },
      );
    const inserted = await tx
      .insert(datasets)
      .values({
        id: input.id,
        title: input.title,
        description: input.description ?? '',
        ownerDept: input.ownerDept,
        tier: input.tier,
        keyFields: compiled.keyFields,
        version: 1,
        schema: compiled.schema,
        fieldOrder: Object.keys(compiled.schema.properties),
        recordCount: 0,
      })
      .onConflictDoNothing()
      .returning();
    if (!inserted.length) throw new AppError('CONFLICT', `dataset "${input.id}" already exists`);
    await tx.insert(datasetVersions).values({
      datasetId: input.id,
      version: 1,
      schema: compiled.schema,
      fieldOrder: Object.keys(compiled.schema.properties),
    });
    return toDataset(inserted[0]);
  });
  if (declaredRecordIndexes(input.id, compiled.schema).length)
    await syncRecordIndexesAfterWrite(db, input.id, compiled.schema);
  return created;
}

/**
 * A compatible change makes version+1 (kept in dataset_versions); an incompatible one is CONFLICT.
 * Then the dataset's indexes follow the x-index declarations (built, or dropped), also when the
 * schema is resubmitted unchanged (a way to heal an index whose build failed).
 */
export async function changeSchema(db: CatalogDb, id: string, schema: unknown): Promise<Dataset> {
  const compiled = compileDatasetSchema(schema);
  const changed = await datasetCacheFor(db).aroundWrite(
    () =>
      db.transaction(async (tx) => {
        const [row] = await tx.select().from(datasets).where(eq(datasets.id, id)).for('no key update');
        if (!row) throw new AppError('NOT_FOUND', `dataset "${id}" not found`);
        const sameOrder =
          !row.fieldOrder || row.fieldOrder.join(',') === Object.keys(compiled.schema.properties).join(',');
        if (canonicalJson(row.schema) === canonicalJson(compiled.schema) && sameOrder) return toDataset(row);
        const { compatible, problems } = checkCompatibility(row.schema, compiled.schema);
        if (!compatible) {
          throw new AppError(
            'CONFLICT',
            `schema change is incompatible: ${problems.map((p) => `${p.field} (${p.rule})`).join(', ')}`,
            { problems },
          );
        }
        const version = row.version + 1;
        const [updated] = await tx
          .update(datasets)
          .set({
            schema: compiled.schema,
            fieldOrder: Object.keys(compiled.schema.properties),
            version,
            updatedAt: sql`now()`,
          })
          .where(eq(datasets.id, id))
          .returning();
        await tx.insert(datasetVersions).values({
          datasetId: id,
          version,
          schema: compiled.schema,
          fieldOrder: Object.keys(compiled.schema.properties),
        });
        return toDataset(updated);
      }),
    id,
  );
  await syncRecordIndexesAfterWrite(db, id, changed.schema);
  return changed;
}

export async function listVersions(
  db: CatalogDb,
  id: string,
): Promise<{ versions: { version: number; schema: DatasetSchema; createdAt: string }[] }> {
  await getDatasetRow(db, id);
  const rows = await db
    .select()
    .from(datasetVersions)
    .where(eq(datasetVersions.datasetId, id))
    .orderBy(asc(datasetVersions.version));
  return {
    versions: rows.map((r) => ({
      version: r.version,
      schema: withFieldOrder(r.schema, r.fieldOrder),
      createdAt: r.createdAt.toISOString(),
    })),
  };
}

/**
 * What the gateway needs to decide one request: the dataset and the dept's grants in force now.
 * Read afresh for every decision (from the caches below, forgotten around every write).
 */
export async function datasetAccess(
  db: CatalogDb,
  id: string,
  dept: string,
  now: Date = new Date(),
): Promise<{ dataset: Dataset; grants: Grant[] }> {
  const [row, unrevoked] = await Promise.all([getDatasetRow(db, id), unrevokedGrants(db, id)]);
  const active = unrevoked.filter((g) => g.granteeDept === dept && g.expiresAt.getTime() > now.getTime());
  return { dataset: datasetOf(row), grants: active.map(toGrant) };
}

/** The dataset's grants that are not revoked (cached; forgotten around every grant write). */
export async function unrevokedGrants(db: CatalogDb, datasetId: string) {
  const rows = await grantCacheFor(db).get(datasetId, () =>
    db
      .select()
      .from(grants)
      .where(and(eq(grants.datasetId, datasetId), isNull(grants.revokedAt)))
      .orderBy(asc(grants.createdAt)),
  );
  return rows ?? [];
}
