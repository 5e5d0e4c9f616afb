// Alert rules, evaluated after each committed batch (never on the acknowledgement path).
//  - repeated_denials: >= N denied events by one caller (actor.sub) within a window.
//  - grant_purpose_mismatch: a grant used with a purpose other than the one its creation event recorded.
//  - grant_used_after_revoke: a grant used after an event revoking it.
//  - grant_used_after_expiry: a grant used after the expiry its creation event recorded.
//  - large_read: recordCount > factor x the caller's own median (over its last reads) and > a floor.
// A grant's life is told by the gateway's events: created by an admin (grants.created) or by an
// approved access request (access.granted), both after the catalog committed it and with its id,
// purpose and expiry; revoked by an admin (grants.revoked) or through its request (access.grantRevoked),
// both after the commit (the intent grants.revoke may still be refused, so it does not count).
// The gateway also sweeps the catalog's grants and records any creation or revocation whose fact was
// lost (grants.created / grants.revoked, with ids derived from the grant so a repeat is a no-op).
import { storableJson } from './stored-text.ts';
import { and, asc, desc, eq, gt, gte, inArray, isNotNull, lt, lte, sql, type SQL } from 'drizzle-orm';
import { AppError, type Db, type Logger } from '@govshare/platform';
import type { AuditAlert, AuditAlertKind, AuditAlertPage, AuditAlertReview, AuditAlertReviewOutcome, AuditAlertReviewRequest, AuditStoredEvent } from '@govshare/contracts';
import { alertReviews, alerts, events } from './schema.ts';
import type { CommittedLeaf } from './append.ts';

export interface AlertRules {
  denialThreshold: number;
  denialWindowMs: number;
  largeReadFactor: number;
  largeReadFloor: number;
  largeReadMinHistory: number;
  largeReadHistory: number;
}

export const defaultAlertRules: AlertRules = {
  denialThreshold: 5,
  denialWindowMs: 10 * 60_000,
  largeReadFactor: 10,
  largeReadFloor: 1000,
  largeReadMinHistory: 5,
  largeReadHistory: 100,
};

type NewAlert = typeof alerts.$inferInsert;

const CREATE_ACTIONS = ['grants.created', 'access.granted'];
const REVOKE_ACTIONS = ['grants.revoked', 'access.grantRevoked'];
const LIFECYCLE_ACTIONS = [...CREATE_ACTIONS, ...REVOKE_ACTIONS];
// Must match the predicate of the partial index events_grant_lifecycle_idx (schema.ts), literally.
export const GRANT_LIFECYCLE_PREDICATE = `action in (${LIFECYCLE_ACTIONS.map((a) => `'${a}'`).join(', ')}) and outcome = 'allowed'`;

/** The first creation (purpose, expiry, seq) and first revocation (seq) of one grant. */
interface GrantLifecycle {
  create?: { purpose: string | null; expiresAt: number | null; seq: number };
  revokeSeq?: number;
}
const GRANT_CACHE = 100_000;

/** Keeps the earliest create / revoke: merging the same event twice changes nothing. */
function mergeLifecycle(g: GrantLifecycle, action: string, purpose: string | null, expiresAt: string | null, seq: number): void {
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
    this.chain = this.chain.then(() => this.evaluate(leaves.map((l) => l.event))).catch((err) => this.logger.error({ err }, 'alert evaluation failed'));
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
        .where(and(eq(events.actorSub, e.actor.sub), eq(events.outcome, 'denied'), gt(events.at, since), lte(events.at, at)));
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
    const uses = batch.filter((e) => e.grantId && e.outcome === 'allowed' && !LIFECYCLE_ACTIONS.includes(e.action) && !e.action.startsWith('grants.'));
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
      if (e.outcome !== 'allowed' || e.recordCount === undefined || e.recordCount <= this.rules.largeReadFloor) continue;
      const history = await this.db
        .select({ n: events.recordCount })
        .from(events)
        .where(and(eq(events.actorSub, e.actor.sub), eq(events.outcome, 'allowed'), isNotNull(events.recordCount), lt(events.seq, e.seq)))
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

export async function listAlerts(
  db: Db,
  q: { kind?: AuditAlertKind; sub?: string; dept?: string; since?: string; status?: 'open' | 'reviewed'; first?: number; after?: string },
): Promise<AuditAlertPage> {
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
    .values(storableJson({ alertId, outcome: review.outcome, note: review.note, reviewerSub: review.reviewer.sub, reviewerDept: review.reviewer.dept }))
    .returning();
  return toReview(row!);
}
