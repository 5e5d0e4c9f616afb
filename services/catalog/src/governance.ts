// Governance figures of the access workflow, per department and period, against the plans' targets.
import { and, eq, gt, gte, inArray, isNull, lt, or } from 'drizzle-orm';
import { AppError } from '@govshare/platform';
import type { GovernanceFigures, GovernanceWarning, RejectReasonCode } from '@govshare/contracts';
import type { CatalogDb } from './datasets.ts';
import { accessRequests, datasets, grants } from './schema.ts';
import { getAccessSettings } from './access-requests.ts';
import { DAY_MS, systemClock, WEEKENDS_ONLY, workingMsBetween, type Clock, type WorkingCalendar } from './deadlines.ts';

/** A figure warns when it is more than this fraction above its target (a target of 0: any excess). */
export const WARNING_TOLERANCE = 0.1;
export const REJECT_CODES: RejectReasonCode[] = [
  'standards_mismatch',
  'security',
  'no_legal_basis',
  'data_not_held',
  'other',
];

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}
const round = (x: number | null, d = 2) => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);

export function exceeds(value: number, target: number): boolean {
  return target === 0 ? value > 0 : value > target * (1 + WARNING_TOLERANCE);
}

type RequestRow = typeof accessRequests.$inferSelect;
/** Fewer fields, fewer unmasked fields or a shorter duration than the request asked for. */
export function approvedNarrower(
  r: Pick<RequestRow, 'fields' | 'unmaskedFields' | 'durationDays' | 'decision'>,
): boolean {
  const d = r.decision as { fields?: string[]; unmaskedFields?: string[]; durationDays?: number } | null;
  if (!d) return false;
  const asked = new Set((r.fields as { name: string }[]).map((f) => f.name));
  const given = new Set(d.fields ?? [...asked]);
  const unmaskedGiven = new Set(d.unmaskedFields ?? r.unmaskedFields);
  return (
    [...asked].some((f) => !given.has(f)) ||
    r.unmaskedFields.some((f) => !unmaskedGiven.has(f)) ||
    (d.durationDays !== undefined && d.durationDays < r.durationDays)
  );
}

/** Figures over the period [from, to): from inclusive, to exclusive (default: the 90 days up to now). */
export async function governanceFigures(
  db: CatalogDb,
  dept: string,
  period: { from?: string; to?: string },
  clock: Clock = systemClock,
  cal: WorkingCalendar = WEEKENDS_ONLY,
): Promise<GovernanceFigures> {
  const now = clock();
  const to = period.to ? new Date(period.to) : now;
  const from = period.from ? new Date(period.from) : new Date(to.getTime() - 90 * DAY_MS);
  if (!(from < to)) throw new AppError('BAD_USER_INPUT', 'from: must be before to (period)', { rule: 'period' });
  const settings = await getAccessSettings(db, dept);
  const inPeriod = (d: Date | null) => !!d && d >= from && d < to;

  const rows = await db
    .select()
    .from(accessRequests)
    .where(
      and(
        or(eq(accessRequests.ownerDept, dept), eq(accessRequests.requesterDept, dept)),
        or(
          and(gte(accessRequests.filedAt, from), lt(accessRequests.filedAt, to)),
          and(gte(accessRequests.decidedAt, from), lt(accessRequests.decidedAt, to)),
          eq(accessRequests.status, 'pending'),
        ),
      ),
    );
  const received = rows.filter((r) => r.ownerDept === dept && inPeriod(r.filedAt)).length;
  const filed = rows.filter((r) => r.requesterDept === dept && inPeriod(r.filedAt)).length;
  const decidedRows = rows.filter(
    (r) => r.ownerDept === dept && (r.status === 'approved' || r.status === 'rejected') && inPeriod(r.decidedAt),
  );
  const approved = decidedRows.filter((r) => r.status === 'approved').length;
  const rejectedRows = decidedRows.filter((r) => r.status === 'rejected');
  const refusalRate = decidedRows.length ? rejectedRows.length / decidedRows.length : null;
  // An approval narrower than asked is a partial refusal: it counts as approved, and is shown beside.
  const narrowed = decidedRows.filter((r) => r.status === 'approved' && approvedNarrower(r)).length;
  const refusalReasons = REJECT_CODES.map((code) => {
    const count = rejectedRows.filter((r) => r.rejectCode === code).length;
    return { code, count, share: rejectedRows.length ? round(count / rejectedRows.length, 4)! : 0 };
  }).filter((r) => r.count > 0);
  const days = decidedRows.map((r) => workingMsBetween(r.filedAt, r.decidedAt!, cal) / DAY_MS).sort((a, b) => a - b);
  const pending = rows.filter((r) => r.ownerDept === dept && r.status === 'pending');
  const overdueNow = pending.filter((r) => r.deadline < now).length;
  const decidedLate = decidedRows.filter((r) => r.decidedAt! > r.deadline).length;

  const owned = (await db.select({ id: datasets.id }).from(datasets).where(eq(datasets.ownerDept, dept))).map(
    (d) => d.id,
  );
  const activeGrants = owned.length
    ? (
        await db
          .select({ id: grants.id })
          .from(grants)
          .where(and(inArray(grants.datasetId, owned), isNull(grants.revokedAt), gt(grants.expiresAt, now)))
      ).length
    : 0;

  const targets = {
    refusalRate: settings.refusalRateTarget,
    decisionDaysP90: settings.deadlineWorkingDays,
    overdue: 0,
  };
  const p90 = round(percentile(days, 90));
  const warnings: GovernanceWarning[] = [];
  if (refusalRate !== null && exceeds(refusalRate, targets.refusalRate)) {
    warnings.push({
      figure: 'refusalRate',
      value: round(refusalRate, 4)!,
      target: targets.refusalRate,
      message: `refusal rate ${(refusalRate * 100).toFixed(1)}% is more than 10% above the target of ${(targets.refusalRate * 100).toFixed(0)}%`,
    });
  }
  if (p90 !== null && exceeds(p90, targets.decisionDaysP90)) {
    warnings.push({
      figure: 'decisionDaysP90',
      value: p90,
      target: targets.decisionDaysP90,
      message: `90% of decisions took up to ${p90} working days; the time limit is ${targets.decisionDaysP90}`,
    });
  }
  if (exceeds(overdueNow, targets.overdue)) {
    warnings.push({
      figure: 'overdue',
      value: overdueNow,
      target: 0,
      message: `${overdueNow} request(s) are past their deadline`,
    });
  }
  return {
    dept,
    from: from.toISOString(),
    to: to.toISOString(),
    received,
    filed,
    decided: decidedRows.length,
    approved,
    rejected: rejectedRows.length,
    refusalRate: round(refusalRate, 4),
    approvedNarrower: narrowed,
    narrowedRate: decidedRows.length ? round(narrowed / decidedRows.length, 4) : null,
    refusalReasons,
    decisionDaysMedian: round(percentile(days, 50)),
    decisionDaysP90: p90,
    decidedLate,
    overdueNow,
    pendingNow: pending.length,
    activeGrants,
    targets,
    warnings,
  };
}
