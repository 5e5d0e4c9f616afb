// Boots the catalog: env -> keys -> build -> listen -> close on signals.
// Run: tsx services/catalog/src/main.ts
import {
  ConfigError,
  closeOnSignals,
  createLogger,
  logStartupConfig,
  loadQualitySigningKeys,
  loadServiceSigningKeys,
  startTracing,
  type Tracing,
} from '@govshare/platform';
import { catalogEnvSpec, dateList, loadCatalogEnv, type CatalogEnv } from './environment.ts';
import { startCatalog } from './app.ts';

let env: CatalogEnv;
let tracing: Tracing;
try {
  env = loadCatalogEnv();
  tracing = await startTracing('govshare-catalog');
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`catalog: ${err.message}`);
  process.exit(2);
}
const logger = createLogger('catalog', env.LOG_LEVEL);
logStartupConfig(logger, catalogEnvSpec, env);
logger.info({ endpoint: tracing.endpoint ?? 'off', service: tracing.serviceName }, 'tracing');
const keys = await loadServiceSigningKeys(env.GOVSHARE_DATA_DIR);
const qualityKeys = await loadQualitySigningKeys(env.GOVSHARE_DATA_DIR);
const { url, close } = await startCatalog({
  databaseUrl: env.DATABASE_URL,
  dataDir: env.GOVSHARE_DATA_DIR,
  schemaPrefix: env.GOVSHARE_DB_SCHEMA_PREFIX,
  servicePublicJwk: keys.publicJwk,
  qualityPublicJwk: qualityKeys.publicJwk,
  host: env.GOVSHARE_HOST,
  port: env.CATALOG_PORT,
  logger,
  metrics: env.GOVSHARE_METRICS,
  demoData: env.GOVSHARE_DEMO_DATA ? { scale: 1 } : false,
  sandboxK: env.GOVSHARE_SANDBOX_K,
  maxCellBytes: env.GOVSHARE_INGEST_MAX_CELL_BYTES,
  workingCalendar: {
    holidays: dateList(env.GOVSHARE_HOLIDAYS),
    workdays: dateList(env.GOVSHARE_MAKEUP_WORKDAYS),
  },
});
logger.info({ url }, 'catalog listening');
closeOnSignals(async () => {
  await close();
  await tracing.shutdown();
}, logger);
