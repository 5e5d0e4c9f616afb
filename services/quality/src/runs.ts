import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { AppError, inSpan, type Logger, ROOT_TRACE_CONTEXT, type Span } from '@govshare/platform';
import { examples, runMetrics, runs } from './schema.ts';
import { getRuleSet, type QualityDb } from './rule-sets.ts';
import type { RecordSource } from './source.ts';
import { loadReferenceData } from './source.ts';
import { DatasetScorer, type QualityMetrics } from './metrics/scorer.ts';
import { WorkerScorer } from './metrics/worker-scorer.ts';
import { effectiveRules } from './rules/rules.ts';
import { evaluateAlerts, headline, targetsOf } from './alerts.ts';

export interface RunView {
  id: string;
  datasetId: string;
  dept: string | null;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  reason: string | null;
  requestedBy: string;
  progress: { processed: number; total: number | null; fraction: number | null };
  datasetVersion: number | null;
  ruleSetVersion: number | null;
  score: number | null;
  error: string | null;
  createdAt: string;
  notBefore: string;
  startedAt: string | null;
  finishedAt: string | null;
}

type RunRow = typeof runs.$inferSelect;

export function runView(r: RunRow): RunView {
  return {
    id: r.id,
    datasetId: r.datasetId,
    dept: r.dept,
    status: r.status as RunView['status'],
    reason: r.reason,
    requestedBy: r.requestedBy,
    progress: {
      processed: r.processed,
      total: r.total,
      fraction: r.total ? Math.min(1, r.processed / r.total) : r.status === 'succeeded' ? 1 : null,
    },
    datasetVersion: r.datasetVersion,
    ruleSetVersion: r.ruleSetVersion,
    score: r.score,
    error: r.error,
    createdAt: r.createdAt.toISOString(),
    notBefore: r.notBefore.toISOString(),
    startedAt: r.startedAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}

export interface RunManagerOptions {
  db: QualityDb;
  source: RecordSource;
  logger: Logger;
  /** A run waits this long after it was requested; requests meanwhile join it. */
  debounceMs?: number;
  /** Runs at once across datasets. */
  concurrency?: number;
  /**
   * The service's clock: every stored time (createdAt, notBefore, startedAt, finishedAt) and the
   * run's reference time (timeliness, birth dates not in the future) come from it.
   */
  now: () => Date;
  /** The hub's mask key, for hash-masked values in examples. */
  maskKey: Uint8Array;
}

const isUniqueViolation = (err: unknown) => {
  const e = err as any;
  return (
    e?.code === '23505' ||
    e?.cause?.code === '23505' ||
    /duplicate key|unique/i.test(String(e?.message ?? '') + String(e?.cause?.message ?? ''))
  );
};

/**
 * Runs scoring jobs: at most one queued and one running run per dataset (partial unique indexes);
 * a request while a run is queued joins it (debounce); a request while one runs queues one more.
 */
export class RunManager {
  private active = new Map<string, Promise<void>>();
  /**
   * Debounce deadlines of the runs this process queued, in real elapsed time (performance.now()),
   * so the wait does not depend on the injected clock (a test's may stand still). A queued run not
   * in the map (queued before a restart) is due at once.
   */
  private dueAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private pumping = false;
  private repump = false;
  readonly debounceMs: number;
  private concurrency: number;
  /** Told when a run ends: how it ended and how long it ran, in real elapsed seconds (the metrics). */
  onRunFinished?: (status: 'succeeded' | 'failed', seconds: number) => void;

  constructor(private readonly opts: RunManagerOptions) {
    this.debounceMs = opts.debounceMs ?? 2000;
    this.concurrency = opts.concurrency ?? 1;
  }

  /** At boot: runs left running by a stopped process failed; queued ones go on. */
  async start(): Promise<void> {
    const interrupted = {
      status: 'failed',
      error: 'interrupted: the quality service stopped during the run',
      finishedAt: this.opts.now(),
    };
    await this.opts.db.update(runs).set(interrupted).where(eq(runs.status, 'running'));
    void this.pump();
  }

  async request(
    datasetId: string,
    requestedBy: string,
    reason: string | undefined,
    requestId: string,
  ): Promise<{ run: RunView; coalesced: boolean }> {
    const { db } = this.opts;
    const dataset = await this.opts.source.getDataset(datasetId, requestId);
    if (!dataset) throw new AppError('NOT_FOUND', `dataset ${datasetId} not found in the catalog`);
    for (let attempt = 0; attempt < 3; attempt++) {
      const queued = await db
        .select()
        .from(runs)
        .where(and(eq(runs.datasetId, datasetId), eq(runs.status, 'queued')))
        .limit(1);
      if (queued.length) return { run: runView(queued[0]), coalesced: true };
      const now = this.opts.now();
      const row = {
        id: randomUUID(),
        datasetId,
        dept: dataset.ownerDept,
        status: 'queued',
        reason: reason ?? null,
        requestedBy,
        notBefore: new Date(now.getTime() + this.debounceMs),
        createdAt: now,
        total: dataset.recordCount,
        processed: 0,
      };
      // Before the insert: a pump between the insert and this line would otherwise start it at once.
      this.dueAt.set(row.id, performance.now() + this.debounceMs);
      try {
        await db.insert(runs).values(row);
      } catch (err) {
        this.dueAt.delete(row.id);
        if (isUniqueViolation(err)) continue; // another request queued one first: join it
        throw err;
      }
      this.schedule(this.debounceMs);
      const [stored] = await db.select().from(runs).where(eq(runs.id, row.id));
      return { run: runView(stored), coalesced: false };
    }
    throw new AppError('CONFLICT', `could not queue a run for ${datasetId}; retry`);
  }

  async get(id: string): Promise<RunView> {
    const rows = await this.opts.db.select().from(runs).where(eq(runs.id, id));
    if (!rows.length) throw new AppError('NOT_FOUND', `run ${id} not found`);
    return runView(rows[0]);
  }

  /** Resolves when no run is queued or running (tests, shutdown). */
  async idle(timeoutMs = 60_000): Promise<void> {
    const until = performance.now() + timeoutMs;
    while (performance.now() < until) {
      const busy = await this.opts.db
        .select({ id: runs.id })
        .from(runs)
        .where(inArray(runs.status, ['queued', 'running']))
        .limit(1);
      if (!busy.length && this.active.size === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('runs did not finish in time');
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.active.values()]);
  }

  private schedule(ms: number) {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.pump(), Math.max(0, ms) + 5);
    this.timer.unref?.();
  }

  private async pump(): Promise<void> {
    if (this.closed) return;
    if (this.pumping) {
      this.repump = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.repump = false;
        const { db } = this.opts;
        const queued = await db.select().from(runs).where(eq(runs.status, 'queued')).orderBy(asc(runs.notBefore));
        const due = queued.filter((r) => this.waitLeft(r.id) === 0);
        for (const r of due) {
          if (this.active.size >= this.concurrency) break;
          if (this.active.has(r.datasetId)) continue;
          const running = await db
            .select({ id: runs.id })
            .from(runs)
            .where(and(eq(runs.datasetId, r.datasetId), eq(runs.status, 'running')))
            .limit(1);
          if (running.length) continue;
          try {
            await db
              .update(runs)
              .set({ status: 'running', startedAt: this.opts.now() })
              .where(and(eq(runs.id, r.id), eq(runs.status, 'queued')));
          } catch (err) {
            if (isUniqueViolation(err)) continue;
            throw err;
          }
          this.dueAt.delete(r.id);
          const p = this.execute(r).finally(() => {
            this.active.delete(r.datasetId);
            void this.pump();
          });
          this.active.set(r.datasetId, p);
        }
        const waiting = queued.filter((r) => !due.includes(r)).map((r) => this.waitLeft(r.id));
        if (waiting.length && this.active.size < this.concurrency) this.schedule(Math.min(...waiting));
      } while (this.repump);
    } catch (err) {
      this.opts.logger.error({ err }, 'run scheduler failed');
      this.schedule(1000);
    } finally {
      this.pumping = false;
    }
  }

  /** Milliseconds until a queued run's debounce is over (0: due). */
  private waitLeft(runId: string): number {
    const at = this.dueAt.get(runId);
    return at === undefined ? 0 : Math.max(0, at - performance.now());
  }

  private async execute(row: RunRow): Promise<void> {
    const { db, source, logger } = this.opts;
    const requestId = `quality-run-${row.id}`;
    const log = logger.child({ runId: row.id, datasetId: row.datasetId });
    const started = performance.now();
    const finished = (status: 'succeeded' | 'failed') =>
      this.onRunFinished?.(status, (performance.now() - started) / 1000);
    try {
      // A run is a trace of its own (batch work, started by the pump rather than by the request that
      // asked for it); its catalog reads are its children.
      await inSpan(
        'quality.run',
        { parent: ROOT_TRACE_CONTEXT, requestId, attributes: { 'govshare.dataset_id': row.datasetId } },
        (span) => this.score(row, requestId, log, span),
      );
      finished('succeeded');
    } catch (err) {
      log.warn({ err }, 'quality run failed');
      finished('failed');
      await db
        .update(runs)
        .set({ status: 'failed', error: (err as Error).message, finishedAt: this.opts.now() })
        .where(eq(runs.id, row.id));
    }
  }

  private async score(row: RunRow, requestId: string, log: Logger, span: Span): Promise<void> {
    const { db, source } = this.opts;
    const dataset = await source.getDataset(row.datasetId, requestId);
    if (!dataset) throw new AppError('NOT_FOUND', `dataset ${row.datasetId} not found in the catalog`);
    const ruleSet = await getRuleSet(db, row.datasetId);
    const rules = effectiveRules(dataset.schema, ruleSet.body.rules);
    const { refs, skipped } = await loadReferenceData(source, rules, ruleSet.body, requestId);
    const asOf = this.opts.now().toISOString();
    const seen = {
      dept: dataset.ownerDept,
      datasetVersion: dataset.version,
      datasetUpdatedAt: dataset.updatedAt,
      ruleSetVersion: ruleSet.version,
      total: dataset.recordCount,
    };
    await db
      .update(runs)
      .set({ ...seen, rules: { rules, skipped } })
      .where(eq(runs.id, row.id));
    const input = {
      schema: dataset.schema,
      keyFields: dataset.keyFields,
      ruleSet: ruleSet.body,
      refs,
      asOf,
      maskKey: this.opts.maskKey,
    };
    let lastWrite = performance.now();
    const progress = async (processed: number) => {
      if (this.closed) throw new Error('interrupted: the quality service is shutting down');
      if (performance.now() - lastWrite > 500) {
        lastWrite = performance.now();
        await db.update(runs).set({ processed }).where(eq(runs.id, row.id));
      }
    };
    let metrics: QualityMetrics;
    if (source.ndjson) {
      // Catalog export text goes to a worker thread that parses and scores it while this thread reads on.
      const scorer = new WorkerScorer(input);
      try {
        for await (const chunk of source.ndjson(row.datasetId, requestId)) {
          await progress(scorer.processed);
          await scorer.addNdjson(chunk.text, chunk.lines);
        }
        metrics = await scorer.finish();
      } finally {
        await scorer.close();
      }
    } else {
      const scorer = new DatasetScorer(input);
      for await (const batch of source.batches(row.datasetId, requestId)) {
        await progress(scorer.processed);
        scorer.add(batch);
      }
      metrics = scorer.finish();
    }
    await this.store(row, dataset.ownerDept, metrics, targetsOf(ruleSet.body.targets));
    span.setAttributes({ 'govshare.dept': dataset.ownerDept, 'govshare.quality.records': metrics.records });
    log.info({ records: metrics.records, score: metrics.score.value }, 'quality run finished');
  }

  private async store(row: RunRow, dept: string, metrics: QualityMetrics, targets: Record<string, number>) {
    const { db } = this.opts;
    const finishedAt = this.opts.now();
    const values = headline(metrics);
    const metricRows = Object.entries(values).map(([metric, value]) => ({
      runId: row.id,
      datasetId: row.datasetId,
      metric,
      field: '',
      value,
    }));
    for (const [f, v] of Object.entries(metrics.completeness.fields))
      metricRows.push({
        runId: row.id,
        datasetId: row.datasetId,
        metric: 'field-completeness',
        field: f,
        value: v.completeness,
      });
    for (const [f, v] of Object.entries(metrics.nearDuplicates))
      metricRows.push({
        runId: row.id,
        datasetId: row.datasetId,
        metric: 'near-duplicate-rate',
        field: f,
        value: v.rate,
      });
    for (const r of metrics.accuracy.rules)
      metricRows.push({
        runId: row.id,
        datasetId: row.datasetId,
        metric: 'rule-failure-rate',
        field: r.id,
        value: r.failureRate,
      });
    const exampleRows = Object.entries(metrics.examples).flatMap(([ruleId, list]) =>
      list.map((e, seq) => ({ runId: row.id, ruleId, seq, recordKey: e.key, problem: e.problem, values: e.values })),
    );
    // Alerts are evaluated in the same transaction: a run is never seen succeeded without its alerts.
    await db.transaction(async (tx) => {
      if (metricRows.length) await tx.insert(runMetrics).values(metricRows);
      if (exampleRows.length) await tx.insert(examples).values(exampleRows);
      await evaluateAlerts(
        tx as unknown as QualityDb,
        { id: row.id, datasetId: row.datasetId, dept, finishedAt },
        values,
        targets,
      );
      await tx
        .update(runs)
        .set({
          status: 'succeeded',
          processed: metrics.records,
          records: metrics.records,
          score: metrics.score.value,
          metrics: { ...metrics, examples: undefined },
          finishedAt,
        })
        .where(eq(runs.id, row.id));
    });
  }
}

export async function latestRun(db: QualityDb, datasetId: string): Promise<RunRow | undefined> {
  const rows = await db
    .select()
    .from(runs)
    .where(and(eq(runs.datasetId, datasetId), eq(runs.status, 'succeeded')))
    .orderBy(desc(runs.finishedAt))
    .limit(1);
  return rows[0];
}
