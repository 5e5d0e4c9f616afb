import type { AccessContext, Grant } from '@govshare/contracts';
import { callContext, type GatewayDeps, type RequestScope } from '../deps.ts';

export type { AccessContext };

/**
 * The dataset and the caller department's active grants on it, asked of the catalog for every
 * decision (never kept here: a revoked grant or a tier change holds from the very next read).
 */
export function loadAccessContext(deps: GatewayDeps, scope: RequestScope, datasetId: string): Promise<AccessContext> {
  return deps.catalog.datasetAccess({ id: datasetId, dept: scope.caller.dept }, callContext(scope));
}

export async function activeGrantsOf(deps: GatewayDeps, scope: RequestScope): Promise<Grant[]> {
  return (await deps.catalog.listGrants({ granteeDept: scope.caller.dept, active: true }, callContext(scope))).grants;
}
