// Helpers for this service's tests: one database per target (PGlite always, Postgres when
// GOVSHARE_TEST_DATABASE_URL is set, in a fresh schema dropped afterwards).
import { openDatabase } from '@govshare/platform';
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
