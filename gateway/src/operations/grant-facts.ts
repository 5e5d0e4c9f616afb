// The facts the audit service needs to check later uses of a grant (its purpose, its period, its
// revocation), recorded after the catalog committed the grant. The change itself was audited as an
// intent before it ran, but its id, purpose and expiry are only known once it committed; if the gateway
// stops or the audit service is down in between, the fact would be lost. So each fact has an id derived
// from the grant (the audit service keeps the first event of an id and acknowledges repeats), and a
// sweep re-offers the fact of every grant the catalog holds that this process has not seen
// acknowledged: all grants at start and every hour, and in between (every GATEWAY_GRANT_FACT_SWEEP_MS,
// 30 s) the grants created or revoked in the last 10 minutes. A lost fact is late, never missing.
import { randomUUID } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import type { AuditEvent, Grant } from '@govshare/contracts';
import type { GatewayDeps, RequestScope } from '../deps.ts';
import { auditEvent } from './audited.ts';

/** Fixed namespace of grant fact ids (uuid v5), so that every gateway derives the same id for the same fact. */
const GRANT_FACT_NAMESPACE = '1b671a64-40d5-491e-99b0-da01ff1e03f1';

export type GrantFactKind = 'created' | 'revoked';

export const grantFactId = (grantId: string, kind: GrantFactKind): string =>
  uuidv5(`${kind}:${grantId}`, GRANT_FACT_NAMESPACE);

/** What the audit service needs to check later uses of a grant (purpose, period). */
export function grantFacts(grant: Grant) {
  return {
    dataset: grant.datasetId,
    grantId: grant.id,
    purpose: grant.purpose,
    grantExpiresAt: grant.expiresAt,
    fields: grant.fields,
  };
}

/** Who a sweep (not a request) names as the actor: the grant's creator where the catalog says it, else the gateway. */
function sweepActor(createdBy?: string): AuditEvent['actor'] {
  const at = createdBy?.lastIndexOf('@') ?? -1;
  if (createdBy && at > 0) return { sub: createdBy.slice(0, at), dept: createdBy.slice(at + 1), roles: [] };
  return { sub: 'govshare-gateway', dept: 'HUB', roles: ['system'] };
}

/** The facts a sweep finds missing among the catalog's grants, as events with their derived ids. */
export function dueGrantFacts(
  grants: Grant[],
  acknowledged: ReadonlySet<string>,
  requestId: string,
  at = new Date(),
): AuditEvent[] {
  const event = (id: string, action: string, actor: AuditEvent['actor'], details: Partial<AuditEvent>): AuditEvent => ({
    id,
    at: at.toISOString(),
    requestId,
    actor,
    action,
    outcome: 'allowed',
    ...details,
  });
  const due: AuditEvent[] = [];
  for (const g of grants) {
    const created = grantFactId(g.id, 'created');
    if (!acknowledged.has(created)) due.push(event(created, 'grants.created', sweepActor(g.createdBy), grantFacts(g)));
    const revoked = grantFactId(g.id, 'revoked');
    if (g.revokedAt && !acknowledged.has(revoked))
      due.push(event(revoked, 'grants.revoked', sweepActor(), { dataset: g.datasetId, grantId: g.id }));
  }
  return due;
}

export interface GrantFactRecorder {
  /** Records the creation of a grant, as `grants.created` (by an admin) or `access.granted` (by an approved request). */
  created(
    scope: RequestScope,
    grant: Grant,
    action: 'grants.created' | 'access.granted',
    extra?: Pick<AuditEvent, 'accessRequestId'>,
  ): Promise<void>;
  /** Records the end of a grant, as `grants.revoked` (by an admin) or `access.grantRevoked` (through its request). */
  revoked(
    scope: RequestScope,
    grant: { id: string; datasetId: string },
    action: 'grants.revoked' | 'access.grantRevoked',
    extra?: Pick<AuditEvent, 'accessRequestId'>,
  ): Promise<void>;
  /** Offers the audit service every fact of the catalog's grants not yet acknowledged to this process; returns how many it sent. */
  sweep(): Promise<number>;
  stop(): void;
}

/**
 * Records grant facts with derived ids, remembering which ones the audit service acknowledged, and
 * sweeps the catalog every `sweepMs` (0: only when asked). A failure to record is logged and left to
 * the next sweep: the change it follows has already committed and stands.
 */
export function createGrantFactRecorder(
  deps: Pick<GatewayDeps, 'catalog' | 'audit' | 'logger'>,
  sweepMs: number,
  // A window far wider than the interval, so clock skew and slow transactions do not hide a change.
  { recentMs = 10 * 60_000, fullEveryMs = 60 * 60_000 } = {},
): GrantFactRecorder {
  const acknowledged = new Set<string>();
  let lastFull: number | undefined;
  const record = async (event: AuditEvent) => {
    if (acknowledged.has(event.id)) return;
    try {
      await deps.audit.record(event);
      acknowledged.add(event.id);
    } catch (err) {
      deps.logger.error(
        { err: (err as Error).message, reqId: event.requestId, action: event.action, grantId: event.grantId },
        'could not audit a grant fact; the next sweep offers it again',
      );
    }
  };
  const withId = (event: AuditEvent, id: string): AuditEvent => ({ ...event, id });

  let sweeping: Promise<number> | null = null;
  const sweepOnce = async (): Promise<number> => {
    const requestId = `grant-facts-sweep-${randomUUID()}`;
    const started = Date.now();
    const full = lastFull === undefined || started - lastFull >= fullEveryMs;
    // The hub's own call: no caller.
    const { grants } = await deps.catalog.listGrants(
      full ? {} : { changedSince: new Date(started - recentMs).toISOString() },
      { requestId },
    );
    const due = dueGrantFacts(grants, acknowledged, requestId);
    // All at once: the recorder coalesces concurrent events into few calls.
    await Promise.all(due.map((e) => deps.audit.record(e).then(() => acknowledged.add(e.id))));
    if (full) lastFull = started;
    return due.length;
  };
  const sweep = () => (sweeping ??= sweepOnce().finally(() => (sweeping = null)));

  const timer =
    sweepMs > 0
      ? setInterval(
          () =>
            void sweep().catch((err) =>
              deps.logger.warn({ err: (err as Error).message }, 'grant fact sweep failed; retrying later'),
            ),
          sweepMs,
        )
      : undefined;
  timer?.unref();
  if (sweepMs > 0)
    void sweep().catch((err) =>
      deps.logger.warn({ err: (err as Error).message }, 'first grant fact sweep failed; retrying later'),
    );

  return {
    created: (scope, grant, action, extra = {}) =>
      record(
        withId(
          auditEvent(scope, action, 'allowed', { ...grantFacts(grant), ...extra }),
          grantFactId(grant.id, 'created'),
        ),
      ),
    revoked: (scope, grant, action, extra = {}) =>
      record(
        withId(
          auditEvent(scope, action, 'allowed', { dataset: grant.datasetId, grantId: grant.id, ...extra }),
          grantFactId(grant.id, 'revoked'),
        ),
      ),
    sweep,
    stop: () => clearInterval(timer),
  };
}
