// Relays grant facts from the catalog's outbox to the audit log. The catalog writes each fact (a
// grant's id, purpose, expiry, its end) in the transaction of the grant change; this relay hands the
// pending ones to the audit log and marks those it acknowledged: right after each grant change made
// through the gateway (so the fact is logged before the change is answered) and every `intervalMs`
// for whatever an outage left behind. A fact's id derives from its grant, so one relayed twice (a
// crash between the audit commit and the mark) is stored once. A lost fact is late, never missing.
import { randomUUID } from 'node:crypto';
import type { AuditRecorder } from '../audit-recorder.ts';
import type { GatewayDeps } from '../deps.ts';

export interface GrantFactRelay {
  /** Relays every pending fact now; returns how many the audit log acknowledged. Never rejects. */
  relay(): Promise<number>;
  stop(): void;
}

const BATCH = 100;

export function createGrantFactRelay(
  deps: Pick<GatewayDeps, 'catalog' | 'logger'> & { audit: AuditRecorder },
  intervalMs: number,
): GrantFactRelay {
  const passOnce = async (): Promise<number> => {
    const requestId = `grant-facts-${randomUUID()}`;
    let relayed = 0;
    for (;;) {
      const { events } = await deps.catalog.pendingGrantFacts({ limit: BATCH }, { requestId });
      if (!events.length) return relayed;
      // All at once: the recorder coalesces concurrent events into few audit commits.
      const outcomes = await Promise.allSettled(events.map((e) => deps.audit.record(e)));
      const acked = events.filter((_, i) => outcomes[i].status === 'fulfilled').map((e) => e.id);
      if (acked.length) await deps.catalog.markGrantFactsSent({ ids: acked }, { requestId });
      relayed += acked.length;
      // The audit log refused or is down: the rest waits for the next pass.
      if (acked.length < events.length || events.length < BATCH) return relayed;
    }
  };
  // One pass at a time; a request during a pass gets one more pass after it (its fact may be newer).
  let running: Promise<number> | null = null;
  let queued: Promise<number> | null = null;
  const guarded = () =>
    passOnce().catch((err) => {
      deps.logger.warn({ err: (err as Error).message }, 'grant fact relay failed; the facts wait in the outbox');
      return 0;
    });
  const relay = (): Promise<number> => {
    if (!running) {
      running = guarded().finally(() => (running = null));
      return running;
    }
    queued ??= running.then(() => {
      queued = null;
      return relay();
    });
    return queued;
  };
  const timer = intervalMs > 0 ? setInterval(() => void relay(), intervalMs) : undefined;
  timer?.unref();
  if (intervalMs > 0) void relay(); // facts left by a previous run
  return { relay, stop: () => clearInterval(timer) };
}
