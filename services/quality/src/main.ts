import { closeOnSignals, createLogger, loadServiceSigningKeys } from '@govshare/platform';
import { loadQualityEnv } from './environment.ts';
import { startQuality } from './index.ts';
import { scoreUnscoredDatasets } from './first-scores.ts';

const env = loadQualityEnv();
const logger = createLogger('quality', env.LOG_LEVEL);
// Known shortcut: the quality service signs its catalog calls with the gateway's service-signing key.
const keys = await loadServiceSigningKeys(env.GOVSHARE_DATA_DIR);
const { url, close, quality } = await startQuality({
  databaseUrl: env.DATABASE_URL,
  dataDir: env.GOVSHARE_DATA_DIR,
  schemaPrefix: env.GOVSHARE_DB_SCHEMA_PREFIX,
  servicePublicJwk: keys.publicJwk,
  servicePrivateJwk: keys.privateJwk,
  catalogUrl: env.CATALOG_URL,
  debounceMs: env.QUALITY_DEBOUNCE_MS,
  host: env.GOVSHARE_HOST,
  port: env.QUALITY_PORT,
  logger,
});
logger.info({ url }, 'quality service listening');
closeOnSignals(close, logger);
if (env.QUALITY_SCORE_ON_START) void scoreUnscoredDatasets({ db: quality.db, runs: quality.runs, source: quality.source, logger });
