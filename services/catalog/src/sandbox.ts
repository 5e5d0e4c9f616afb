// The sandbox (可用不可见, "usable but invisible"): aggregate-only queries over one dataset, or over
// the join of two datasets of different departments on a key, computed here, next to the data.
// No query returns rows. Two regimes (docs/access-workflow.md states the guarantee):
//  - private data (another department's RESTRICTED or SECRET dataset, or a measured field not
//    declared public): differential privacy — noisy counts and clamped sums from an exact discrete
//    Laplace sampler, paid from a privacy budget per dataset (sandbox-privacy.ts);
//  - the rest (PUBLIC/INTERNAL data with public measures, or the owner's own data): exact answers.
// Both: filters and groups on declared dimensions only, groups under k subjects left out (as empty
// ones are), a filtered set and its complement of at least k subjects, generic refusals.
import { createHash } from 'node:crypto';
import { and, eq, gt, sql, type SQL } from 'drizzle-orm';
import { AppError } from '@govshare/platform';
import { sandboxAnswerIsPrivate } from '@govshare/platform/policy';
import type { Filter, SandboxGroup, SandboxQuery, SandboxResult, Scalar } from '@govshare/contracts';
import type { FieldInfo } from './data-dictionary.ts';
import { compiledFor, type CatalogDb, type DatasetRow } from './datasets.ts';
import { checkFilter, filterToSql } from './records-query.ts';
import { datasets, records, sandboxQueries, sandboxReleases } from './schema.ts';
import { DAY_MS, systemClock, type Clock } from './deadlines.ts';
import {
  answerPrivately,
  DEFAULT_PRIVACY,
  RELEASE_ACCOUNT,
  settingsOf,
  type PrivacyDefaults,
} from './sandbox-privacy.ts';
import type { RandomSource } from './privacy/discrete-laplace.ts';

/** A query as the catalog runs it: the contract's, and the asking department (the verified caller's). */
export type SandboxAsk = SandboxQuery & { callerDept: string };

export const DEFAULT_K = 10;
/** Sandbox queries per department per 24 hours (answered or refused). */
export const DEFAULT_DAILY_BUDGET = 500;
/** A filtered query records the subjects it touched (as keyed HMACs, in the audit log) up to this many. */
export const TOUCHED_SUBJECTS_CAP = 200;
/** Groups of a private answer: every combination of the grouped dimensions' declared values. */
const MAX_DOMAIN = 1000;

const refuse = (path: string, rule: string, message: string): never => {
  throw new AppError('BAD_USER_INPUT', `${path}: ${message} (${rule})`, { path, rule });
};
/** A refusal that depends on the data says nothing about it: one message whatever the cause. */
const refuseGenerically = (rule: string): never => {
  throw new AppError(
    'FORBIDDEN',
    `sandbox: this query is not answered: its population is too small, too close to the whole, or would single out subjects with earlier answers (${rule})`,
    { rule },
  );
};

export interface Side {
  alias: 'l' | 'r';
  ds: DatasetRow;
  fields: Map<string, FieldInfo>;
  dimensions: Set<string>;
}
export interface FieldRef {
  side: Side;
  info: FieldInfo;
  label: string;
}
export interface Measure {
  fn: 'count' | 'sum' | 'avg' | 'min' | 'max';
  ref?: FieldRef;
  label: string;
  /** Index into the plan's numeric fields (sum, avg, min, max). */
  field?: number;
}

function sideOf(ds: DatasetRow, alias: 'l' | 'r'): Side {
  const compiled = compiledFor(ds);
  const dims = new Set(
    Object.entries(ds.schema.properties)
      .filter(([, f]) => f['x-dimension'] === true)
      .map(([n]) => n),
  );
  return { alias, ds, fields: new Map(compiled.fields.map((f) => [f.name, f])), dimensions: dims };
}

/** `field` (one dataset, or unambiguous in a join) or `datasetId.field`. */
function resolve(name: string, sides: Side[], path: string): FieldRef {
  const dot = name.lastIndexOf('.');
  if (dot > 0) {
    const side = sides.find((s) => s.ds.id === name.slice(0, dot));
    const f = side?.fields.get(name.slice(dot + 1));
    if (!side || !f)
      refuse(path, 'field-unknown', `field "${name}" is not in ${sides.map((s) => `"${s.ds.id}"`).join(' or ')}`);
    return { side: side!, info: f!, label: sides.length > 1 ? name : f!.name };
  }
  const hits = sides.filter((s) => s.fields.has(name));
  if (!hits.length)
    refuse(path, 'field-unknown', `field "${name}" is not in ${sides.map((s) => `"${s.ds.id}"`).join(' or ')}`);
  if (hits.length > 1)
    refuse(
      path,
      'field-ambiguous',
      `field "${name}" is in both datasets; write "${hits[0].ds.id}.${name}" or "${hits[1].ds.id}.${name}"`,
    );
  return {
    side: hits[0],
    info: hits[0].fields.get(name)!,
    label: sides.length > 1 ? `${hits[0].ds.id}.${name}` : name,
  };
}

/** Filters may use declared dimensions only: a filter on anything else is a way of reading it. */
function checkSandboxFilter(where: Filter, side: Side, path: string): void {
  checkFilter(where, side.fields, {
    allowField: (name) => side.dimensions.has(name),
    refusal: (name) => [
      'sandbox-filter-field',
      `field "${name}" of "${side.ds.id}" is not a declared dimension (x-dimension); sandbox filters may use dimensions only: ${[...side.dimensions].join(', ') || 'none'}`,
    ],
  });
}

export const rowsOf = (res: unknown): Record<string, unknown>[] =>
  Array.isArray(res) ? res : ((res as { rows: Record<string, unknown>[] }).rows ?? []);

export function keyValue(info: FieldInfo, v: unknown): Scalar | null {
  if (v === null || v === undefined) return null;
  if (info.type === 'integer' || info.type === 'number') return Number(v);
  if (info.type === 'boolean') return v === true || v === 'true';
  return String(v);
}

/** What a query reads, checked: sides, groups, measures, numeric fields, and how it is answered. */
export interface SandboxPlan {
  q: SandboxAsk;
  sides: Side[];
  groupBy: FieldRef[];
  measures: Measure[];
  numeric: FieldRef[];
  private: boolean;
  /** The caller owns every dataset read (it may read the rows anyway: no overlap control). */
  owned: boolean;
  /** Budget and cache scope: the dataset, or "left×right:key". */
  scope: string;
  /** The subject a row is about, as SQL over the row source (see rowSource). */
  subject: { expr: SQL; overlapScope: string; identifies: boolean };
}

async function loadDataset(db: CatalogDb, id: string): Promise<DatasetRow> {
  const [ds] = await db.select().from(datasets).where(eq(datasets.id, id));
  if (!ds) throw new AppError('NOT_FOUND', `dataset "${id}" not found`);
  return ds;
}

export async function planSandboxQuery(
  db: CatalogDb,
  q: SandboxAsk,
  opts: { forcePrivate?: boolean } = {},
): Promise<SandboxPlan> {
  const left = sideOf(await loadDataset(db, q.dataset), 'l');
  const sides: Side[] = [left];
  let right: Side | undefined;
  if (q.join) {
    right = sideOf(await loadDataset(db, q.join.dataset), 'r');
    if (right.ds.ownerDept === left.ds.ownerDept) {
      refuse(
        'join.dataset',
        'join-same-department',
        `"${left.ds.id}" and "${right.ds.id}" both belong to ${left.ds.ownerDept}; joint analysis is across departments`,
      );
    }
    const lk = left.fields.get(q.join.on);
    const rk = right.fields.get(q.join.on);
    if (!lk || !rk)
      refuse(
        'join.on',
        'field-unknown',
        `join field "${q.join.on}" must be in both "${left.ds.id}" and "${right.ds.id}"`,
      );
    if (lk!.type !== rk!.type)
      refuse(
        'join.on',
        'type-mismatch',
        `join field "${q.join.on}" is ${lk!.type} in "${left.ds.id}" but ${rk!.type} in "${right.ds.id}"`,
      );
    sides.push(right);
  }
  const groupBy = (q.groupBy ?? []).map((g, i) => {
    const ref = resolve(g, sides, `groupBy[${i}]`);
    if (!ref.side.dimensions.has(ref.info.name)) {
      refuse(
        `groupBy[${i}]`,
        'not-a-dimension',
        `field "${g}" is not a declared dimension (x-dimension) of "${ref.side.ds.id}"; dimensions: ${[...ref.side.dimensions].join(', ') || 'none'}`,
      );
    }
    return ref;
  });
  const numeric: FieldRef[] = [];
  const measures: Measure[] = q.measures.map((m, i) => {
    if (!['count', 'sum', 'avg', 'min', 'max'].includes(m.fn))
      refuse(`measures[${i}].fn`, 'measure-fn', `unknown aggregate "${m.fn}"`);
    if (m.fn === 'count') {
      if (m.field) refuse(`measures[${i}].field`, 'measure-field', 'count counts subjects and takes no field');
      return { fn: 'count', label: 'count' };
    }
    if (!m.field) refuse(`measures[${i}].field`, 'measure-field', `${m.fn} needs a numeric field`);
    const ref = resolve(m.field!, sides, `measures[${i}].field`);
    if (ref.info.type !== 'integer' && ref.info.type !== 'number')
      refuse(`measures[${i}].field`, 'measure-type', `${m.fn} needs a numeric field; "${m.field}" is ${ref.info.type}`);
    if (ref.side.dimensions.has(ref.info.name))
      refuse(
        `measures[${i}].field`,
        'measure-dimension',
        `"${m.field}" is a dimension; a measured field cannot also be a filter or group`,
      );
    let idx = numeric.findIndex((n) => n.side === ref.side && n.info.name === ref.info.name);
    if (idx < 0) idx = numeric.push(ref) - 1;
    return { fn: m.fn, ref, label: `${m.fn}(${ref.label})`, field: idx };
  });
  if (q.where) checkSandboxFilter(q.where, left, 'where');
  if (q.join?.where) checkSandboxFilter(q.join.where, right!, 'join.where');

  const priv =
    opts.forcePrivate ||
    sides.some((s) =>
      sandboxAnswerIsPrivate(
        q.callerDept,
        s.ds,
        numeric.filter((n) => n.side === s).map((n) => n.info),
      ),
    );
  if (priv) {
    measures.forEach((m, i) => {
      if (m.fn === 'min' || m.fn === 'max')
        refuse(
          `measures[${i}].fn`,
          'sandbox-min-max',
          `${m.fn} of private data would show one subject's value; use count, sum or avg`,
        );
      if (m.ref && m.ref.info.contributionBound === undefined) {
        refuse(
          `measures[${i}].field`,
          'contribution-bound',
          `"${m.ref.label}" declares no x-contribution-bound in the data dictionary; sums of private data need one`,
        );
      }
    });
    let domain = 1;
    groupBy.forEach((g, i) => {
      if (!g.info.enum)
        refuse(
          `groupBy[${i}]`,
          'dimension-domain',
          `dimension "${g.label}" declares no values (enum); groups of private data are every declared value, shown or not`,
        );
      domain *= g.info.enum!.length;
    });
    if (domain > MAX_DOMAIN)
      refuse('groupBy', 'dimension-domain', `${domain} combinations of declared values; at most ${MAX_DOMAIN}`);
  }
  const scope = right ? `${[left.ds.id, right.ds.id].sort().join('×')}:${q.join!.on}` : left.ds.id;
  const owned = sides.every((s) => s.ds.ownerDept === q.callerDept);
  return { q, sides, groupBy, measures, numeric, private: priv, owned, scope, subject: subjectOf(sides, q) };
}

/** A column name as an SQL fragment. */
export const ident = (name: string): SQL => sql`${sql.identifier(name)}`;
const normalized = (e: SQL): SQL => sql`upper(btrim(${e}))`;

/** People or companies: the first x-subject field (joins: the join key); else each record is its own subject. */
function subjectOf(sides: Side[], q: SandboxAsk): SandboxPlan['subject'] {
  if (q.join) {
    const identifies = sides.some((s) => s.fields.get(q.join!.on)?.subject);
    return {
      expr: sql`jk`,
      overlapScope: identifies
        ? `subject:${q.join.on}`
        : `${sides
            .map((s) => s.ds.id)
            .sort()
            .join('×')}:${q.join.on}`,
      identifies,
    };
  }
  const f = [...sides[0]!.fields.values()].find((x) => x.subject);
  if (f)
    return {
      expr: normalized(sql`(${records.data} ->> ${f.name}::text)`),
      overlapScope: `subject:${f.name}`,
      identifies: true,
    };
  return { expr: sql`(${records.id})::text`, overlapScope: sides[0]!.ds.id, identifies: false };
}

/** A column of the row source: records (one dataset) or the join j (ld, rd, jk). */
export function columnOf(plan: SandboxPlan, ref: FieldRef): SQL {
  if (!plan.q.join) return sql`(${records.data} ->> ${ref.info.name}::text)`;
  return ref.side.alias === 'l' ? sql`(ld ->> ${ref.info.name}::text)` : sql`(rd ->> ${ref.info.name}::text)`;
}

/**
 * `with src as (...)`: one row per record (or joined pair) with its subject `subj`, group values
 * g0.., and numeric fields f0... `filtered` false drops the where clauses (the whole population).
 */
export function sourceCte(plan: SandboxPlan, filtered = true): SQL {
  const { q, sides } = plan;
  const cols: SQL[] = [sql`${plan.subject.expr} as subj`];
  plan.groupBy.forEach((g, i) => cols.push(sql`${columnOf(plan, g)} as ${sql.identifier(`g${i}`)}`));
  plan.numeric.forEach((n, i) => cols.push(sql`(${columnOf(plan, n)})::numeric as ${sql.identifier(`f${i}`)}`));
  const [left, right] = sides;
  if (!q.join) {
    const conds = [eq(records.datasetId, left!.ds.id)];
    if (filtered && q.where) conds.push(filterToSql(q.where, left!.fields, left!.ds.keyFields));
    return sql`with src as (select ${sql.join(cols, sql`, `)} from ${records} where ${and(...conds)})`;
  }
  const lconds = [eq(records.datasetId, left!.ds.id)];
  if (filtered && q.where) lconds.push(filterToSql(q.where, left!.fields, left!.ds.keyFields));
  const rconds = [eq(records.datasetId, right!.ds.id)];
  if (filtered && q.join.where) rconds.push(filterToSql(q.join.where, right!.fields, right!.ds.keyFields));
  const on = q.join.on;
  return sql`with l as (select ${records.data} as data from ${records} where ${and(...lconds)}),
    r as (select ${records.data} as data from ${records} where ${and(...rconds)}),
    j as (select l.data as ld, r.data as rd, upper(btrim(l.data ->> ${on}::text)) as jk
          from l join r on upper(btrim(l.data ->> ${on}::text)) = upper(btrim(r.data ->> ${on}::text))),
    src as (select ${sql.join(cols, sql`, `)} from j)`;
}

/** Per subject and group: its records and, per numeric field, its sum, min and max. */
export function perSubjectCte(plan: SandboxPlan): SQL {
  const g = plan.groupBy.map((_, i) => ident(`g${i}`));
  const cols: SQL[] = [sql`subj`, ...g, sql`count(*)::int as nrec`];
  plan.numeric.forEach((_, i) => {
    const f = ident(`f${i}`);
    cols.push(
      sql`coalesce(sum(${f}), 0) as ${sql.identifier(`s${i}`)}`,
      sql`min(${f}) as ${sql.identifier(`mn${i}`)}`,
      sql`max(${f}) as ${sql.identifier(`mx${i}`)}`,
    );
  });
  return sql`per as (select ${sql.join(cols, sql`, `)} from src group by ${sql.join([sql`subj`, ...g], sql`, `)})`;
}

export const groupKeyOf = (plan: SandboxPlan, row: Record<string, unknown>): Record<string, Scalar | null> => {
  const key: Record<string, Scalar | null> = {};
  plan.groupBy.forEach((g, i) => (key[g.label] = keyValue(g.info, row[`g${i}`])));
  return key;
};

export const sortGroups = <T extends { key: Record<string, Scalar | null> }>(groups: T[]): T[] =>
  groups.sort((a, b) => JSON.stringify(Object.values(a.key)).localeCompare(JSON.stringify(Object.values(b.key))));

export interface SandboxOptions {
  k?: number;
  clock?: Clock;
  dailyBudget?: number;
  privacy?: Partial<PrivacyDefaults>;
  rng?: RandomSource;
  /** The owner publishes a standard table: always private, paid from the dataset's budget, listed for everyone. */
  release?: boolean;
}

/** Sizes of the filtered set and the whole population, and the filtered subjects when few. */
async function populationOf(
  db: CatalogDb,
  plan: SandboxPlan,
): Promise<{ filtered: number; whole: number; touched: string[] }> {
  const narrowed = !!(plan.q.where || plan.q.join?.where);
  const [f] = rowsOf(await db.execute(sql`${sourceCte(plan)} select count(distinct subj)::int as n from src`));
  const filtered = Number(f!.n);
  if (!narrowed) return { filtered, whole: filtered, touched: [] };
  const [w] = rowsOf(await db.execute(sql`${sourceCte(plan, false)} select count(distinct subj)::int as n from src`));
  let touched: string[] = [];
  if (plan.subject.identifies && filtered <= TOUCHED_SUBJECTS_CAP) {
    touched = rowsOf(await db.execute(sql`${sourceCte(plan)} select distinct subj from src order by 1`)).map((r) =>
      String(r.subj),
    );
  }
  return { filtered, whole: Number(w!.n), touched };
}

export async function runSandboxQuery(db: CatalogDb, q: SandboxAsk, opts: SandboxOptions = {}): Promise<SandboxResult> {
  const k = opts.k ?? DEFAULT_K;
  const now = (opts.clock ?? systemClock)();
  const plan = await planSandboxQuery(db, q, { forcePrivate: opts.release });
  await spendDailyQuota(db, q.callerDept, plan.scope, opts.dailyBudget ?? DEFAULT_DAILY_BUDGET, now);
  // The query-set-size rule: a filter must leave at least k subjects in and k out (else it isolates them).
  const pop = await populationOf(db, plan);
  const narrowed = !!(q.where || q.join?.where);
  if (pop.filtered < k || (narrowed && pop.whole - pop.filtered < k)) refuseGenerically('query-set-size');
  const touched = pop.touched.length ? { touchedSubjects: pop.touched } : {};
  const defaults = { ...DEFAULT_PRIVACY, ...opts.privacy };
  if (plan.private) {
    const account = opts.release ? RELEASE_ACCOUNT : q.callerDept;
    const result = await answerPrivately(db, plan, {
      k,
      now,
      account,
      defaults,
      rng: opts.rng,
      standard: opts.release,
    });
    return { ...result, ...touched };
  }
  // The dominance share is the dataset's setting (the strictest of a join's two).
  const settings = await Promise.all(plan.sides.map((side) => settingsOf(db, side.ds.id, defaults)));
  const dominanceShare = Math.min(...settings.map((x) => x.dominanceShare));
  return { ...(await answerExactly(db, plan, k, now, dominanceShare)), ...touched };
}

/** Exact answers (public data, or the owner's): groups under k left out, dominance for sums, overlap control. */
async function answerExactly(
  db: CatalogDb,
  plan: SandboxPlan,
  k: number,
  now: Date,
  dominanceShare: number,
): Promise<SandboxResult> {
  const g = plan.groupBy.map((_, i) => ident(`g${i}`));
  const selects: SQL[] = [
    ...g,
    sql`count(*)::int as subjects`,
    sql`sum(nrec)::int as n`,
    sql`string_agg(md5(subj), ',') as members`,
  ];
  plan.numeric.forEach((_, i) => {
    const s = ident(`s${i}`);
    selects.push(
      sql`sum(${s})::float8 as ${sql.identifier(`sum${i}`)}`,
      sql`min(${sql.identifier(`mn${i}`)})::float8 as ${sql.identifier(`min${i}`)}`,
      sql`max(${sql.identifier(`mx${i}`)})::float8 as ${sql.identifier(`max${i}`)}`,
      sql`max(abs(${s}))::float8 as ${sql.identifier(`top${i}`)}`,
    );
  });
  const groupClause = g.length ? sql` group by ${sql.join(g, sql`, `)}` : sql``;
  const rows = rowsOf(
    await db.execute(
      sql`${sourceCte(plan)}, ${perSubjectCte(plan)} select ${sql.join(selects, sql`, `)} from per${groupClause}`,
    ),
  );
  const round = (v: number) => Math.round(v * 100) / 100;
  const released: (SandboxGroup & { members: string[] })[] = [];
  for (const row of rows) {
    const subjects = Number(row.subjects);
    if (subjects < k) continue;
    // Dominance: a sum where one subject is most of the total tells that subject's value.
    const dominated = plan.measures.some(
      (m) =>
        (m.fn === 'sum' || m.fn === 'avg') &&
        Math.abs(Number(row[`top${m.field}`])) > dominanceShare * Math.abs(Number(row[`sum${m.field}`])),
    );
    if (dominated) continue;
    const values = plan.measures.map((m) => {
      if (m.fn === 'count') return Number(row.n);
      const v = m.fn === 'avg' ? Number(row[`sum${m.field}`]) / Number(row.n) : Number(row[`${m.fn}${m.field}`]);
      return Number.isFinite(v) ? round(v) : null;
    });
    const members = String(row.members ?? '')
      .split(',')
      .filter(Boolean)
      .sort();
    released.push({
      key: groupKeyOf(plan, row),
      count: Number(row.n),
      subjects,
      values,
      margins: plan.measures.map(() => 0),
      members,
    });
  }
  sortGroups(released);
  // Each released group's subject set and, for a grouped answer, their union (the implicit total).
  const sets = released.map((r) => r.members).filter((m) => m.length);
  if (sets.length > 1) sets.push([...new Set(sets.flat())].sort());
  if (!plan.owned) await guardDifferencing(db, plan.subject.overlapScope, sets, k, now);
  return {
    k,
    groups: released.map(({ members: _m, ...grp }) => grp),
    measures: plan.measures.map((m) => m.label),
    scope: plan.scope,
    privacy: { mode: 'exact', mechanism: 'none', epsilon: 0, cached: false },
  };
}

/**
 * A bound on well-formed sandbox queries per department per 24 hours, refused ones included (a refusal
 * says something too). Malformed queries (refused before they run) do not count.
 */
async function spendDailyQuota(db: CatalogDb, dept: string, scope: string, budget: number, now: Date): Promise<void> {
  const [{ n }] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(sandboxQueries)
    .where(and(eq(sandboxQueries.callerDept, dept), gt(sandboxQueries.at, new Date(now.getTime() - DAY_MS))));
  if (Number(n) >= budget) {
    throw new AppError(
      'FORBIDDEN',
      `sandbox: department ${dept} has used its ${budget} queries of the last 24 hours (sandbox-budget)`,
      { rule: 'sandbox-budget', budget },
    );
  }
  await db.insert(sandboxQueries).values({ callerDept: dept, scope, at: now });
}

const digestOf = (members: string[]) => createHash('sha256').update(members.join(',')).digest('hex');

/** |a Δ b|. */
function symmetricDifference(a: Set<string>, b: string[]): number {
  let common = 0;
  for (const x of b) if (a.has(x)) common++;
  return a.size - common + (b.length - common);
}

/**
 * Overlap control for exact answers: refuses an answer when a released subject set (a group, or the
 * union of the groups) differs by at least one and fewer than k subjects from a set already released
 * in the same scope — to ANY department (two departments cooperating are one attacker). Scopes are the
 * people or companies by identifier field (`subject:<field>`, shared by every dataset and join that
 * names them so), else the dataset or join. Serialized per scope (advisory transaction lock).
 */
async function guardDifferencing(db: CatalogDb, scope: string, sets: string[][], k: number, now: Date): Promise<void> {
  if (!sets.length) return;
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`sandbox:${scope}`}::text))`);
    const fresh: { size: number; members: string[]; digest: string }[] = [];
    for (const members of sets) {
      const set = new Set(members);
      const digest = digestOf(members);
      const prior = await tx
        .select({ members: sandboxReleases.members, digest: sandboxReleases.digest })
        .from(sandboxReleases)
        .where(
          and(
            eq(sandboxReleases.scope, scope),
            sql`${sandboxReleases.size} between ${set.size - k + 1} and ${set.size + k - 1}`,
          ),
        );
      let known = false;
      for (const p of prior) {
        if (p.digest === digest) {
          known = true;
          continue;
        }
        const d = symmetricDifference(set, p.members);
        if (d > 0 && d < k) refuseGenerically('differencing');
      }
      if (!known && !fresh.some((f) => f.digest === digest)) fresh.push({ size: set.size, members, digest });
    }
    // caller_dept is kept for the record; comparison is across departments.
    if (fresh.length)
      await tx
        .insert(sandboxReleases)
        .values(
          fresh.map((f) => ({ callerDept: '*', scope, size: f.size, members: f.members, digest: f.digest, at: now })),
        );
  });
}
