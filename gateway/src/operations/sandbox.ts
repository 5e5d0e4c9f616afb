// The sandbox (可用不可见) through the gateway: aggregate-only queries, computed by the catalog next
// to the data. No rows leave it; groups under k are suppressed and the differencing defence runs
// there too. Every query is audited with its aggregate definition (in `filter`), refused ones too.
import { AppError } from '@govshare/platform';
import { ref, type Filter, type SandboxQuery, type SandboxResult } from '@govshare/contracts';
import { hasRole } from '../caller.ts';
import type { GatewayDeps, RequestScope } from '../deps.ts';
import { auditedRead } from './audited.ts';
import { loadAccessContext, rememberedAccessContext } from './catalog-reads.ts';
import { auditedFilter, subjectFieldsOf } from './records.ts';

export type SandboxRequest = Omit<SandboxQuery, 'callerDept'>;

/** A dataset's x-subject fields, or undefined when it cannot be known (then every filter value is treated as one). */
async function subjectFieldsFor(deps: GatewayDeps, scope: RequestScope, datasetId: string): Promise<string[] | undefined> {
  try {
    return subjectFieldsOf((rememberedAccessContext(deps, scope, datasetId) ?? (await loadAccessContext(deps, scope, datasetId))).dataset);
  } catch {
    return undefined;
  }
}

export function sandboxAggregate(deps: GatewayDeps, scope: RequestScope, q: SandboxRequest): Promise<SandboxResult> {
  // Filter values on subject fields (x-subject) are audited as keyed HMACs, as for records reads.
  let fields: { left?: string[]; right?: string[] } = {};
  const aggregate = () => {
    const a: Record<string, unknown> = { dataset: q.dataset, groupBy: q.groupBy ?? [], measures: q.measures };
    if (q.where) a.where = auditedFilter(q.where as Filter, fields.left);
    if (q.join) a.join = { ...q.join, ...(q.join.where ? { where: auditedFilter(q.join.where, fields.right) } : {}) };
    return a;
  };
  return auditedRead(deps, scope, 'sandbox.aggregate', () => ({ dataset: q.dataset, filter: { aggregate: aggregate() } }), async () => {
    if (!hasRole(scope.caller, 'consumer', 'steward', 'admin')) throw new AppError('FORBIDDEN', 'the sandbox needs the role consumer, steward or admin');
    if (q.where || q.join?.where) {
      fields = {
        left: q.where ? await subjectFieldsFor(deps, scope, q.dataset) : undefined,
        right: q.join?.where ? await subjectFieldsFor(deps, scope, q.join.dataset) : undefined,
      };
    }
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
        filter: { aggregate: aggregate(), scope: result.scope, k: result.k, releasedGroups: result.groups.length, suppressedGroups: result.suppressedGroups },
      },
    };
  });
}
