import { ref, type Dataset, type Grant } from '@govshare/contracts';
import type { GatewayDeps, RequestScope } from '../deps.ts';

export interface AccessContext {
  dataset: Dataset;
  grants: Grant[];
}

/** The dataset and the caller department's active grants on it: one catalog call per request. */
export function loadAccessContext(deps: GatewayDeps, scope: RequestScope, datasetId: string): Promise<AccessContext> {
  return deps.catalog.call<AccessContext>({
    method: 'GET',
    path: `/datasets/${encodeURIComponent(datasetId)}/access?dept=${encodeURIComponent(scope.caller.dept)}`,
    requestId: scope.requestId,
    responseSchema: ref('dataset.v1.json', 'AccessContext'),
  });
}

export function activeGrantsOf(deps: GatewayDeps, scope: RequestScope): Promise<Grant[]> {
  return deps.catalog
    .call<{ grants: Grant[] }>({
      method: 'GET',
      path: `/grants?granteeDept=${encodeURIComponent(scope.caller.dept)}&active=true`,
      requestId: scope.requestId,
      responseSchema: ref('grant.v1.json', 'List'),
    })
    .then((r) => r.grants);
}
