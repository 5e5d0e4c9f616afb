import { AppError } from '@govshare/platform';
import {
  ref,
  type Dataset,
  type DatasetCreate,
  type DatasetListQuery,
  type DatasetPage,
  type Department,
  type DatasetSchema,
} from '@govshare/contracts';
import { hasRole } from '../caller.ts';
import type { GatewayDeps, RequestScope } from '../deps.ts';
import { accessLevel, type AccessLevel } from '../policy/access-policy.ts';
import { auditedRead, auditedWrite } from './audited.ts';
import { activeGrantsOf, loadAccessContext } from './catalog-reads.ts';

export type DatasetView = Dataset & { access: AccessLevel };

/** Also what caller tokens are checked against (tokens/departments.ts), outside any request. */
export function listDepartments(
  deps: Pick<GatewayDeps, 'catalog'>,
  scope: Pick<RequestScope, 'requestId'>,
): Promise<Department[]> {
  return deps.catalog
    .call<{ departments: Department[] }>({
      method: 'GET',
      path: '/departments',
      requestId: scope.requestId,
      responseSchema: ref('department.v1.json', 'List'),
    })
    .then((r) => r.departments);
}

/** The catalog is visible to every department; each entry says what the caller may do with it. */
export async function listDatasets(
  deps: GatewayDeps,
  scope: RequestScope,
  q: DatasetListQuery,
): Promise<Omit<DatasetPage, 'datasets'> & { datasets: DatasetView[] }> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null) params.set(k, String(v));
  return auditedRead(deps, scope, 'datasets.list', {}, async () => {
    const [page, grants] = await Promise.all([
      deps.catalog.call<DatasetPage>({
        method: 'GET',
        path: `/datasets?${params}`,
        requestId: scope.requestId,
        responseSchema: ref('dataset.v1.json', 'Page'),
      }),
      activeGrantsOf(deps, scope),
    ]);
    const datasets = page.datasets.map((d) => ({
      ...d,
      access: accessLevel(
        scope.caller,
        d,
        grants.filter((g) => g.datasetId === d.id),
      ),
    }));
    return { result: { ...page, datasets }, details: { recordCount: datasets.length } };
  });
}

export async function getDataset(deps: GatewayDeps, scope: RequestScope, id: string): Promise<DatasetView | null> {
  return auditedRead(deps, scope, 'datasets.read', { dataset: id }, async () => {
    try {
      const { dataset, grants } = await loadAccessContext(deps, scope, id);
      return {
        result: { ...dataset, access: accessLevel(scope.caller, dataset, grants) },
        details: { datasetVersion: dataset.version },
      };
    } catch (err) {
      if (err instanceof AppError && err.code === 'NOT_FOUND') return { result: null };
      throw err;
    }
  });
}

function requireStewardOf(scope: RequestScope, ownerDept: string) {
  if (hasRole(scope.caller, 'admin')) return;
  if (!hasRole(scope.caller, 'steward') || scope.caller.dept !== ownerDept) {
    throw new AppError('FORBIDDEN', `only a steward of ${ownerDept} (or an admin) may change this dataset`);
  }
}

export function createDataset(deps: GatewayDeps, scope: RequestScope, input: DatasetCreate): Promise<Dataset> {
  return auditedWrite(
    deps,
    scope,
    'datasets.create',
    { dataset: input.id },
    () => requireStewardOf(scope, input.ownerDept),
    () =>
      deps.catalog.call<Dataset>({
        method: 'POST',
        path: '/datasets',
        requestId: scope.requestId,
        body: input,
        responseSchema: ref('dataset.v1.json'),
      }),
  );
}

export async function updateDatasetSchema(
  deps: GatewayDeps,
  scope: RequestScope,
  id: string,
  schema: DatasetSchema,
): Promise<Dataset> {
  let ownerDept = '';
  return auditedWrite(
    deps,
    scope,
    'datasets.updateSchema',
    { dataset: id },
    async () => {
      ownerDept = (
        await deps.catalog.call<Dataset>({
          method: 'GET',
          path: `/datasets/${encodeURIComponent(id)}`,
          requestId: scope.requestId,
        })
      ).ownerDept;
      requireStewardOf(scope, ownerDept);
    },
    () =>
      deps.catalog.call<Dataset>({
        method: 'PUT',
        path: `/datasets/${encodeURIComponent(id)}/schema`,
        requestId: scope.requestId,
        body: { schema },
        responseSchema: ref('dataset.v1.json'),
      }),
  );
}

export { requireStewardOf };
