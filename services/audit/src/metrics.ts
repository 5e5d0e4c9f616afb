// The audit log's metrics: what group commit does (batch sizes, commit times, the queue behind it)
// and its database pool. Registered by whoever serves /metrics for the process the module is in:
// the hub when the module is in process, the audit service's own app when it runs remote.
import { addPoolMetrics, Counter, Gauge, Histogram, type Database, type Registry } from '@govshare/platform';
import type { AuditLog } from './append.ts';

/** Events per committed batch: 1 under no load, up to maxBatch (2000) when callers pile up. */
const BATCH_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2000];
/** Commit time, seconds: one statement and one WAL flush, milliseconds on a healthy disk. */
const COMMIT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * The audit module's metrics over whichever log is the writer now (on a Postgres server a new one
 * each term this instance is the sequencer; none while it is a follower). Returns `attach`, for
 * the log of each new term.
 */
export function registerAuditMetrics(
  registry: Registry,
  currentLog: () => AuditLog | null,
  database: Database<any>,
): (log: AuditLog) => void {
  const batchSize = new Histogram({
    name: 'govshare_audit_batch_events',
    help: 'Events per committed audit batch (group commit)',
    buckets: BATCH_BUCKETS,
    registers: [registry],
  });
  const commitTime = new Histogram({
    name: 'govshare_audit_commit_duration_seconds',
    help: 'Time to commit one audit batch (its events, leaves and subtree hashes, in one transaction)',
    buckets: COMMIT_BUCKETS,
    registers: [registry],
  });
  const committed = new Counter({
    name: 'govshare_audit_events_committed_total',
    help: 'Audit events newly committed to the log (retries of stored events not counted again)',
    registers: [registry],
  });
  committed.inc(0);
  const attach = (log: AuditLog) => {
    let counted = log.stats.events;
    log.onBatchCommitted = (events, seconds) => {
      batchSize.observe(events);
      commitTime.observe(seconds);
      committed.inc(log.stats.events - counted);
      counted = log.stats.events;
    };
  };
  new Gauge({
    name: 'govshare_audit_queue_events',
    help: 'Audit events waiting for the next batch (queue depth behind the commit in progress)',
    registers: [registry],
    collect() {
      this.set(currentLog()?.queued ?? 0);
    },
  });
  new Gauge({
    name: 'govshare_audit_log_size',
    help: 'Committed size of the audit Merkle tree (events)',
    registers: [registry],
    collect() {
      this.set(currentLog()?.size ?? 0);
    },
  });
  addPoolMetrics(registry, 'audit', database.poolState);
  const now = currentLog();
  if (now) attach(now);
  return attach;
}
