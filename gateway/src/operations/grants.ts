import { AppError } from '@govshare/platform';
import type { Grant, GrantCreate } from '@govshare/contracts';
import { hasRole } from '../caller.ts';
import { callContext, type GatewayDeps, type RequestScope } from '../deps.ts';
import { auditedRead, auditedWrite } from './audited.ts';

function requireAdmin(scope: RequestScope) {
  if (!hasRole(scope.caller, 'admin')) throw new AppError('FORBIDDEN', 'only an admin may manage grants');
}

/** The catalog records the caller (`sub@dept`) as the grant's creator. */
export function createGrant(deps: GatewayDeps, scope: RequestScope, input: GrantCreate): Promise<Grant> {
  return auditedWrite(
    deps,
    scope,
    'grants.create',
    { dataset: input.datasetId, purpose: input.purpose },
    () => requireAdmin(scope),
    async () => {
      const grant = await deps.catalog.createGrant(input, callContext(scope));
      // The intent above could not know the grant's id: the catalog wrote the fact tying id, purpose and
      // expiry together with the grant (the audit's alert rules use it); relay it before answering.
      await deps.grantFacts.relay();
      return grant;
    },
  );
}

export function revokeGrant(deps: GatewayDeps, scope: RequestScope, id: string): Promise<Grant> {
  return auditedWrite(
    deps,
    scope,
    'grants.revoke',
    { grantId: id },
    () => requireAdmin(scope),
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
    const { grants } = await deps.catalog.listGrants(
      {
        ...(filter.datasetId ? { datasetId: filter.datasetId } : {}),
        ...(filter.activeOnly ? { active: true } : {}),
        ...(!hasRole(scope.caller, 'admin') && !hasRole(scope.caller, 'steward')
          ? { granteeDept: scope.caller.dept }
          : {}),
      },
      callContext(scope),
    );
    let visible = grants;
    if (!hasRole(scope.caller, 'admin')) {
      // A steward also sees grants on datasets its department owns; the catalog listing does not say the owner, so ask once.
      const owned = new Set<string>();
      if (hasRole(scope.caller, 'steward')) {
        const ids = [...new Set(grants.map((g) => g.datasetId))];
        await Promise.all(
          ids.map(async (id) => {
            const d = await deps.catalog.getDataset({ id }, callContext(scope));
            if (d.ownerDept === scope.caller.dept) owned.add(id);
          }),
        );
      }
      visible = grants.filter((g) => g.granteeDept === scope.caller.dept || owned.has(g.datasetId));
    }
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
      if (!hasRole(scope.caller, 'admin')) throw new AppError('FORBIDDEN', 'only an admin may revoke tokens');
      if (!jti.trim()) throw new AppError('BAD_USER_INPUT', 'jti: must not be empty');
    },
    async () => {
      await deps.revocations.revoke(jti, reason, `${scope.caller.sub}@${scope.caller.dept}`);
      return true;
    },
  );
}
