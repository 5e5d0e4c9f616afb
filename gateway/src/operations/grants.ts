import { AppError } from '@govshare/platform';
import { ref, type Grant, type GrantCreate } from '@govshare/contracts';
import { hasRole } from '../caller.ts';
import type { GatewayDeps, RequestScope } from '../deps.ts';
import { auditedRead, auditedWrite } from './audited.ts';

function requireAdmin(scope: RequestScope) {
  if (!hasRole(scope.caller, 'admin')) throw new AppError('FORBIDDEN', 'only an admin may manage grants');
}

export function createGrant(
  deps: GatewayDeps,
  scope: RequestScope,
  input: Omit<GrantCreate, 'createdBy'>,
): Promise<Grant> {
  return auditedWrite(
    deps,
    scope,
    'grants.create',
    { dataset: input.datasetId, purpose: input.purpose },
    () => requireAdmin(scope),
    async () => {
      const grant = await deps.catalog.call<Grant>({
        method: 'POST',
        path: '/grants',
        requestId: scope.requestId,
        body: { ...input, createdBy: `${scope.caller.sub}@${scope.caller.dept}` },
        responseSchema: ref('grant.v1.json'),
      });
      // The intent above could not know the grant's id: tie id, purpose and expiry together for the audit's alert rules.
      await deps.grantFacts.created(scope, grant, 'grants.created');
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
      const grant = await deps.catalog.call<Grant>({
        method: 'POST',
        path: `/grants/${encodeURIComponent(id)}/revoke`,
        requestId: scope.requestId,
        responseSchema: ref('grant.v1.json'),
      });
      await deps.grantFacts.revoked(scope, grant, 'grants.revoked');
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
    const params = new URLSearchParams();
    if (filter.datasetId) params.set('datasetId', filter.datasetId);
    if (filter.activeOnly) params.set('active', 'true');
    if (!hasRole(scope.caller, 'admin') && !hasRole(scope.caller, 'steward'))
      params.set('granteeDept', scope.caller.dept);
    const { grants } = await deps.catalog.call<{ grants: Grant[] }>({
      method: 'GET',
      path: `/grants?${params}`,
      requestId: scope.requestId,
      responseSchema: ref('grant.v1.json', 'List'),
    });
    let visible = grants;
    if (!hasRole(scope.caller, 'admin')) {
      // A steward also sees grants on datasets its department owns; the catalog listing does not say the owner, so ask once.
      const owned = new Set<string>();
      if (hasRole(scope.caller, 'steward')) {
        const ids = [...new Set(grants.map((g) => g.datasetId))];
        await Promise.all(
          ids.map(async (id) => {
            const d = await deps.catalog.call<{ ownerDept: string }>({
              method: 'GET',
              path: `/datasets/${encodeURIComponent(id)}`,
              requestId: scope.requestId,
            });
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
