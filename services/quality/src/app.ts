import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { JWK, JWTPayload } from 'jose';
import {
  GATEWAY_CALLER,
  addPoolMetrics,
  createLogger,
  createMetricsRegistry,
  createServiceApp,
  Histogram,
  createServiceTokenVerifier,
  openDatabase,
  serveFace,
  type Database,
  type KeyPairJwk,
  type Logger,
  type MetricsExposure,
} from '@govshare/platform';
import { tables } from './schema.ts';
import { RunManager } from './runs.ts';
import { catalogSource, type RecordSource } from './source.ts';
import { createQualityFace, qualityFaceSpec, type QualityFace } from './face.ts';
import type { QualityDb } from './rule-sets.ts';
import { loadPublicationKeys } from './signing.ts';
import { currentPolicy } from './publications.ts';

export const migrationsFolder = fileURLToPath(new URL('../migrations', import.meta.url));

/** What the module needs, whichever process it runs in. */
export interface QualityModuleOptions {
  databaseUrl?: string;
  /** ':memory:' for a throwaway PGlite and in-memory publication key. */
  dataDir: string;
  schemaPrefix?: string;
  logger?: Logger;
  /** Catalog base URL, and the quality service's own private key to sign its (read-only) calls there. */
  catalogUrl?: string;
  qualityPrivateJwk?: JWK;
  /**
   * The hub's mask key (the gateway's: GOVSHARE_MASK_KEY or the data dir's mask-hmac key file):
   * hash-masked values in report examples are its keyed HMAC, the same token the gateway serves.
   */
  maskKey: Uint8Array;
  /** Replaces the catalog (tests, benchmarks): any RecordSource. */
  source?: RecordSource;
  /** Records per export request to the catalog (default 5000). */
  catalogPageSize?: number;
  debounceMs?: number;
  concurrency?: number;
  /**
   * The module's one clock: every time it stores or compares (runs, rule sets, policies,
   * publications, appeals, timeliness) comes from it. Default the system clock; tests inject theirs.
   */
  now?: () => Date;
}

/** The quality service's options: the module's, and who may call it over HTTP. */
export interface QualityOptions extends QualityModuleOptions {
  /** Public half of the gateway's service-signing key: verifies incoming tokens (aud "quality"). */
  servicePublicJwk: JWK;
  /** 'off': no /metrics route; otherwise served on the service's (internal) port. Default 'internal'. */
  metrics?: MetricsExposure;
}

export interface QualityModule {
  /** What other modules call (the gateway, in this process or through serveFace). */
  face: QualityFace;
  db: QualityDb;
  database: Database<typeof tables>;
  runs: RunManager;
  source: RecordSource;
  publicationKeys: KeyPairJwk;
  now: () => Date;
  logger: Logger;
  /** Resolves when the database answers (a readiness probe). */
  ready(): Promise<void>;
  /** Stops the run manager, the catalog client and the database. */
  close(): Promise<void>;
}

/**
 * The quality module without HTTP: its database (migrated), the catalog source, the run manager and
 * its scheduler (started: queued runs go on), the publication keys, and the face over them.
 */
export async function openQualityModule(opts: QualityModuleOptions): Promise<QualityModule> {
  const logger = opts.logger ?? createLogger('quality');
  const now = opts.now ?? (() => new Date());
  const database = await openDatabase({
    service: 'quality',
    tables,
    migrationsFolder,
    databaseUrl: opts.databaseUrl,
    dataDir: opts.dataDir,
    schemaPrefix: opts.schemaPrefix,
  });
  const db = database.db;
  let closeSource: (() => Promise<void>) | undefined;
  try {
    let source = opts.source;
    if (!source) {
      if (!opts.catalogUrl || !opts.qualityPrivateJwk)
        throw new Error('quality: catalogUrl and qualityPrivateJwk are required without a custom source');
      const cs = catalogSource({
        baseUrl: opts.catalogUrl,
        privateJwk: opts.qualityPrivateJwk,
        pageSize: opts.catalogPageSize,
      });
      source = cs;
      closeSource = cs.close;
    }
    const publicationKeys = await loadPublicationKeys(opts.dataDir);
    await currentPolicy(db, now); // seeds policy version 1
    const runs = new RunManager({
      db,
      source,
      logger,
      debounceMs: opts.debounceMs,
      concurrency: opts.concurrency,
      now,
      maskKey: opts.maskKey,
    });
    const face = createQualityFace({ db, runs, source, publicationKeys, now, logger });
    await runs.start();
    return {
      face,
      db,
      database,
      runs,
      source,
      publicationKeys,
      now,
      logger,
      ready: async () => {
        await db.execute(sql`select 1`);
      },
      close: async () => {
        await runs.close();
        await closeSource?.();
        await database.close();
      },
    };
  } catch (err) {
    await closeSource?.();
    await database.close();
    throw err;
  }
}

/** Only the gateway calls the quality service (for its end users, or for the hub). */
const gatewayOnly = (caller: JWTPayload) =>
  caller.iss === GATEWAY_CALLER.issuer && caller.sub === GATEWAY_CALLER.subject;

/** The quality service: the module, served over HTTP (POST /rpc/<name>) to the gateway's service token only. */
export async function buildQuality(opts: QualityOptions) {
  const quality = await openQualityModule(opts);
  const registry = createMetricsRegistry();
  const runDuration = new Histogram({
    name: 'govshare_quality_run_duration_seconds',
    help: 'Time a quality run took, from its start to its stored result, by how it ended',
    labelNames: ['status'] as const,
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers: [registry],
  });
  for (const status of ['succeeded', 'failed']) runDuration.zero({ status });
  quality.runs.onRunFinished = (status, seconds) => runDuration.observe({ status }, seconds);
  addPoolMetrics(registry, 'quality', quality.database.poolState);
  const app = createServiceApp({
    metrics: { registry, serve: opts.metrics !== 'off' },
    logger: quality.logger,
    verifyServiceToken: createServiceTokenVerifier(opts.servicePublicJwk, 'quality'),
    mayCall: gatewayOnly,
    ready: quality.ready,
  });
  serveFace(app, qualityFaceSpec, quality.face);
  return {
    ...quality,
    app,
    close: async () => {
      await app.close();
      await quality.close();
    },
  };
}
