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
  /**
   * Server mode: the module's own synchronous_commit for every pooled connection, whatever the server's
   * default. 'on' with a synchronous standby (synchronous_standby_names on the primary): a commit is
   * acknowledged only once the standby has flushed it, so it survives the primary's loss. Unset: the
   * server's setting (Postgres sets it per session, role or database, not per schema).
   */
  synchronousCommit?: 'on' | 'remote_apply' | 'remote_write' | 'local' | 'off';
}

export interface Database<TSchema extends Record<string, unknown>> {
  /** Server mode: always the current pool (see recycle), so services may keep this reference. */
  db: Db<TSchema>;
  kind: 'pglite' | 'postgres';
  /** Postgres schema holding this service's tables (server mode) or 'public'. */
  schema: string;
  close(): Promise<void>;
  /** Server mode: drops the service's schema. Used by tests that made their own schema. */
  drop(): Promise<void>;
  /** Server mode: the role the service's queries run as when `runtimeRole` was granted, else null. */
  role: string | null;
  /**
   * Readiness: the database answers within `timeoutMs` (default 1000) and, with `writable`, would
   * commit a write (not a read-only connection or a server in recovery). Rejects otherwise; a
   * read-only answer also recycles the pool.
   */
  probe(opts?: { writable?: boolean; timeoutMs?: number }): Promise<void>;
  /** Server mode: replaces the pool when `err` says its connections are unusable (see isConnectionBroken); true if so. */
  recycleIfBroken(err: unknown): boolean;
  /** The pool's size and the work in flight on it now (read by the pool gauges at scrape time). */
  poolState(): { max: number; inFlight: number };
  /**
   * Server mode: a connection of its own, outside the pool (never recycled, no idle or lifetime
   * limit), with the service's search_path, role and statement timeout: for session state such as
   * an advisory lock. `onClose` is called when the connection closes (its session state is gone;
   * the driver would open a fresh session for the next query, so callers should stop using it).
   */
  openSession?(onClose: () => void): { db: Db<TSchema>; end(): Promise<void> };
}

/** Postgres connection settings (server mode). Times are bounded so an outage reaches callers fast. */
export const POOL_SETTINGS = {
  /** Seconds before a connection attempt fails (postgres.js default: 30). */
  connectTimeoutS: 5,
  /** Seconds an idle connection is kept. */
  idleTimeoutS: 60,
  /** Seconds a connection lives at most, whatever happens (a connection left on a demoted primary ends). */
  maxLifetimeS: 10 * 60,
  /** Milliseconds a statement may run before the server cancels it (57014). */
  statementTimeoutMs: 30_000,
};

const codeOf = (err: unknown): string | undefined => {
  for (let e: any = err, i = 0; e && i < 10; e = e.cause, i++) if (typeof e.code === 'string') return e.code;
  return undefined;
};

/**
 * The error says the connection cannot serve writes any more: read-only (25006: the server was
 * demoted in a failover), terminated or shut down by the server (57P01..57P03), a broken connection
 * (class 08), or closed under the driver. Retrying on a fresh connection is the cure.
 */
export function isConnectionBroken(err: unknown): boolean {
  const code = codeOf(err);
  if (!code) return false;
  return (
    code === '25006' ||
    /^57P0[123]$/.test(code) ||
    /^08/.test(code) ||
    /^CONNECTION_(ENDED|CLOSED|DESTROYED)$/.test(code) ||
    code === 'ECONNRESET'
  );
}

/** The database cannot answer now (broken connection, outage, timeout): callers get UNAVAILABLE, not 500. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const code = codeOf(err);
  if (!code) return false;
  return (
    isConnectionBroken(err) ||
    code === '57014' ||
    code === '53300' ||
    code === 'CONNECT_TIMEOUT' ||
    code === 'ECONNREFUSED' ||
    code === 'ETIMEDOUT' ||
    code === 'EHOSTUNREACH'
  );
}

// Open server-mode pools of this process, so the HTTP error handler can recycle the broken one.
const openPools = new Set<{ recycleIfBroken(err: unknown): boolean }>();

/** Recycles every pool of this process that `err` shows broken (called from the HTTP error handler). */
export function recycleBrokenPools(err: unknown): void {
  for (const p of openPools) p.recycleIfBroken(err);
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });

export function serviceSchemaName(prefix: string, service: string): string {
  return `${prefix}_${service}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

/** Opens the service's own database and applies its migrations before anything else runs. */
export async function openDatabase<TSchema extends Record<string, unknown>>(
  opts: DatabaseOptions<TSchema>,
): Promise<Database<TSchema>> {
  if (opts.databaseUrl) return openPostgres(opts);
  return openPglite(opts);
}

async function openPglite<TSchema extends Record<string, unknown>>(
  opts: DatabaseOptions<TSchema>,
): Promise<Database<TSchema>> {
  let dir: string | undefined;
  if (opts.dataDir && opts.dataDir !== ':memory:') {
    dir = resolve(join(opts.dataDir, opts.service, 'pgdata'));
    mkdirSync(dir, { recursive: true });
  }
  const client = dir ? new PGlite(dir) : new PGlite();
  await client.waitReady;
  const inFlight = countInFlight(client, ['query', 'exec', 'transaction']);
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
    probe: async (o = {}) => {
      await withTimeout(client.query('select 1'), o.timeoutMs ?? 1000, 'the database');
    },
    recycleIfBroken: () => false,
    // One connection: statements beyond the first wait for it.
    poolState: () => ({ max: 1, inFlight: inFlight.count }),
  };
}

/**
 * Counts the calls of `methods` on `target` (each returns a promise) that have not settled yet:
 * what the pool gauges report as work in flight. The methods are replaced on the instance.
 */
function countInFlight(target: object, methods: string[], counter = { count: 0 }): { count: number } {
  for (const name of methods) {
    const original = (target as Record<string, (...a: unknown[]) => unknown>)[name]!;
    Object.defineProperty(target, name, {
      configurable: true,
      writable: true,
      value: (...args: unknown[]) => {
        counter.count++;
        let settled = false;
        const done = () => void (settled || ((settled = true), counter.count--));
        try {
          const result = original.apply(target, args) as Promise<unknown>;
          result.then(done, done);
          return result;
        } catch (err) {
          done();
          throw err;
        }
      },
    });
  }
  return counter;
}

/**
 * postgres.js queries are lazy (they run when awaited, and drizzle sets `.values()` first), so a
 * query is counted from when the driver hands it to the pool (its `handler`) until it settles.
 * Relies on postgres.js 3.4's Query (handler, resolve, reject): db.test.ts checks the count.
 */
interface LazyQuery {
  handler: ((q: LazyQuery) => unknown) & { debug?: unknown };
  resolve: (x: unknown) => void;
  reject: (x: unknown) => void;
}

function countPostgresInFlight(client: postgres.Sql, counter: { count: number }): void {
  const unsafe = client.unsafe.bind(client);
  (client as { unsafe: unknown }).unsafe = (...args: Parameters<postgres.Sql['unsafe']>) => {
    const query = unsafe(...args) as unknown as LazyQuery;
    const handler = query.handler;
    query.handler = Object.assign(
      (q: LazyQuery) => {
        counter.count++;
        const { resolve, reject } = q;
        let settled = false;
        const done = () => void (settled || ((settled = true), counter.count--));
        q.resolve = (x) => (done(), resolve(x));
        q.reject = (x) => (done(), reject(x));
        return handler(q);
      },
      { debug: handler.debug },
    );
    return query;
  };
  // A transaction holds its connection from BEGIN to COMMIT; its own statements are not counted again.
  countInFlight(client, ['begin'], counter);
}

/**
 * fetch_types off: postgres.js otherwise runs a pg_type query first on every new connection and drops
 * its promise, so a connection terminated at that moment (a failover, pg_terminate_backend) is an
 * unhandled rejection that no caller can catch (porsager/postgres#1192). We pass array parameters
 * as literals (raw-sql.ts pgArray) and drizzle parses array columns itself, so the driver's array
 * types are not needed. patches/postgres@3.4.9.patch fixes the other half (#1223): the dead
 * socket's error was replayed onto the first query of the next connection.
 */
export const DRIVER_SETTINGS = { onnotice: () => {}, fetch_types: false } as const;

async function openPostgres<TSchema extends Record<string, unknown>>(
  opts: DatabaseOptions<TSchema>,
): Promise<Database<TSchema>> {
  const schema = serviceSchemaName(opts.schemaPrefix ?? 'govshare', opts.service);
  const ownerConnection = () =>
    postgres(opts.databaseUrl!, { ...DRIVER_SETTINGS, max: 1, connection: { search_path: schema } });
  // Schema and migrations as the configured (owner) user; search_path pins every unqualified name.
  const owner = ownerConnection();
  let role: string | null = null;
  try {
    await owner.unsafe(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await migratePostgres(drizzlePostgres(owner) as any, {
      migrationsFolder: opts.migrationsFolder,
      migrationsSchema: schema,
    });
    if (opts.runtimeRole) role = await grantRuntimeRole(owner, schema, opts.runtimeRole);
  } finally {
    await owner.end();
  }
  const poolSize = opts.poolSize ?? 10;
  const pool = () =>
    postgres(opts.databaseUrl!, {
      ...DRIVER_SETTINGS,
      max: poolSize,
      connect_timeout: POOL_SETTINGS.connectTimeoutS,
      idle_timeout: POOL_SETTINGS.idleTimeoutS,
      max_lifetime: POOL_SETTINGS.maxLifetimeS,
      // `role` as a startup parameter: every pooled connection runs as it from its first query.
      connection: {
        search_path: schema,
        statement_timeout: POOL_SETTINGS.statementTimeoutMs,
        ...(opts.synchronousCommit ? { synchronous_commit: opts.synchronousCommit } : {}),
        ...(role ? { role } : {}),
      },
    });
  // drizzle adjusts a pool's type parsers when it wraps it: each new pool is wrapped once for that.
  // Shared by every pool this database has had: an old pool's work still in flight is counted.
  const inFlight = { count: 0 };
  const newPool = () => {
    const sql = pool();
    countPostgresInFlight(sql, inFlight);
    drizzlePostgres(sql);
    return sql;
  };
  let client = newPool();
  // One drizzle instance for the module's lifetime, over a client that is always the current pool:
  // what services derive from `db` and keep (prepared queries, `$client`, transactions) follows a
  // recycle. (Before, a prepared query kept the pool it was built on: after a failover it ran on the
  // ended pool, CONNECTION_ENDED, until the process restarted.) postgres.js's methods are closures
  // over their instance, so they are handed out unbound.
  const currentPool = new Proxy(client, {
    apply: (_t, thisArg, args) => Reflect.apply(client, thisArg, args),
    get: (_t, prop) => Reflect.get(client, prop),
    has: (_t, prop) => Reflect.has(client, prop),
  });
  const db = drizzlePostgres(currentPool, { schema: opts.tables }) as unknown as Db<TSchema>;
  let lastRecycle = Number.NEGATIVE_INFINITY;
  const recycle = () => {
    // At most once a second: the errors of one failover arrive together.
    if (performance.now() - lastRecycle < 1000) return;
    lastRecycle = performance.now();
    const old = client;
    client = newPool();
    // In-flight queries and transactions on the old pool finish or fail on their own (a healthy pool
    // of another service in the same process may be recycled too: it is given a minute).
    old.end({ timeout: 60 }).catch(() => {});
  };
  const handle = {
    recycleIfBroken: (err: unknown) => {
      if (!isConnectionBroken(err)) return false;
      recycle();
      return true;
    },
  };
  openPools.add(handle);
  return {
    db,
    kind: 'postgres',
    schema,
    role,
    close: () => {
      openPools.delete(handle);
      return client.end({ timeout: 5 });
    },
    drop: async () => {
      const o = ownerConnection();
      try {
        await o.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await o.end();
      }
    },
    recycleIfBroken: handle.recycleIfBroken,
    poolState: () => ({ max: poolSize, inFlight: inFlight.count }),
    openSession: (onClose) => {
      const session = postgres(opts.databaseUrl!, {
        ...DRIVER_SETTINGS,
        max: 1,
        connect_timeout: POOL_SETTINGS.connectTimeoutS,
        max_lifetime: null,
        onclose: () => onClose(),
        connection: {
          search_path: schema,
          statement_timeout: POOL_SETTINGS.statementTimeoutMs,
          ...(role ? { role } : {}),
        },
      });
      return {
        db: drizzlePostgres(session, { schema: opts.tables }) as unknown as Db<TSchema>,
        end: () => session.end({ timeout: 5 }),
      };
    },
    probe: async (o = {}) => {
      const check = async () => {
        if (!o.writable) return void (await client`select 1`);
        const [row] =
          await client`select current_setting('transaction_read_only') as ro, pg_is_in_recovery() as recovery`;
        if (row!.ro === 'on' || row!.recovery === true) {
          recycle(); // the connection (or the server) went read-only: try fresh connections next time
          throw new Error('the database is read-only');
        }
      };
      try {
        await withTimeout(check(), o.timeoutMs ?? 1000, 'the database');
      } catch (err) {
        handle.recycleIfBroken(err);
        throw err;
      }
    },
  };
}

/** Creates the role if missing and grants it the schema and the given privileges; null if not allowed. */
async function grantRuntimeRole(
  owner: postgres.Sql,
  schema: string,
  spec: NonNullable<DatabaseOptions<any>['runtimeRole']>,
): Promise<string | null> {
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
