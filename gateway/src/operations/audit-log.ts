import { AppError } from '@govshare/platform';
import {
  ref,
  type AuditAlertPage,
  type AuditAlertReview,
  type AuditAlertReviewOutcome,
  type AuditCheckpoint,
  type AuditConsistencyProof,
  type AuditEventPage,
  type AuditEventsQuery,
  type AuditInclusionProof,
} from '@govshare/contracts';
import { hasRole } from '../caller.ts';
import type { GatewayDeps, RequestScope } from '../deps.ts';
import { auditedRead, auditedWrite } from './audited.ts';

// Only auditors and admins read the log, and every read of it is itself logged.
function requireAuditor(scope: RequestScope) {
  if (!hasRole(scope.caller, 'auditor', 'admin'))
    throw new AppError('FORBIDDEN', 'only auditors and admins read the audit log');
}

const qs = (params: Record<string, unknown>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
};

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
    () =>
      deps.auditClient.call<AuditEventPage>({
        method: 'GET',
        path: `/events${qs({ ...q })}`,
        requestId: scope.requestId,
      }),
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
    const result = await deps.auditClient.call<AuditEventPage>({
      method: 'POST',
      path: '/subjects/lookup',
      requestId: scope.requestId,
      body: { identifier, first, after },
    });
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
    () => deps.auditClient.call<AuditAlertPage>({ method: 'GET', path: `/alerts${qs(q)}`, requestId: scope.requestId }),
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
      deps.auditClient.call<AuditAlertReview>({
        method: 'POST',
        path: `/alerts/${alertId}/reviews`,
        requestId: scope.requestId,
        body: { outcome, note: note.trim(), reviewer: { sub: scope.caller.sub, dept: scope.caller.dept } },
        responseSchema: ref('audit-api.v1.json', 'AlertReview'),
      }),
  );
}

export function latestAuditCheckpoint(deps: GatewayDeps, scope: RequestScope): Promise<AuditCheckpoint | null> {
  return readLog(deps, scope, 'audit.checkpoint', {}, () =>
    deps.auditClient.call<AuditCheckpoint | null>({
      method: 'GET',
      path: '/checkpoints/latest',
      requestId: scope.requestId,
    }),
  );
}

export function auditInclusionProof(
  deps: GatewayDeps,
  scope: RequestScope,
  seq: number,
  treeSize?: number,
): Promise<AuditInclusionProof> {
  return readLog(deps, scope, 'audit.proof', { seq, treeSize }, () =>
    deps.auditClient.call<AuditInclusionProof>({
      method: 'GET',
      path: `/proofs/inclusion${qs({ seq, treeSize })}`,
      requestId: scope.requestId,
    }),
  );
}

export function auditConsistencyProof(
  deps: GatewayDeps,
  scope: RequestScope,
  from: number,
  to?: number,
): Promise<AuditConsistencyProof> {
  return readLog(deps, scope, 'audit.proof', { from, to }, () =>
    deps.auditClient.call<AuditConsistencyProof>({
      method: 'GET',
      path: `/proofs/consistency${qs({ from, to })}`,
      requestId: scope.requestId,
    }),
  );
}

/** NDJSON export of a range of the log with its checkpoint and proofs, for offline verification. */
export async function exportAuditLog(deps: GatewayDeps, scope: RequestScope, q: { fromSeq?: number; toSeq?: number }) {
  let out: { contentType: string; body: NodeJS.ReadableStream } | undefined;
  await auditedRead(deps, scope, 'audit.export', { filter: q }, async () => {
    requireAuditor(scope);
    out = await deps.auditClient.stream({ method: 'GET', path: `/export${qs(q)}`, requestId: scope.requestId });
    return { result: undefined };
  });
  return out!;
}
