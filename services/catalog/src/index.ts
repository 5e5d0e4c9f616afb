// Library entry: importing it never starts a server. Run directly (tsx services/catalog/src/index.ts)
// it boots the process through src/main.ts.
import { pathToFileURL } from 'node:url';

export {
  buildCatalog,
  openCatalogModule,
  serveCatalog,
  startCatalog,
  type CatalogModule,
  type CatalogModuleOptions,
  type CatalogOptions,
} from './app.ts';
export {
  catalogFaceSpec,
  createCatalogFace,
  type CatalogFace,
  type CatalogFaceDeps,
  type DatasetVersion,
  type FieldCheckResult,
  type GrantListQuery,
  type NoInput,
} from './face.ts';
export type { AccessRequestListQuery } from './access-requests.ts';
export { manualClock, type Clock, type ManualClock } from './deadlines.ts';
export { catalogEnvSpec, dateList, loadCatalogEnv, type CatalogEnv } from './environment.ts';
export {
  compileDatasetSchema,
  keyFieldsOf,
  fieldsOf,
  checkCompatibility,
  type FieldInfo,
  type CompatibilityProblem,
} from './data-dictionary.ts';
export {
  seedDemoData,
  DEMO_DATASETS,
  DEMO_DEPARTMENTS,
  DEMO_SCHEMAS,
  residentIdCheckChar,
  creditCodeCheckChar,
} from './demo-data.ts';

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await import('./main.ts');
}
