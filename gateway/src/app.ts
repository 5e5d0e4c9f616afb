import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { JWK } from 'jose';
import {
  AppError,
  createLogger,
  createServiceApp,
  createServiceClient,
  createServiceTokenSigner,
  openDatabase,
  remoteFace,
  type Logger,
} from '@govshare/platform';
import { catalogFaceSpec, type CatalogFace } from '@govshare/catalog';
import { qualityFaceSpec, type QualityFace } from '@govshare/quality';
import { auditFaceSpec, type AuditFace } from '@govshare/audit';
import { createAuditRecorder } from './audit-recorder.ts';
import { createGrantFactRelay } from './operations/grant-facts.ts';
import type { GatewayDeps } from './deps.ts';
import { buildSchema } from './graphql/schema/index.ts';
import { DEFAULT_MAX_TOKEN_LIFETIME_S } from './environment.ts';
import { createGatewayYoga } from './graphql/yoga.ts';
import { authenticate } from './http/authenticate.ts';
import { registerIngestRoute } from './http/ingest-route.ts';
import { registerAuditExportRoute } from './http/audit-export-route.ts';
import { registerConsoleRoutes, type DevIssuer } from './http/console-route.ts';
import type { ConsoleSignInConfig } from './http/oidc-config.ts';
import * as tables from './schema.ts';
import { listDepartments } from './operations/datasets.ts';
import { createDepartmentDirectory } from './tokens/departments.ts';
import { loadRevocations } from './tokens/revocations.ts';
import { createTokenVerifier } from './tokens/verify-token.ts';
import { createDepartmentLimiter, type DepartmentLimiterOptions } from './rate-limits/department-limiter.ts';
import { sendRefusal } from './rate-limits/refusal-reply.ts';

const migrationsFolder = fileURLToPath(new URL('../migrations', import.meta.url));

export interface GatewayOptions {
  /** The catalog in this process (openCatalogModule's face); without it, the catalog service at catalogUrl. */
  catalog?: CatalogFace;
  /** With `catalog`: its readiness (openCatalogModule's ready), part of the gateway's /readyz. */
  catalogReady?: () => Promise<void>;
  /** The catalog service, when it runs as its own process (required without `catalog`). */
  catalogUrl?: string;
  /** The audit module in this process; when absent, the audit service at auditUrl. */
  audit?: AuditFace;
  /** With `audit`: whether the audit log can commit (gateway readiness); by default it is not asked. */
  auditReady?: () => Promise<void>;
  /** The audit service's base URL, when the audit module runs as its own service. */
  auditUrl?: string;
  /** How long the gateway waits for an audit acknowledgement (default 5000 ms). */
  auditTimeoutMs?: number;
  /** The quality module in this process; else, with qualityUrl, the quality service there. */
  quality?: QualityFace;
  qualityUrl?: string;
  dataDir: string;
  databaseUrl?: string;
  schemaPrefix?: string;
  /** Signs the service tokens internal services require. */
  servicePrivateJwk: JWK;
  /** Which caller tokens to trust; maxLifetimeSeconds: longest exp - iat accepted (default 12 h). */
  tokens: { issuer: string; audience: string; jwks: { keys: JWK[] } | { url: string }; maxLifetimeSeconds?: number };
  /** Public keys published at /.well-known/jwks.json (the dev issuer's). */
  publishedJwks?: { keys: JWK[] };
  maskKey: Buffer;
  /** How often (ms) to relay grant facts an outage left in the catalog's outbox; also once at start. 0: only after grant changes and when asked (deps.grantFacts.relay()). */
  grantFactRelayMs?: number;
  limits?: {
    depth?: number;
    complexity?: number;
    aliases?: number;
    bodyBytes?: number;
    uploadBytes?: number;
    pageSize?: number;
  };
  logger?: Logger;
  /**
   * Per-department rate limits and daily quotas (docs/operations.md, Quotas), counted on each
   * request to /graphql, the upload and the audit export once its token is verified; shared by every
   * gateway through Redis when redisUrl is set. Unset: no limits.
   */
  rateLimits?: Omit<DepartmentLimiterOptions, 'logger'>;
  /** The built web console served under /console/ (default console/dist of this repository). */
  consoleDir?: string;
  /** Mints dev-issuer tokens for the console's dev sign-in; leave out when an external issuer is trusted. */
  devIssuer?: DevIssuer;
  /** The console's sign-in configuration served at /console/config.json (consoleSignInConfig(env)). */
  consoleSignIn?: ConsoleSignInConfig;
}

export interface Gateway {
  app: FastifyInstance;
  deps: GatewayDeps;
  close(): Promise<void>;
}

export async function buildGateway(o: GatewayOptions): Promise<Gateway> {
  const logger = o.logger ?? createLogger('gateway');
  const limits = {
    depth: 8,
    complexity: 3000,
    aliases: 15,
    bodyBytes: 100 * 1024,
    uploadBytes: 256 * 1024 * 1024,
    pageSize: 100,
    ...o.limits,
  };
  const database = await openDatabase({
    service: 'gateway',
    tables,
    migrationsFolder,
    databaseUrl: o.databaseUrl,
    dataDir: o.dataDir,
    schemaPrefix: o.schemaPrefix,
  });
  const revocations = await loadRevocations(database.db);
  const signer = createServiceTokenSigner(o.servicePrivateJwk);
  const catalogUrl = o.catalog ? undefined : o.catalogUrl;
  if (!o.catalog && !catalogUrl) throw new Error('gateway: a catalog face or catalogUrl is required');
  const catalogClient = catalogUrl
    ? createServiceClient({ service: 'catalog', baseUrl: catalogUrl, signer })
    : undefined;
  const catalog: CatalogFace = o.catalog ?? remoteFace(catalogFaceSpec, catalogClient!);
  const auditTimeoutMs = o.auditTimeoutMs ?? 5000;
  if (!o.audit && !o.auditUrl)
    throw new Error('gateway: give the audit module (audit) or the audit service URL (auditUrl)');
  const auditClient = o.audit
    ? undefined
    : createServiceClient({ service: 'audit', baseUrl: o.auditUrl!, signer, timeoutMs: auditTimeoutMs });
  const auditLog: AuditFace = o.audit ?? remoteFace(auditFaceSpec, auditClient!);
  const qualityClient =
    !o.quality && o.qualityUrl ? createServiceClient({ service: 'quality', baseUrl: o.qualityUrl, signer }) : undefined;
  const quality = o.quality ?? (qualityClient ? remoteFace(qualityFaceSpec, qualityClient) : undefined);
  const audit = createAuditRecorder(auditLog.append, logger, { timeoutMs: auditTimeoutMs });
  const deps: GatewayDeps = {
    catalog,
    audit,
    grantFacts: createGrantFactRelay({ catalog, audit, logger }, o.grantFactRelayMs ?? 5_000),
    auditLog,
    quality,
    maskKey: o.maskKey,
    revocations,
    logger,
    pageSizeMax: limits.pageSize,
  };
  const departments = createDepartmentDirectory({
    load: async () => (await listDepartments(deps, { requestId: randomUUID() })).map((d) => d.code),
    logger,
  });
  const verify = createTokenVerifier({
    ...o.tokens,
    maxLifetimeSeconds: o.tokens.maxLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_S,
    isRevoked: revocations.isRevoked,
    departments,
  });
  const rateLimits = o.rateLimits ? createDepartmentLimiter({ ...o.rateLimits, logger }) : undefined;
  if (!rateLimits) logger.info('rate limits: off (no GOVSHARE_RATE_LIMITS)');
  await rateLimits?.ready();
  const yoga = createGatewayYoga(
    buildSchema({ depth: limits.depth, complexity: limits.complexity, breadth: 200 }),
    { aliases: limits.aliases, depth: limits.depth },
    logger,
  );

  // Ready = the services every read needs are ready (the catalog can query, the audit log can commit).
  const dependencyReady = async (name: string, baseUrl: string) => {
    const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(900) });
    await res.text();
    if (!res.ok) throw new Error(`${name} is not ready`);
  };
  const auditReady = () => (o.audit ? (o.auditReady?.() ?? Promise.resolve()) : dependencyReady('audit', o.auditUrl!));
  const app = createServiceApp({
    logger,
    bodyLimit: limits.bodyBytes,
    ready: async () =>
      void (await Promise.all([
        catalogUrl ? dependencyReady('catalog', catalogUrl) : o.catalogReady?.(),
        auditReady(),
      ])),
  });

  app.get('/.well-known/jwks.json', async () => o.publishedJwks ?? { keys: [] });
  // The audit service's checkpoint keys (current, then retired), so auditors verify checkpoints and
  // exports with keys fetched from the hub's public address rather than a key file.
  app.get('/.well-known/audit-checkpoint-jwks.json', async (req) => auditLog.publicKeys({}, { requestId: req.id }));

  app.route({
    url: '/graphql',
    method: ['GET', 'POST'],
    handler: async (req, reply) => {
      let scope: Awaited<ReturnType<typeof authenticate>>;
      try {
        scope = await authenticate(req, deps, verify);
      } catch (err) {
        const message = err instanceof AppError ? err.message : 'invalid token';
        // Only when the token could not be checked (the catalog's department list unavailable) is it 503.
        const code = err instanceof AppError && err.code === 'UNAVAILABLE' ? 'UNAVAILABLE' : 'UNAUTHENTICATED';
        return reply
          .code(code === 'UNAVAILABLE' ? 503 : 401)
          .header('www-authenticate', 'Bearer')
          .header('content-type', 'application/json; charset=utf-8')
          .send({ errors: [{ message, extensions: { code } }] });
      }
      // Counted after the token (per department), before any GraphQL work: a refusal costs little.
      const refusal = await rateLimits?.admit(scope.caller.dept);
      if (refusal) return sendRefusal(reply, refusal, 'graphql');
      // A client that leaves before its response is written: reads then log what was withheld.
      const gone = new AbortController();
      reply.raw.once('close', () => reply.raw.writableFinished || gone.abort());
      scope = { ...scope, signal: gone.signal };
      const response = await yoga.handleNodeRequestAndResponse(req, reply, { scope, deps });
      response.headers.forEach((value, key) => void reply.header(key, value));
      reply.status(response.status);
      reply.send(response.body);
      return reply;
    },
  });

  registerIngestRoute(app, deps, verify, limits.uploadBytes, rateLimits);
  registerAuditExportRoute(app, deps, verify, rateLimits);
  await registerConsoleRoutes(app, deps, { dir: o.consoleDir, devIssuer: o.devIssuer, signIn: o.consoleSignIn });

  return {
    app,
    deps,
    async close() {
      await app.close();
      revocations.stop();
      deps.grantFacts.stop();
      await Promise.all([catalogClient?.close(), auditClient?.close(), qualityClient?.close()]);
      await database.close();
      await rateLimits?.close();
    },
  };
}
