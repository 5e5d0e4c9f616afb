// The shared metrics pieces: /metrics on a service app (open beside a service-token check), the
// HTTP histogram labelled by route pattern, and the pool gauges moving with the work in flight.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Database } from './db.ts';
import { createServiceApp } from './http.ts';
import { createLogger } from './logger.ts';
import { addPoolMetrics, boundedLabel, createMetricsRegistry } from './metrics.ts';
import { createServiceTokenVerifier, generateEd25519 } from './service-token.ts';

const logger = createLogger('t', 'silent');

describe('/metrics on a service app', () => {
  it('is open beside the service-token check, labels latency by route pattern, never by URL', async () => {
    const keys = await generateEd25519('k');
    const registry = createMetricsRegistry({ processMetrics: false });
    const app = createServiceApp({
      logger,
      verifyServiceToken: createServiceTokenVerifier(keys.publicJwk, 'svc'),
      metrics: { registry, serve: true },
    });
    app.get('/datasets/:id', async () => ({ ok: true }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      const refused = await fetch(`${base}/datasets/110101199003077531`);
      expect(refused.status).toBe(401);
      await refused.text();
      const res = await fetch(`${base}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      expect(text).toMatch(
        /^govshare_http_request_duration_seconds_count\{method="GET",route="\/datasets\/:id",status="401"\} 1$/m,
      );
      expect(text).not.toContain('110101199003077531');
    } finally {
      await app.close();
    }
  });

  it('is not served without serve: true (the latency is still counted)', async () => {
    const registry = createMetricsRegistry({ processMetrics: false });
    const app = createServiceApp({ logger, metrics: { registry, serve: false } });
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    expect(await registry.metrics()).toMatch(/govshare_http_request_duration_seconds_count\{[^}]*route="unmatched"/);
    await app.close();
  });
});

describe('boundedLabel', () => {
  it('keeps the first values and calls every later one other', () => {
    const label = boundedLabel(2);
    expect(['a', 'b', 'c', 'a', 'd', 'b'].map(label)).toEqual(['a', 'b', 'other', 'a', 'other', 'b']);
  });
});

const url = process.env.GOVSHARE_TEST_DATABASE_URL;

describe.each(url ? ['pglite', 'postgres'] : ['pglite'])('pool gauges (%s)', (backend) => {
  const dir = mkdtempSync(join(tmpdir(), 'pool-metrics-'));
  // No tables: an empty migrations journal.
  mkdirSync(join(dir, 'meta'));
  writeFileSync(
    join(dir, 'meta', '_journal.json'),
    JSON.stringify({ version: '7', dialect: 'postgresql', entries: [] }),
  );
  let database: Database<Record<string, never>>;
  afterAll(async () => {
    await database?.drop();
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('report work in flight as connections in use, up to the pool size, and the rest as waiting', async () => {
    database = await openDatabase({
      service: 'metrics',
      tables: {},
      migrationsFolder: dir,
      databaseUrl: backend === 'postgres' ? url : undefined,
      dataDir: ':memory:',
      schemaPrefix: `t${process.pid}_${Date.now().toString(36)}`,
      poolSize: 2,
    });
    const registry = createMetricsRegistry({ processMetrics: false });
    addPoolMetrics(registry, 'metrics', database.poolState);
    const gauge = async (name: string, state?: string) => {
      const values = (await registry.getSingleMetric(name)!.get()).values;
      return values.find((v) => v.labels.service === 'metrics' && (state ? v.labels.state === state : true))!.value;
    };
    const max = backend === 'postgres' ? 2 : 1;
    expect(await gauge('govshare_db_pool_max_connections')).toBe(max);
    expect(await gauge('govshare_db_pool_connections', 'in_use')).toBe(0);

    // Two statements and a transaction, each held open by the server for a while.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    // drizzle's queries are lazy: Promise.resolve() starts them.
    const sleep = () => Promise.resolve(database.db.execute(sql`select pg_sleep(0.3)`));
    const sleeps = [sleep(), sleep()];
    const tx = database.db.transaction(async (t) => {
      await t.execute(sql`select 1`);
      await held;
    });
    await vi.waitFor(() => expect(database.poolState().inFlight).toBe(3), { timeout: 5000, interval: 5 });
    expect(await gauge('govshare_db_pool_connections', 'in_use')).toBe(max);
    expect(await gauge('govshare_db_pool_connections', 'available')).toBe(0);
    expect(await gauge('govshare_db_pool_waiting')).toBe(3 - max);
    release();
    await Promise.all([...sleeps, tx]);
    expect(database.poolState().inFlight).toBe(0);
    expect(await gauge('govshare_db_pool_connections', 'available')).toBe(max);
    // A failed statement is no longer in flight either.
    await expect(database.db.execute(sql`select no_such_column`)).rejects.toThrow();
    expect(database.poolState().inFlight).toBe(0);
  });
});
