// A connection terminated while it starts up harms only the query on it: no unhandled rejection
// (which would stop the process) and the pool goes on; a recycled pool serves what services kept.
// Postgres server only.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { DRIVER_SETTINGS, isConnectionBroken, isDatabaseUnavailable, openDatabase } from './db.ts';

const url = process.env.GOVSHARE_TEST_DATABASE_URL;

/** The ErrorResponse pg_terminate_backend sends (FATAL 57P01). */
function terminationMessage(): Buffer {
  const fields = Buffer.from('SFATAL\0VFATAL\0C57P01\0Mterminating connection due to administrator command\0\0');
  const head = Buffer.alloc(5);
  head.write('E', 0);
  head.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([head, fields]);
}

/** A TCP proxy to the server that terminates the first connection at its first message after startup. */
async function terminatingProxy(target: URL) {
  let first = true;
  const server = net.createServer((client) => {
    const kill = first;
    first = false;
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    let startupSent = false;
    client.on('data', (chunk) => {
      if (kill && startupSent) {
        client.end(terminationMessage());
        upstream.destroy();
        return;
      }
      startupSent = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.writable && client.write(chunk));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const proxied = new URL(target);
  proxied.host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return { url: proxied.toString(), close: () => new Promise((r) => server.close(r)) };
}

describe.skipIf(!url)('a connection terminated as it starts', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown) => unhandled.push(err);
  afterEach(() => void process.off('unhandledRejection', onUnhandled));

  it('fails only the query on it, with no unhandled rejection, and the next query is served', async () => {
    process.on('unhandledRejection', onUnhandled);
    const proxy = await terminatingProxy(new URL(url!));
    const sql = postgres(proxy.url, { ...DRIVER_SETTINGS, max: 1 });
    try {
      // The query on the terminated connection fails with an error the pool knows as a broken connection.
      const first = await sql`select 1 as x`.then(
        () => null,
        (err) => err,
      );
      expect(isConnectionBroken(first)).toBe(true);
      expect((await sql`select 2 as x`)[0]!.x).toBe(2);
      // An unhandled rejection is reported after the microtask queue drains: give it a macrotask.
      await new Promise((r) => setImmediate(r));
      expect(unhandled).toEqual([]);
    } finally {
      await sql.end({ timeout: 1 });
      await proxy.close();
    }
  });
});

describe.skipIf(!url)('a recycled pool (postgres)', () => {
  it('serves what was derived from `db` before the recycle: prepared queries and transactions', async () => {
    // No tables: an empty drizzle migrations journal.
    const migrations = mkdtempSync(join(tmpdir(), 'govshare-db-test-'));
    mkdirSync(join(migrations, 'meta'));
    writeFileSync(
      join(migrations, 'meta', '_journal.json'),
      JSON.stringify({ version: '7', dialect: 'postgresql', entries: [] }),
    );
    const database = await openDatabase({
      service: 'recycle',
      tables: {},
      migrationsFolder: migrations,
      databaseUrl: url,
      schemaPrefix: `t_${process.pid}_${Date.now()}`,
    });
    try {
      // Kept by a service for its lifetime, as the catalog keeps its page queries.
      const prepared = database.db.select({ n: sql<number>`1` }).from(sql`(select 1) as one`).prepare('kept');
      expect(await prepared.execute()).toEqual([{ n: 1 }]);
      // A failover: the pool's connections are gone, the pool is replaced and the old one ended.
      expect(database.recycleIfBroken(Object.assign(new Error('terminated'), { code: '57P01' }))).toBe(true);
      await new Promise((r) => setImmediate(r)); // the old pool's end() starts after a tick
      expect(await prepared.execute()).toEqual([{ n: 1 }]); // before: CONNECTION_ENDED until a restart
      expect(await database.db.transaction(async (tx) => (await tx.execute(sql`select 2 as n`))[0])).toEqual({ n: 2 });
    } finally {
      await database.drop();
      await database.close();
      rmSync(migrations, { recursive: true, force: true });
    }
  });
});

describe('a multi-host URL with no acceptable host', () => {
  it('fails the query once every host was tried (it waited for ever before), so callers hear UNAVAILABLE', async () => {
    const ports = await Promise.all([freePort(), freePort()]); // nothing listens on them
    const sql = postgres(
      `postgres://x@127.0.0.1:${ports[0]},127.0.0.1:${ports[1]}/db?target_session_attrs=read-write`,
      {
        ...DRIVER_SETTINGS,
        max: 1,
      },
    );
    try {
      const err = await sql`select 1`.then(
        () => null,
        (e) => e,
      );
      expect(isDatabaseUnavailable(err)).toBe(true);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}
