// Boots the gateway from environment variables (see environment.ts).
import { ConfigError, closeOnSignals, createLogger, loadMaskKey, loadServiceSigningKeys } from '@govshare/platform';
import { readGatewayEnv } from './environment.ts';
import { loadDevIssuerKeys } from './tokens/dev-issuer.ts';
import { startGateway } from './index.ts';

async function main() {
  const env = readGatewayEnv();
  const logger = createLogger('gateway', env.LOG_LEVEL);
  const serviceKeys = await loadServiceSigningKeys(env.GOVSHARE_DATA_DIR);
  const dev = env.GOVSHARE_JWKS_URL ? undefined : await loadDevIssuerKeys(env.GOVSHARE_DATA_DIR);
  const gw = await startGateway({
    host: env.GOVSHARE_HOST,
    port: env.GATEWAY_PORT,
    catalogUrl: env.CATALOG_URL,
    auditUrl: env.AUDIT_URL,
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
    maskKey: loadMaskKey(env.GOVSHARE_DATA_DIR, env.GOVSHARE_MASK_KEY),
    grantFactSweepMs: env.GATEWAY_GRANT_FACT_SWEEP_MS,
    limits: {
      depth: env.GATEWAY_MAX_DEPTH,
      complexity: env.GATEWAY_MAX_COMPLEXITY,
      aliases: env.GATEWAY_MAX_ALIASES,
      bodyBytes: env.GATEWAY_BODY_LIMIT,
    },
    logger,
  });
  logger.info({ url: `${gw.url}/graphql` }, 'gateway listening');
  closeOnSignals(gw.close, logger);
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    console.error(`gateway: ${err.message}`);
    process.exit(2);
  }
  console.error('gateway failed to start:', err);
  process.exit(1);
});
