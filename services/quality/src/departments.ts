import { and, desc, eq, isNull, lt } from 'drizzle-orm';
import { AppError } from '@govshare/platform';
import { alerts, runs } from './schema.ts';
import type { QualityDb } from './rule-sets.ts';
import {
  ALERT_DROP,
  alertView,
  datasetStatus,
  headline,
  targetsOf,
  worst,
  type AlertView,
  type Status,
} from './alerts.ts';
import { DEFAULT_TARGETS } from './rules/rules.ts';
import { getRuleSet } from './rule-sets.ts';

export interface PeriodBounds {
  period: string;
  start: Date;
  end: Date;
}

export function periodBounds(period: string): PeriodBounds {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(period);
  if (!m) throw new AppError('BAD_USER_INPUT', `period must be YYYY-MM, got ${period}`);
  const start = new Date(Date.UTC(+m[1], +m[2] - 1, 1));
  const end = new Date(Date.UTC(+m[1], +m[2], 1));
  return { period, start, end };
}

export function previousPeriod(period: string, back = 1): string {
  const { start } = periodBounds(period);
  const d = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() - back, 1));
  return d.toISOString().slice(0, 7);
}

export interface DatasetFigure {
  datasetId: string;
  runId: string;
  finishedAt: string;
  datasetVersion: number | null;
  ruleSetVersion: number | null;
  records: number;
  score: number;
  completeness: number;
  uniqueness: number;
  accuracy: number;
  consistency?: number;
  timeliness?: number;
}

/** A figure more than 10% (relative) short of its target, in the words the governance figures use. */
export interface ScoreWarning {
  figure: 'accuracy';
  value: number;
  target: number;
  message: string;
}

export interface DepartmentScore {
  dept: string;
  /** Record-weighted mean of the datasets' scores (null when the datasets hold no records). */
  score: number | null;
  /** Record-weighted mean of the datasets' accuracy, 0-1 (null when the datasets hold no records). */
  accuracy: number | null;
  /** The plans' accuracy target (95%). */
  accuracyTarget: number;
  /** accuracy more than 10% below its target (below 85.5% for 95%). */
  warnings: ScoreWarning[];
  records: number;
  datasets: DatasetFigure[];
}

/** The plans' data accuracy target (≥ 95%): the default of every rule set's targets. */
export const ACCURACY_TARGET = DEFAULT_TARGETS.accuracy!;

/** A department's accuracy warning: more than ALERT_DROP (10%, relative) below the target. */
export function accuracyWarnings(accuracy: number | null, target = ACCURACY_TARGET): ScoreWarning[] {
  if (accuracy === null || accuracy >= target * (1 - ALERT_DROP)) return [];
  return [
    {
      figure: 'accuracy',
      value: accuracy,
      target,
      message:
        `data accuracy ${(accuracy * 100).toFixed(1)}% is more than 10% below ` +
        `the target of ${(target * 100).toFixed(0)}%`,
    },
  ];
}

/**
 * Department scores for a period: for every dataset, its latest successful run finished before the
 * period's end; department score = sum(score x records) / sum(records), rounded to 2 decimals.
 */
export async function departmentScores(
  db: QualityDb,
  period: string,
): Promise<{ period: string; start: string; end: string; departments: DepartmentScore[] }> {
  const { start, end } = periodBounds(period);
  const rows = await db
    .select({
      id: runs.id,
      datasetId: runs.datasetId,
      dept: runs.dept,
      finishedAt: runs.finishedAt,
      records: runs.records,
      score: runs.score,
      metrics: runs.metrics,
      datasetVersion: runs.datasetVersion,
      ruleSetVersion: runs.ruleSetVersion,
    })
    .from(runs)
    .where(and(eq(runs.status, 'succeeded'), lt(runs.finishedAt, end)))
    .orderBy(desc(runs.finishedAt));
  const latest = new Map<string, (typeof rows)[number]>();
  for (const r of rows) if (!latest.has(r.datasetId)) latest.set(r.datasetId, r);
  const byDept = new Map<string, DatasetFigure[]>();
  for (const r of latest.values()) {
    const h = headline(r.metrics);
    const fig: DatasetFigure = {
      datasetId: r.datasetId,
      runId: r.id,
      finishedAt: r.finishedAt!.toISOString(),
      datasetVersion: r.datasetVersion,
      ruleSetVersion: r.ruleSetVersion,
      records: r.records ?? 0,
      score: r.score ?? 0,
      completeness: h.completeness,
      uniqueness: h.uniqueness,
      accuracy: h.accuracy,
      ...(h.consistency !== undefined ? { consistency: h.consistency } : {}),
      ...(h.timeliness !== undefined ? { timeliness: h.timeliness } : {}),
    };
    const dept = r.dept ?? 'UNKNOWN';
    byDept.set(dept, [...(byDept.get(dept) ?? []), fig]);
  }
  const departments = [...byDept.entries()]
    .map(([dept, datasets]) => {
      datasets.sort((a, b) => a.datasetId.localeCompare(b.datasetId));
      const records = datasets.reduce((s, d) => s + d.records, 0);
      /** Record-weighted mean over the datasets that have the figure (a run may lack one). */
      const weighted = (of: (d: DatasetFigure) => number | undefined, decimals: number) => {
        const have = datasets.filter((d) => Number.isFinite(of(d)));
        const n = have.reduce((s, d) => s + d.records, 0);
        if (n === 0) return null;
        const mean = have.reduce((s, d) => s + of(d)! * d.records, 0) / n;
        return Math.round(mean * 10 ** decimals) / 10 ** decimals;
      };
      const score = records === 0 ? null : weighted((d) => d.score, 2);
      const accuracy = weighted((d) => d.accuracy, 4);
      return {
        dept,
        score,
        accuracy,
        accuracyTarget: ACCURACY_TARGET,
        warnings: accuracyWarnings(accuracy),
        records,
        datasets,
      };
    })
    .sort((a, b) => a.dept.localeCompare(b.dept));
  return { period, start: start.toISOString(), end: end.toISOString(), departments };
}

/** Alerts, and red/yellow/green status per dataset (latest run) and per department (worst of its datasets). */
export async function alertOverview(
  db: QualityDb,
  filter: { status?: 'open' | 'all'; datasetId?: string; dept?: string },
) {
  const conds = [];
  if (filter.status !== 'all') conds.push(isNull(alerts.resolvedAt));
  if (filter.datasetId) conds.push(eq(alerts.datasetId, filter.datasetId));
  if (filter.dept) conds.push(eq(alerts.dept, filter.dept));
  const list = (
    await db
      .select()
      .from(alerts)
      .where(conds.length ? and(...conds) : undefined)
      .orderBy(desc(alerts.raisedAt))
  ).map(alertView);
  const openAll = (await db.select().from(alerts).where(isNull(alerts.resolvedAt))).map(alertView);
  const runRows = await db
    .select({
      id: runs.id,
      datasetId: runs.datasetId,
      dept: runs.dept,
      metrics: runs.metrics,
      score: runs.score,
      finishedAt: runs.finishedAt,
    })
    .from(runs)
    .where(eq(runs.status, 'succeeded'))
    .orderBy(desc(runs.finishedAt));
  const seen = new Set<string>();
  const datasets: {
    datasetId: string;
    dept: string | null;
    status: Status;
    runId: string;
    score: number | null;
    openAlerts: number;
  }[] = [];
  for (const r of runRows) {
    if (seen.has(r.datasetId)) continue;
    seen.add(r.datasetId);
    if (filter.datasetId && r.datasetId !== filter.datasetId) continue;
    if (filter.dept && r.dept !== filter.dept) continue;
    const open = openAll.filter((a: AlertView) => a.datasetId === r.datasetId).length;
    const targets = targetsOf((await getRuleSet(db, r.datasetId)).body.targets);
    datasets.push({
      datasetId: r.datasetId,
      dept: r.dept,
      status: datasetStatus(open, headline(r.metrics), targets),
      runId: r.id,
      score: r.score,
      openAlerts: open,
    });
  }
  const depts = new Map<string, Status[]>();
  for (const d of datasets) depts.set(d.dept ?? 'UNKNOWN', [...(depts.get(d.dept ?? 'UNKNOWN') ?? []), d.status]);
  return {
    alerts: list,
    datasets: datasets.sort((a, b) => a.datasetId.localeCompare(b.datasetId)),
    departments: [...depts.entries()]
      .map(([dept, s]) => ({ dept, status: worst(s) }))
      .sort((a, b) => a.dept.localeCompare(b.dept)),
  };
}
