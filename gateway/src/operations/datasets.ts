import { AppError } from '@govshare/platform';
import type {
  Dataset,
  DatasetCreate,
  DatasetListQuery,
  DatasetPage,
  Department,
  DatasetSchema,
  DatasetVersionList,
} from '@govshare/contracts';
import { datasetAccessLevel, enforce, mayChangeDataset, type AccessLevel } from '@govshare/platform/policy';
import { callContext, type GatewayDeps, type RequestScope } from '../deps.ts';
import { auditedRead, auditedWrite } from './audited.ts';
import { activeGrantsOf, loadAccessContext } from './catalog-reads.ts';

export type DatasetView = Dataset & { access: AccessLevel };

/** Also what caller tokens are checked against (tokens/departments.ts), outside any request. */
export function listDepartments(
  deps: Pick<GatewayDeps, 'catalog'>,
  scope: Pick<RequestScope, 'requestId'>,
): Promise<Department[]> {
  return deps.catalog.listDepartments({}, { requestId: scope.requestId }).then((r) => r.departments);
}

/** The catalog is visible to every department; each entry says what the caller may do with it. */
export async function listDatasets(
  deps: GatewayDeps,
  scope: RequestScope,
  q: DatasetListQuery,
): Promise<Omit<DatasetPage, 'datasets'> & { datasets: DatasetView[] }> {
  const query = Object.fromEntries(
    Object.entries(q).filter(([, v]) => v !== undefined && v !== null),
  ) as DatasetListQuery;
  return auditedRead(deps, scope, 'datasets.list', {}, async () => {
    const [page, grants] = await Promise.all([
      deps.catalog.listDatasets(query, callContext(scope)),
      activeGrantsOf(deps, scope),
    ]);
    const datasets = page.datasets.map((d) => ({
      ...d,
      access: datasetAccessLevel(
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
        result: { ...dataset, access: datasetAccessLevel(scope.caller, dataset, grants) },
        details: { datasetVersion: dataset.version },
      };
    } catch (err) {
      if (err instanceof AppError && err.code === 'NOT_FOUND') return { result: null };
      throw err;
    }
  });
}

/** The data dictionary's history, oldest first: visible to every department, like the catalog itself. */
export function listDatasetVersions(deps: GatewayDeps, scope: RequestScope, id: string): Promise<DatasetVersionList> {
  return auditedRead(deps, scope, 'datasets.versions', { dataset: id }, async () => {
    const result = await deps.catalog.listVersions({ id }, callContext(scope));
    return { result, details: { recordCount: result.versions.length } };
  });
}

export function createDataset(deps: GatewayDeps, scope: RequestScope, input: DatasetCreate): Promise<Dataset> {
  return auditedWrite(
    deps,
    scope,
    'datasets.create',
    { dataset: input.id },
    () => enforce(mayChangeDataset(scope.caller, input.ownerDept)),
    () => deps.catalog.createDataset(input, callContext(scope)),
  );
}

export async function updateDatasetSchema(
  deps: GatewayDeps,
  scope: RequestScope,
  id: string,
  schema: DatasetSchema,
): Promise<Dataset> {
  return auditedWrite(
    deps,
    scope,
    'datasets.updateSchema',
    { dataset: id },
    async () => {
      const { ownerDept } = await deps.catalog.getDataset({ id }, callContext(scope));
      enforce(mayChangeDataset(scope.caller, ownerDept));
    },
    () => deps.catalog.changeSchema({ id, schema }, callContext(scope)),
  );
}
