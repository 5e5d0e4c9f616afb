// Boots the audit service from the environment: env -> keys -> build -> listen -> close on signals.
import {
  ConfigError,
  closeOnSignals,
  createLogger,
  loadServiceSigningKeys,
  logStartupConfig,
  startTracing,
} from '@govshare/platform';
import { auditEnvSpec, loadAuditEnv } from './environment.ts';
import { startAudit } from './index.ts';

const env = loadAuditEnv();
const tracing = await startTracing('govshare-audit').catch((err) => {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`audit: ${err.message}`);
  process.exit(2);
});
const logger = createLogger('audit', env.LOG_LEVEL);
logStartupConfig(logger, auditEnvSpec, env);
logger.info({ endpoint: tracing.endpoint ?? 'off', service: tracing.serviceName }, 'tracing');
try {
  const { publicJwk } = await loadServiceSigningKeys(env.GOVSHARE_DATA_DIR);
  const started = await startAudit({
    databaseUrl: env.DATABASE_URL,
    dataDir: env.GOVSHARE_DATA_DIR,
    schemaPrefix: env.GOVSHARE_DB_SCHEMA_PREFIX,
    servicePublicJwk: publicJwk,
    host: env.GOVSHARE_HOST,
    port: env.AUDIT_PORT,
    logger,
    subjectKey: env.AUDIT_SUBJECT_KEY,
    checkpointIntervalMs: env.AUDIT_CHECKPOINT_INTERVAL_MS,
    metrics: env.GOVSHARE_METRICS,
    advertiseUrl: env.AUDIT_ADVERTISE_URL,
    sequencerRetryMs: env.AUDIT_SEQUENCER_RETRY_MS,
  });
  logger.info({ url: started.url }, 'audit service listening');
  // A parent that started us with an IPC channel (tests, process managers) learns we are listening
  // from this message instead of polling against a deadline.
  process.send?.({ type: 'listening', url: started.url });
  closeOnSignals(async () => {
    await started.close();
    await tracing.shutdown();
  }, logger);
} catch (err) {
  logger.fatal({ err }, 'audit service failed to start');
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
}
