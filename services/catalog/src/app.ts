import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import {
  createLogger,
  addPoolMetrics,
  createMetricsRegistry,
  createServiceApp,
  type Registry,
  createServiceTokenVerifier,
  GATEWAY_CALLER,
  openDatabase,
  QUALITY_CALLER,
  rpcOperationOf,
  serveFace,
} from '@govshare/platform';
import type { ServiceStartOptions } from '@govshare/platform';
import { tables } from './schema.ts';
import { catalogFaceSpec, createCatalogFace, QUALITY_OPERATIONS, type CatalogFace } from './face.ts';
import { seedDemoData } from './demo-data.ts';
import type { CatalogDb } from './datasets.ts';
import { workingCalendar, type Clock } from './deadlines.ts';
import { ensureAllRecordIndexes, registerDatabaseKind } from './record-indexes.ts';

type JWK = ServiceStartOptions['servicePublicJwk'];

export const CATALOG_SERVICE = 'catalog';
/** JSON inputs (an ingest batch holds up to 10,000 rows). Uploads (NDJSON, CSV) go up to STREAM_BODY_LIMIT. */
export const JSON_BODY_LIMIT = 32 * 1024 * 1024;
export const migrationsFolder = fileURLToPath(new URL('../migrations', import.meta.url));

export interface CatalogOptions extends ServiceStartOptions {
  /** Public half of the quality service's key: its tokens may only read datasets and exports. */
  qualityPublicJwk?: JWK;
  /** Load the demo data into an empty catalog (default { scale: 1 }); false = none. */
  demoData?: false | { scale: number };
  /** "Now" for the access workflow (deadlines, grant expiry); tests pass a controllable clock. */
  clock?: Clock;
  /** Sandbox minimum group size (default 10). */
  sandboxK?: number;
  /** Sandbox queries per department per 24 hours (default 500). */
  sandboxDailyBudget?: number;
  /** Deadlines: public holidays (weekdays off) and make-up working days (调休), CST dates YYYY-MM-DD. */
  workingCalendar?: { holidays?: string[]; workdays?: string[] };
  /** Largest ingested value: a CSV cell, a JSON string, an NDJSON line, in UTF-8 bytes (default 64 KiB). */
  maxCellBytes?: number;
}

/**
 * Least privilege between services: the gateway may call every op; the quality service only reads
 * the dataset list, a dataset, and a dataset's export (what it scores), never writes, grants or
 * access requests.
 */
export function catalogCallerMay(caller: { iss?: string }, req: { method: string; url: string }): boolean {
  if (caller.iss === GATEWAY_CALLER.issuer) return true;
  if (caller.iss === QUALITY_CALLER.issuer) {
    const op = rpcOperationOf(req.url);
    return req.method === 'POST' && op !== undefined && (QUALITY_OPERATIONS as readonly string[]).includes(op);
  }
  return false;
}

export type CatalogModuleOptions = Pick<
  CatalogOptions,
  | 'databaseUrl'
  | 'dataDir'
  | 'schemaPrefix'
  | 'logger'
  | 'demoData'
  | 'clock'
  | 'sandboxK'
  | 'sandboxDailyBudget'
  | 'workingCalendar'
  | 'maxCellBytes'
>;

export interface CatalogModule {
  /** The catalog's functions, called in this process. */
  face: CatalogFace;
  db: CatalogDb;
  database: Awaited<ReturnType<typeof openDatabase>>;
  /** Resolves while the catalog can query its database. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The catalog without HTTP: opens its database (migrations), loads the demo data into an empty
 * catalog, heals the x-index indexes, and gives its face for in-process callers.
 */
export async function openCatalogModule(opts: CatalogModuleOptions): Promise<CatalogModule> {
  const logger = opts.logger ?? createLogger(CATALOG_SERVICE);
  const calendar = workingCalendar(opts.workingCalendar); // refuses bad dates before anything opens
  const database = await openDatabase({
    service: CATALOG_SERVICE,
    tables,
    migrationsFolder,
    databaseUrl: opts.databaseUrl,
    dataDir: opts.dataDir,
    schemaPrefix: opts.schemaPrefix,
  });
  const db = database.db as CatalogDb;
  registerDatabaseKind(db, database.kind);
  try {
    if (opts.demoData !== false) {
      const seeded = await seedDemoData(db, { scale: opts.demoData?.scale ?? 1, now: opts.clock?.(), calendar });
      if (seeded) logger.info({ records: seeded.records }, 'demo data loaded');
    }
    // Existing installations and interrupted concurrent builds heal: every declared x-index index exists and is valid.
    // A failed build does not stop the catalog: filters on the field scan until the next start-up or schema change.
    await ensureAllRecordIndexes(db).then(
      (indexes) => {
        if (indexes.created.length + indexes.dropped.length + indexes.rebuilt.length)
          logger.info({ indexes }, 'x-index indexes brought up to date');
      },
      (err) => logger.warn({ err }, 'x-index: bringing the indexes up to date failed'),
    );
  } catch (err) {
    await database.close();
    throw err;
  }
  const face = createCatalogFace({
    db,
    clock: opts.clock,
    calendar,
    sandbox: { k: opts.sandboxK, dailyBudget: opts.sandboxDailyBudget },
    maxCellBytes: opts.maxCellBytes,
    logger,
  });
  return {
    face,
    db,
    database,
    ready: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => database.close(),
  };
}

/**
 * The catalog's face served over HTTP to service tokens: the gateway's (every op) and the quality
 * service's (its three reads). The hub serves its in-process catalog this way to the quality service.
 */
export function serveCatalog(
  catalog: CatalogModule,
  opts: Pick<CatalogOptions, 'servicePublicJwk' | 'qualityPublicJwk' | 'logger'> & {
    /** The catalog service's metrics (the hub serves its own, so it passes none). */
    metrics?: { registry: Registry; serve: boolean };
  },
): ReturnType<typeof createServiceApp> {
  const app = createServiceApp({
    metrics: opts.metrics,
    logger: opts.logger ?? createLogger(CATALOG_SERVICE),
    // JSON inputs (a batch holds up to 10,000 rows); uploads are streams, limited to STREAM_BODY_LIMIT as they are read.
    bodyLimit: JSON_BODY_LIMIT,
    verifyServiceToken: createServiceTokenVerifier(
      [
        { publicJwk: opts.servicePublicJwk, issuer: GATEWAY_CALLER.issuer },
        ...(opts.qualityPublicJwk ? [{ publicJwk: opts.qualityPublicJwk, issuer: QUALITY_CALLER.issuer }] : []),
      ],
      CATALOG_SERVICE,
    ),
    mayCall: catalogCallerMay,
    ready: catalog.ready,
  });
  serveFace(app, catalogFaceSpec, catalog.face);
  return app;
}

/** The catalog as its own process: the module, and its face served over HTTP to service tokens. */
export async function buildCatalog(opts: CatalogOptions) {
  const logger = opts.logger ?? createLogger(CATALOG_SERVICE);
  const catalog = await openCatalogModule({ ...opts, logger });
  const registry = createMetricsRegistry();
  addPoolMetrics(registry, CATALOG_SERVICE, catalog.database.poolState);
  const app = serveCatalog(catalog, { ...opts, logger, metrics: { registry, serve: opts.metrics !== 'off' } });
  return {
    app,
    face: catalog.face,
    db: catalog.db,
    database: catalog.database,
    close: async () => {
      await app.close();
      await catalog.close();
    },
  };
}

/** Builds and listens; for in-process use by tests and benchmarks. */
export async function startCatalog(
  opts: CatalogOptions,
): Promise<{ url: string; close: () => Promise<void>; db: CatalogDb; face: CatalogFace }> {
  const built = await buildCatalog(opts);
  try {
    await built.app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 4101 });
  } catch (err) {
    await built.close();
    throw err;
  }
  const addr = built.app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  return { url: `http://${opts.host ?? '127.0.0.1'}:${port}`, close: built.close, db: built.db, face: built.face };
}
