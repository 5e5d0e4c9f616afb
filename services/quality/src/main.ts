import {
  ConfigError,
  closeOnSignals,
  createLogger,
  logStartupConfig,
  loadMaskKey,
  loadQualitySigningKeys,
  loadServiceSigningKeys,
  startTracing,
} from '@govshare/platform';
import { loadQualityEnv, qualityEnvSpec } from './environment.ts';
import { startQuality } from './index.ts';
import { scoreChangedDatasets } from './first-scores.ts';

const env = loadQualityEnv();
const tracing = await startTracing('govshare-quality').catch((err) => {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`quality: ${err.message}`);
  process.exit(2);
});
const logger = createLogger('quality', env.LOG_LEVEL);
logStartupConfig(logger, qualityEnvSpec, env);
logger.info({ endpoint: tracing.endpoint ?? 'off', service: tracing.serviceName }, 'tracing');
// Verifies the gateway's calls with the gateway's public key; signs its own catalog reads with its own key.
const gatewayKeys = await loadServiceSigningKeys(env.GOVSHARE_DATA_DIR);
const ownKeys = await loadQualitySigningKeys(env.GOVSHARE_DATA_DIR);
const { url, close, quality } = await startQuality({
  databaseUrl: env.DATABASE_URL,
  dataDir: env.GOVSHARE_DATA_DIR,
  schemaPrefix: env.GOVSHARE_DB_SCHEMA_PREFIX,
  servicePublicJwk: gatewayKeys.publicJwk,
  qualityPrivateJwk: ownKeys.privateJwk,
  catalogUrl: env.CATALOG_URL,
  // The gateway's key (same variable, or the same key file in the shared data dir): equal hashes.
  maskKey: loadMaskKey(env.GOVSHARE_DATA_DIR, env.GOVSHARE_MASK_KEY),
  debounceMs: env.QUALITY_DEBOUNCE_MS,
  host: env.GOVSHARE_HOST,
  port: env.QUALITY_PORT,
  logger,
  metrics: env.GOVSHARE_METRICS,
});
logger.info({ url }, 'quality service listening');
closeOnSignals(async () => {
  await close();
  await tracing.shutdown();
}, logger);
if (env.QUALITY_SCORE_ON_START)
  void scoreChangedDatasets({ db: quality.db, runs: quality.runs, source: quality.source, logger });
