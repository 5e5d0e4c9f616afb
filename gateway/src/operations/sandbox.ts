// The sandbox (可用不可见) through the gateway: aggregate-only queries, computed by the catalog next
// to the data (dimensions only, k, differential privacy for private data; services/catalog/src/sandbox.ts).
// Every query is audited with its aggregate definition (in `filter`), the ε it spent, and the
// subjects a filtered query touched (as keyed HMACs, so "who accessed this person" shows probes);
// refused ones too. The privacy budget and standard tables are the owner's (its stewards) and admins'.
import type {
  Dataset,
  Filter,
  SandboxBudget,
  SandboxQuery,
  SandboxResult,
  SandboxStandardRelease,
} from '@govshare/contracts';
import {
  enforce,
  managesEverySandbox,
  mayAskSandbox,
  mayPublishSandboxRelease,
  mayReadSandboxBudget,
  maySetSandboxBudget,
  subjectFieldsOf,
  type Asker,
  type Decision,
} from '@govshare/platform/policy';
import { callContext, type GatewayDeps, type RequestScope } from '../deps.ts';
import { auditedRead, auditedWrite } from './audited.ts';
import { auditedFilter } from './records.ts';

/** A sandbox query; the catalog takes the asking department from the caller it is told of. */
export type SandboxRequest = SandboxQuery;
export type SandboxBudgetChange = {
  epsilonPerYear?: number;
  epsilonPerQuery?: number;
  departmentShare?: number;
  dominanceShare?: number;
};

/** A dataset's x-subject fields, or undefined when it cannot be known (then every filter value is treated as one). */
async function subjectFieldsFor(
  deps: GatewayDeps,
  scope: RequestScope,
  datasetId: string,
): Promise<string[] | undefined> {
  try {
    return subjectFieldsOf(await deps.catalog.getDataset({ id: datasetId }, callContext(scope)));
  } catch {
    return undefined;
  }
}

/** Asks `decide` about the dataset, loading it only when the policy needs its owner (not for an admin). */
async function enforceOnDataset(
  deps: GatewayDeps,
  scope: RequestScope,
  datasetId: string,
  decide: (asker: Asker, dataset: Pick<Dataset, 'id' | 'ownerDept'>) => Decision,
): Promise<void> {
  if (managesEverySandbox(scope.caller)) return;
  const { ownerDept } = await deps.catalog.getDataset({ id: datasetId }, callContext(scope));
  enforce(decide(scope.caller, { id: datasetId, ownerDept }));
}

function aggregateOf(q: SandboxRequest, fields: { left?: string[]; right?: string[] }): Record<string, unknown> {
  const a: Record<string, unknown> = { dataset: q.dataset, groupBy: q.groupBy ?? [], measures: q.measures };
  if (q.where) a.where = auditedFilter(q.where as Filter, fields.left);
  if (q.join) a.join = { ...q.join, ...(q.join.where ? { where: auditedFilter(q.join.where, fields.right) } : {}) };
  return a;
}

/** Runs a sandbox query (or publishes a standard table) through the catalog, audited. */
function audited(
  deps: GatewayDeps,
  scope: RequestScope,
  q: SandboxRequest,
  action: string,
  op: 'sandboxAggregate' | 'publishSandboxRelease',
  authorise: () => Promise<void>,
): Promise<SandboxResult> {
  // Filter values on subject fields (x-subject) are audited as keyed HMACs, as for records reads.
  let fields: { left?: string[]; right?: string[] } = {};
  return auditedRead(
    deps,
    scope,
    action,
    () => ({ dataset: q.dataset, filter: { aggregate: aggregateOf(q, fields) } }),
    async () => {
      await authorise();
      if (q.where || q.join?.where) {
        fields = {
          left: q.where ? await subjectFieldsFor(deps, scope, q.dataset) : undefined,
          right: q.join?.where ? await subjectFieldsFor(deps, scope, q.join.dataset) : undefined,
        };
      }
      const { touchedSubjects, ...result } = await deps.catalog[op](q, callContext(scope));
      const p = result.privacy;
      return {
        result,
        details: {
          recordCount: result.groups.length,
          fields: [...(q.groupBy ?? []), ...q.measures.filter((m) => m.field).map((m) => m.field!)],
          // Clear identifiers travel to the audit service only, which stores their keyed HMACs.
          ...(touchedSubjects?.length ? { subjects: touchedSubjects } : {}),
          filter: {
            aggregate: aggregateOf(q, fields),
            scope: result.scope,
            k: result.k,
            releasedGroups: result.groups.length,
            privacy: {
              mode: p.mode,
              mechanism: p.mechanism,
              epsilon: p.epsilon,
              cached: p.cached,
              ...(p.departmentEpsilonPerYear !== undefined ? { departmentShare: p.departmentEpsilonPerYear } : {}),
              ...(p.datasetEpsilonPerYear !== undefined ? { datasetBudget: p.datasetEpsilonPerYear } : {}),
            },
          },
        },
      };
    },
  );
}

export function sandboxAggregate(deps: GatewayDeps, scope: RequestScope, q: SandboxRequest): Promise<SandboxResult> {
  return audited(deps, scope, q, 'sandbox.aggregate', 'sandboxAggregate', async () =>
    enforce(mayAskSandbox(scope.caller)),
  );
}

/** The owner publishes a standard table: always with differential privacy, paid from the dataset's budget, free for everyone after. */
export function publishSandboxRelease(
  deps: GatewayDeps,
  scope: RequestScope,
  q: SandboxRequest,
): Promise<SandboxResult> {
  return audited(deps, scope, q, 'sandbox.release', 'publishSandboxRelease', () =>
    enforceOnDataset(deps, scope, q.dataset, mayPublishSandboxRelease),
  );
}

export function sandboxReleases(
  deps: GatewayDeps,
  scope: RequestScope,
  datasetId: string,
): Promise<SandboxStandardRelease[]> {
  return auditedRead(deps, scope, 'sandbox.releases', { dataset: datasetId }, async () => {
    const { releases } = await deps.catalog.listSandboxReleases({ id: datasetId }, callContext(scope));
    return { result: releases, details: { recordCount: releases.length } };
  });
}

export function sandboxBudget(deps: GatewayDeps, scope: RequestScope, datasetId: string): Promise<SandboxBudget> {
  return auditedRead(deps, scope, 'sandbox.budget', { dataset: datasetId }, async () => {
    await enforceOnDataset(deps, scope, datasetId, mayReadSandboxBudget);
    const result = await deps.catalog.getSandboxBudget({ id: datasetId }, callContext(scope));
    return { result };
  });
}

export function setSandboxBudget(
  deps: GatewayDeps,
  scope: RequestScope,
  datasetId: string,
  change: SandboxBudgetChange,
): Promise<SandboxBudget> {
  return auditedWrite(
    deps,
    scope,
    'sandbox.setBudget',
    { dataset: datasetId, filter: change },
    () => enforceOnDataset(deps, scope, datasetId, maySetSandboxBudget),
    () => deps.catalog.setSandboxBudget({ id: datasetId, ...change }, callContext(scope)),
  );
}
