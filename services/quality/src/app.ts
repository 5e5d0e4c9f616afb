import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { JWK } from 'jose';
import {
  createLogger,
  createServiceApp,
  createServiceTokenVerifier,
  openDatabase,
  type Logger,
} from '@govshare/platform';
import { tables } from './schema.ts';
import { RunManager } from './runs.ts';
import { catalogSource, type RecordSource } from './source.ts';
import { registerRoutes } from './routes.ts';
import { loadPublicationKeys } from './signing.ts';
import { currentPolicy } from './publications.ts';

export const migrationsFolder = fileURLToPath(new URL('../migrations', import.meta.url));

export interface QualityOptions {
  databaseUrl?: string;
  /** ':memory:' for a throwaway PGlite and in-memory publication key. */
  dataDir: string;
  schemaPrefix?: string;
  /** Public half of the gateway's service-signing key: verifies incoming tokens (aud "quality"). */
  servicePublicJwk: JWK;
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
   * The service's one clock: every time it stores or compares (runs, rule sets, policies,
   * publications, appeals, timeliness) comes from it. Default the system clock; tests inject theirs.
   */
  now?: () => Date;
}

export async function buildQuality(opts: QualityOptions) {
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
  const app = createServiceApp({
    logger,
    verifyServiceToken: createServiceTokenVerifier(opts.servicePublicJwk, 'quality'),
    ready: async () => {
      await db.execute(sql`select 1`);
    },
  });
  registerRoutes(app, { db, runs, source, publicationKeys, now });
  await runs.start();
  return {
    app,
    db,
    database,
    runs,
    source,
    publicationKeys,
    now,
    close: async () => {
      await app.close();
      await runs.close();
      await closeSource?.();
      await database.close();
    },
  };
}
