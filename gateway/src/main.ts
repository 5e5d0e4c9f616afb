// Boots the hub process from environment variables (see environment.ts): the gateway, with the catalog
// and the audit log inside unless CATALOG_URL / AUDIT_URL name where they run (their own variables,
// see services/*/src/environment.ts, configure them here too).
import { auditEnvSpec, loadAuditEnv } from '@govshare/audit';
import { catalogEnvSpec, dateList, loadCatalogEnv } from '@govshare/catalog';
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
import { gatewayEnvSpec, rateLimitsOf, readGatewayEnv } from './environment.ts';
import { openHub } from './hub.ts';
import { consoleSignInConfig, devSignInAllowed } from './http/oidc-config.ts';
import { loadDevIssuerKeys, mintCallerToken } from './tokens/dev-issuer.ts';

async function main() {
  const env = readGatewayEnv();
  // Before any app is built: the HTTP shell adds its span hooks only when tracing is on.
  const tracing = await startTracing('govshare-hub');
  const logger = createLogger('hub', env.LOG_LEVEL);
  logger.info({ endpoint: tracing.endpoint ?? 'off', service: tracing.serviceName }, 'tracing');
  const serviceKeys = await loadServiceSigningKeys(env.GOVSHARE_DATA_DIR);
  const dev = env.GOVSHARE_JWKS_URL ? undefined : await loadDevIssuerKeys(env.GOVSHARE_DATA_DIR);
  const catalogEnv = env.CATALOG_URL ? undefined : loadCatalogEnv();
  const auditEnv = env.AUDIT_URL ? undefined : loadAuditEnv();
  // The hub's own variables and those of the modules it runs, once, secrets redacted.
  logStartupConfig(
    logger,
    { ...gatewayEnvSpec, ...(catalogEnv ? catalogEnvSpec : {}), ...(auditEnv ? auditEnvSpec : {}) },
    { ...auditEnv, ...catalogEnv, ...env },
  );
  const database = {
    databaseUrl: env.DATABASE_URL,
    dataDir: env.GOVSHARE_DATA_DIR,
    schemaPrefix: env.GOVSHARE_DB_SCHEMA_PREFIX,
  };
  const hub = await openHub({
    logger,
    catalog: catalogEnv
      ? {
          inProcess: {
            ...database,
            logger: logger.child({ module: 'catalog' }),
            demoData: catalogEnv.GOVSHARE_DEMO_DATA ? { scale: 1 } : false,
            sandboxK: catalogEnv.GOVSHARE_SANDBOX_K,
            maxCellBytes: catalogEnv.GOVSHARE_INGEST_MAX_CELL_BYTES,
            workingCalendar: {
              holidays: dateList(catalogEnv.GOVSHARE_HOLIDAYS),
              workdays: dateList(catalogEnv.GOVSHARE_MAKEUP_WORKDAYS),
            },
          },
        }
      : { url: env.CATALOG_URL! },
    audit: auditEnv
      ? {
          inProcess: {
            ...database,
            logger: logger.child({ module: 'audit' }),
            subjectKey: auditEnv.AUDIT_SUBJECT_KEY,
            checkpointIntervalMs: auditEnv.AUDIT_CHECKPOINT_INTERVAL_MS,
          },
        }
      : { url: env.AUDIT_URL! },
    // The quality service reads datasets from the catalog: served to it on CATALOG_PORT (127.0.0.1 by default).
    serveCatalogTo:
      catalogEnv && env.QUALITY_URL
        ? {
            host: env.GOVSHARE_HOST,
            port: catalogEnv.CATALOG_PORT,
            servicePublicJwk: serviceKeys.publicJwk,
            qualityPublicJwk: (await loadQualitySigningKeys(env.GOVSHARE_DATA_DIR)).publicJwk,
          }
        : undefined,
    gateway: {
      qualityUrl: env.QUALITY_URL,
      dataDir: env.GOVSHARE_DATA_DIR,
      databaseUrl: env.DATABASE_URL,
      schemaPrefix: env.GOVSHARE_DB_SCHEMA_PREFIX,
      servicePrivateJwk: serviceKeys.privateJwk,
      tokens: {
        issuer: env.GOVSHARE_JWT_ISSUER,
        audience: env.GOVSHARE_JWT_AUDIENCE,
        jwks: env.GOVSHARE_JWKS_URL ? { url: env.GOVSHARE_JWKS_URL } : { keys: [dev!.publicJwk] },
        maxLifetimeSeconds: env.GOVSHARE_JWT_MAX_LIFETIME,
      },
      publishedJwks: dev ? { keys: [dev.publicJwk] } : undefined,
      // The console's dev sign-in exists only while the hub trusts its own dev issuer.
      consoleSignIn: consoleSignInConfig(env),
      devIssuer:
        dev && devSignInAllowed(env)
          ? (claims) =>
              mintCallerToken(dev.privateJwk, {
                ...claims,
                issuer: env.GOVSHARE_JWT_ISSUER,
                audience: env.GOVSHARE_JWT_AUDIENCE,
              })
          : undefined,
      maskKey: loadMaskKey(env.GOVSHARE_DATA_DIR, env.GOVSHARE_MASK_KEY),
      grantFactRelayMs: env.GATEWAY_GRANT_FACT_RELAY_MS,
      rateLimits: rateLimitsOf(env),
      limits: {
        depth: env.GATEWAY_MAX_DEPTH,
        complexity: env.GATEWAY_MAX_COMPLEXITY,
        aliases: env.GATEWAY_MAX_ALIASES,
        bodyBytes: env.GATEWAY_BODY_LIMIT,
      },
      metrics: { expose: env.GOVSHARE_METRICS, host: env.GOVSHARE_METRICS_HOST, port: env.GOVSHARE_METRICS_PORT },
      logger,
    },
  });
  try {
    const url = await hub.gateway.app.listen({ host: env.GOVSHARE_HOST, port: env.GATEWAY_PORT });
    logger.info(
      {
        url: `${url}/graphql`,
        catalog: env.CATALOG_URL ?? 'in process',
        audit: env.AUDIT_URL ?? 'in process',
        metrics:
          env.GOVSHARE_METRICS === 'public'
            ? `${url}/metrics`
            : ((hub.gateway.metricsUrl && `${hub.gateway.metricsUrl}/metrics`) ?? 'off'),
      },
      'hub listening',
    );
  } catch (err) {
    await hub.close();
    await tracing.shutdown();
    throw err;
  }
  // The spans of the last requests are flushed after the hub has stopped serving.
  closeOnSignals(async () => {
    await hub.close();
    await tracing.shutdown();
  }, logger);
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    console.error(`hub: ${err.message}`);
    process.exit(2);
  }
  console.error('hub failed to start:', err);
  process.exit(1);
});
