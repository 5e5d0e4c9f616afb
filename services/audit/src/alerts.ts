// Alert rules, evaluated after each committed batch (never on the acknowledgement path).
//  - repeated_denials: >= N denied events by one caller (actor.sub) within a window.
//  - grant_purpose_mismatch: a grant used with a purpose other than the one its creation event recorded.
//  - grant_used_after_revoke: a grant used after an event revoking it.
//  - grant_used_after_expiry: a grant used after the expiry its creation event recorded.
//  - large_read: recordCount > factor x the caller's own median (over its last reads) and > a floor.
//  - sandbox_probing: >= N sandbox.aggregate queries narrowed by a filter (aggregate.where or
//    aggregate.join.where), any outcome, by one department (actor.dept) on one dataset within a window.
//  - sandbox_budget_burn: the ε one department spent on one dataset within a window (the sum of
//    filter.privacy.epsilon over its allowed sandbox.aggregate events) reaches a share of the
//    department's yearly ε share on that dataset (filter.privacy.departmentShare of the latest event).
// Both are per department + dataset (alerts.actor_dept + details.dataset; actor_sub is the caller of
// the event that raised it), one alert per window, and never quote a filter value.
// A grant's life is told by the gateway's events: created by an admin (grants.created) or by an
// approved access request (access.granted), both after the catalog committed it and with its id,
// purpose and expiry; revoked by an admin (grants.revoked) or through its request (access.grantRevoked),
// both after the commit (the intent grants.revoke may still be refused, so it does not count).
// The gateway also sweeps the catalog's grants and records any creation or revocation whose fact was
// lost (grants.created / grants.revoked, with ids derived from the grant so a repeat is a no-op).
import { storableJson, storableText } from './stored-text.ts';
import { and, asc, desc, eq, gt, gte, inArray, isNotNull, lt, lte, sql, type SQL } from 'drizzle-orm';
import { AppError, type Db, type Logger } from '@govshare/platform';
import type {
  AuditAlert,
  AuditAlertKind,
  AuditAlertPage,
  AuditAlertReview,
  AuditAlertReviewOutcome,
  AuditAlertReviewRequest,
  AuditStoredEvent,
} from '@govshare/contracts';
import { alertReviews, alerts, events } from './schema.ts';
import type { CommittedLeaf } from './append.ts';

export interface AlertRules {
  denialThreshold: number;
  denialWindowMs: number;
  largeReadFactor: number;
  largeReadFloor: number;
  largeReadMinHistory: number;
  largeReadHistory: number;
  sandboxProbeThreshold: number;
  sandboxProbeWindowMs: number;
  sandboxBurnShare: number;
  sandboxBurnWindowMs: number;
}

export const defaultAlertRules: AlertRules = {
  denialThreshold: 5,
  denialWindowMs: 10 * 60_000,
  largeReadFactor: 10,
  largeReadFloor: 1000,
  largeReadMinHistory: 5,
  largeReadHistory: 100,
  sandboxProbeThreshold: 20,
  sandboxProbeWindowMs: 60 * 60_000,
  sandboxBurnShare: 0.5,
  sandboxBurnWindowMs: 24 * 60 * 60_000,
};

type NewAlert = typeof alerts.$inferInsert;

const CREATE_ACTIONS = ['grants.created', 'access.granted'];
const REVOKE_ACTIONS = ['grants.revoked', 'access.grantRevoked'];
const LIFECYCLE_ACTIONS = [...CREATE_ACTIONS, ...REVOKE_ACTIONS];
// Must match the predicate of the partial index events_grant_lifecycle_idx (schema.ts), literally.
export const GRANT_LIFECYCLE_PREDICATE = `action in (${LIFECYCLE_ACTIONS.map((a) => `'${a}'`).join(', ')}) and outcome = 'allowed'`;

export const SANDBOX_ACTION = 'sandbox.aggregate';
// Must match the predicate of the partial index events_sandbox_idx (schema.ts), literally.
export const SANDBOX_PREDICATE = `action = '${SANDBOX_ACTION}'`;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const present = (v: unknown) => v !== undefined && v !== null;

/** A sandbox query narrowed by a filter: its aggregate (or the joined dataset) has a `where`. */
export function sandboxNarrowed(filter: unknown): boolean {
  const agg = isObject(filter) ? filter.aggregate : undefined;
  if (!isObject(agg)) return false;
  return present(agg.where) || (isObject(agg.join) && present(agg.join.where));
}

/** The privacy accounting of a sandbox answer, when it has one with numbers where numbers belong. */
function sandboxPrivacy(filter: unknown): { epsilon: number; departmentShare: number } | undefined {
  const p = isObject(filter) ? filter.privacy : undefined;
  if (!isObject(p) || typeof p.epsilon !== 'number' || typeof p.departmentShare !== 'number') return undefined;
  return { epsilon: p.epsilon, departmentShare: p.departmentShare };
}

// The same tests in SQL, on the stored filter (read from the leaf; the leaf is authoritative).
const storedFilter = sql`convert_from(${events.leaf}, 'UTF8')::jsonb -> 'filter'`;
const jsonPresent = (v: SQL) => sql`coalesce(jsonb_typeof(${v}), 'null') <> 'null'`;
const narrowedSql = (f: SQL) =>
  sql`(${jsonPresent(sql`${f} #> '{aggregate,where}'`)} or ${jsonPresent(sql`${f} #> '{aggregate,join,where}'`)})`;
// A non-number epsilon counts 0 (a cast would fail the whole evaluation).
const epsilonSql = (f: SQL) =>
  sql`case when jsonb_typeof(${f} #> '{privacy,epsilon}') = 'number' then (${f} #>> '{privacy,epsilon}')::float8 else 0 end`;

/** The last event of each (dept, dataset) pair among `batch`'s events that pass `keep`. */
function lastPerDeptDataset(batch: AuditStoredEvent[], keep: (e: AuditStoredEvent) => boolean): AuditStoredEvent[] {
  const last = new Map<string, AuditStoredEvent>();
  for (const e of batch)
    if (e.action === SANDBOX_ACTION && e.dataset !== undefined && keep(e))
      last.set(JSON.stringify([e.actor.dept, e.dataset]), e);
  return [...last.values()];
}

/** The first creation (purpose, expiry, seq) and first revocation (seq) of one grant. */
interface GrantLifecycle {
  create?: { purpose: string | null; expiresAt: number | null; seq: number };
  revokeSeq?: number;
}
const GRANT_CACHE = 100_000;

/** Keeps the earliest create / revoke: merging the same event twice changes nothing. */
function mergeLifecycle(
  g: GrantLifecycle,
  action: string,
  purpose: string | null,
  expiresAt: string | null,
  seq: number,
): void {
  if (CREATE_ACTIONS.includes(action) && (!g.create || seq < g.create.seq)) {
    const ms = expiresAt ? Date.parse(expiresAt) : NaN;
    g.create = { purpose, expiresAt: Number.isFinite(ms) ? ms : null, seq };
  }
  if (REVOKE_ACTIONS.includes(action) && (g.revokeSeq === undefined || seq < g.revokeSeq)) g.revokeSeq = seq;
}

export class AlertEngine {
  private chain: Promise<void> = Promise.resolve();
  /**
   * Lifecycle of recently used grants. An entry is loaded from the database (everything committed so
   * far) and then kept current from each evaluated batch (batches are evaluated in commit order).
   */
  private grantCache = new Map<string, GrantLifecycle>();
  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    private readonly rules: AlertRules = defaultAlertRules,
  ) {}

  onCommitted(leaves: CommittedLeaf[]): void {
    this.chain = this.chain
      .then(() => this.evaluate(leaves.map((l) => l.event)))
      .catch((err) => this.logger.error({ err }, 'alert evaluation failed'));
  }

  /** Resolves when every batch handed over so far has been evaluated. */
  idle(): Promise<void> {
    return this.chain;
  }

  async evaluate(batch: AuditStoredEvent[]): Promise<void> {
    const found: NewAlert[] = [];
    await this.denials(batch, found);
    await this.grants(batch, found);
    await this.largeReads(batch, found);
    await this.sandboxProbing(batch, found);
    await this.sandboxBudgetBurn(batch, found);
    // Alert text quotes event fields (actor, purpose): stored in their storable form, like the search columns.
    if (found.length) await this.db.insert(alerts).values(found.map(storableJson));
    for (const a of found) this.logger.warn({ alert: a.kind, sub: a.actorSub, seq: a.seq }, a.message);
  }

  private async denials(batch: AuditStoredEvent[], out: NewAlert[]): Promise<void> {
    const lastDenied = new Map<string, AuditStoredEvent>();
    for (const e of batch) if (e.outcome === 'denied') lastDenied.set(e.actor.sub, e);
    for (const e of lastDenied.values()) {
      const at = new Date(e.at);
      const since = new Date(at.getTime() - this.rules.denialWindowMs);
      const [c] = await this.db
        .select({ n: sql<number>`count(*)::int` })
        .from(events)
        .where(
          and(eq(events.actorSub, e.actor.sub), eq(events.outcome, 'denied'), gt(events.at, since), lte(events.at, at)),
        );
      const n = Number(c?.n ?? 0);
      if (n < this.rules.denialThreshold) continue;
      const [open] = await this.db
        .select({ id: alerts.id })
        .from(alerts)
        .where(and(eq(alerts.actorSub, e.actor.sub), eq(alerts.kind, 'repeated_denials'), gt(alerts.at, since)))
        .limit(1);
      if (open) continue;
      out.push({
        kind: 'repeated_denials',
        actorSub: e.actor.sub,
        actorDept: e.actor.dept,
        seq: e.seq,
        at,
        message: `${e.actor.sub} (${e.actor.dept}) was denied ${n} times within ${Math.round(this.rules.denialWindowMs / 60000)} minutes`,
        details: { denials: n, windowMs: this.rules.denialWindowMs },
      });
    }
  }

  private async grants(batch: AuditStoredEvent[], out: NewAlert[]): Promise<void> {
    // The batch's own create/revoke events first (pure, cannot fail): cached grants stay complete.
    for (const e of batch) {
      if (e.grantId && e.outcome === 'allowed' && LIFECYCLE_ACTIONS.includes(e.action)) {
        const g = this.grantCache.get(e.grantId);
        if (g) mergeLifecycle(g, e.action, e.purpose ?? null, e.grantExpiresAt ?? null, e.seq);
      }
    }
    const uses = batch.filter(
      (e) =>
        e.grantId &&
        e.outcome === 'allowed' &&
        !LIFECYCLE_ACTIONS.includes(e.action) &&
        !e.action.startsWith('grants.'),
    );
    if (uses.length === 0) return;
    // One query per batch, only for grants not cached yet: their create and revoke events.
    const ids = [...new Set(uses.map((e) => e.grantId!))].filter((id) => !this.grantCache.has(id));
    if (ids.length > 0) {
      const rows = await this.db
        .select({
          grantId: events.grantId,
          action: events.action,
          purpose: events.purpose,
          // Read from the leaf (authoritative); only creation events carry it, and they are few.
          expiresAt: sql<string | null>`convert_from(${events.leaf}, 'UTF8')::jsonb ->> 'grantExpiresAt'`,
          seq: events.seq,
        })
        .from(events)
        // Literal predicate (not parameters) so the planner can use the partial events_grant_lifecycle_idx.
        .where(and(inArray(events.grantId, ids), sql.raw(GRANT_LIFECYCLE_PREDICATE)))
        .orderBy(asc(events.seq));
      const found = new Map<string, GrantLifecycle>(ids.map((id) => [id, {}]));
      for (const r of rows) mergeLifecycle(found.get(r.grantId!)!, r.action, r.purpose, r.expiresAt, Number(r.seq));
      for (const [id, g] of found) {
        this.grantCache.set(id, g);
        if (this.grantCache.size > GRANT_CACHE) this.grantCache.delete(this.grantCache.keys().next().value!);
      }
    }
    const created = new Map<string, NonNullable<GrantLifecycle['create']>>();
    const revoked = new Map<string, number>();
    for (const e of uses) {
      const g = this.grantCache.get(e.grantId!);
      if (g?.create) created.set(e.grantId!, g.create);
      if (g?.revokeSeq !== undefined) revoked.set(e.grantId!, g.revokeSeq);
    }
    for (const e of uses) {
      const c = created.get(e.grantId!);
      if (c?.purpose && e.purpose && c.purpose !== e.purpose) {
        out.push({
          kind: 'grant_purpose_mismatch',
          actorSub: e.actor.sub,
          actorDept: e.actor.dept,
          seq: e.seq,
          at: new Date(e.at),
          message: `grant ${e.grantId} was used for "${e.purpose}" but was created for "${c.purpose}"`,
          details: { grantId: e.grantId, purpose: e.purpose, grantPurpose: c.purpose, grantSeq: c.seq },
        });
      }
      if (c?.expiresAt != null && Date.parse(e.at) > c.expiresAt) {
        out.push({
          kind: 'grant_used_after_expiry',
          actorSub: e.actor.sub,
          actorDept: e.actor.dept,
          seq: e.seq,
          at: new Date(e.at),
          message: `grant ${e.grantId} was used at ${e.at}, after it expired at ${new Date(c.expiresAt).toISOString()}`,
          details: { grantId: e.grantId, expiresAt: new Date(c.expiresAt).toISOString(), grantSeq: c.seq },
        });
      }
      const r = revoked.get(e.grantId!);
      if (r !== undefined && r < e.seq) {
        out.push({
          kind: 'grant_used_after_revoke',
          actorSub: e.actor.sub,
          actorDept: e.actor.dept,
          seq: e.seq,
          at: new Date(e.at),
          message: `grant ${e.grantId} was used after it was revoked (seq ${r})`,
          details: { grantId: e.grantId, revokeSeq: r },
        });
      }
    }
  }

  private async largeReads(batch: AuditStoredEvent[], out: NewAlert[]): Promise<void> {
    for (const e of batch) {
      if (e.outcome !== 'allowed' || e.recordCount === undefined || e.recordCount <= this.rules.largeReadFloor)
        continue;
      const history = await this.db
        .select({ n: events.recordCount })
        .from(events)
        .where(
          and(
            eq(events.actorSub, e.actor.sub),
            eq(events.outcome, 'allowed'),
            isNotNull(events.recordCount),
            lt(events.seq, e.seq),
          ),
        )
        .orderBy(desc(events.seq))
        .limit(this.rules.largeReadHistory);
      if (history.length < this.rules.largeReadMinHistory) continue;
      const counts = history.map((h) => Number(h.n)).sort((a, b) => a - b);
      const mid = counts.length >> 1;
      const median = counts.length % 2 ? counts[mid]! : (counts[mid - 1]! + counts[mid]!) / 2;
      if (e.recordCount > this.rules.largeReadFactor * median) {
        out.push({
          kind: 'large_read',
          actorSub: e.actor.sub,
          actorDept: e.actor.dept,
          seq: e.seq,
          at: new Date(e.at),
          message: `${e.actor.sub} read ${e.recordCount} records, more than ${this.rules.largeReadFactor}x its median of ${median}`,
          details: { recordCount: e.recordCount, median, history: counts.length, dataset: e.dataset ?? null },
        });
      }
    }
  }

  /** Whether an alert of `kind` about this department and dataset was raised after `since`. */
  private async deptDatasetAlertSince(
    kind: AuditAlertKind,
    dept: string,
    dataset: string,
    since: Date,
  ): Promise<boolean> {
    const [open] = await this.db
      .select({ id: alerts.id })
      .from(alerts)
      .where(
        and(
          eq(alerts.kind, kind),
          eq(alerts.actorDept, storableText(dept)),
          sql`${alerts.details} ->> 'dataset' = ${storableText(dataset)}`,
          gt(alerts.at, since),
        ),
      )
      .limit(1);
    return open !== undefined;
  }

  /** Sandbox events of one department on one dataset within (since, at]: the stored filter of each. */
  private sandboxWindow(dept: string, dataset: string, since: Date, at: Date, allowedOnly: boolean) {
    return this.db.$with('sandbox_window').as(
      this.db
        .select({ f: sql<unknown>`${storedFilter}`.as('f') })
        .from(events)
        .where(
          and(
            // Literal predicate (not a parameter) so the planner can use the partial events_sandbox_idx.
            sql.raw(SANDBOX_PREDICATE),
            eq(events.actorDept, storableText(dept)),
            eq(events.dataset, storableText(dataset)),
            allowedOnly ? eq(events.outcome, 'allowed') : undefined,
            gt(events.at, since),
            lte(events.at, at),
          ),
        ),
    );
  }

  private async sandboxProbing(batch: AuditStoredEvent[], out: NewAlert[]): Promise<void> {
    const windowMs = this.rules.sandboxProbeWindowMs;
    for (const e of lastPerDeptDataset(batch, (x) => sandboxNarrowed(x.filter))) {
      const dataset = e.dataset!;
      const at = new Date(e.at);
      const since = new Date(at.getTime() - windowMs);
      const w = this.sandboxWindow(e.actor.dept, dataset, since, at, false);
      const [c] = await this.db
        .with(w)
        .select({ n: sql<number>`count(*)::int` })
        .from(w)
        .where(narrowedSql(sql`${w.f}`));
      const n = Number(c?.n ?? 0);
      if (n < this.rules.sandboxProbeThreshold) continue;
      if (await this.deptDatasetAlertSince('sandbox_probing', e.actor.dept, dataset, since)) continue;
      out.push({
        kind: 'sandbox_probing',
        actorSub: e.actor.sub,
        actorDept: e.actor.dept,
        seq: e.seq,
        at,
        // Names the department, the dataset and the count; never a filter value.
        message: `${e.actor.dept} ran ${n} filtered sandbox queries on ${dataset} within ${Math.round(windowMs / 60000)} minutes`,
        details: { dataset, queries: n, windowMs },
      });
    }
  }

  private async sandboxBudgetBurn(batch: AuditStoredEvent[], out: NewAlert[]): Promise<void> {
    const windowMs = this.rules.sandboxBurnWindowMs;
    for (const e of lastPerDeptDataset(
      batch,
      (x) => x.outcome === 'allowed' && sandboxPrivacy(x.filter) !== undefined,
    )) {
      const { departmentShare } = sandboxPrivacy(e.filter)!;
      if (!(departmentShare > 0)) continue;
      const dataset = e.dataset!;
      const at = new Date(e.at);
      const since = new Date(at.getTime() - windowMs);
      const w = this.sandboxWindow(e.actor.dept, dataset, since, at, true);
      const [c] = await this.db
        .with(w)
        .select({ spent: sql<number>`coalesce(sum(${epsilonSql(sql`${w.f}`)}), 0)::float8` })
        .from(w);
      const spent = Number(c?.spent ?? 0);
      const limit = this.rules.sandboxBurnShare * departmentShare;
      // A sum of decimal ε (0.3 + 0.3 + 0.3 + 0.1) may land a rounding error below the limit it reaches.
      if (!(spent >= limit * (1 - 1e-9))) continue;
      if (await this.deptDatasetAlertSince('sandbox_budget_burn', e.actor.dept, dataset, since)) continue;
      const round = (x: number) => Math.round(x * 1e6) / 1e6;
      out.push({
        kind: 'sandbox_budget_burn',
        actorSub: e.actor.sub,
        actorDept: e.actor.dept,
        seq: e.seq,
        at,
        message: `${e.actor.dept} spent ε ${round(spent)} on ${dataset} within ${Math.round(windowMs / 3_600_000)} hours, ${Math.round((spent / departmentShare) * 100)}% of its yearly share of ${round(departmentShare)}`,
        details: {
          dataset,
          epsilonSpent: round(spent),
          departmentShare,
          burnShare: this.rules.sandboxBurnShare,
          windowMs,
        },
      });
    }
  }
}

type ReviewRow = typeof alertReviews.$inferSelect;

const toReview = (r: ReviewRow): AuditAlertReview => ({
  id: r.id,
  alertId: r.alertId,
  outcome: r.outcome as AuditAlertReviewOutcome,
  note: r.note,
  reviewer: { sub: r.reviewerSub, dept: r.reviewerDept },
  at: r.reviewedAt.toISOString(),
});

// The latest review of an alert (reviews are only appended: the highest id is the latest).
const latestReviewId = sql`(select max(r.id) from alert_reviews r where r.alert_id = ${alerts.id})`;

/** The filters of an alert search (GET /alerts). */
export interface AlertsQuery {
  kind?: AuditAlertKind;
  sub?: string;
  dept?: string;
  since?: string;
  status?: 'open' | 'reviewed';
  first?: number;
  after?: string;
}

export async function listAlerts(db: Db, q: AlertsQuery): Promise<AuditAlertPage> {
  const conds: SQL[] = [];
  if (q.kind) conds.push(eq(alerts.kind, q.kind));
  if (q.sub) conds.push(eq(alerts.actorSub, q.sub));
  if (q.dept) conds.push(eq(alerts.actorDept, q.dept));
  if (q.since) conds.push(gte(alerts.at, new Date(q.since)));
  if (q.status === 'open') conds.push(sql`${latestReviewId} is null`);
  if (q.status === 'reviewed') conds.push(sql`${latestReviewId} is not null`);
  if (q.after) conds.push(gt(alerts.id, Number(q.after)));
  const first = q.first ?? 50;
  const rows = await db
    .select({ alert: alerts, review: alertReviews })
    .from(alerts)
    .leftJoin(alertReviews, eq(alertReviews.id, latestReviewId))
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(asc(alerts.id))
    .limit(first + 1);
  const shown = rows.slice(0, first);
  return {
    alerts: shown.map(
      ({ alert: r, review }): AuditAlert => ({
        id: r.id,
        kind: r.kind as AuditAlertKind,
        actor: { sub: r.actorSub, dept: r.actorDept },
        seq: Number(r.seq),
        at: r.at.toISOString(),
        message: r.message,
        details: r.details as Record<string, unknown>,
        review: review ? toReview(review) : null,
      }),
    ),
    endCursor: shown.length ? String(shown[shown.length - 1]!.alert.id) : null,
    hasNextPage: rows.length > first,
  };
}

/** Appends a review to an alert (the reviewer is the auditor the gateway authenticated). */
export async function reviewAlert(db: Db, alertId: number, review: AuditAlertReviewRequest): Promise<AuditAlertReview> {
  const [alert] = await db.select({ id: alerts.id }).from(alerts).where(eq(alerts.id, alertId));
  if (!alert) throw new AppError('NOT_FOUND', `alert ${alertId} not found`);
  const [row] = await db
    .insert(alertReviews)
    .values(
      storableJson({
        alertId,
        outcome: review.outcome,
        note: review.note,
        reviewerSub: review.reviewer.sub,
        reviewerDept: review.reviewer.dept,
      }),
    )
    .returning();
  return toReview(row!);
}
