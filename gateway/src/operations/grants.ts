import { AppError } from '@govshare/platform';
import type { Grant, GrantCreate } from '@govshare/contracts';
import { enforce, grantsSeenBy, grantVisibleTo, mayManageGrants, mayRevokeTokens } from '@govshare/platform/policy';
import { callContext, type GatewayDeps, type RequestScope } from '../deps.ts';
import { auditedRead, auditedWrite } from './audited.ts';

/** The catalog records the caller (`sub@dept`) as the grant's creator. */
export function createGrant(deps: GatewayDeps, scope: RequestScope, input: GrantCreate): Promise<Grant> {
  return auditedWrite(
    deps,
    scope,
    'grants.create',
    { dataset: input.datasetId, purpose: input.purpose },
    () => enforce(mayManageGrants(scope.caller)),
    async () => {
      const grant = await deps.catalog.createGrant(input, callContext(scope));
      // The intent above could not know the grant's id: the catalog wrote the fact tying id, purpose and
      // expiry together with the grant (the audit's alert rules use it); relay it before answering.
      await deps.grantFacts.relay();
      return grant;
    },
  );
}

/** The reason, when given, goes into the audit event (the grant itself keeps only when it was revoked). */
export function revokeGrant(deps: GatewayDeps, scope: RequestScope, id: string, reason?: string): Promise<Grant> {
  return auditedWrite(
    deps,
    scope,
    'grants.revoke',
    { grantId: id, ...(reason !== undefined ? { reason } : {}) },
    () => {
      enforce(mayManageGrants(scope.caller));
      if (reason !== undefined && !reason.trim()) throw new AppError('BAD_USER_INPUT', 'reason: must not be empty');
    },
    async () => {
      const grant = await deps.catalog.revokeGrant({ id }, callContext(scope));
      await deps.grantFacts.relay();
      return grant;
    },
  );
}

/** Admins see every grant; other callers see the grants held by or given on their department's data. */
export function listGrants(
  deps: GatewayDeps,
  scope: RequestScope,
  filter: { datasetId?: string; activeOnly?: boolean },
): Promise<Grant[]> {
  return auditedRead(deps, scope, 'grants.list', filter.datasetId ? { dataset: filter.datasetId } : {}, async () => {
    const seen = grantsSeenBy(scope.caller);
    const { grants } = await deps.catalog.listGrants(
      {
        ...(filter.datasetId ? { datasetId: filter.datasetId } : {}),
        ...(filter.activeOnly ? { active: true } : {}),
        ...(seen === 'held' ? { granteeDept: scope.caller.dept } : {}),
      },
      callContext(scope),
    );
    // Grants given on a steward's own datasets: the catalog listing does not say the owner, so ask once a dataset.
    const owners = new Map<string, string>();
    if (seen === 'held-or-given')
      await Promise.all(
        [...new Set(grants.map((g) => g.datasetId))].map(async (id) =>
          owners.set(id, (await deps.catalog.getDataset({ id }, callContext(scope))).ownerDept),
        ),
      );
    const visible = grants.filter((g) =>
      grantVisibleTo(scope.caller, { granteeDept: g.granteeDept, ownerDept: owners.get(g.datasetId) }),
    );
    return { result: visible, details: { recordCount: visible.length } };
  });
}

export function revokeToken(deps: GatewayDeps, scope: RequestScope, jti: string, reason: string): Promise<boolean> {
  return auditedWrite(
    deps,
    scope,
    'tokens.revoke',
    { reason },
    () => {
      enforce(mayRevokeTokens(scope.caller));
      if (!jti.trim()) throw new AppError('BAD_USER_INPUT', 'jti: must not be empty');
    },
    async () => {
      await deps.revocations.revoke(jti, reason, `${scope.caller.sub}@${scope.caller.dept}`);
      return true;
    },
  );
}

/**
 * Any caller revokes its own token (sign-out): the gateway refuses its jti from now on. Audited as
 * a token revocation like revokeToken, with the reason "sign-out".
 */
export function signOut(deps: GatewayDeps, scope: RequestScope): Promise<boolean> {
  return auditedWrite(
    deps,
    scope,
    'tokens.revoke',
    { reason: 'sign-out' },
    () => {},
    async () => {
      await deps.revocations.revoke(scope.caller.jti, 'sign-out', `${scope.caller.sub}@${scope.caller.dept}`);
      return true;
    },
  );
}
