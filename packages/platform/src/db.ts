import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
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
  /**
   * Server mode: after migrations, run the service's queries as this NOLOGIN role (created if missing)
   * holding only the given privileges, instead of as the schema's owner (an owner could, e.g., disable
   * the triggers that protect its tables). If the configured user may not create or grant roles, the
   * service runs as that user and `Database.role` says so (null).
   */
  runtimeRole?: { name: string; grants: (schema: string, role: string) => string[] };
}

export interface Database<TSchema extends Record<string, unknown>> {
  db: Db<TSchema>;
  kind: 'pglite' | 'postgres';
  /** Postgres schema holding this service's tables (server mode) or 'public'. */
  schema: string;
  close(): Promise<void>;
  /** Server mode: drops the service's schema. Used by tests that made their own schema. */
  drop(): Promise<void>;
  /** Server mode: the role the service's queries run as when `runtimeRole` was granted, else null. */
  role: string | null;
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
    role: null,
  };
}

async function openPostgres<TSchema extends Record<string, unknown>>(opts: DatabaseOptions<TSchema>): Promise<Database<TSchema>> {
  const schema = serviceSchemaName(opts.schemaPrefix ?? 'govshare', opts.service);
  const ownerConnection = () => postgres(opts.databaseUrl!, { max: 1, onnotice: () => {}, connection: { search_path: schema } });
  // Schema and migrations as the configured (owner) user; search_path pins every unqualified name.
  const owner = ownerConnection();
  let role: string | null = null;
  try {
    await owner.unsafe(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await migratePostgres(drizzlePostgres(owner) as any, { migrationsFolder: opts.migrationsFolder, migrationsSchema: schema });
    if (opts.runtimeRole) role = await grantRuntimeRole(owner, schema, opts.runtimeRole);
  } finally {
    await owner.end();
  }
  const client = postgres(opts.databaseUrl!, {
    max: opts.poolSize ?? 10,
    onnotice: () => {},
    // `role` as a startup parameter: every pooled connection runs as it from its first query.
    connection: { search_path: schema, ...(role ? { role } : {}) },
  });
  const db = drizzlePostgres(client, { schema: opts.tables }) as unknown as Db<TSchema>;
  return {
    db,
    kind: 'postgres',
    schema,
    role,
    close: () => client.end({ timeout: 5 }),
    drop: async () => {
      const o = ownerConnection();
      try {
        await o.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await o.end();
      }
    },
  };
}

/** Creates the role if missing and grants it the schema and the given privileges; null if not allowed. */
async function grantRuntimeRole(owner: postgres.Sql, schema: string, spec: NonNullable<DatabaseOptions<any>['runtimeRole']>): Promise<string | null> {
  const role = spec.name;
  const statements = [
    // Concurrent starts (tests) may race to create it: either error means it exists.
    `DO $$ BEGIN CREATE ROLE "${role}" NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`,
    `GRANT "${role}" TO CURRENT_USER`,
    `GRANT USAGE ON SCHEMA "${schema}" TO "${role}"`,
    ...spec.grants(schema, role),
  ];
  for (let attempt = 1; ; attempt++) {
    try {
      for (const statement of statements) await owner.unsafe(statement);
      return role;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === '42501') return null; // insufficient_privilege: no CREATEROLE or no right to grant
      // Only "tuple concurrently updated" (XX000, several processes granting the same role) is retried.
      if (code !== 'XX000' || attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 20 * attempt));
    }
  }
}
