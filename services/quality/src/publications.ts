import { and, asc, desc, eq, isNull } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import type { JWK } from 'jose';
import { AppError } from '@govshare/platform';
import { enforce, mayDecideAppeal, type Asker } from '@govshare/platform/policy';
import { alerts, appeals, policies, publications } from './schema.ts';
import type { QualityDb } from './rule-sets.ts';
import { departmentScores, periodBounds, previousPeriod, type DatasetFigure } from './departments.ts';
import { signCanonical } from './signing.ts';

export interface Policy {
  /** Red list: department score at least this ... */
  redMinScore: number;
  /** ... and no dataset score below this. */
  redMinDatasetScore: number;
  /** Black list: department score below this, */
  blackBelowScore: number;
  /** or any dataset's accuracy (0-1) below this, */
  blackMinAccuracy: number;
  /** or any alert unresolved for longer than this many days (as of the period's end, or now if earlier). */
  maxAlertAgeDays: number;
  /** Remediation: a black-listed department leaves the list only once its score stayed >= blackBelowScore for this many consecutive periods. */
  remediationPeriods: number;
}

export const DEFAULT_POLICY: Policy = {
  redMinScore: 90,
  redMinDatasetScore: 75,
  blackBelowScore: 60,
  blackMinAccuracy: 0.8,
  maxAlertAgeDays: 30,
  remediationPeriods: 2,
};

export type ListName = 'red' | 'black' | 'none';

export interface Placement {
  dept: string;
  list: ListName;
  score: number | null;
  records: number;
  reasons: string[];
  datasets: DatasetFigure[];
  unresolvedAlerts: {
    id: string;
    datasetId: string;
    metric: string;
    kind: string;
    raisedAt: string;
    ageDays: number;
  }[];
  history?: { period: string; score: number | null }[];
}

export interface PublicationBody {
  id: string;
  period: string;
  issuedAt: string;
  asOf: string;
  policy: { version: number; rules: Policy };
  supersedes: string | null;
  changes: {
    dept: string;
    from: { list: ListName; score: number | null };
    to: { list: ListName; score: number | null };
    appealId: string;
    reason: string;
  }[];
  departments: Placement[];
}

export interface PolicyRecord {
  version: number;
  body: Policy;
  createdBy: string;
  createdAt: string;
}

/** The service's clock (the `now` option of buildQuality): every stored time comes from it. */
export type Clock = () => Date;

export async function currentPolicy(db: QualityDb, now: Clock): Promise<PolicyRecord> {
  const rows = await db.select().from(policies).orderBy(desc(policies.version)).limit(1);
  if (!rows.length) {
    try {
      await db.insert(policies).values({ version: 1, body: DEFAULT_POLICY, createdBy: 'default', createdAt: now() });
    } catch {}
    return currentPolicy(db, now);
  }
  return {
    version: rows[0].version,
    body: rows[0].body as Policy,
    createdBy: rows[0].createdBy,
    createdAt: rows[0].createdAt.toISOString(),
  };
}

export async function putPolicy(
  db: QualityDb,
  body: Partial<Policy>,
  createdBy: string,
  now: Clock,
): Promise<PolicyRecord> {
  const cur = await currentPolicy(db, now);
  const next = { ...cur.body, ...body };
  const createdAt = now();
  try {
    await db.insert(policies).values({ version: cur.version + 1, body: next, createdBy, createdAt });
  } catch {
    throw new AppError('CONFLICT', 'policy changed concurrently; retry');
  }
  return { version: cur.version + 1, body: next, createdBy, createdAt: createdAt.toISOString() };
}

const days = (ms: number) => Math.floor(ms / 86_400_000);

/** Places every department for a period under a policy. Pure given the database state and `now`. */
export async function computePlacements(
  db: QualityDb,
  period: string,
  policy: Policy,
  now: Date,
): Promise<{ asOf: string; departments: Placement[] }> {
  const { end } = periodBounds(period);
  const asOf = new Date(Math.min(now.getTime(), end.getTime()));
  const scores = await departmentScores(db, period);
  const allAlerts = await db.select().from(alerts);
  // Black list of the previous period (its current publication), for remediation.
  const prevPub = await db
    .select()
    .from(publications)
    .where(and(eq(publications.period, previousPeriod(period)), isNull(publications.supersededBy)))
    .limit(1);
  const prevBlack = new Set(
    prevPub.length
      ? (prevPub[0].body as PublicationBody).departments.filter((d) => d.list === 'black').map((d) => d.dept)
      : [],
  );
  const out: Placement[] = [];
  for (const d of scores.departments) {
    const reasons: string[] = [];
    const unresolved = allAlerts
      .filter((a) => a.dept === d.dept && a.raisedAt <= asOf && (!a.resolvedAt || a.resolvedAt > asOf))
      .map((a) => ({
        id: a.id,
        datasetId: a.datasetId,
        metric: a.metric,
        kind: a.kind,
        raisedAt: a.raisedAt.toISOString(),
        ageDays: days(asOf.getTime() - a.raisedAt.getTime()),
      }))
      .sort((a, b) => a.raisedAt.localeCompare(b.raisedAt) || a.id.localeCompare(b.id));
    if (d.score !== null && d.score < policy.blackBelowScore)
      reasons.push(`department score ${d.score} < ${policy.blackBelowScore}`);
    for (const ds of d.datasets)
      if (ds.accuracy < policy.blackMinAccuracy)
        reasons.push(`dataset ${ds.datasetId} accuracy ${ds.accuracy} < ${policy.blackMinAccuracy} (run ${ds.runId})`);
    for (const a of unresolved)
      if (a.ageDays > policy.maxAlertAgeDays)
        reasons.push(
          `alert ${a.id} (${a.datasetId} ${a.metric} ${a.kind}) unresolved ${a.ageDays} days > ${policy.maxAlertAgeDays}`,
        );
    let history: Placement['history'];
    if (prevBlack.has(d.dept)) {
      history = [];
      for (let k = policy.remediationPeriods - 1; k >= 0; k--) {
        const p = previousPeriod(period, k);
        const s =
          k === 0
            ? d.score
            : ((await departmentScores(db, p)).departments.find((x) => x.dept === d.dept)?.score ?? null);
        history.push({ period: p, score: s });
      }
      const ok = history.every((h) => h.score !== null && h.score >= policy.blackBelowScore);
      if (!ok)
        reasons.push(
          `remediation: black-listed in ${previousPeriod(period)}; score must stay >= ${policy.blackBelowScore} for ${policy.remediationPeriods} periods (${history.map((h) => `${h.period}: ${h.score ?? 'none'}`).join(', ')})`,
        );
    }
    let list: ListName = 'none';
    if (reasons.length) list = 'black';
    else if (d.score !== null && d.score >= policy.redMinScore) {
      const low = d.datasets.filter((x) => x.score < policy.redMinDatasetScore);
      if (low.length === 0) {
        list = 'red';
        reasons.push(
          `department score ${d.score} >= ${policy.redMinScore} and no dataset below ${policy.redMinDatasetScore}`,
        );
      } else
        reasons.push(
          `not red: ${low.map((x) => `${x.datasetId} ${x.score}`).join(', ')} < ${policy.redMinDatasetScore}`,
        );
    }
    out.push({
      dept: d.dept,
      list,
      score: d.score,
      records: d.records,
      reasons,
      datasets: d.datasets,
      unresolvedAlerts: unresolved,
      ...(history ? { history } : {}),
    });
  }
  return { asOf: asOf.toISOString(), departments: out };
}

async function store(db: QualityDb, body: PublicationBody, privateJwk: JWK, supersedes: string | null) {
  const { canonical, jws } = await signCanonical(body, privateJwk);
  await db.transaction(async (tx) => {
    if (supersedes) {
      const upd = await tx
        .update(publications)
        .set({ supersededBy: body.id })
        .where(and(eq(publications.id, supersedes), isNull(publications.supersededBy)))
        .returning({ id: publications.id });
      if (!upd.length) throw new AppError('CONFLICT', `publication ${supersedes} was already superseded`);
    }
    await tx.insert(publications).values({
      id: body.id,
      period: body.period,
      policyVersion: body.policy.version,
      supersedes,
      body,
      canonical,
      jws,
      createdAt: new Date(body.issuedAt),
    });
  });
  return { publication: body, jws, supersededBy: null as string | null };
}

export async function publish(db: QualityDb, period: string, privateJwk: JWK, now: Date) {
  periodBounds(period);
  const existing = await db
    .select({ id: publications.id })
    .from(publications)
    .where(and(eq(publications.period, period), isNull(publications.supersededBy)))
    .limit(1);
  if (existing.length)
    throw new AppError(
      'CONFLICT',
      `period ${period} already has publication ${existing[0].id}; corrections go through appeals`,
      { publicationId: existing[0].id },
    );
  const policy = await currentPolicy(db, () => now);
  const { asOf, departments } = await computePlacements(db, period, policy.body, now);
  const body: PublicationBody = {
    id: randomUUID(),
    period,
    issuedAt: now.toISOString(),
    asOf,
    policy: { version: policy.version, rules: policy.body },
    supersedes: null,
    changes: [],
    departments,
  };
  try {
    return await store(db, body, privateJwk, null);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('CONFLICT', `period ${period} was published concurrently`);
  }
}

export async function getPublication(db: QualityDb, id: string) {
  const rows = await db.select().from(publications).where(eq(publications.id, id));
  if (!rows.length) throw new AppError('NOT_FOUND', `publication ${id} not found`);
  return {
    publication: JSON.parse(rows[0].canonical) as PublicationBody,
    jws: rows[0].jws,
    supersededBy: rows[0].supersededBy,
  };
}

export async function listPublications(db: QualityDb, period?: string) {
  const rows = await db
    .select({
      id: publications.id,
      period: publications.period,
      policyVersion: publications.policyVersion,
      supersedes: publications.supersedes,
      supersededBy: publications.supersededBy,
      createdAt: publications.createdAt,
    })
    .from(publications)
    .where(period ? eq(publications.period, period) : undefined)
    .orderBy(desc(publications.createdAt)); // newest first, as the gateway's redBlackLists documents
  return { publications: rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })) };
}

// Appeals ----------------------------------------------------------------------------------------

type AppealRow = typeof appeals.$inferSelect;
export const appealView = (a: AppealRow) => ({
  id: a.id,
  publicationId: a.publicationId,
  dept: a.dept,
  reason: a.reason,
  filedBy: a.filedBy,
  filedAt: a.filedAt.toISOString(),
  status: a.status,
  decisionReason: a.decisionReason,
  decidedBy: a.decidedBy,
  decidedAt: a.decidedAt?.toISOString() ?? null,
  correctedPublicationId: a.correctedPublicationId,
});

export async function fileAppeal(
  db: QualityDb,
  input: { publicationId: string; dept: string; reason: string; filedBy: string },
  now: Date,
) {
  const pub = await getPublication(db, input.publicationId);
  if (pub.supersededBy)
    throw new AppError(
      'CONFLICT',
      `publication ${input.publicationId} is superseded by ${pub.supersededBy}; appeal against that one`,
    );
  if (!pub.publication.departments.some((d) => d.dept === input.dept))
    throw new AppError('BAD_USER_INPUT', `dept ${input.dept} is not in publication ${input.publicationId}`);
  const row = { id: randomUUID(), ...input, filedAt: now, status: 'pending' };
  await db.insert(appeals).values(row);
  return appealView((await db.select().from(appeals).where(eq(appeals.id, row.id)))[0]);
}

export async function getAppeal(db: QualityDb, id: string) {
  const rows = await db.select().from(appeals).where(eq(appeals.id, id));
  if (!rows.length) throw new AppError('NOT_FOUND', `appeal ${id} not found`);
  return appealView(rows[0]);
}

export async function listAppeals(db: QualityDb, publicationId?: string) {
  const rows = await db
    .select()
    .from(appeals)
    .where(publicationId ? eq(appeals.publicationId, publicationId) : undefined)
    .orderBy(asc(appeals.filedAt));
  return { appeals: rows.map(appealView) };
}

/**
 * Decides an appeal, as the policy allows (an admin, not of the appellant's own department: separation of duties). Accepting it issues a corrected publication superseding the appealed one: the
 * department is placed again from current figures (runs finished since, e.g. after a fix, count),
 * or on the list the decision names; every other department is carried over unchanged, and
 * `changes` says what moved and why.
 */
export async function decideAppeal(
  db: QualityDb,
  id: string,
  /** `decider`: the verified caller; `decidedBy`: how they are recorded. */
  decision: { accept: boolean; reason: string; decidedBy: string; decider: Asker; list?: ListName },
  privateJwk: JWK,
  now: Date,
) {
  const appeal = await getAppeal(db, id);
  if (appeal.status !== 'pending')
    throw new AppError('CONFLICT', `appeal ${id} was already decided (${appeal.status})`);
  enforce(mayDecideAppeal(decision.decider, appeal));
  let corrected: Awaited<ReturnType<typeof store>> | undefined;
  if (decision.accept) {
    const old = await getPublication(db, appeal.publicationId);
    if (old.supersededBy)
      throw new AppError('CONFLICT', `publication ${appeal.publicationId} is superseded by ${old.supersededBy}`);
    const before = old.publication.departments.find((d) => d.dept === appeal.dept)!;
    const policy = old.publication.policy;
    const fresh =
      (await computePlacements(db, old.publication.period, policy.rules, now)).departments.find(
        (d) => d.dept === appeal.dept,
      ) ?? before;
    const after: Placement = decision.list
      ? {
          ...fresh,
          list: decision.list,
          reasons: [
            ...fresh.reasons.filter((r) => !r.startsWith('not red')),
            `appeal ${id} accepted: ${decision.reason} (placed on ${decision.list} by ${decision.decidedBy})`,
          ],
        }
      : { ...fresh, reasons: [...fresh.reasons, `re-evaluated after appeal ${id}: ${decision.reason}`] };
    const body: PublicationBody = {
      ...old.publication,
      id: randomUUID(),
      issuedAt: now.toISOString(),
      supersedes: old.publication.id,
      changes: [
        {
          dept: appeal.dept,
          from: { list: before.list, score: before.score },
          to: { list: after.list, score: after.score },
          appealId: id,
          reason: decision.reason,
        },
      ],
      departments: old.publication.departments.map((d) => (d.dept === appeal.dept ? after : d)),
    };
    corrected = await store(db, body, privateJwk, old.publication.id);
  }
  await db
    .update(appeals)
    .set({
      status: decision.accept ? 'accepted' : 'rejected',
      decisionReason: decision.reason,
      decidedBy: decision.decidedBy,
      decidedAt: now,
      correctedPublicationId: corrected?.publication.id ?? null,
      override: Boolean(decision.list),
    })
    .where(eq(appeals.id, id));
  return {
    appeal: await getAppeal(db, id),
    ...(corrected ? { publication: corrected.publication, jws: corrected.jws } : {}),
  };
}
