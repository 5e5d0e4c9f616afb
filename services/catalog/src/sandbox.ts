// The sandbox (可用不可见, "usable but invisible"): aggregate-only queries over one dataset, or over
// the join of two datasets of different departments on a key, computed here, next to the data.
// No query returns rows. Groups with fewer than k subjects are suppressed, and a caller department
// cannot get two answers whose subject sets differ by fewer than k (overlap control, the
// differencing defence; see docs/access-workflow.md for why this and not noise).
import { createHash } from 'node:crypto';
import { and, between, eq, gt, sql, type SQL } from 'drizzle-orm';
import { AppError } from '@govshare/platform';
import type { Filter, SandboxGroup, SandboxQuery, SandboxResult, Scalar } from '@govshare/contracts';
import type { FieldInfo } from './data-dictionary.ts';
import { compiledFor, type CatalogDb, type DatasetRow } from './datasets.ts';
import { checkFilter, filterToSql } from './records-query.ts';
import { datasets, records, sandboxQueries, sandboxReleases } from './schema.ts';
import { DAY_MS, systemClock, type Clock } from './deadlines.ts';

export const DEFAULT_K = 10;
const AGG_SQL: Record<string, SQL> = { sum: sql.raw('sum'), avg: sql.raw('avg'), min: sql.raw('min'), max: sql.raw('max') };
/** Sandbox queries per department per 24 hours (answered or refused). */
export const DEFAULT_DAILY_BUDGET = 500;

const refuse = (path: string, rule: string, message: string): never => {
  throw new AppError('BAD_USER_INPUT', `${path}: ${message} (${rule})`, { path, rule });
};

interface Side {
  alias: 'l' | 'r';
  ds: DatasetRow;
  fields: Map<string, FieldInfo>;
  dimensions: Set<string>;
}
interface FieldRef {
  side: Side;
  info: FieldInfo;
  label: string;
}

function sideOf(ds: DatasetRow, alias: 'l' | 'r'): Side {
  const compiled = compiledFor(ds);
  const dims = new Set(Object.entries(ds.schema.properties).filter(([, f]) => f['x-dimension'] === true).map(([n]) => n));
  return { alias, ds, fields: new Map(compiled.fields.map((f) => [f.name, f])), dimensions: dims };
}

/** `field` (one dataset, or unambiguous in a join) or `datasetId.field`. */
function resolve(name: string, sides: Side[], path: string): FieldRef {
  const dot = name.lastIndexOf('.');
  if (dot > 0) {
    const side = sides.find((s) => s.ds.id === name.slice(0, dot));
    const f = side?.fields.get(name.slice(dot + 1));
    if (!side || !f) refuse(path, 'field-unknown', `field "${name}" is not in ${sides.map((s) => `"${s.ds.id}"`).join(' or ')}`);
    return { side: side!, info: f!, label: sides.length > 1 ? name : f!.name };
  }
  const hits = sides.filter((s) => s.fields.has(name));
  if (!hits.length) refuse(path, 'field-unknown', `field "${name}" is not in ${sides.map((s) => `"${s.ds.id}"`).join(' or ')}`);
  if (hits.length > 1) refuse(path, 'field-ambiguous', `field "${name}" is in both datasets; write "${hits[0].ds.id}.${name}" or "${hits[1].ds.id}.${name}"`);
  return { side: hits[0], info: hits[0].fields.get(name)!, label: sides.length > 1 ? `${hits[0].ds.id}.${name}` : name };
}

function filterFieldNames(f: Filter, out: string[] = []): string[] {
  if ('and' in f) for (const c of f.and) filterFieldNames(c, out);
  else if ('or' in f) for (const c of f.or) filterFieldNames(c, out);
  else out.push(f.field);
  return out;
}

/** Filters may use dimensions and public (non-personal, non-sensitive) fields: a filter is a way of reading. */
function checkSandboxFilter(where: Filter, side: Side, path: string): void {
  checkFilter(where, side.fields);
  for (const name of filterFieldNames(where)) {
    const info = side.fields.get(name)!;
    if (info.sensitivity !== 'public' && !side.dimensions.has(name)) {
      refuse(path, 'sandbox-filter-field', `field "${name}" of "${side.ds.id}" is ${info.sensitivity}; sandbox filters may use dimensions and public fields only`);
    }
  }
}

const rowsOf = (res: unknown): Record<string, unknown>[] => (Array.isArray(res) ? res : ((res as { rows: Record<string, unknown>[] }).rows ?? []));

function keyValue(info: FieldInfo, v: unknown): Scalar | null {
  if (v === null || v === undefined) return null;
  if (info.type === 'integer' || info.type === 'number') return Number(v);
  if (info.type === 'boolean') return v === true || v === 'true';
  return String(v);
}

const digestOf = (members: string[]) => createHash('sha256').update(members.join(',')).digest('hex');

/** |a Δ b| for two sorted-or-not string sets. */
function symmetricDifference(a: Set<string>, b: string[]): number {
  let common = 0;
  for (const x of b) if (a.has(x)) common++;
  return a.size - common + (b.length - common);
}

export interface SandboxOptions {
  k?: number;
  clock?: Clock;
  dailyBudget?: number;
}

export async function runSandboxQuery(db: CatalogDb, q: SandboxQuery, opts: SandboxOptions = {}): Promise<SandboxResult> {
  const k = opts.k ?? DEFAULT_K;
  const now = (opts.clock ?? systemClock)();
  const load = async (id: string) => {
    const [ds] = await db.select().from(datasets).where(eq(datasets.id, id));
    if (!ds) throw new AppError('NOT_FOUND', `dataset "${id}" not found`);
    return ds;
  };
  const left = sideOf(await load(q.dataset), 'l');
  const sides: Side[] = [left];
  let right: Side | undefined;
  if (q.join) {
    right = sideOf(await load(q.join.dataset), 'r');
    if (right.ds.ownerDept === left.ds.ownerDept) {
      refuse('join.dataset', 'join-same-department', `"${left.ds.id}" and "${right.ds.id}" both belong to ${left.ds.ownerDept}; joint analysis is across departments`);
    }
    const lk = left.fields.get(q.join.on);
    const rk = right.fields.get(q.join.on);
    if (!lk || !rk) refuse('join.on', 'field-unknown', `join field "${q.join.on}" must be in both "${left.ds.id}" and "${right.ds.id}"`);
    if (lk!.type !== rk!.type) refuse('join.on', 'type-mismatch', `join field "${q.join.on}" is ${lk!.type} in "${left.ds.id}" but ${rk!.type} in "${right.ds.id}"`);
    sides.push(right);
  }

  const groupBy = (q.groupBy ?? []).map((g, i) => {
    const ref = resolve(g, sides, `groupBy[${i}]`);
    if (!ref.side.dimensions.has(ref.info.name)) {
      const dims = [...ref.side.dimensions];
      refuse(`groupBy[${i}]`, 'not-a-dimension', `field "${g}" is not a declared dimension (x-dimension) of "${ref.side.ds.id}"; dimensions: ${dims.join(', ') || 'none'}`);
    }
    return ref;
  });
  const measures = q.measures.map((m, i) => {
    if (!(m.fn in AGG_SQL) && m.fn !== 'count') refuse(`measures[${i}].fn`, 'measure-fn', `unknown aggregate "${m.fn}"`);
    if (m.fn === 'count') {
      if (m.field) refuse(`measures[${i}].field`, 'measure-field', 'count counts records and takes no field');
      return { fn: m.fn, ref: undefined, label: 'count' };
    }
    if (!m.field) refuse(`measures[${i}].field`, 'measure-field', `${m.fn} needs a numeric field`);
    const ref = resolve(m.field!, sides, `measures[${i}].field`);
    if (ref.info.type !== 'integer' && ref.info.type !== 'number') refuse(`measures[${i}].field`, 'measure-type', `${m.fn} needs a numeric field; "${m.field}" is ${ref.info.type}`);
    return { fn: m.fn, ref, label: `${m.fn}(${ref.label})` };
  });
  if (q.where) checkSandboxFilter(q.where, left, 'where');
  if (q.join?.where) checkSandboxFilter(q.join.where, right!, 'join.where');

  // Expressions over the row source: one dataset (records) or the join (j: ld, rd, jk).
  const col = (ref: FieldRef): SQL =>
    q.join ? (ref.side.alias === 'l' ? sql`(ld ->> ${ref.info.name}::text)` : sql`(rd ->> ${ref.info.name}::text)`) : sql`(${records.data} ->> ${ref.info.name}::text)`;
  const selects: SQL[] = [];
  groupBy.forEach((g, i) => selects.push(sql`${col(g)} as ${sql.identifier(`g${i}`)}`));
  selects.push(sql`count(*)::int as n`);
  selects.push(q.join ? sql`count(distinct jk)::int as s` : sql`count(*)::int as s`);
  measures.forEach((m, i) => {
    const name = sql.identifier(`m${i}`);
    if (m.fn === 'count') selects.push(sql`count(*)::float8 as ${name}`);
    else selects.push(sql`${AGG_SQL[m.fn]}((${col(m.ref!)})::numeric)::float8 as ${name}`);
  });
  selects.push(q.join ? sql`string_agg(distinct md5(jk), ',') as members` : sql`string_agg(${records.id}::text, ',') as members`);
  // The people (or companies) behind a one-dataset answer, by each subject identifier field, written
  // as a join writes its keys: answers about the same subjects are compared across datasets and joins.
  const subjectFields = q.join ? [] : [...left.fields.values()].filter((f) => f.subject).map((f) => f.name);
  subjectFields.forEach((f, i) => selects.push(sql`string_agg(distinct md5(upper(btrim(${records.data} ->> ${f}::text))), ',') as ${sql.identifier(`p${i}`)}`));
  const groupClause = groupBy.length ? sql` group by ${sql.raw(groupBy.map((_, i) => String(i + 1)).join(', '))}` : sql``;

  let query: SQL;
  if (!q.join) {
    const conds = [eq(records.datasetId, left.ds.id)];
    if (q.where) conds.push(filterToSql(q.where, left.fields, left.ds.keyFields));
    query = sql`select ${sql.join(selects, sql`, `)} from ${records} where ${and(...conds)}${groupClause}`;
  } else {
    const lconds = [eq(records.datasetId, left.ds.id)];
    if (q.where) lconds.push(filterToSql(q.where, left.fields, left.ds.keyFields));
    const rconds = [eq(records.datasetId, right!.ds.id)];
    if (q.join.where) rconds.push(filterToSql(q.join.where, right!.fields, right!.ds.keyFields));
    const on = q.join.on;
    query = sql`with l as (select ${records.id} as id, ${records.data} as data from ${records} where ${and(...lconds)}),
      r as (select ${records.id} as id, ${records.data} as data from ${records} where ${and(...rconds)}),
      j as (select l.data as ld, r.data as rd, upper(btrim(l.data ->> ${on}::text)) as jk
            from l join r on upper(btrim(l.data ->> ${on}::text)) = upper(btrim(r.data ->> ${on}::text)))
      select ${sql.join(selects, sql`, `)} from j${groupClause}`;
  }
  const scope = right ? `${[left.ds.id, right.ds.id].sort().join('×')}:${q.join!.on}` : left.ds.id;
  await spendBudget(db, q.callerDept, scope, opts.dailyBudget ?? DEFAULT_DAILY_BUDGET, now);
  const rows = rowsOf(await db.execute(query));

  const released: (SandboxGroup & { members: string[]; people: string[][] })[] = [];
  let suppressed = 0;
  for (const row of rows) {
    const subjects = Number(row.s);
    if (subjects < k) {
      suppressed++;
      continue;
    }
    const key: Record<string, Scalar | null> = {};
    groupBy.forEach((g, i) => (key[g.label] = keyValue(g.info, row[`g${i}`])));
    const values = measures.map((_, i) => {
      const v = row[`m${i}`];
      return v === null || v === undefined ? null : Math.round(Number(v) * 100) / 100;
    });
    const members = String(row.members ?? '')
      .split(',')
      .filter(Boolean)
      .sort();
    const people = subjectFields.map((_, i) => String(row[`p${i}`] ?? '').split(',').filter(Boolean).sort());
    released.push({ key, count: Number(row.n), subjects, values, members, people });
  }
  released.sort((a, b) => JSON.stringify(Object.values(a.key)).localeCompare(JSON.stringify(Object.values(b.key))));

  // Each released group's subject set and, for a grouped answer, their union (the implicit total).
  const withUnion = (sets: string[][]) => (sets.length > 1 ? [...sets, [...new Set(sets.flat())].sort()] : sets).filter((s) => s.length > 0);
  const scopes = new Map<string, string[][]>([[scope, withUnion(released.map((g) => g.members))]]);
  subjectFields.forEach((f, i) => scopes.set(subjectScope(f), withUnion(released.map((g) => g.people[i]!))));
  if (right && (left.fields.get(q.join!.on)!.subject || right.fields.get(q.join!.on)!.subject)) scopes.set(subjectScope(q.join!.on), scopes.get(scope)!);
  await guardDifferencing(db, q.callerDept, scopes, k, now);

  return {
    k,
    groups: released.map(({ members: _m, people: _p, ...g }) => g),
    suppressedGroups: suppressed,
    measures: measures.map((m) => m.label),
    scope,
  };
}

/**
 * The second layer: a department gets a bounded number of well-formed sandbox queries per 24 hours,
 * refused ones included (a refusal says something too), which bounds tracker attacks that need many
 * answers. Malformed queries (refused before they run) do not count.
 */
async function spendBudget(db: CatalogDb, dept: string, scope: string, budget: number, now: Date): Promise<void> {
  const [{ n }] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(sandboxQueries)
    .where(and(eq(sandboxQueries.callerDept, dept), gt(sandboxQueries.at, new Date(now.getTime() - DAY_MS))));
  if (Number(n) >= budget) {
    throw new AppError('FORBIDDEN', `sandbox: department ${dept} has used its ${budget} queries of the last 24 hours (sandbox-budget)`, { rule: 'sandbox-budget', budget });
  }
  await db.insert(sandboxQueries).values({ callerDept: dept, scope, at: now });
}

/** The scope under which answers about the same subjects (by identifier field) are compared, whatever the dataset or join. */
const subjectScope = (field: string) => `subject:${field}`;

/**
 * Overlap control: refuses the answer when any released subject set (a group, or the union of the
 * groups = the query's total) differs from a set already released to the same department in the
 * same scope by at least one and fewer than k subjects; otherwise remembers the new sets. Scopes are
 * the dataset (or join) with its record ids (join keys), and `subject:<field>` with the people or
 * companies behind the answer, shared by every dataset and join that identifies them by that field.
 * Serialized per department and scope (advisory transaction locks, taken in a fixed order).
 */
async function guardDifferencing(db: CatalogDb, dept: string, scopes: Map<string, string[][]>, k: number, now: Date): Promise<void> {
  const order = [...scopes.keys()].filter((s) => scopes.get(s)!.length > 0).sort();
  if (!order.length) return;
  await db.transaction(async (tx) => {
    for (const scope of order) await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`sandbox:${dept}:${scope}`}::text))`);
    const fresh: { scope: string; size: number; members: string[]; digest: string }[] = [];
    for (const scope of order) {
      for (const members of scopes.get(scope)!) {
        const set = new Set(members);
        const digest = digestOf(members);
        const prior = await tx
          .select({ members: sandboxReleases.members, digest: sandboxReleases.digest })
          .from(sandboxReleases)
          .where(and(eq(sandboxReleases.callerDept, dept), eq(sandboxReleases.scope, scope), between(sandboxReleases.size, set.size - k + 1, set.size + k - 1)));
        let known = false;
        for (const p of prior) {
          if (p.digest === digest) {
            known = true;
            continue;
          }
          const d = symmetricDifference(set, p.members);
          if (d > 0 && d < k) {
            const about = scope.startsWith('subject:') ? ` (people or companies by ${scope.slice('subject:'.length)}, across datasets)` : '';
            throw new AppError(
              'FORBIDDEN',
              `sandbox: this answer and an earlier one given to ${dept} differ by ${d} subject(s)${about}, fewer than k = ${k}; together they would single out records (differencing)`,
              { rule: 'differencing', k },
            );
          }
        }
        if (!known && !fresh.some((f) => f.scope === scope && f.digest === digest)) fresh.push({ scope, size: set.size, members, digest });
      }
    }
    if (fresh.length) await tx.insert(sandboxReleases).values(fresh.map((f) => ({ callerDept: dept, scope: f.scope, size: f.size, members: f.members, digest: f.digest, at: now })));
  });
}
