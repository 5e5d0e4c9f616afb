import { AppError, type ByteStream } from '@govshare/platform';
import { enforce, mayReadAuditLog } from '@govshare/platform/policy';
import type {
  AuditAlertKind,
  AuditAlertPage,
  AuditAlertReview,
  AuditAlertReviewOutcome,
  AuditCheckpoint,
  AuditConsistencyProof,
  AuditEventPage,
  AuditEventsQuery,
  AuditInclusionProof,
} from '@govshare/contracts';
import { callContext, type GatewayDeps, type RequestScope } from '../deps.ts';
import { auditedRead, auditedWrite } from './audited.ts';

// Only auditors and admins read the log (and review its alerts), and every read of it is itself logged.
const requireAuditor = (scope: RequestScope) => enforce(mayReadAuditLog(scope.caller));

/** Only the parameters given: an unset one (undefined, null, '') is left out, as from a query string. */
function given<T extends object>(params: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') out[k] = v;
  return out as T;
}

function readLog<T>(
  deps: GatewayDeps,
  scope: RequestScope,
  action: string,
  details: Record<string, unknown>,
  fetch: () => Promise<T>,
  count?: (r: T) => number,
) {
  return auditedRead(deps, scope, action, { filter: details }, async () => {
    requireAuditor(scope);
    const result = await fetch();
    return { result, details: count ? { recordCount: count(result) } : {} };
  });
}

export function searchAuditEvents(
  deps: GatewayDeps,
  scope: RequestScope,
  q: AuditEventsQuery,
): Promise<AuditEventPage> {
  return readLog(
    deps,
    scope,
    'audit.search',
    { ...q },
    () => deps.auditLog.searchEvents(given(q), callContext(scope)),
    (r) => r.events.length,
  );
}

/** "Who accessed this person's (or company's) data?" The identifier is hashed by the audit service. */
export function auditSubjectAccess(
  deps: GatewayDeps,
  scope: RequestScope,
  identifier: string,
  first?: number,
  after?: string,
): Promise<AuditEventPage> {
  if (!identifier.trim()) throw new AppError('BAD_USER_INPUT', 'identifier: must not be empty');
  // The clear identifier is not written into the log: the lookup's own event carries only its HMAC via subjects.
  return auditedRead(deps, scope, 'audit.subjectLookup', { subjects: [identifier] }, async () => {
    requireAuditor(scope);
    const result = await deps.auditLog.lookupSubject(given({ identifier, first, after }), callContext(scope));
    return { result, details: { recordCount: result.events.length } };
  });
}

export function auditAlerts(
  deps: GatewayDeps,
  scope: RequestScope,
  q: { kind?: string; dept?: string; since?: string; status?: 'open' | 'reviewed'; first?: number; after?: string },
): Promise<AuditAlertPage> {
  return readLog(
    deps,
    scope,
    'audit.alerts',
    { ...q },
    // An unknown kind is refused by the face's input check (BAD_USER_INPUT), as the route refused it.
    () => deps.auditLog.listAlerts(given({ ...q, kind: q.kind as AuditAlertKind | undefined }), callContext(scope)),
    (r) => r.alerts.length,
  );
}

/** An auditor closes an alert with what it turned out to be; the review is appended, and audited like any change. */
export function reviewAuditAlert(
  deps: GatewayDeps,
  scope: RequestScope,
  alertId: string,
  outcome: AuditAlertReviewOutcome,
  note: string,
): Promise<AuditAlertReview> {
  return auditedWrite(
    deps,
    scope,
    'audit.reviewAlert',
    { filter: { alertId, outcome }, reason: note },
    () => {
      requireAuditor(scope);
      if (!/^[1-9][0-9]{0,14}$/.test(alertId))
        throw new AppError('BAD_USER_INPUT', `id: "${alertId}" is not an alert id (a positive integer)`);
      if (note.trim().length < 3)
        throw new AppError('BAD_USER_INPUT', 'note: must say what was found, in at least 3 characters');
    },
    () =>
      deps.auditLog.reviewAlert(
        {
          alertId: Number(alertId),
          review: { outcome, note: note.trim(), reviewer: { sub: scope.caller.sub, dept: scope.caller.dept } },
        },
        callContext(scope),
      ),
  );
}

export function latestAuditCheckpoint(deps: GatewayDeps, scope: RequestScope): Promise<AuditCheckpoint | null> {
  return readLog(deps, scope, 'audit.checkpoint', {}, () => deps.auditLog.latestCheckpoint({}, callContext(scope)));
}

export function auditInclusionProof(
  deps: GatewayDeps,
  scope: RequestScope,
  seq: number,
  treeSize?: number,
): Promise<AuditInclusionProof> {
  return readLog(deps, scope, 'audit.proof', { seq, treeSize }, () =>
    deps.auditLog.inclusionProof(given({ seq, treeSize }), callContext(scope)),
  );
}

export function auditConsistencyProof(
  deps: GatewayDeps,
  scope: RequestScope,
  from: number,
  to?: number,
): Promise<AuditConsistencyProof> {
  return readLog(deps, scope, 'audit.proof', { from, to }, () =>
    deps.auditLog.consistencyProof(given({ from, to }), callContext(scope)),
  );
}

/** NDJSON export of a range of the log with its checkpoint and proofs, for offline verification. */
export async function exportAuditLog(
  deps: GatewayDeps,
  scope: RequestScope,
  q: { fromSeq?: number; toSeq?: number },
): Promise<ByteStream> {
  let out: ByteStream | undefined;
  try {
    await auditedRead(deps, scope, 'audit.export', { filter: q }, async () => {
      requireAuditor(scope);
      out = await deps.auditLog.exportLog(given(q), callContext(scope));
      return { result: undefined };
    });
  } catch (err) {
    // Not delivered (the export's own event was not acknowledged): nothing of the stream is read.
    out?.body.destroy();
    throw err;
  }
  return out!;
}
