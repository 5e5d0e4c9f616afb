// The sandbox (可用不可见) through the gateway: aggregate-only queries, computed by the catalog next
// to the data. No rows leave it; groups under k are suppressed and the differencing defence runs
// there too. Every query is audited with its aggregate definition (in `filter`), refused ones too.
import { AppError } from '@govshare/platform';
import { ref, type Filter, type SandboxQuery, type SandboxResult } from '@govshare/contracts';
import { hasRole } from '../caller.ts';
import type { GatewayDeps, RequestScope } from '../deps.ts';
import { auditedRead } from './audited.ts';

export type SandboxRequest = Omit<SandboxQuery, 'callerDept'>;

export function sandboxAggregate(deps: GatewayDeps, scope: RequestScope, q: SandboxRequest): Promise<SandboxResult> {
  const aggregate: Record<string, unknown> = { dataset: q.dataset, groupBy: q.groupBy ?? [], measures: q.measures };
  if (q.where) aggregate.where = q.where as Filter;
  if (q.join) aggregate.join = q.join;
  return auditedRead(deps, scope, 'sandbox.aggregate', { dataset: q.dataset, filter: { aggregate } }, async () => {
    if (!hasRole(scope.caller, 'consumer', 'steward', 'admin')) throw new AppError('FORBIDDEN', 'the sandbox needs the role consumer, steward or admin');
    const result = await deps.catalog.call<SandboxResult>({
      method: 'POST',
      path: '/sandbox/aggregate',
      requestId: scope.requestId,
      body: { ...q, callerDept: scope.caller.dept },
      responseSchema: ref('sandbox.v1.json', 'Result'),
    });
    return {
      result,
      details: {
        recordCount: result.groups.length,
        fields: [...(q.groupBy ?? []), ...q.measures.filter((m) => m.field).map((m) => m.field!)],
        filter: { aggregate, scope: result.scope, k: result.k, releasedGroups: result.groups.length, suppressedGroups: result.suppressedGroups },
      },
    };
  });
}
