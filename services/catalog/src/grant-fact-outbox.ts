// The transactional outbox of grant facts. The audit log must know each grant's id, purpose, expiry
// and end to check later reads against it, but those are only known once the catalog commits. So the
// fact is written as an audit event in the same transaction as the grant change, and relayed to the
// audit log afterwards (by the hub: right after the change, and periodically until acknowledged).
import { randomUUID } from 'node:crypto';
import { asc, inArray, isNull, sql } from 'drizzle-orm';
import { v5 as uuidv5 } from 'uuid';
import type { AuditEvent, Grant } from '@govshare/contracts';
import type { Principal } from '@govshare/platform';
import type { CatalogDb } from './datasets.ts';
import { grantFactOutbox } from './schema.ts';

/** Fixed namespace of grant fact ids (uuid v5): the same fact always has the same id, and the audit log keeps one. */
const GRANT_FACT_NAMESPACE = '1b671a64-40d5-491e-99b0-da01ff1e03f1';

export type GrantFactKind = 'created' | 'revoked';
export type GrantFactAction = 'grants.created' | 'access.granted' | 'grants.revoked' | 'access.grantRevoked';

export const grantFactId = (grantId: string, kind: GrantFactKind): string =>
  uuidv5(`${kind}:${grantId}`, GRANT_FACT_NAMESPACE);

/** Who changed the grant and in which request (the verified caller the gateway passed). */
export interface FactOrigin {
  requestId: string;
  actor: Principal;
}

/** The audit event of a grant fact: a creation carries what later reads are checked against. */
export function grantFactEvent(
  action: GrantFactAction,
  grant: Pick<Grant, 'id' | 'datasetId'> & Partial<Pick<Grant, 'purpose' | 'expiresAt' | 'fields'>>,
  origin: FactOrigin,
  at: Date,
  extra: Pick<AuditEvent, 'accessRequestId'> = {},
): AuditEvent {
  const created = action === 'grants.created' || action === 'access.granted';
  return {
    id: grantFactId(grant.id, created ? 'created' : 'revoked'),
    at: at.toISOString(),
    requestId: origin.requestId,
    actor: { sub: origin.actor.sub, dept: origin.actor.dept, roles: origin.actor.roles },
    action,
    outcome: 'allowed',
    dataset: grant.datasetId,
    grantId: grant.id,
    ...(created ? { purpose: grant.purpose, grantExpiresAt: grant.expiresAt, fields: grant.fields } : {}),
    ...extra,
  } as AuditEvent;
}

type Tx = Pick<CatalogDb, 'insert'>;

/** Writes facts in the caller's transaction; a fact already there (a retried change) is kept once. */
export async function enqueueGrantFacts(tx: Tx, events: AuditEvent[]): Promise<void> {
  if (!events.length) return;
  await tx
    .insert(grantFactOutbox)
    .values(events.map((e) => ({ id: e.id, event: e })))
    .onConflictDoNothing();
}

/** The oldest facts not yet acknowledged by the audit log. */
export async function pendingGrantFacts(db: CatalogDb, limit = 100): Promise<{ events: AuditEvent[] }> {
  const rows = await db
    .select({ event: grantFactOutbox.event })
    .from(grantFactOutbox)
    .where(isNull(grantFactOutbox.sentAt))
    .orderBy(asc(grantFactOutbox.createdAt), asc(grantFactOutbox.id))
    .limit(limit);
  return { events: rows.map((r) => r.event as AuditEvent) };
}

/** Marks facts the audit log acknowledged (committed); returns how many were pending. */
export async function markGrantFactsSent(db: CatalogDb, ids: string[], at: Date): Promise<{ marked: number }> {
  if (!ids.length) return { marked: 0 };
  const rows = await db
    .update(grantFactOutbox)
    .set({ sentAt: at })
    .where(sql`${inArray(grantFactOutbox.id, ids)} and ${isNull(grantFactOutbox.sentAt)}`)
    .returning({ id: grantFactOutbox.id });
  return { marked: rows.length };
}

/** The origin of a change the hub makes itself (no caller): named so in the log. */
export const systemOrigin = (): FactOrigin => ({
  requestId: `catalog-${randomUUID()}`,
  actor: { sub: 'govshare-catalog', dept: 'HUB', roles: ['system'] },
});

/** Who the demo data's grant facts name. */
export const DEMO_ORIGIN: FactOrigin = {
  requestId: 'demo-seed',
  actor: { sub: 'demo-seed', dept: 'HUB', roles: ['system'] },
};
