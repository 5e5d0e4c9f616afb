// Boots a whole hub in this process for end-to-end tests, in either topology, each module on its own
// database (in-memory PGlite, or fresh schemas on the Postgres server); callers get real signed JWTs
// over real HTTP.
//   one    the composition root of `pnpm start` (gateway/src/hub.ts): the catalog and the audit log
//          inside the gateway, called through their faces; the quality service over HTTP
//   split  the catalog and the audit log as their own services on real ports, called through the
//          clients generated from their faces with real service tokens
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { createLogger, generateEd25519, remoteFace, createServiceClient, type Logger } from '@govshare/platform';
import type { Role } from '@govshare/contracts';
import { type GatewayOptions, mintCallerToken, openHub, startGateway } from '@govshare/gateway';
import { catalogFaceSpec, startCatalog, type CatalogFace } from '@govshare/catalog';
import { startAudit, type AuditFace, type AuditService } from '@govshare/audit';
import { startQuality } from '@govshare/quality';

export type Backend = 'pglite' | 'postgres';
export type Topology = 'one' | 'split';
/** A backend, and ' split' for the split topology: 'pglite', 'postgres split', ... */
export type HubSetup = Backend | `${Backend} split`;

/** PGlite always; the Postgres server too when GOVSHARE_TEST_DATABASE_URL is set (CI sets it). */
export function backends(): Backend[] {
  return process.env.GOVSHARE_TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

/**
 * Every end-to-end suite runs on each backend in the default topology (one process), and once in the
 * split one (catalog and audit remote): on the Postgres server when it is there, else on PGlite.
 */
export function hubSetups(): HubSetup[] {
  return process.env.GOVSHARE_TEST_DATABASE_URL ? ['pglite', 'postgres', 'postgres split'] : ['pglite', 'pglite split'];
}

/** A port free on 127.0.0.1 now (for a service whose URL must be known before it starts). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export const ISSUER = 'govshare-test-issuer';
export const AUDIENCE = 'govshare';

export interface Hub {
  topology: Topology;
  gatewayUrl: string;
  /** The hub's /metrics (its own listener on 127.0.0.1, as `GOVSHARE_METRICS=internal` has it). */
  metricsUrl: string;
  /** Where the audit module's metrics are: the hub's in one process, the audit service's own when split. */
  auditMetricsUrl: string;
  /** The catalog's face as the gateway holds it: in this process, or the generated client (split). */
  catalogFace: CatalogFace;
  /** The audit log's face as the gateway holds it. */
  auditFace: AuditFace;
  token(dept: string, roles: Role[], extra?: { sub?: string; jti?: string; ttlSeconds?: number }): Promise<string>;
  /** POSTs a GraphQL operation as the given token; returns status and parsed body. */
  gql(
    token: string | undefined,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<{ status: number; body: any }>;
  issuerPrivateJwk: any;
  servicePrivateJwk: any;
  stopAudit(): Promise<void>;
  /** The audit module itself (tests slow down or inspect its log). */
  audit: { service: Pick<AuditService, 'log' | 'db' | 'database'> };
  /** Relays the grant facts pending in the catalog's outbox now (the test hub has no periodic relay); returns how many the audit log acknowledged. */
  relayGrantFacts(): Promise<number>;
  close(): Promise<void>;
}

export async function startHub(
  setup: HubSetup,
  opts: {
    demoScale?: number;
    quality?: boolean;
    /** The catalog's "now" (access workflow deadlines, grant expiry). */ catalogClock?: () => Date;
    /** Every service logs here (tests that read the log lines pass their own). */
    logger?: Logger;
    /** Collects the hub's log lines (JSON, level warn and up) to check what is logged. */
    logLines?: string[];
    /** How long the gateway waits for the audit service's acknowledgement. */
    auditTimeoutMs?: number;
    /** false: the hub trusts no dev issuer for the console (as with an external issuer): no dev sign-in. */
    devSignIn?: boolean;
    /** Postgres backend: the URL the hub's modules connect to (e.g. a proxy in front of the test server). */
    databaseUrl?: string;
    /** Trust this issuer's tokens (by its JWKS URL) instead of the test issuer's: hub.token()'s are then refused. */
    externalIssuer?: { issuer: string; audience: string; jwksUrl: string };
    /** What /console/config.json says (as main.ts gives consoleSignInConfig(env)), e.g. the OIDC sign-in. */
    consoleSignIn?: GatewayOptions['consoleSignIn'];
    /** Per-department rate limits and quotas (with redisUrl and a unique keyPrefix: shared in Redis). */
    rateLimits?: GatewayOptions['rateLimits'];
  } = {},
): Promise<Hub> {
  const logger =
    opts.logger ??
    (opts.logLines
      ? createLogger('test-hub', 'warn', { write: (line) => void opts.logLines!.push(line) })
      : createLogger('test-hub', process.env.TEST_LOG_LEVEL ?? 'silent'));
  const [backend, split] = setup.split(' ') as [Backend, string | undefined];
  const topology: Topology = split ? 'split' : 'one';
  const serviceKeys = await generateEd25519('svc-test');
  const qualityKeys = await generateEd25519('quality-test');
  const issuerKeys = await generateEd25519('issuer-test');
  const maskKey = randomBytes(32); // the hub's one mask key: the gateway's and the quality service's
  const database = {
    databaseUrl: backend === 'postgres' ? (opts.databaseUrl ?? process.env.GOVSHARE_TEST_DATABASE_URL) : undefined,
    dataDir: ':memory:',
    schemaPrefix: `t${process.pid}_${Date.now().toString(36)}_${randomBytes(2).toString('hex')}`,
    logger,
  };
  const common = { ...database, servicePublicJwk: serviceKeys.publicJwk, host: '127.0.0.1', port: 0 };
  const catalogOptions = {
    demoData: { scale: opts.demoScale ?? 0.1 },
    ...(opts.catalogClock ? { clock: opts.catalogClock } : {}),
  };
  const gatewayOptions = {
    ...database,
    servicePrivateJwk: serviceKeys.privateJwk,
    tokens: opts.externalIssuer
      ? {
          issuer: opts.externalIssuer.issuer,
          audience: opts.externalIssuer.audience,
          jwks: { url: opts.externalIssuer.jwksUrl },
        }
      : { issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [issuerKeys.publicJwk] } },
    publishedJwks: { keys: [issuerKeys.publicJwk] },
    maskKey,
    grantFactRelayMs: 0,
    // The console's dev sign-in, as `pnpm start` has it (console/dist: test/console/ builds it first).
    ...(opts.devSignIn === false
      ? {}
      : {
          devIssuer: (claims: { sub: string; dept: string; roles: Role[]; ttlSeconds: number }) =>
            mintCallerToken(issuerKeys.privateJwk, { ...claims, issuer: ISSUER, audience: AUDIENCE }),
        }),
    ...(opts.auditTimeoutMs ? { auditTimeoutMs: opts.auditTimeoutMs } : {}),
    ...(opts.consoleSignIn ? { consoleSignIn: opts.consoleSignIn } : {}),
    metrics: { expose: 'internal' as const, host: '127.0.0.1', port: 0 },
    ...(opts.rateLimits ? { rateLimits: opts.rateLimits } : {}),
  };
  const startQualityFor = (catalogUrl: string, port: number) =>
    startQuality({
      ...common,
      port,
      catalogUrl,
      qualityPrivateJwk: qualityKeys.privateJwk,
      debounceMs: 50,
      maskKey,
    });

  let gatewayUrl: string;
  let metricsUrl: string;
  let auditMetricsUrl: string;
  let catalogFace: CatalogFace;
  let auditFace: AuditFace;
  let audit: Hub['audit'];
  let deps: { grantFacts: { relay(): Promise<number> } };
  const closers: (() => Promise<void>)[] = []; // in order
  let closeAudit: () => Promise<void>;
  if (topology === 'one') {
    const qualityPort = opts.quality ? await freePort() : undefined;
    const hub = await openHub({
      logger,
      catalog: { inProcess: { ...database, ...catalogOptions } },
      audit: { inProcess: database },
      serveCatalogTo: opts.quality
        ? {
            host: '127.0.0.1',
            port: 0,
            servicePublicJwk: serviceKeys.publicJwk,
            qualityPublicJwk: qualityKeys.publicJwk,
          }
        : undefined,
      gateway: { ...gatewayOptions, qualityUrl: qualityPort ? `http://127.0.0.1:${qualityPort}` : undefined },
    });
    const quality = opts.quality ? await startQualityFor(hub.catalogUrl!, qualityPort!) : undefined;
    gatewayUrl = await hub.gateway.app.listen({ host: '127.0.0.1', port: 0 });
    metricsUrl = `${hub.gateway.metricsUrl}/metrics`;
    auditMetricsUrl = metricsUrl;
    catalogFace = hub.catalog!.face;
    auditFace = hub.audit!.face;
    audit = { service: hub.audit! };
    deps = hub.gateway.deps;
    // The quality service first (it reads from the catalog), then the hub: the gateway, then the modules.
    if (quality) closers.push(quality.close);
    closers.push(hub.close);
    closeAudit = () => hub.audit!.close();
  } else {
    const catalog = await startCatalog({ ...common, qualityPublicJwk: qualityKeys.publicJwk, ...catalogOptions });
    const auditService = await startAudit({ ...common });
    const quality = opts.quality ? await startQualityFor(catalog.url, 0) : undefined;
    const gateway = await startGateway({
      ...gatewayOptions,
      catalogUrl: catalog.url,
      auditUrl: auditService.url,
      qualityUrl: quality?.url,
    });
    gatewayUrl = gateway.url;
    metricsUrl = `${gateway.metricsUrl}/metrics`;
    auditMetricsUrl = `${auditService.url}/metrics`;
    // What the gateway holds: the clients generated from the faces, over HTTP with service tokens.
    catalogFace = gateway.deps.catalog;
    auditFace = gateway.deps.auditLog;
    audit = auditService;
    deps = gateway.deps;
    closers.push(gateway.close);
    if (quality) closers.push(quality.close);
    closers.push(catalog.close);
    closeAudit = auditService.close;
  }
  let auditStopped = false;
  const dropSchemas = async () => {
    if (backend !== 'postgres') return;
    const postgres = (await import('postgres')).default;
    const sql = postgres(process.env.GOVSHARE_TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
    const rows = await sql`select nspname from pg_namespace where nspname like ${database.schemaPrefix + '_%'}`;
    for (const r of rows) await sql.unsafe(`drop schema if exists "${r.nspname}" cascade`);
    await sql.end();
  };
  return {
    topology,
    gatewayUrl,
    metricsUrl,
    auditMetricsUrl,
    catalogFace,
    auditFace,
    issuerPrivateJwk: issuerKeys.privateJwk,
    servicePrivateJwk: serviceKeys.privateJwk,
    token: (dept, roles, extra = {}) =>
      mintCallerToken(issuerKeys.privateJwk, {
        sub: extra.sub ?? `${dept.toLowerCase()}-user`,
        dept,
        roles,
        issuer: ISSUER,
        audience: AUDIENCE,
        jti: extra.jti,
        ttlSeconds: extra.ttlSeconds,
      }),
    async gql(token, query, variables) {
      const res = await fetch(`${gatewayUrl}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, body: await res.json() };
    },
    audit,
    relayGrantFacts: () => deps.grantFacts.relay(),
    async stopAudit() {
      auditStopped = true;
      await closeAudit();
    },
    async close() {
      for (const close of closers) await close();
      // In the split topology the audit service is closed last, unless a test stopped it already;
      // in one process the hub closed it (closing twice is harmless).
      if (topology === 'split' && !auditStopped) await closeAudit();
      await dropSchemas();
    },
  };
}

/** The GraphQL error codes of a response, in order. */
export const codes = (body: any): string[] => (body.errors ?? []).map((e: any) => e.extensions?.code);
