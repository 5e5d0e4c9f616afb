// Library entry: importing it never starts a server. Run directly (tsx services/catalog/src/index.ts)
// it boots the process through src/main.ts.
import { pathToFileURL } from 'node:url';

export { buildCatalog, startCatalog, type CatalogOptions } from './app.ts';
export { manualClock, type Clock, type ManualClock } from './deadlines.ts';
export { loadCatalogEnv, catalogEnvSpec, type CatalogEnv } from './environment.ts';
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
