// Differential privacy for the sandbox's private answers, with a privacy budget per dataset.
//  - Each subject (person, company, or record when none is declared) counts once: its records are
//    folded per group, it is kept in one group only, and its sum is clamped to the field's declared
//    x-contribution-bound. Adding or removing a subject then moves the count by at most 1 and each
//    sum by at most the bound (in cents: integers), so discrete Laplace noise of scale Δ/ε gives ε-DP
//    per statistic; a query's ε is split evenly over its count and its sums (basic composition).
//  - Groups are every combination of the grouped dimensions' declared values; a group is shown when
//    its noisy count reaches k (post-processing: empty and small groups look alike).
//  - The budget (ε per rolling year) is per dataset across all departments, each department limited
//    to a share; spending and the answer commit in one transaction. The same query over the same data
//    versions gets the stored answer back, free: repeating a query does not average the noise away.
import { createHash } from 'node:crypto';
import { and, eq, gt, sql, type SQL } from 'drizzle-orm';
import { AppError } from '@govshare/platform';
import type {
  SandboxBudget,
  SandboxBudgetUpdate,
  SandboxGroup,
  SandboxResult,
  SandboxStandardRelease,
  Scalar,
} from '@govshare/contracts';
import { canonicalJson } from './data-dictionary.ts';
import type { CatalogDb } from './datasets.ts';
import { DAY_MS } from './deadlines.ts';
import {
  addDiscreteLaplace,
  discreteLaplaceHalfWidth,
  rationalFrom,
  type RandomSource,
} from './privacy/discrete-laplace.ts';
import { sandboxAnswers, sandboxBudgets, sandboxSpends, datasets } from './schema.ts';
import { ident, keyValue, perSubjectCte, rowsOf, sortGroups, sourceCte, type SandboxPlan } from './sandbox.ts';

export interface PrivacyDefaults {
  epsilonPerYear: number;
  epsilonPerQuery: number;
  departmentShare: number;
  dominanceShare: number;
}
/**
 * ε 2 per fresh query (1 for the count, 1 shared by the sums), 100 per dataset per year, a fifth of
 * it per department: ~10 fresh two-statistic queries per department per dataset per year; repeated
 * queries and the owner's standard tables are free.
 */
export const DEFAULT_PRIVACY: PrivacyDefaults = {
  epsilonPerYear: 100,
  epsilonPerQuery: 2,
  departmentShare: 0.2,
  dominanceShare: 0.5,
};
export const RELEASE_ACCOUNT = 'release';
const YEAR_MS = 365 * DAY_MS;
/** Float slack when comparing sums of ε. */
const EPS_SLACK = 1e-9;

type Tx = Pick<CatalogDb, 'select' | 'insert' | 'update' | 'execute'>;

/** A dataset's sandbox settings (its row in sandbox_budgets, else the defaults). */
export async function settingsOf(
  db: Tx,
  datasetId: string,
  defaults: PrivacyDefaults,
): Promise<PrivacyDefaults & { updatedBy?: string; updatedAt?: Date }> {
  const [row] = await db.select().from(sandboxBudgets).where(eq(sandboxBudgets.datasetId, datasetId));
  return row ? { ...row } : { ...defaults };
}

async function spentOf(db: Tx, datasetId: string, since: Date): Promise<Map<string, number>> {
  const rows = await db
    .select({ account: sandboxSpends.account, spent: sql<number>`sum(${sandboxSpends.epsilon})::float8` })
    .from(sandboxSpends)
    .where(and(eq(sandboxSpends.datasetId, datasetId), gt(sandboxSpends.at, since)))
    .groupBy(sandboxSpends.account);
  return new Map(rows.map((r) => [r.account, Number(r.spent)]));
}
const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/** The answer's identity: the query (not who asks) over these exact data versions, with k. */
function answerDigest(plan: SandboxPlan, k: number): string {
  const { q } = plan;
  const query = {
    dataset: q.dataset,
    where: q.where ?? null,
    join: q.join ?? null,
    groupBy: q.groupBy ?? [],
    measures: q.measures,
  };
  const versions = plan.sides.map((s) => [s.ds.id, s.ds.version, s.ds.updatedAt.toISOString(), s.ds.recordCount]);
  return createHash('sha256')
    .update(canonicalJson({ v: 1, k, query, versions }))
    .digest('hex');
}

function cartesian(lists: unknown[][]): unknown[][] {
  return lists.reduce<unknown[][]>((acc, list) => acc.flatMap((prefix) => list.map((v) => [...prefix, v])), [[]]);
}

export interface PrivateAnswerOptions {
  k: number;
  now: Date;
  /** The paying department, or RELEASE_ACCOUNT for the owner's standard tables (the dataset's budget only). */
  account: string;
  defaults: PrivacyDefaults;
  rng?: RandomSource;
  standard?: boolean;
}

export async function answerPrivately(
  db: CatalogDb,
  plan: SandboxPlan,
  o: PrivateAnswerOptions,
): Promise<SandboxResult> {
  const digest = answerDigest(plan, o.k);
  const ids = [...new Set(plan.sides.map((s) => s.ds.id))].sort();
  const since = new Date(o.now.getTime() - YEAR_MS);
  return db.transaction(async (tx) => {
    // One spender at a time per dataset (fixed order: a join locks both without deadlock).
    for (const id of ids)
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`sandbox-budget:${id}`}::text))`);
    const settings = await Promise.all(ids.map((id) => settingsOf(tx, id, o.defaults)));
    const spent = await Promise.all(ids.map((id) => spentOf(tx, id, since)));
    const leftAfter = (epsilon: number) => ({
      datasetEpsilonPerYear: Math.min(...settings.map((s) => s.epsilonPerYear)),
      departmentEpsilonPerYear: Math.min(...settings.map((s) => s.departmentShare * s.epsilonPerYear)),
      datasetEpsilonLeft: Math.max(
        0,
        Math.min(...settings.map((s, i) => s.epsilonPerYear - total(spent[i]!) - epsilon)),
      ),
      departmentEpsilonLeft:
        o.account === RELEASE_ACCOUNT
          ? null
          : Math.max(
              0,
              Math.min(
                ...settings.map(
                  (s, i) => s.departmentShare * s.epsilonPerYear - (spent[i]!.get(o.account) ?? 0) - epsilon,
                ),
              ),
            ),
    });
    const [cached] = await tx.select().from(sandboxAnswers).where(eq(sandboxAnswers.digest, digest));
    if (cached) {
      if (o.standard && !cached.standard)
        await tx.update(sandboxAnswers).set({ standard: true }).where(eq(sandboxAnswers.digest, digest));
      const result = cached.result as SandboxResult;
      return { ...result, privacy: { ...result.privacy, epsilon: 0, cached: true, ...leftAfter(0) } };
    }
    const epsilon = Math.min(...settings.map((s) => s.epsilonPerQuery));
    settings.forEach((s, i) => {
      const id = ids[i]!;
      const used = total(spent[i]!);
      const mine = spent[i]!.get(o.account) ?? 0;
      if (
        used + epsilon > s.epsilonPerYear + EPS_SLACK ||
        (o.account !== RELEASE_ACCOUNT && mine + epsilon > s.departmentShare * s.epsilonPerYear + EPS_SLACK)
      ) {
        throw new AppError(
          'FORBIDDEN',
          `sandbox: the privacy budget of "${id}" for ${o.account === RELEASE_ACCOUNT ? 'standard tables' : `department ${o.account}`} cannot pay ε ${epsilon} (ε ${s.epsilonPerYear} per year for the dataset, ${s.departmentShare} of it per department); answers already given and standard tables stay free (privacy-budget)`,
          { rule: 'privacy-budget', dataset: id },
        );
      }
    });
    const groups = await noisyGroups(tx, plan, epsilon, o);
    const result: SandboxResult = {
      k: o.k,
      groups,
      measures: plan.measures.map((m) => m.label),
      scope: plan.scope,
      privacy: {
        mode: 'differential',
        mechanism: 'discrete-laplace',
        epsilon,
        cached: false,
        epsilonPerStatistic: epsilon / statisticsOf(plan),
        ...leftAfter(epsilon),
      },
    };
    await tx
      .insert(sandboxSpends)
      .values(ids.map((datasetId) => ({ datasetId, account: o.account, epsilon, answerDigest: digest, at: o.now })));
    await tx.insert(sandboxAnswers).values({
      digest,
      datasetIds: ids,
      query: answerQuery(plan),
      result,
      epsilon,
      standard: o.standard === true,
      at: o.now,
    });
    return result;
  });
}

const answerQuery = (plan: SandboxPlan) => {
  const { callerDept: _c, ...query } = plan.q;
  return query;
};

/** The count, and one sum per numeric field that a sum or avg reads. */
function statisticsOf(plan: SandboxPlan): number {
  return 1 + plan.numeric.length;
}

/** Clamp bounds of a field: [0, B] for a field that cannot be negative, else [-B, B]. */
function boundsOf(plan: SandboxPlan, i: number): { lo: number; hi: number } {
  const info = plan.numeric[i]!.info;
  const b = info.contributionBound!;
  return { lo: info.minimum !== undefined && info.minimum >= 0 ? 0 : -b, hi: b };
}

async function noisyGroups(
  tx: Tx,
  plan: SandboxPlan,
  epsilon: number,
  o: PrivateAnswerOptions,
): Promise<SandboxGroup[]> {
  const epsStat = epsilon / statisticsOf(plan);
  const g = plan.groupBy.map((_, i) => ident(`g${i}`));
  const order = g.length ? sql`md5(concat_ws('|', ${sql.join(g, sql`, `)}))` : sql`1`;
  const selects: SQL[] = [...g, sql`count(*)::int as n`];
  plan.numeric.forEach((_, i) => {
    const { lo, hi } = boundsOf(plan, i);
    // Per-subject sums clamped, then to whole cents: integer sums with sensitivity bound × 100.
    selects.push(
      sql`coalesce(sum(round(least(greatest(${sql.identifier(`s${i}`)}, ${lo}::numeric), ${hi}::numeric), 2) * 100), 0)::text as ${sql.identifier(`c${i}`)}`,
    );
  });
  const groupClause = g.length ? sql` group by ${sql.join(g, sql`, `)}` : sql``;
  // Each subject in one group only (its first by a hash of the group): one subject moves one group.
  const rows = rowsOf(
    await tx.execute(
      sql`${sourceCte(plan)}, ${perSubjectCte(plan)}, one as (select *, row_number() over (partition by subj order by ${order}) as rn from per)
        select ${sql.join(selects, sql`, `)} from one where rn = 1${groupClause}`,
    ),
  );
  const keyOf = (values: (Scalar | null)[]) => JSON.stringify(values);
  const byKey = new Map(rows.map((r) => [keyOf(plan.groupBy.map((gr, i) => keyValue(gr.info, r[`g${i}`]))), r]));
  const domain = cartesian(plan.groupBy.map((gr) => gr.info.enum!));
  const countScale = 1 / epsStat;
  const sumScales = plan.numeric.map((n) => (n.info.contributionBound! * 100) / epsStat);
  const countHalf = discreteLaplaceHalfWidth(countScale);
  const sumHalves = sumScales.map((s) => discreteLaplaceHalfWidth(s) / 100);
  const round = (v: number) => Math.round(v * 100) / 100;
  const out: SandboxGroup[] = [];
  for (const combo of domain) {
    const values = combo.map((v, i) => keyValue(plan.groupBy[i]!.info, v));
    const row = byKey.get(keyOf(values));
    const n = addDiscreteLaplace(BigInt(row ? Number(row.n) : 0), rationalFrom(countScale), o.rng);
    if (n < BigInt(o.k)) continue; // shown only when the noisy count reaches k
    const count = Number(n);
    const sums = plan.numeric.map(
      (_, i) =>
        Number(
          addDiscreteLaplace(
            BigInt(row ? String(row[`c${i}`]).split('.')[0]! : '0'),
            rationalFrom(sumScales[i]!),
            o.rng,
          ),
        ) / 100,
    );
    const key: Record<string, Scalar | null> = {};
    plan.groupBy.forEach((gr, i) => (key[gr.label] = values[i]!));
    out.push({
      key,
      count,
      subjects: count,
      values: plan.measures.map((m) =>
        m.fn === 'count' ? count : m.fn === 'sum' ? round(sums[m.field!]!) : round(sums[m.field!]! / count),
      ),
      // 95% half-widths; for avg a first-order bound (sum's and count's errors combined).
      margins: plan.measures.map((m) =>
        m.fn === 'count'
          ? countHalf
          : m.fn === 'sum'
            ? round(sumHalves[m.field!]!)
            : round((sumHalves[m.field!]! + Math.abs(sums[m.field!]! / count) * countHalf) / count),
      ),
    });
  }
  return sortGroups(out);
}

// ---- budget and standard tables (owner and admins) ----

export async function sandboxBudget(
  db: CatalogDb,
  datasetId: string,
  now: Date,
  defaults: PrivacyDefaults = DEFAULT_PRIVACY,
): Promise<SandboxBudget> {
  const [ds] = await db.select({ id: datasets.id }).from(datasets).where(eq(datasets.id, datasetId));
  if (!ds) throw new AppError('NOT_FOUND', `dataset "${datasetId}" not found`);
  const s = await settingsOf(db, datasetId, defaults);
  const spent = await spentOf(db, datasetId, new Date(now.getTime() - YEAR_MS));
  const used = total(spent);
  return {
    dataset: datasetId,
    epsilonPerYear: s.epsilonPerYear,
    epsilonPerQuery: s.epsilonPerQuery,
    departmentShare: s.departmentShare,
    dominanceShare: s.dominanceShare,
    spent: used,
    left: Math.max(0, s.epsilonPerYear - used),
    byAccount: [...spent].map(([account, eps]) => ({ account, spent: eps })).sort((a, b) => b.spent - a.spent),
    ...(s.updatedBy ? { updatedBy: s.updatedBy, updatedAt: s.updatedAt!.toISOString() } : {}),
  };
}

export async function setSandboxBudget(
  db: CatalogDb,
  datasetId: string,
  /** `by`: who changes it (the verified caller). */
  u: SandboxBudgetUpdate & { by: string },
  now: Date,
  defaults: PrivacyDefaults = DEFAULT_PRIVACY,
): Promise<SandboxBudget> {
  const current = await sandboxBudget(db, datasetId, now, defaults);
  const next = {
    epsilonPerYear: u.epsilonPerYear ?? current.epsilonPerYear,
    epsilonPerQuery: u.epsilonPerQuery ?? current.epsilonPerQuery,
    departmentShare: u.departmentShare ?? current.departmentShare,
    dominanceShare: u.dominanceShare ?? current.dominanceShare,
  };
  const bad = (field: string, rule: string, message: string): never => {
    throw new AppError('BAD_USER_INPUT', `${field}: ${message} (${rule})`, { path: field, rule });
  };
  if (!(next.epsilonPerQuery > 0 && next.epsilonPerQuery <= next.epsilonPerYear))
    bad('epsilonPerQuery', 'epsilon-per-query', `must be above 0 and at most epsilonPerYear (${next.epsilonPerYear})`);
  for (const f of ['departmentShare', 'dominanceShare'] as const)
    if (!(next[f] > 0 && next[f] <= 1)) bad(f, 'share', 'must be above 0 and at most 1');
  await db
    .insert(sandboxBudgets)
    .values({ datasetId, ...next, updatedBy: u.by, updatedAt: now })
    .onConflictDoUpdate({ target: sandboxBudgets.datasetId, set: { ...next, updatedBy: u.by, updatedAt: now } });
  return sandboxBudget(db, datasetId, now, defaults);
}

export async function listStandardReleases(db: CatalogDb, datasetId: string): Promise<SandboxStandardRelease[]> {
  const rows = await db
    .select()
    .from(sandboxAnswers)
    .where(
      and(
        eq(sandboxAnswers.standard, true),
        sql`${sandboxAnswers.datasetIds} @> ${JSON.stringify([datasetId])}::jsonb`,
      ),
    )
    .orderBy(sql`${sandboxAnswers.at} desc`);
  return rows.map((r) => ({
    digest: r.digest,
    query: r.query as SandboxStandardRelease['query'],
    result: r.result as SandboxResult,
    epsilon: r.epsilon,
    at: r.at.toISOString(),
  }));
}
