import { ref, type Dataset, type Grant } from '@govshare/contracts';
import type { GatewayDeps, RequestScope } from '../deps.ts';

export interface AccessContext {
  dataset: Dataset;
  grants: Grant[];
  /** The catalog's version of what this context rests on; records queries send it back. */
  version: string;
}

/** The dataset and the caller department's active grants on it, fresh from the catalog. */
export function loadAccessContext(deps: GatewayDeps, scope: RequestScope, datasetId: string): Promise<AccessContext> {
  return deps.catalog
    .call<AccessContext>({
      method: 'GET',
      path: `/datasets/${encodeURIComponent(datasetId)}/access?dept=${encodeURIComponent(scope.caller.dept)}`,
      requestId: scope.requestId,
      responseSchema: ref('dataset.v1.json', 'AccessContext'),
    })
    .then((ctx) => {
      remembered(deps).set(contextKey(scope, datasetId), ctx);
      return ctx;
    });
}

// Access contexts last used per (dataset, department). Reusing one saves a catalog call per read; it
// is safe because every records query carries the context's version and the grant it relies on, and
// the catalog refuses the query when either is stale (see readRecords).
const MAX_REMEMBERED = 1000;
const rememberedByDeps = new WeakMap<GatewayDeps, Map<string, AccessContext>>();
function remembered(deps: GatewayDeps): Map<string, AccessContext> {
  let m = rememberedByDeps.get(deps);
  if (!m) rememberedByDeps.set(deps, (m = new Map()));
  if (m.size > MAX_REMEMBERED) m.clear();
  return m;
}
const contextKey = (scope: RequestScope, datasetId: string) => `${datasetId}\u0000${scope.caller.dept}`;

/** A remembered access context, if any (the caller must have the catalog confirm its version). */
export function rememberedAccessContext(
  deps: GatewayDeps,
  scope: RequestScope,
  datasetId: string,
): AccessContext | undefined {
  return remembered(deps).get(contextKey(scope, datasetId));
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
