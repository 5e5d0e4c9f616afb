// Helpers for this service's tests: one database per target (PGlite always, Postgres when
// GOVSHARE_TEST_DATABASE_URL is set, in a fresh schema dropped afterwards).
import {
  createServiceClient,
  openDatabase,
  remoteFace,
  type CallContext,
  type ServiceTokenSigner,
} from '@govshare/platform';
import { catalogFaceSpec, type CatalogFace } from './face.ts';
import { migrationsFolder } from './app.ts';
import { tables } from './schema.ts';
import type { CatalogDb } from './datasets.ts';
import { departments } from './schema.ts';
import { registerDatabaseKind } from './record-indexes.ts';

export const testTargets: { name: 'pglite' | 'postgres'; url?: string }[] = [
  { name: 'pglite' },
  ...(process.env.GOVSHARE_TEST_DATABASE_URL
    ? [{ name: 'postgres' as const, url: process.env.GOVSHARE_TEST_DATABASE_URL }]
    : []),
];

let counter = 0;
export const freshSchemaPrefix = () => `t_${process.pid}_${Date.now()}_${counter++}`;

export async function openTestDb(url?: string): Promise<{ db: CatalogDb; close: () => Promise<void> }> {
  const database = await openDatabase({
    service: 'catalog',
    tables,
    migrationsFolder,
    databaseUrl: url,
    dataDir: ':memory:',
    schemaPrefix: freshSchemaPrefix(),
  });
  registerDatabaseKind(database.db as CatalogDb, database.kind);
  return {
    db: database.db as CatalogDb,
    close: async () => {
      await database.drop();
      await database.close();
    },
  };
}

export async function addDepartment(db: CatalogDb, code = 'TST'): Promise<void> {
  await db.insert(departments).values({ code, nameZh: '测试局', nameEn: 'Test Bureau' }).onConflictDoNothing();
}

/** The catalog served at `url`, called over HTTP with the gateway's service token (or another signer). */
export function remoteCatalog(
  url: string,
  signer: ServiceTokenSigner,
): { face: CatalogFace; close: () => Promise<void> } {
  const client = createServiceClient({ service: 'catalog', baseUrl: url, signer });
  return { face: remoteFace(catalogFaceSpec, client), close: () => client.close() };
}

/** A call made for a person (what the gateway passes on from a verified token). */
export const asPerson = (sub: string, dept: string, roles: string[] = ['admin'], requestId = 'test'): CallContext => ({
  requestId,
  caller: { sub, dept, roles },
});
/** The hub's own call (no person): a sweep, a start-up job, another service. */
export const asHub = (requestId = 'test'): CallContext => ({ requestId });

/** Drops the catalog schema a test made on the Postgres server (nothing to do on PGlite). */
export async function dropCatalogSchema(databaseUrl: string | undefined, schemaPrefix: string): Promise<void> {
  if (!databaseUrl) return;
  const d = await openDatabase({ service: 'catalog', tables: {}, migrationsFolder, databaseUrl, schemaPrefix });
  await d.drop();
  await d.close();
}
