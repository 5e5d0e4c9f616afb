import { and, asc, count, eq, gt, type Placeholder, sql, type SQL } from 'drizzle-orm';
import { AppError, inSpan } from '@govshare/platform';
import type { Filter, RecordsPage, RecordsQuery, Scalar, StoredRecord } from '@govshare/contracts';
import type { FieldInfo } from './data-dictionary.ts';
import { compiledFor, decodeCursor, encodeCursor, getDatasetRow, type CatalogDb } from './datasets.ts';
import { literal } from './record-indexes.ts';
import { records } from './schema.ts';

export const MAX_FILTER_DEPTH = 8;
export const MAX_FILTER_LEAVES = 200;

type Leaf = { field: string; op: string; value?: Scalar | Scalar[] };

const refuse = (message: string, rule: string, field?: string): never => {
  throw new AppError('BAD_USER_INPUT', `${message} (${rule})`, { ...(field ? { field } : {}), rule });
};

function valueMatches(f: FieldInfo, v: unknown): boolean {
  if (f.type === 'string') return typeof v === 'string';
  if (f.type === 'boolean') return typeof v === 'boolean';
  return typeof v === 'number' && Number.isFinite(v);
}

/** No stored text holds U+0000 (Postgres cannot store it): a filter value with one is a mistake, not a query. */
function refuseNul(at: string, v: unknown, field: string): void {
  if (typeof v === 'string' && v.includes('\0'))
    refuse(`${at}: the value contains a NUL character (U+0000), which no stored value holds`, 'nul-character', field);
}

/** Which fields a filter may use (the sandbox: declared dimensions only), and the refusal otherwise. */
export interface FilterFieldRule {
  allowField: (name: string) => boolean;
  refusal: (name: string) => [rule: string, message: string];
}

/** Checks a filter against the dataset's fields: fields exist (and are allowed), values match types, ops fit the type. */
export function checkFilter(filter: Filter, fields: Map<string, FieldInfo>, only?: FilterFieldRule): void {
  let leaves = 0;
  const walk = (f: Filter, depth: number) => {
    if (depth > MAX_FILTER_DEPTH)
      throw new AppError('QUERY_TOO_COMPLEX', `where: filter nested deeper than ${MAX_FILTER_DEPTH} levels`);
    if ('and' in f || 'or' in f) {
      for (const c of 'and' in f ? f.and : f.or) walk(c, depth + 1);
      return;
    }
    if (++leaves > MAX_FILTER_LEAVES)
      throw new AppError('QUERY_TOO_COMPLEX', `where: more than ${MAX_FILTER_LEAVES} conditions`);
    const leaf = f as Leaf;
    const info = fields.get(leaf.field);
    if (!info) refuse(`where: field "${leaf.field}" is not in the dataset schema`, 'field-unknown', leaf.field);
    if (only && !only.allowField(leaf.field)) {
      const [rule, message] = only.refusal(leaf.field);
      refuse(`where: ${message}`, rule, leaf.field);
    }
    const at = `where: field "${leaf.field}" op "${leaf.op}"`;
    const v = leaf.value;
    switch (leaf.op) {
      case 'isNull':
        if (typeof v !== 'boolean') refuse(`${at} expects value true or false`, 'filter-value-type', leaf.field);
        return;
      case 'in':
        if (!Array.isArray(v))
          refuse(`${at} expects an array of ${info!.type} values`, 'filter-value-type', leaf.field);
        for (const x of v as Scalar[]) {
          if (!valueMatches(info!, x))
            refuse(`${at} expects ${info!.type} values, got ${JSON.stringify(x)}`, 'filter-value-type', leaf.field);
          refuseNul(at, x, leaf.field);
        }
        return;
      case 'prefix':
        if (info!.type !== 'string') refuse(`${at} only applies to string fields`, 'filter-op-type', leaf.field);
        break;
      case 'lt':
      case 'lte':
      case 'gt':
      case 'gte':
        if (info!.type === 'boolean') refuse(`${at} does not apply to boolean fields`, 'filter-op-type', leaf.field);
        break;
    }
    if (Array.isArray(v) || v === undefined || !valueMatches(info!, v))
      refuse(`${at} expects one ${info!.type} value, got ${JSON.stringify(v)}`, 'filter-value-type', leaf.field);
    refuseNul(at, v, leaf.field);
  };
  walk(filter, 1);
}

/** What a filter's value becomes in the SQL: the value itself, or a placeholder that a prepared query fills. */
type Bind = (value: Scalar) => unknown;

export const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Translates a checked filter to parameterized SQL over records.data (JSONB). Field names and values
 * are bound parameters. Numbers compare as numeric, booleans as boolean, strings as text in code
 * point order (COLLATE "C"), as the x-index indexes do (record-indexes.ts). A missing or null field makes every comparison false except `ne`
 * (IS DISTINCT FROM: a missing value differs from any value) and `isNull: true`.
 * With one string key field, eq/in/prefix on it use the indexed key column.
 */
export function filterToSql(
  filter: Filter,
  fields: Map<string, FieldInfo>,
  keyFields: string[],
  bind: Bind = (v) => v,
): SQL {
  if ('and' in filter)
    return sql`(${sql.join(
      filter.and.map((f) => filterToSql(f, fields, keyFields, bind)),
      sql` and `,
    )})`;
  if ('or' in filter)
    return sql`(${sql.join(
      filter.or.map((f) => filterToSql(f, fields, keyFields, bind)),
      sql` or `,
    )})`;
  const leaf = filter as Leaf;
  const info = fields.get(leaf.field)!;
  // The field name in the text (names are checked identifiers): a generic plan of a prepared statement
  // matches the x-index expression only if the name is not a parameter.
  const raw = sql`(${records.data} ->> ${sql.raw(literal(leaf.field))})`;
  if (leaf.op === 'isNull') return leaf.value ? sql`${raw} is null` : sql`${raw} is not null`;
  const onKey = keyFields.length === 1 && keyFields[0] === leaf.field && info.type === 'string';
  const cast = info.type === 'string' ? sql`text` : info.type === 'boolean' ? sql`boolean` : sql`numeric`;
  // Other fields: exactly the expression of their x-index index (record-indexes.ts), so Postgres can
  // use it. Strings compare in code point order for every op (equality and LIKE are the same under
  // any deterministic collation; one COLLATE "C" expression lets one index serve eq, in, ranges, prefix).
  const expr = onKey ? sql`${records.key}` : info.type === 'string' ? sql`${raw} collate "C"` : sql`(${raw})::${cast}`;
  // Booleans stay booleans (postgres-js serializes by the described parameter type: 'true' would be f);
  // numbers go as decimal text so numeric comparisons are exact.
  const param = (v: Scalar) => sql`${bind(info.type === 'integer' || info.type === 'number' ? String(v) : v)}::${cast}`;
  const ordered = onKey ? sql`${expr} collate "C"` : expr;
  const v = leaf.value as Scalar;
  switch (leaf.op) {
    case 'eq':
      return sql`${expr} = ${param(v)}`;
    case 'ne':
      return sql`${expr} is distinct from ${param(v)}`;
    case 'in': {
      const vs = leaf.value as Scalar[];
      if (!vs.length) return sql`false`;
      return sql`${expr} in (${sql.join(vs.map(param), sql`, `)})`;
    }
    case 'lt':
      return sql`${ordered} < ${param(v)}`;
    case 'lte':
      return sql`${ordered} <= ${param(v)}`;
    case 'gt':
      return sql`${ordered} > ${param(v)}`;
    case 'gte':
      return sql`${ordered} >= ${param(v)}`;
    case 'prefix':
      return sql`${expr} like ${bind(escapeLike(v as string) + '%')}::text escape '\\'`;
  }
  throw new AppError('BAD_USER_INPUT', `where: unknown op "${leaf.op}"`);
}

const toStored = (
  r: { key: string; version: number; ingestedAt: Date; data: Record<string, unknown> },
  pick?: string[],
): StoredRecord => {
  let data = r.data;
  if (pick) {
    data = {};
    for (const f of pick) if (f in r.data) data[f] = r.data[f];
  }
  return { key: r.key, version: r.version, ingestedAt: r.ingestedAt.toISOString(), data };
};

const RECORD_CURSOR = 'r:';

/**
 * The two statements of queryRecords (a page of first+1 rows after `afterId`, and the count), unprepared: tests
 * EXPLAIN them. `afterId`, `limit` and the filter's values (through `bind`) may be placeholders.
 */
export function recordsQueries(
  db: CatalogDb,
  datasetId: string,
  where: Filter | undefined,
  fields: Map<string, FieldInfo>,
  keyFields: string[],
  afterId: number | Placeholder,
  limit: number | Placeholder,
  bind?: Bind,
) {
  // The dataset id as a literal, not a parameter: the x-index indexes are partial (where dataset_id =
  // '<id>'), and a prepared statement's generic plan can only use them when the predicate is in its text.
  const base = [sql`${records.datasetId} = ${sql.raw(literal(datasetId))}`];
  if (where) base.push(filterToSql(where, fields, keyFields, bind));
  return {
    page: db
      .select({
        id: records.id,
        key: records.key,
        version: records.version,
        ingestedAt: records.ingestedAt,
        data: records.data,
      })
      .from(records)
      .where(and(...base, gt(records.id, afterId)))
      .orderBy(asc(records.id))
      .limit(limit),
    count: db
      .select({ n: count() })
      .from(records)
      .where(and(...base)),
  };
}

/**
 * A filter's shape: the filter with each value replaced by what changes the SQL (a list's length;
 * isNull's boolean), so two filters of one shape share one prepared query.
 */
function shapeOf(where: Filter | undefined): string {
  return JSON.stringify(where ?? null, function (this: Leaf, k, v) {
    if (k !== 'value' || this.op === 'isNull') return v;
    return Array.isArray(v) ? v.length : 0;
  });
}

interface PreparedPage {
  page: { execute(values: Record<string, unknown>): Promise<PageRow[]> };
  count: { execute(values: Record<string, unknown>): Promise<{ n: number }[]> };
}
type PageRow = { id: number; key: string; version: number; ingestedAt: Date; data: Record<string, unknown> };

/** Most prepared page queries kept per database handle and schema (datasets × shapes); the oldest goes first. */
const PREPARED_MAX = 500;
/** By database handle, then by compiled schema (a schema change gives a new one, and the old entries go with it). */
const preparedByDb = new WeakMap<object, WeakMap<object, Map<string, PreparedPage>>>();

/**
 * The page and count queries of a dataset version and filter shape, built once with placeholders:
 * drizzle builds a query's SQL text on every call otherwise (about a tenth of the hub's CPU per read).
 * Only SQL is kept here, never data: every read still asks the database.
 */
function preparedPageFor(
  db: CatalogDb,
  datasetId: string,
  compiled: object,
  where: Filter | undefined,
  fields: Map<string, FieldInfo>,
  keyFields: string[],
): { prepared: PreparedPage; values: Record<string, unknown> } {
  let bySchema = preparedByDb.get(db);
  if (!bySchema) preparedByDb.set(db, (bySchema = new WeakMap()));
  let byKey = bySchema.get(compiled);
  if (!byKey) bySchema.set(compiled, (byKey = new Map()));
  const key = `${datasetId}\0${shapeOf(where)}`;
  const values: Record<string, unknown> = {};
  let n = 0;
  const bind: Bind = (v) => {
    const name = `v${n++}`;
    values[name] = v;
    return sql.placeholder(name);
  };
  let prepared = byKey.get(key);
  if (prepared) {
    // Same shape, same order of values: only collect them.
    if (where) filterToSql(where, fields, keyFields, bind);
    return { prepared, values };
  }
  const q = recordsQueries(
    db,
    datasetId,
    where,
    fields,
    keyFields,
    sql.placeholder('after'),
    sql.placeholder('limit'),
    bind,
  );
  prepared = {
    page: q.page.prepare('records_page') as unknown as PreparedPage['page'],
    count: q.count.prepare('records_count') as unknown as PreparedPage['count'],
  };
  if (byKey.size >= PREPARED_MAX) byKey.delete(byKey.keys().next().value!);
  byKey.set(key, prepared);
  return { prepared, values };
}

/** One page of records in id order (stable under concurrent appends), only the requested fields. */
export async function queryRecords(db: CatalogDb, datasetId: string, q: RecordsQuery): Promise<RecordsPage> {
  const ds = await getDatasetRow(db, datasetId);
  const compiled = compiledFor(ds);
  const fields = new Map(compiled.fields.map((f) => [f.name, f]));
  for (const f of q.fields)
    if (!fields.has(f)) refuse(`fields: field "${f}" is not in the dataset schema`, 'field-unknown', f);
  if (q.where) checkFilter(q.where, fields);
  const first = q.first ?? 20;
  let afterId = 0;
  if (q.after) {
    const s = decodeCursor(q.after, RECORD_CURSOR);
    if (!/^\d{1,18}$/.test(s)) refuse('after: not a valid cursor', 'cursor');
    afterId = Number(s);
  }
  const { prepared, values } = preparedPageFor(db, datasetId, compiled, q.where, fields, compiled.keyFields);
  // Executed as server-side prepared statements: Postgres parses and plans each filter shape once per
  // connection instead of on every page, which was most of its CPU per query.
  const [rows, total] = await inSpan(
    'catalog.db.queryRecords',
    {
      attributes: {
        'govshare.dataset_id': datasetId,
        'db.operation.name': 'SELECT',
        'db.query.summary': 'records page',
      },
    },
    () =>
      Promise.all([
        prepared.page.execute({ ...values, after: afterId, limit: first + 1 }),
        q.withTotal === false ? Promise.resolve(null) : prepared.count.execute(values),
      ]),
  );
  const page = rows.slice(0, first);
  return {
    records: page.map((r) => toStored(r, q.fields)),
    totalCount: total ? Number(total[0].n) : null,
    endCursor: page.length ? encodeCursor(RECORD_CURSOR + page[page.length - 1].id) : null,
    hasNextPage: rows.length > first,
    datasetVersion: ds.version,
  };
}

/**
 * Every record of a dataset in id order as NDJSON lines (StoredRecord plus `id`, the resume point
 * for `after`), read in batches so memory stays bounded whatever the dataset size.
 */
export async function* exportRecords(
  db: CatalogDb,
  datasetId: string,
  opts: { after?: number; limit?: number; batchSize?: number } = {},
): AsyncGenerator<string> {
  await getDatasetRow(db, datasetId);
  let after = opts.after ?? 0;
  let left = opts.limit ?? Number.POSITIVE_INFINITY;
  const batch = opts.batchSize ?? 1000;
  while (left > 0) {
    const rows = await db
      .select({
        id: records.id,
        key: records.key,
        version: records.version,
        ingestedAt: records.ingestedAt,
        data: records.data,
      })
      .from(records)
      .where(and(eq(records.datasetId, datasetId), gt(records.id, after)))
      .orderBy(asc(records.id))
      .limit(Math.min(batch, left));
    if (!rows.length) return;
    let out = '';
    for (const r of rows) out += JSON.stringify({ id: String(r.id), ...toStored(r) }) + '\n';
    yield out;
    after = rows[rows.length - 1].id;
    left -= rows.length;
    if (rows.length < Math.min(batch, left + rows.length)) return;
  }
}
