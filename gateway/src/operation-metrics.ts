// govshare's own request metrics: every audited operation (a read or a change, decided and audited
// in operations/audited.ts) counted by operation, dataset, department and outcome, and timed.
// Labels stay bounded: operations are the audit actions named in code, departments are those a
// verified token may name (the catalog's list), datasets are those the catalog lists; anything
// else a caller typed (a dataset id that does not exist) is counted as 'other', never as itself.
import { boundedLabel, Counter, Histogram, LATENCY_BUCKETS, type Registry } from '@govshare/platform';

/** What the caller got: data or the change (allowed), FORBIDDEN (denied), UNAVAILABLE (unavailable), any other error. */
export type OperationOutcome = 'allowed' | 'denied' | 'error' | 'unavailable';
export const OPERATION_OUTCOMES: readonly OperationOutcome[] = ['allowed', 'denied', 'error', 'unavailable'];

export function outcomeOf(err: unknown): OperationOutcome {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === 'FORBIDDEN' ? 'denied' : code === 'UNAVAILABLE' ? 'unavailable' : 'error';
}

export interface OperationMetrics {
  /** Counts and times one operation; never throws, never waits long (see datasetLabels). */
  observe(o: {
    operation: string;
    dataset: string | undefined;
    dept: string;
    outcome: OperationOutcome;
    seconds: number;
  }): Promise<void>;
}

/** Distinct departments kept as labels before 'other' (a safety net: tokens name listed departments only). */
const MAX_DEPARTMENTS = 1000;
/** Distinct operations kept (the audit actions in code are a few dozen). */
const MAX_OPERATIONS = 200;

export function createOperationMetrics(
  registry: Registry,
  datasetLabel: (id: string) => Promise<string>,
): OperationMetrics {
  const operations = new Counter({
    name: 'govshare_operations_total',
    help: 'Audited operations by operation (audit action), dataset, caller department and outcome',
    labelNames: ['operation', 'dataset', 'department', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'govshare_operation_duration_seconds',
    help: 'Time from the start of an audited operation to its answer (decision, data, audit acknowledgement)',
    labelNames: ['operation', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const department = boundedLabel(MAX_DEPARTMENTS);
  const operation = boundedLabel(MAX_OPERATIONS);
  return {
    async observe(o) {
      try {
        const dataset = o.dataset === undefined ? 'none' : await datasetLabel(o.dataset);
        const op = operation(o.operation);
        operations.inc({ operation: op, dataset, department: department(o.dept), outcome: o.outcome });
        duration.observe({ operation: op, outcome: o.outcome }, o.seconds);
      } catch {
        // A metric must never fail a request.
      }
    },
  };
}

export interface DatasetLabelOptions {
  /** The dataset ids the catalog lists (all pages). */
  load: () => Promise<string[]>;
  /** Least time between two loads caused by ids not in the list (default 30 s). */
  minReloadMs?: number;
  /** Longest an operation waits for a load before its id counts as 'other' (default 250 ms). */
  waitMs?: number;
  now?: () => number;
}

/**
 * Labels a dataset id by itself when the catalog lists it, else 'other'. The list is loaded on the
 * first unknown id and again at most every `minReloadMs` (an id that appeared since is known from
 * the next load on); unknown ids cannot make the catalog be asked more often than that.
 */
export function datasetLabels(o: DatasetLabelOptions): (id: string) => Promise<string> {
  const { minReloadMs = 30_000, waitMs = 250, now = Date.now } = o;
  let known = new Set<string>();
  let loadedAt = -Infinity;
  let loading: Promise<void> | undefined;
  const reload = () =>
    (loading ??= o
      .load()
      .then((ids) => void (known = new Set(ids)))
      .catch(() => {})
      .finally(() => {
        loading = undefined;
      }));
  return async (id) => {
    if (known.has(id)) return id;
    if (loading || now() - loadedAt >= minReloadMs) {
      if (!loading) loadedAt = now();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([reload(), new Promise<void>((r) => (timer = setTimeout(r, waitMs)))]);
      clearTimeout(timer);
    }
    return known.has(id) ? id : 'other';
  };
}
