import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { PgDatabase } from 'drizzle-orm/pg-core';

// Both drivers produce a PgDatabase; services only see this common type.
export type Db<TSchema extends Record<string, unknown> = Record<string, unknown>> = PgDatabase<any, TSchema>;

export interface DatabaseOptions<TSchema extends Record<string, unknown>> {
  /** Service name: names the PGlite directory or the Postgres schema. */
  service: string;
  tables: TSchema;
  /** Folder of drizzle-kit generated migrations. */
  migrationsFolder: string;
  /** Postgres server URL; unset = embedded PGlite. */
  databaseUrl?: string;
  /** Embedded mode: parent directory of the service's data dir; ':memory:' for a throwaway database. */
  dataDir?: string;
  /** Server mode: schema name is `${schemaPrefix}_${service}`. */
  schemaPrefix?: string;
  /** Server mode pool size. */
  poolSize?: number;
}

export interface Database<TSchema extends Record<string, unknown>> {
  db: Db<TSchema>;
  kind: 'pglite' | 'postgres';
  /** Postgres schema holding this service's tables (server mode) or 'public'. */
  schema: string;
  close(): Promise<void>;
  /** Server mode: drops the service's schema. Used by tests that made their own schema. */
  drop(): Promise<void>;
}

export function serviceSchemaName(prefix: string, service: string): string {
  return `${prefix}_${service}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

/** Opens the service's own database and applies its migrations before anything else runs. */
export async function openDatabase<TSchema extends Record<string, unknown>>(opts: DatabaseOptions<TSchema>): Promise<Database<TSchema>> {
  if (opts.databaseUrl) return openPostgres(opts);
  return openPglite(opts);
}

async function openPglite<TSchema extends Record<string, unknown>>(opts: DatabaseOptions<TSchema>): Promise<Database<TSchema>> {
  let dir: string | undefined;
  if (opts.dataDir && opts.dataDir !== ':memory:') {
    dir = resolve(join(opts.dataDir, opts.service, 'pgdata'));
    mkdirSync(dir, { recursive: true });
  }
  const client = dir ? new PGlite(dir) : new PGlite();
  await client.waitReady;
  const db = drizzlePglite(client, { schema: opts.tables }) as unknown as Db<TSchema>;
  await migratePglite(db as any, { migrationsFolder: opts.migrationsFolder });
  return {
    db,
    kind: 'pglite',
    schema: 'public',
    close: async () => {
      if (!client.closed) await client.close();
    },
    drop: async () => {},
  };
}

async function openPostgres<TSchema extends Record<string, unknown>>(opts: DatabaseOptions<TSchema>): Promise<Database<TSchema>> {
  const schema = serviceSchemaName(opts.schemaPrefix ?? 'govshare', opts.service);
  const admin = postgres(opts.databaseUrl!, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } finally {
    await admin.end();
  }
  // search_path pins every unqualified table name to this service's schema.
  const client = postgres(opts.databaseUrl!, {
    max: opts.poolSize ?? 10,
    onnotice: () => {},
    connection: { search_path: schema },
  });
  const db = drizzlePostgres(client, { schema: opts.tables }) as unknown as Db<TSchema>;
  await migratePostgres(db as any, { migrationsFolder: opts.migrationsFolder, migrationsSchema: schema });
  return {
    db,
    kind: 'postgres',
    schema,
    close: () => client.end({ timeout: 5 }),
    drop: async () => {
      await db.execute(sql.raw(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    },
  };
}
