import { and, desc, eq, isNull, ne } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { alerts, runs } from './schema.ts';
import type { QualityDb } from './rule-sets.ts';
import { DEFAULT_TARGETS } from './rules/rules.ts';

export const ALERT_DROP = 0.1;
export const TRACKED_METRICS = [
  'score',
  'completeness',
  'uniqueness',
  'accuracy',
  'consistency',
  'timeliness',
] as const;

export type Status = 'green' | 'yellow' | 'red';

export interface AlertView {
  id: string;
  datasetId: string;
  dept: string | null;
  runId: string;
  metric: string;
  kind: 'drop' | 'target';
  reference: number;
  value: number;
  raisedAt: string;
  resolvedAt: string | null;
  resolvedByRun: string | null;
}

export const alertView = (a: typeof alerts.$inferSelect): AlertView => ({
  id: a.id,
  datasetId: a.datasetId,
  dept: a.dept,
  runId: a.runId,
  metric: a.metric,
  kind: a.kind as AlertView['kind'],
  reference: a.reference,
  value: a.value,
  raisedAt: a.raisedAt.toISOString(),
  resolvedAt: a.resolvedAt?.toISOString() ?? null,
  resolvedByRun: a.resolvedByRun,
});

/** Targets per metric in the metric's own unit (ratios 0-1; score 0-100). */
export function targetsOf(declared: Record<string, number> | undefined): Record<string, number> {
  return { ...DEFAULT_TARGETS, ...declared };
}

/**
 * After a run: raises an alert when a tracked metric fell more than 10% (relative) below the
 * previous successful run's value ('drop') or below its target ('target'); resolves open alerts
 * whose metric is back within 10% of the alert's reference value.
 */
export async function evaluateAlerts(
  db: QualityDb,
  run: { id: string; datasetId: string; dept: string | null; finishedAt: Date },
  values: Record<string, number>,
  targets: Record<string, number>,
): Promise<void> {
  const prev = await db
    .select({ id: runs.id, metrics: runs.metrics, score: runs.score })
    .from(runs)
    .where(and(eq(runs.datasetId, run.datasetId), eq(runs.status, 'succeeded'), ne(runs.id, run.id)))
    .orderBy(desc(runs.finishedAt))
    .limit(1);
  const prevValues = prev.length ? headline(prev[0].metrics as any) : {};
  const open = await db
    .select()
    .from(alerts)
    .where(and(eq(alerts.datasetId, run.datasetId), isNull(alerts.resolvedAt)));
  for (const metric of TRACKED_METRICS) {
    const v = values[metric];
    if (v === undefined) continue;
    for (const a of open.filter((x) => x.metric === metric)) {
      if (v >= a.reference * (1 - ALERT_DROP))
        await db.update(alerts).set({ resolvedAt: run.finishedAt, resolvedByRun: run.id }).where(eq(alerts.id, a.id));
    }
    const stillOpen = (kind: string) =>
      open.some((x) => x.metric === metric && x.kind === kind && !(v >= x.reference * (1 - ALERT_DROP)));
    const p = prevValues[metric];
    if (p !== undefined && p > 0 && v < p * (1 - ALERT_DROP) && !stillOpen('drop')) {
      await db.insert(alerts).values({
        id: randomUUID(),
        datasetId: run.datasetId,
        dept: run.dept,
        runId: run.id,
        metric,
        kind: 'drop',
        reference: p,
        value: v,
        raisedAt: run.finishedAt,
      });
    }
    const t = targets[metric];
    if (t !== undefined && v < t * (1 - ALERT_DROP) && !stillOpen('target')) {
      await db.insert(alerts).values({
        id: randomUUID(),
        datasetId: run.datasetId,
        dept: run.dept,
        runId: run.id,
        metric,
        kind: 'target',
        reference: t,
        value: v,
        raisedAt: run.finishedAt,
      });
    }
  }
}

/** The tracked headline values of a run's metrics. */
export function headline(m: any): Record<string, number> {
  if (!m) return {};
  const out: Record<string, number> = {
    score: m.score?.value,
    completeness: m.completeness?.value,
    uniqueness: m.uniqueness?.value,
    accuracy: m.accuracy?.value,
  };
  if (m.consistency) out.consistency = m.consistency.value;
  if (m.timeliness) out.timeliness = m.timeliness.value;
  return out;
}

/** red: an open alert; yellow: a metric below its target; green otherwise. */
export function datasetStatus(
  openAlerts: number,
  values: Record<string, number>,
  targets: Record<string, number>,
): Status {
  if (openAlerts > 0) return 'red';
  for (const [m, t] of Object.entries(targets)) if (values[m] !== undefined && values[m] < t) return 'yellow';
  return 'green';
}

export const worst = (s: Status[]): Status => (s.includes('red') ? 'red' : s.includes('yellow') ? 'yellow' : 'green');
