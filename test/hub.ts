// Boots a whole hub in this process for end-to-end tests: catalog, audit and gateway, each on its
// own real HTTP port and its own database (in-memory PGlite, or fresh schemas on the Postgres
// server), talking to each other with real service tokens. Callers get real signed JWTs.
import { randomBytes } from 'node:crypto';
import { createLogger, generateEd25519, type Logger } from '@govshare/platform';
import type { Role } from '@govshare/contracts';
import { mintCallerToken, startGateway } from '@govshare/gateway';
import { startCatalog } from '@govshare/catalog';
import { startAudit, type StartedAudit } from '@govshare/audit';
import { startQuality } from '@govshare/quality';

export type Backend = 'pglite' | 'postgres';

/** PGlite always; the Postgres server too when GOVSHARE_TEST_DATABASE_URL is set (CI sets it). */
export function backends(): Backend[] {
  return process.env.GOVSHARE_TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

export const ISSUER = 'govshare-test-issuer';
export const AUDIENCE = 'govshare';

export interface Hub {
  gatewayUrl: string;
  auditUrl: string;
  catalogUrl: string;
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
  /** The audit service itself (tests slow down or inspect its log). */
  audit: StartedAudit;
  /** Runs the gateway's sweep of grant facts now (the hub's gateway does not sweep by itself); returns how many it sent. */
  sweepGrantFacts(): Promise<number>;
  close(): Promise<void>;
}

export async function startHub(
  backend: Backend,
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
  } = {},
): Promise<Hub> {
  const logger =
    opts.logger ??
    (opts.logLines
      ? createLogger('test-hub', 'warn', { write: (line) => void opts.logLines!.push(line) })
      : createLogger('test-hub', process.env.TEST_LOG_LEVEL ?? 'silent'));
  const serviceKeys = await generateEd25519('svc-test');
  const qualityKeys = await generateEd25519('quality-test');
  const issuerKeys = await generateEd25519('issuer-test');
  const maskKey = randomBytes(32); // the hub's one mask key: the gateway's and the quality service's
  const common = {
    databaseUrl: backend === 'postgres' ? process.env.GOVSHARE_TEST_DATABASE_URL : undefined,
    dataDir: ':memory:',
    schemaPrefix: `t${process.pid}_${Date.now().toString(36)}_${randomBytes(2).toString('hex')}`,
    servicePublicJwk: serviceKeys.publicJwk,
    host: '127.0.0.1',
    port: 0,
    logger,
  };
  const catalog = await startCatalog({
    ...common,
    qualityPublicJwk: qualityKeys.publicJwk,
    demoData: { scale: opts.demoScale ?? 0.1 },
    ...(opts.catalogClock ? { clock: opts.catalogClock } : {}),
  });
  const audit = await startAudit({ ...common });
  const quality = opts.quality
    ? await startQuality({
        ...common,
        catalogUrl: catalog.url,
        qualityPrivateJwk: qualityKeys.privateJwk,
        debounceMs: 50,
        maskKey,
      })
    : undefined;
  const gateway = await startGateway({
    ...common,
    catalogUrl: catalog.url,
    auditUrl: audit.url,
    qualityUrl: quality?.url,
    servicePrivateJwk: serviceKeys.privateJwk,
    tokens: { issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [issuerKeys.publicJwk] } },
    publishedJwks: { keys: [issuerKeys.publicJwk] },
    maskKey,
    grantFactSweepMs: 0,
    ...(opts.auditTimeoutMs ? { auditTimeoutMs: opts.auditTimeoutMs } : {}),
  });
  let auditStopped = false;
  const dropSchemas = async () => {
    if (backend !== 'postgres') return;
    const postgres = (await import('postgres')).default;
    const sql = postgres(process.env.GOVSHARE_TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
    const rows = await sql`select nspname from pg_namespace where nspname like ${common.schemaPrefix + '_%'}`;
    for (const r of rows) await sql.unsafe(`drop schema if exists "${r.nspname}" cascade`);
    await sql.end();
  };
  return {
    gatewayUrl: gateway.url,
    auditUrl: audit.url,
    catalogUrl: catalog.url,
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
      const res = await fetch(`${gateway.url}/graphql`, {
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
    sweepGrantFacts: () => gateway.deps.grantFacts.sweep(),
    async stopAudit() {
      auditStopped = true;
      await audit.close();
    },
    async close() {
      await gateway.close();
      await quality?.close();
      await catalog.close();
      if (!auditStopped) await audit.close();
      await dropSchemas();
    },
  };
}

/** The GraphQL error codes of a response, in order. */
export const codes = (body: any): string[] => (body.errors ?? []).map((e: any) => e.extensions?.code);
