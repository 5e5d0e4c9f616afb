import { v5 as uuidv5 } from 'uuid';
import {
  activeContext,
  AppError,
  isAppError,
  type Logger,
  type TraceContext,
  tracingEnabled,
  withContext,
} from '@govshare/platform';
import type { AuditEvent } from '@govshare/contracts';
import type { AuditFace } from '@govshare/audit';

export interface AuditRecorder {
  /** Resolves once the audit service has durably committed the event; rejects (UNAVAILABLE) otherwise. */
  record(event: AuditEvent): Promise<void>;
  /**
   * Records, in the background until acknowledged, that what `allowed` logged was not delivered
   * (the acknowledgement came too late, or the client was gone): a `<area>.withheld` event naming it.
   */
  withhold(allowed: AuditEvent, why: string): void;
}

/** Fixed namespace of withheld-event ids (uuid v5 of the withheld event's id): a resent one is stored once. */
const WITHHELD_NAMESPACE = '6f0c8f3e-58f1-4f43-9a52-1f1c9d3e0b7a';

/**
 * The follow-up to an allowed event whose data was not delivered: same caller, dataset, filter and
 * subjects (so a subject lookup shows it beside the first), `withholds` = the first event's id.
 */
export function withheldEvent(allowed: AuditEvent, why: string, at = new Date()): AuditEvent {
  const {
    id,
    at: _at,
    outcome: _o,
    grantId: _g,
    purpose: _p,
    datasetVersion: _v,
    fields: _f,
    maskedFields: _m,
    recordCount: _c,
    ...same
  } = allowed;
  return {
    ...same,
    id: uuidv5(`withheld:${id}`, WITHHELD_NAMESPACE),
    at: at.toISOString(),
    action: `${allowed.action.split('.')[0]}.withheld`,
    outcome: 'error',
    withholds: id,
    recordCount: 0,
    reason: `nothing was delivered for event ${id}: ${why}`,
  };
}

/** The call may have been committed although no acknowledgement came back (timeout, connection lost). */
export const mayHaveBeenRecorded = (err: unknown): boolean =>
  isAppError(err) && (err.details as { maybeRecorded?: boolean } | undefined)?.maybeRecorded === true;

interface Pending {
  event: AuditEvent;
  resolve: () => void;
  reject: (e: unknown) => void;
  /** The recording request's trace context (tracing on only): the append it rides in is its child. */
  trace?: TraceContext;
}

const MAX_BATCH = 500;

/** The audit face's append function: in process, or the remote face's call to the audit service. */
export type AuditAppend = AuditFace['append'];

export interface AuditRecorderOptions {
  /** How long an append may go unacknowledged before its events are refused (default 5000 ms). */
  timeoutMs?: number;
}

/**
 * The append, settled within `timeoutMs`: an append still pending then (a paused database in process,
 * a hung connection) rejects UNAVAILABLE, though it may still commit later.
 */
function withTimeout<T>(run: () => Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    // An in-process face checks its input before it returns a promise: a throw becomes a rejection.
    Promise.resolve().then(run),
    new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new AppError('UNAVAILABLE', `audit log did not acknowledge within ${timeoutMs} ms`)),
        timeoutMs,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Sends events to the audit log, coalescing concurrent events into one call while a previous call
 * is in flight (the audit log group-commits them). Fails closed: an event that is not acknowledged
 * within the timeout rejects, and the caller must not return data.
 */
export function createAuditRecorder(
  append: AuditAppend,
  logger: Logger,
  opts: AuditRecorderOptions = {},
): AuditRecorder {
  const timeoutMs = opts.timeoutMs ?? 5000;
  let queue: Pending[] = [];
  let inFlight = 0;
  const maxInFlight = 4;

  /** Appends a batch and settles each of its events; a batch refused as invalid is resent event by event. */
  const post = (batch: Pending[]): Promise<void> =>
    withTimeout(() => {
      const call = () => append({ events: batch.map((p) => p.event) }, { requestId: batch[0].event.requestId });
      // Flushed from whichever request freed a slot: the append belongs to its first event's request.
      const trace = batch[0].trace;
      return trace ? withContext(trace, call, undefined) : call();
    }, timeoutMs).then(
      (res) => {
        const acked = new Set(res.accepted.map((a) => a.id));
        const refused = new Map((res.rejected ?? []).map((r) => [r.id, r.message]));
        for (const p of batch) {
          if (acked.has(p.event.id)) p.resolve();
          else {
            // One refused event fails only its own request; the reason says which rule, never values.
            const why = refused.get(p.event.id);
            p.reject(
              new AppError(
                'UNAVAILABLE',
                why
                  ? `audit log refused the event (${why}); no data served`
                  : 'audit service did not acknowledge the access; no data served',
              ),
            );
          }
        }
      },
      (err) => {
        // The audit log checks the whole call against its contract: one invalid event (say a
        // subject longer than the contract allows) must not fail the other callers' events with it.
        if (isAppError(err) && err.code === 'BAD_USER_INPUT' && batch.length > 1)
          return Promise.all(batch.map((p) => post([p]))).then(() => {});
        logger.error({ err: (err as Error).message }, 'audit append failed');
        // No answer: the audit log may still commit the events (an acknowledgement that came too
        // late), so a read refused now must be followed by a withheld event.
        const maybeRecorded = !(isAppError(err) && err.code === 'BAD_USER_INPUT');
        for (const p of batch)
          p.reject(
            new AppError(
              'UNAVAILABLE',
              'audit service unavailable; no data served',
              maybeRecorded ? { maybeRecorded } : undefined,
            ),
          );
      },
    );

  const flush = () => {
    if (queue.length === 0 || inFlight >= maxInFlight) return;
    const batch = queue.splice(0, MAX_BATCH);
    inFlight++;
    void post(batch).finally(() => {
      inFlight--;
      flush();
    });
  };

  const record = (event: AuditEvent) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ event, resolve, reject, trace: tracingEnabled() ? activeContext() : undefined });
      flush();
    });
  // Withheld events are retried until acknowledged (the audit service may be what failed), with
  // backoff; a process that dies meanwhile loses them (the first event then stands alone).
  const MAX_PENDING_WITHHELD = 10_000;
  let pendingWithheld = 0;
  const withhold = (allowed: AuditEvent, why: string) => {
    if (pendingWithheld >= MAX_PENDING_WITHHELD)
      return logger.error({ eventId: allowed.id }, 'too many withheld events pending; one is not recorded');
    const event = withheldEvent(allowed, why);
    pendingWithheld++;
    const attempt = (delayMs: number) =>
      record(event).then(
        () => void pendingWithheld--,
        () => setTimeout(() => attempt(Math.min(delayMs * 2, 30_000)), delayMs).unref(),
      );
    void attempt(100);
  };
  return { record, withhold };
}
