import { AppError, type ServiceClient, type Logger } from '@govshare/platform';
import { ref, type AuditAppendResponse, type AuditEvent } from '@govshare/contracts';

export interface AuditRecorder {
  /** Resolves once the audit service has durably committed the event; rejects (UNAVAILABLE) otherwise. */
  record(event: AuditEvent): Promise<void>;
}

interface Pending {
  event: AuditEvent;
  resolve: () => void;
  reject: (e: unknown) => void;
}

const MAX_BATCH = 500;

/**
 * Sends events to the audit service, coalescing concurrent events into one call while a previous
 * call is in flight (the audit service group-commits them). Fails closed: an event that is not
 * acknowledged rejects, and the caller must not return data.
 */
export function createAuditRecorder(audit: ServiceClient, logger: Logger): AuditRecorder {
  let queue: Pending[] = [];
  let inFlight = 0;
  const maxInFlight = 4;

  const flush = () => {
    if (queue.length === 0 || inFlight >= maxInFlight) return;
    const batch = queue.splice(0, MAX_BATCH);
    inFlight++;
    audit
      .call<AuditAppendResponse>({
        method: 'POST',
        path: '/events',
        requestId: batch[0].event.requestId,
        body: { events: batch.map((p) => p.event) },
        responseSchema: ref('audit-event.v1.json', 'AppendResponse'),
      })
      .then((res) => {
        const acked = new Set(res.accepted.map((a) => a.id));
        const refused = new Map((res.rejected ?? []).map((r) => [r.id, r.message]));
        for (const p of batch) {
          if (acked.has(p.event.id)) p.resolve();
          else {
            // One refused event fails only its own request; the reason says which rule, never values.
            const why = refused.get(p.event.id);
            p.reject(new AppError('UNAVAILABLE', why ? `audit log refused the event (${why}); no data served` : 'audit service did not acknowledge the access; no data served'));
          }
        }
      })
      .catch((err) => {
        logger.error({ err: (err as Error).message }, 'audit append failed');
        for (const p of batch) p.reject(new AppError('UNAVAILABLE', 'audit service unavailable; no data served'));
      })
      .finally(() => {
        inFlight--;
        flush();
      });
  };

  return {
    record(event) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ event, resolve, reject });
        flush();
      });
    },
  };
}
