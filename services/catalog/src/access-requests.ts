// The access workflow: a department files a request for a RESTRICTED dataset, a named steward of the
// owner department (the first responder, 首问负责) handles it within the department's time limit
// (限时办结), and approval creates the grant. Every state change is one transaction that locks the
// request row, writes the change and its history event, and is idempotent under an idempotency key.
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import { AppError } from '@govshare/platform';
import {
  enforce,
  mayHandleAccessRequest,
  mayRevokeRequestGrant,
  mayWithdrawAccessRequest,
} from '@govshare/platform/policy';
import type {
  AccessActor,
  AccessApprove,
  AccessReject,
  AccessRequest,
  AccessRequestCreate,
  AccessRequestEvent,
  AccessRevoke,
  AccessSettings,
  AccessTransfer,
  AccessTransition,
  DeclaredField,
  FieldProblem,
  RejectReasonCode,
} from '@govshare/contracts';
import { compiledFor, type CatalogDb } from './datasets.ts';
import { toGrant } from './grants.ts';
import {
  accessRequestEvents,
  accessRequests,
  datasets,
  departmentAccessSettings,
  departments,
  grants,
} from './schema.ts';
import {
  addWorkingDays,
  DAY_MS,
  deadlineStatus,
  systemClock,
  WEEKENDS_ONLY,
  workingDaysLeft,
  type Clock,
  type WorkingCalendar,
} from './deadlines.ts';
import type { FieldInfo } from './data-dictionary.ts';
import { enqueueGrantFacts, type FactOrigin, grantFactEvent } from './grant-fact-outbox.ts';
import { grantCacheFor } from './read-cache.ts';

export const DEFAULT_DEADLINE_WORKING_DAYS = 5;
export const DEFAULT_REFUSAL_RATE_TARGET = 0.1;

type RequestRow = typeof accessRequests.$inferSelect;
type EventRow = typeof accessRequestEvents.$inferSelect;
type GrantRow = typeof grants.$inferSelect;
type Tx = Parameters<Parameters<CatalogDb['transaction']>[0]>[0];
type Q = CatalogDb | Tx;

const refuse = (path: string, rule: string, message: string, extra: Record<string, unknown> = {}): never => {
  throw new AppError('BAD_USER_INPUT', `${path}: ${message} (${rule})`, { path, rule, ...extra });
};
const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
const actorName = (a: { sub: string; dept: string }) => `${a.sub}@${a.dept}`;

/** A change as the catalog applies it: what the contract carries, and who makes it (the verified caller). */
export type Acting<T extends AccessTransition> = T & { actor: AccessActor; requestId?: string };
/** Who changed a grant, for its audit fact: the acting caller, in the request it came with. */
const originOf = (t: { actor: AccessActor; requestId?: string }): FactOrigin => ({
  requestId: t.requestId ?? `catalog-${randomUUID()}`,
  actor: { sub: t.actor.sub, dept: t.actor.dept, roles: [...t.actor.roles] },
});
/** A filing as the catalog applies it: the contract's fields, and who files (the verified caller's department and name). */
export type Filing = AccessRequestCreate & { requesterDept: string; requestedBy: string };

export function toAccessRequest(
  r: RequestRow,
  events: EventRow[],
  grant: GrantRow | null,
  now: Date,
  cal: WorkingCalendar = WEEKENDS_ONLY,
): AccessRequest {
  const closed = r.status !== 'pending';
  return {
    id: r.id,
    datasetId: r.datasetId,
    ownerDept: r.ownerDept,
    requesterDept: r.requesterDept,
    requestedBy: r.requestedBy,
    purpose: r.purpose,
    legalBasis: r.legalBasis,
    fields: r.fields as DeclaredField[],
    unmaskedFields: r.unmaskedFields,
    durationDays: r.durationDays,
    renewsGrantId: r.renewsGrantId,
    status: r.status,
    assignee: r.assignee,
    filedAt: r.filedAt.toISOString(),
    deadline: r.deadline.toISOString(),
    deadlineStatus: deadlineStatus({ filedAt: r.filedAt, deadline: r.deadline, closed }, now, cal),
    workingDaysLeft: closed ? null : workingDaysLeft(r.deadline, now, cal),
    decidedAt: r.decidedAt ? r.decidedAt.toISOString() : null,
    decidedBy: r.decidedBy,
    decision: r.decision ?? null,
    rejectCode: (r.rejectCode as RejectReasonCode | null) ?? null,
    rejectText: r.rejectText,
    grantId: r.grantId,
    grant: grant ? toGrant(grant) : null,
    history: events.map((e) => ({
      at: e.at.toISOString(),
      actor: e.actor,
      kind: e.kind as AccessRequestEvent['kind'],
      details: e.details,
    })),
  };
}

async function loadViews(
  q: Q,
  rows: RequestRow[],
  now: Date,
  cal: WorkingCalendar = WEEKENDS_ONLY,
): Promise<AccessRequest[]> {
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const grantIds = rows.map((r) => r.grantId).filter((g): g is string => !!g);
  const [events, grantRows] = await Promise.all([
    q
      .select()
      .from(accessRequestEvents)
      .where(inArray(accessRequestEvents.requestId, ids))
      .orderBy(asc(accessRequestEvents.id)),
    grantIds.length ? q.select().from(grants).where(inArray(grants.id, grantIds)) : Promise.resolve([] as GrantRow[]),
  ]);
  const byReq = new Map<string, EventRow[]>();
  for (const e of events) (byReq.get(e.requestId) ?? byReq.set(e.requestId, []).get(e.requestId)!).push(e);
  const gById = new Map(grantRows.map((g) => [g.id, g]));
  return rows.map((r) =>
    toAccessRequest(r, byReq.get(r.id) ?? [], r.grantId ? (gById.get(r.grantId) ?? null) : null, now, cal),
  );
}

// ---------------------------------------------------------------------------------------------
// Settings

export async function getAccessSettings(q: Q, dept: string): Promise<AccessSettings> {
  const [d] = await q.select().from(departments).where(eq(departments.code, dept));
  if (!d) throw new AppError('NOT_FOUND', `department "${dept}" not found`);
  const [s] = await q.select().from(departmentAccessSettings).where(eq(departmentAccessSettings.dept, dept));
  return {
    dept,
    deadlineWorkingDays: s?.deadlineWorkingDays ?? DEFAULT_DEADLINE_WORKING_DAYS,
    stewards: s?.stewards ?? [],
    refusalRateTarget: s?.refusalRateTarget ?? DEFAULT_REFUSAL_RATE_TARGET,
  };
}

export async function setAccessSettings(
  db: CatalogDb,
  dept: string,
  update: Partial<Omit<AccessSettings, 'dept'>>,
  now = new Date(),
): Promise<AccessSettings> {
  const current = await getAccessSettings(db, dept);
  const next = {
    ...current,
    ...Object.fromEntries(Object.entries(update).filter(([, v]) => v !== undefined)),
  } as AccessSettings;
  await db
    .insert(departmentAccessSettings)
    .values({
      dept,
      deadlineWorkingDays: next.deadlineWorkingDays,
      stewards: next.stewards,
      refusalRateTarget: next.refusalRateTarget,
      updatedAt: now,
    })
    .onConflictDoUpdate({
      target: departmentAccessSettings.dept,
      set: {
        deadlineWorkingDays: next.deadlineWorkingDays,
        stewards: next.stewards,
        refusalRateTarget: next.refusalRateTarget,
        updatedAt: now,
      },
    });
  return next;
}

// ---------------------------------------------------------------------------------------------
// Fields in the data dictionary's terms

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

const titleParts = (t?: string) =>
  (t ?? '')
    .split('/')
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean);

function suggest(declared: DeclaredField, fields: FieldInfo[]): string[] {
  const n = declared.name.toLowerCase();
  const exact = fields.filter((f) => f.name.toLowerCase() === n);
  if (exact.length) return exact.map((f) => f.name);
  const wanted = titleParts(declared.title);
  const contains = (a: string, b: string) => b.length >= 4 && a.includes(b);
  return fields
    .filter((f) => {
      const fname = f.name.toLowerCase();
      if (editDistance(fname, n) <= 2 || contains(fname, n) || contains(n, fname)) return true;
      const parts = titleParts(f.title);
      return parts.some((p) => p.includes(n) || wanted.some((w) => p.includes(w) || w.includes(p)));
    })
    .map((f) => f.name)
    .slice(0, 5);
}

/**
 * Compares what the requester declared with the dataset's data dictionary: unknown fields (with the
 * dictionary's nearest names), types and formats that differ, titles that do not match the
 * dictionary's meaning (a warning), unmasked fields that were not requested.
 */
export function checkDeclaredFields(
  fieldsInfo: FieldInfo[],
  declared: DeclaredField[],
  unmasked: string[] = [],
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const byName = new Map(fieldsInfo.map((f) => [f.name, f]));
  const seen = new Set<string>();
  for (const d of declared) {
    if (seen.has(d.name))
      problems.push({
        field: d.name,
        rule: 'field-duplicate',
        severity: 'error',
        message: `field "${d.name}" is named twice`,
      });
    seen.add(d.name);
    const info = byName.get(d.name);
    if (!info) {
      const suggestions = suggest(d, fieldsInfo);
      problems.push({
        field: d.name,
        rule: 'field-unknown',
        severity: 'error',
        ...(suggestions.length ? { suggestions } : {}),
        message: `field "${d.name}" is not in the data dictionary${suggestions.length ? `; did you mean ${suggestions.map((s) => `"${s}"`).join(' or ')}?` : ''}`,
      });
      continue;
    }
    if (d.type && d.type !== info.type && !(d.type === 'integer' && info.type === 'number')) {
      problems.push({
        field: d.name,
        rule: 'type-mismatch',
        severity: 'error',
        declared: d.type,
        actual: info.type,
        message: `field "${d.name}" is ${info.type} in the data dictionary, not ${d.type}`,
      });
    }
    if (d.format && d.format !== (info.format ?? '')) {
      problems.push({
        field: d.name,
        rule: 'format-mismatch',
        severity: 'error',
        declared: d.format,
        actual: info.format ?? 'none',
        message: `field "${d.name}" has format ${info.format ?? '(none)'} in the data dictionary, not ${d.format}`,
      });
    }
    if (d.title) {
      const mine = titleParts(d.title);
      const theirs = titleParts(info.title);
      if (theirs.length && !mine.some((m) => theirs.some((t) => t.includes(m) || m.includes(t)))) {
        problems.push({
          field: d.name,
          rule: 'meaning-differs',
          severity: 'warning',
          declared: d.title,
          actual: info.title,
          message: `field "${d.name}" means "${info.title}" in the data dictionary, you described it as "${d.title}"`,
        });
      }
    }
  }
  for (const u of unmasked) {
    if (!seen.has(u))
      problems.push({
        field: u,
        rule: 'unmasked-not-requested',
        severity: 'error',
        message: `field "${u}" is asked unmasked but is not among the requested fields`,
      });
  }
  return problems;
}

export async function checkRequestFields(
  db: CatalogDb,
  datasetId: string,
  declared: DeclaredField[],
  unmasked: string[] = [],
): Promise<{ ok: boolean; problems: FieldProblem[] }> {
  const [ds] = await db.select().from(datasets).where(eq(datasets.id, datasetId));
  if (!ds) throw new AppError('NOT_FOUND', `dataset "${datasetId}" not found`);
  const problems = checkDeclaredFields(compiledFor(ds).fields, declared, unmasked);
  return { ok: !problems.some((p) => p.severity === 'error'), problems };
}

// ---------------------------------------------------------------------------------------------
// Reads

export async function getAccessRequest(
  q: Q,
  id: string,
  now: Date,
  cal: WorkingCalendar = WEEKENDS_ONLY,
): Promise<AccessRequest> {
  if (!isUuid(id)) throw new AppError('NOT_FOUND', `access request "${id}" not found`);
  const [row] = await q.select().from(accessRequests).where(eq(accessRequests.id, id));
  if (!row) throw new AppError('NOT_FOUND', `access request "${id}" not found`);
  return (await loadViews(q, [row], now, cal))[0];
}

export interface AccessRequestListQuery {
  ownerDept?: string;
  requesterDept?: string;
  /** Filed by or addressed to this department. */
  involvingDept?: string;
  datasetId?: string;
  status?: RequestRow['status'];
  assignee?: string;
  overdue?: boolean;
  /** newest (default): newest filed first; deadline: earliest deadline first. */
  order?: 'newest' | 'deadline';
  first?: number;
}

/** Newest first, or earliest deadline first; `overdue` = pending and past the deadline (most overdue first). */
export async function listAccessRequests(
  db: CatalogDb,
  qry: AccessRequestListQuery,
  now: Date,
  cal: WorkingCalendar = WEEKENDS_ONLY,
): Promise<{ requests: AccessRequest[] }> {
  const conds: SQL[] = [];
  if (qry.ownerDept) conds.push(eq(accessRequests.ownerDept, qry.ownerDept));
  if (qry.requesterDept) conds.push(eq(accessRequests.requesterDept, qry.requesterDept));
  if (qry.involvingDept)
    conds.push(
      or(eq(accessRequests.ownerDept, qry.involvingDept), eq(accessRequests.requesterDept, qry.involvingDept))!,
    );
  if (qry.datasetId) conds.push(eq(accessRequests.datasetId, qry.datasetId));
  if (qry.status) conds.push(eq(accessRequests.status, qry.status));
  if (qry.assignee) conds.push(eq(accessRequests.assignee, qry.assignee));
  if (qry.overdue) conds.push(eq(accessRequests.status, 'pending'), lt(accessRequests.deadline, now));
  const rows = await db
    .select()
    .from(accessRequests)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(
      qry.overdue || qry.order === 'deadline' ? asc(accessRequests.deadline) : desc(accessRequests.filedAt),
      asc(accessRequests.id),
    )
    .limit(qry.first ?? 100);
  return { requests: await loadViews(db, rows, now, cal) };
}

// ---------------------------------------------------------------------------------------------
// Changes

/** The steward with the fewest pending requests (ties: the order the department listed them in). */
async function pickFirstResponder(tx: Tx, dept: string): Promise<string | null> {
  const { stewards } = await getAccessSettings(tx, dept);
  if (!stewards.length) return null;
  const load = await tx
    .select({ assignee: accessRequests.assignee, n: sql<number>`count(*)::int` })
    .from(accessRequests)
    .where(
      and(
        eq(accessRequests.ownerDept, dept),
        eq(accessRequests.status, 'pending'),
        inArray(accessRequests.assignee, stewards),
      ),
    )
    .groupBy(accessRequests.assignee);
  const n = new Map(load.map((l) => [l.assignee, Number(l.n)]));
  return [...stewards].sort(
    (a, b) => (n.get(a) ?? 0) - (n.get(b) ?? 0) || stewards.indexOf(a) - stewards.indexOf(b),
  )[0];
}

export async function fileAccessRequest(
  db: CatalogDb,
  input: Filing,
  clock: Clock = systemClock,
  cal: WorkingCalendar = WEEKENDS_ONLY,
): Promise<{ request: AccessRequest; created: boolean }> {
  const now = clock();
  if (input.idempotencyKey) {
    const [prior] = await db
      .select()
      .from(accessRequests)
      .where(
        and(
          eq(accessRequests.requesterDept, input.requesterDept),
          eq(accessRequests.idempotencyKey, input.idempotencyKey),
        ),
      );
    if (prior) return { request: (await loadViews(db, [prior], now, cal))[0], created: false };
  }
  const [ds] = await db.select().from(datasets).where(eq(datasets.id, input.datasetId));
  if (!ds) throw new AppError('NOT_FOUND', `dataset "${input.datasetId}" not found`);
  if (ds.tier !== 'RESTRICTED') {
    const hint =
      ds.tier === 'SECRET'
        ? '; SECRET data is only analysed through the sandbox (aggregates)'
        : '; it can be read without a grant';
    refuse(
      'datasetId',
      'tier-not-restricted',
      `dataset "${ds.id}" is ${ds.tier}: access requests are for RESTRICTED datasets${hint}`,
    );
  }
  const [dept] = await db.select().from(departments).where(eq(departments.code, input.requesterDept));
  if (!dept) refuse('requesterDept', 'department-unknown', `department "${input.requesterDept}" does not exist`);
  if (input.requesterDept === ds.ownerDept)
    refuse('requesterDept', 'own-dataset', `department ${ds.ownerDept} owns "${ds.id}" and needs no grant`);
  const unmasked = input.unmaskedFields ?? [];
  const problems = checkDeclaredFields(compiledFor(ds).fields, input.fields, unmasked);
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length) {
    throw new AppError('BAD_USER_INPUT', `fields: ${errors.map((p) => p.message).join('; ')} (standards-mismatch)`, {
      path: 'fields',
      rule: 'standards-mismatch',
      problems,
    });
  }
  if (input.renewsGrantId) {
    const [g] = isUuid(input.renewsGrantId)
      ? await db.select().from(grants).where(eq(grants.id, input.renewsGrantId))
      : [];
    if (!g || g.datasetId !== ds.id || g.granteeDept !== input.requesterDept) {
      refuse(
        'renewsGrantId',
        'grant-unknown',
        `grant "${input.renewsGrantId}" is not a grant of ${input.requesterDept} on "${ds.id}"`,
      );
    }
  }
  const id = input.id ?? randomUUID();
  return db.transaction(async (tx) => {
    const settings = await getAccessSettings(tx, ds.ownerDept);
    const assignee = await pickFirstResponder(tx, ds.ownerDept);
    const inserted = await tx
      .insert(accessRequests)
      .values({
        id,
        datasetId: ds.id,
        ownerDept: ds.ownerDept,
        requesterDept: input.requesterDept,
        requestedBy: input.requestedBy,
        purpose: input.purpose,
        legalBasis: input.legalBasis,
        fields: input.fields,
        unmaskedFields: unmasked,
        durationDays: input.durationDays,
        renewsGrantId: input.renewsGrantId ?? null,
        status: 'pending',
        assignee,
        filedAt: now,
        deadline: addWorkingDays(now, settings.deadlineWorkingDays, cal),
        idempotencyKey: input.idempotencyKey ?? null,
      })
      .onConflictDoNothing()
      .returning();
    if (!inserted.length) {
      // A concurrent retry with the same key (or the same derived id) filed it first.
      const [prior] = await tx
        .select()
        .from(accessRequests)
        .where(
          input.idempotencyKey
            ? and(
                eq(accessRequests.requesterDept, input.requesterDept),
                eq(accessRequests.idempotencyKey, input.idempotencyKey),
              )
            : eq(accessRequests.id, id),
        );
      if (!prior) throw new AppError('CONFLICT', `access request "${id}" exists already`);
      return { request: (await loadViews(tx, [prior], now, cal))[0], created: false };
    }
    await tx.insert(accessRequestEvents).values([
      {
        requestId: id,
        at: now,
        actor: `${input.requestedBy}@${input.requesterDept}`,
        kind: 'filed',
        details: { deadline: inserted[0].deadline.toISOString(), workingDays: settings.deadlineWorkingDays },
      },
      { requestId: id, at: now, actor: 'hub', kind: 'assigned', details: { to: assignee } },
    ]);
    return { request: (await loadViews(tx, inserted, now, cal))[0], created: true };
  });
}

/**
 * Runs one state change: lock the request row, return the current state unchanged if this
 * idempotency key was already applied, otherwise check and apply `change` and record its event.
 */
async function transition(
  db: CatalogDb,
  id: string,
  t: Acting<AccessTransition>,
  clock: Clock,
  change: (
    tx: Tx,
    row: RequestRow,
    now: Date,
  ) => Promise<{
    set: Partial<typeof accessRequests.$inferInsert>;
    kind: AccessRequestEvent['kind'];
    details: Record<string, unknown>;
  }>,
  cal: WorkingCalendar,
): Promise<AccessRequest> {
  if (!isUuid(id)) throw new AppError('NOT_FOUND', `access request "${id}" not found`);
  const now = clock();
  // Approvals create grants and revocations end them: the catalog's grant cache must not outlive them.
  return grantCacheFor(db).aroundWrite(() =>
    db.transaction(async (tx) => {
      const [row] = await tx.select().from(accessRequests).where(eq(accessRequests.id, id)).for('update');
      if (!row) throw new AppError('NOT_FOUND', `access request "${id}" not found`);
      if (t.idempotencyKey) {
        const [done] = await tx
          .select({ actor: accessRequestEvents.actor })
          .from(accessRequestEvents)
          .where(and(eq(accessRequestEvents.requestId, id), eq(accessRequestEvents.idempotencyKey, t.idempotencyKey)));
        if (done) {
          // A key belongs to whoever used it first: a replay by someone else learns nothing.
          if (done.actor !== actorName(t.actor))
            throw new AppError(
              'CONFLICT',
              `idempotencyKey: already used by someone else on access request ${id} (idempotency-key-reused)`,
              { rule: 'idempotency-key-reused' },
            );
          return (await loadViews(tx, [row], now, cal))[0];
        }
      }
      const { set, kind, details } = await change(tx, row, now);
      const [updated] = Object.keys(set).length
        ? await tx.update(accessRequests).set(set).where(eq(accessRequests.id, id)).returning()
        : [row];
      await tx.insert(accessRequestEvents).values({
        requestId: id,
        at: now,
        actor: actorName(t.actor),
        kind,
        details,
        idempotencyKey: t.idempotencyKey ?? null,
      });
      return (await loadViews(tx, [updated], now, cal))[0];
    }),
  );
}

function mustBePending(row: RequestRow): void {
  if (row.status !== 'pending')
    throw new AppError('CONFLICT', `access request ${row.id} is ${row.status}, not pending (request-closed)`, {
      rule: 'request-closed',
      status: row.status,
    });
}

export function transferAccessRequest(
  db: CatalogDb,
  id: string,
  t: Acting<AccessTransfer>,
  clock: Clock = systemClock,
  cal: WorkingCalendar = WEEKENDS_ONLY,
): Promise<AccessRequest> {
  return transition(
    db,
    id,
    t,
    clock,
    async (tx, row) => {
      enforce(mayHandleAccessRequest(t.actor, 'transfer', row));
      mustBePending(row);
      const { stewards } = await getAccessSettings(tx, row.ownerDept);
      if (!stewards.includes(t.to))
        refuse(
          'to',
          'steward-unknown',
          `"${t.to}" is not a named steward of ${row.ownerDept} (stewards: ${stewards.join(', ') || 'none'})`,
        );
      if (t.to === row.assignee) refuse('to', 'same-assignee', `request ${row.id} is already assigned to ${t.to}`);
      // The deadline stays: a transfer does not restart the clock.
      return {
        set: { assignee: t.to },
        kind: 'transferred',
        details: { from: row.assignee, to: t.to, reason: t.reason },
      };
    },
    cal,
  );
}

export function approveAccessRequest(
  db: CatalogDb,
  id: string,
  t: Acting<AccessApprove>,
  clock: Clock = systemClock,
  cal: WorkingCalendar = WEEKENDS_ONLY,
): Promise<AccessRequest> {
  return transition(
    db,
    id,
    t,
    clock,
    async (tx, row, now) => {
      enforce(mayHandleAccessRequest(t.actor, 'approve', row));
      mustBePending(row);
      const requested = row.fields.map((f) => f.name);
      const fields = t.fields ?? requested;
      const wider = fields.filter((f) => !requested.includes(f));
      if (wider.length)
        refuse(
          'fields',
          'wider-than-requested',
          `field(s) ${wider.join(', ')} were not requested; an approval may only narrow`,
        );
      const unmasked = t.unmaskedFields ?? row.unmaskedFields.filter((f) => fields.includes(f));
      const widerU = unmasked.filter((f) => !row.unmaskedFields.includes(f) || !fields.includes(f));
      if (widerU.length)
        refuse(
          'unmaskedFields',
          'wider-than-requested',
          `field(s) ${widerU.join(', ')} were not requested unmasked or are not approved`,
        );
      const durationDays = t.durationDays ?? row.durationDays;
      if (durationDays > row.durationDays)
        refuse(
          'durationDays',
          'wider-than-requested',
          `${durationDays} days is longer than the ${row.durationDays} requested`,
        );
      const [ds] = await tx.select().from(datasets).where(eq(datasets.id, row.datasetId));
      if (!ds || ds.tier !== 'RESTRICTED')
        throw new AppError('CONFLICT', `dataset "${row.datasetId}" is no longer RESTRICTED (tier-not-restricted)`, {
          rule: 'tier-not-restricted',
        });
      const known = new Set(Object.keys(ds.schema.properties));
      const gone = fields.filter((f) => !known.has(f));
      if (gone.length) refuse('fields', 'field-unknown', `field(s) ${gone.join(', ')} are no longer in "${ds.id}"`);
      const [grant] = await tx
        .insert(grants)
        .values({
          datasetId: row.datasetId,
          granteeDept: row.requesterDept,
          fields,
          unmaskedFields: unmasked,
          purpose: `${row.purpose} [access request ${row.id}]`,
          expiresAt: new Date(now.getTime() + durationDays * DAY_MS),
          createdAt: now,
          createdBy: actorName(t.actor),
        })
        .returning();
      await enqueueGrantFacts(tx, [
        grantFactEvent('access.granted', toGrant(grant), originOf(t), now, { accessRequestId: row.id }),
      ]);
      const decision = { fields, unmaskedFields: unmasked, durationDays, ...(t.note ? { note: t.note } : {}) };
      const narrower =
        fields.length < requested.length ||
        unmasked.length < row.unmaskedFields.length ||
        durationDays < row.durationDays;
      return {
        set: {
          status: 'approved',
          decidedAt: now,
          decidedBy: actorName(t.actor),
          decision,
          grantId: grant.id,
          assignee: row.assignee ?? t.actor.sub,
        },
        kind: 'approved',
        details: { grantId: grant.id, narrower, ...decision },
      };
    },
    cal,
  );
}

export function rejectAccessRequest(
  db: CatalogDb,
  id: string,
  t: Acting<AccessReject>,
  clock: Clock = systemClock,
  cal: WorkingCalendar = WEEKENDS_ONLY,
): Promise<AccessRequest> {
  return transition(
    db,
    id,
    t,
    clock,
    async (_tx, row, now) => {
      enforce(mayHandleAccessRequest(t.actor, 'reject', row));
      mustBePending(row);
      return {
        set: {
          status: 'rejected',
          decidedAt: now,
          decidedBy: actorName(t.actor),
          rejectCode: t.code,
          rejectText: t.text,
          assignee: row.assignee ?? t.actor.sub,
        },
        kind: 'rejected',
        details: { code: t.code, text: t.text },
      };
    },
    cal,
  );
}

export function withdrawAccessRequest(
  db: CatalogDb,
  id: string,
  t: Acting<AccessTransition>,
  clock: Clock = systemClock,
  cal: WorkingCalendar = WEEKENDS_ONLY,
): Promise<AccessRequest> {
  return transition(
    db,
    id,
    t,
    clock,
    async (_tx, row, now) => {
      enforce(mayWithdrawAccessRequest(t.actor, row));
      mustBePending(row);
      return {
        set: { status: 'withdrawn', decidedAt: now, decidedBy: actorName(t.actor) },
        kind: 'withdrawn',
        details: {},
      };
    },
    cal,
  );
}

/** Revokes the grant an approved request created: any steward of the owner department, or an admin. Immediate. */
export function revokeRequestGrant(
  db: CatalogDb,
  id: string,
  t: Acting<AccessRevoke>,
  clock: Clock = systemClock,
  cal: WorkingCalendar = WEEKENDS_ONLY,
): Promise<AccessRequest> {
  return transition(
    db,
    id,
    t,
    clock,
    async (tx, row, now) => {
      enforce(mayRevokeRequestGrant(t.actor, row));
      if (row.status !== 'approved' || !row.grantId)
        throw new AppError('CONFLICT', `access request ${row.id} is ${row.status} and has no grant (no-grant)`, {
          rule: 'no-grant',
        });
      const ended = await tx
        .update(grants)
        .set({ revokedAt: now })
        .where(and(eq(grants.id, row.grantId), isNull(grants.revokedAt)))
        .returning({ id: grants.id });
      await enqueueGrantFacts(
        tx,
        ended.map((g) =>
          grantFactEvent('access.grantRevoked', { id: g.id, datasetId: row.datasetId }, originOf(t), now, {
            accessRequestId: row.id,
          }),
        ),
      );
      // Like approving or rejecting a closed request: a second revocation is refused, not recorded again.
      if (!ended.length)
        throw new AppError('CONFLICT', `the grant of access request ${row.id} is revoked already (grant-revoked)`, {
          rule: 'grant-revoked',
        });
      return { set: {}, kind: 'grant-revoked', details: { grantId: row.grantId, reason: t.reason } };
    },
    cal,
  );
}
