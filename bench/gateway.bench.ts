// Gateway benchmark: the same records query (key-field filter, 20 rows max, 5 fields) through the
// whole hub (GraphQL, token check, policy, catalog, audit) and directly with postgres.js against the
// same Postgres, in one run, so the machine's noise hits both. Then the gateway at a fixed 1,200 req/s.
//   pnpm bench:gateway      (Postgres at BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { loadDevIssuerKeys, mintCallerToken } from '@govshare/gateway';
import { startHubProcesses } from '../scripts/hub-processes.ts';
import { percentile, printTable, ratio } from './report.ts';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const FIELDS = ['idNumber', 'name', 'gender', 'birthDate', 'address'];
const prefix = `bench_${Date.now().toString(36)}`;
const dataDir = mkdtempSync(join(tmpdir(), 'govshare-bench-'));

async function rawPostgres(ids: string[]) {
  const sql = postgres(DATABASE_URL, { max: 10, connection: { search_path: `${prefix}_catalog` }, onnotice: () => {} });
  const latencies: number[] = [];
  let done = 0;
  const end = Date.now() + SECONDS * 1000;
  const worker = async () => {
    while (Date.now() < end) {
      const id = ids[done % ids.length];
      const t0 = performance.now();
      await sql`select key, ${sql(FIELDS.map((f) => f))} from (
        select key, ${sql.unsafe(FIELDS.map((f) => `data->'${f}' as "${f}"`).join(', '))} from records
        where dataset_id = 'resident-registry' and key = ${id} order by id limit 20) r`;
      latencies.push(performance.now() - t0);
      done++;
    }
  };
  const t0 = Date.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const elapsed = (Date.now() - t0) / 1000;
  await sql.end();
  latencies.sort((a, b) => a - b);
  return { rps: done / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors: 0 };
}

function gatewayLoad(url: string, token: string, ids: string[], opts: { connections: number; overallRate?: number }) {
  let n = 0;
  const query = `query Q($id: JSON!) { records(dataset: "resident-registry", fields: ${JSON.stringify(FIELDS)}, where: { field: "idNumber", eq: $id }, first: 20) { nodes { key data } } }`;
  return new Promise<{ rps: number; p50: number; p99: number; errors: number }>((resolve, reject) => {
    autocannon(
      {
        url: `${url}/graphql`,
        method: 'POST',
        connections: opts.connections,
        overallRate: opts.overallRate,
        duration: SECONDS,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        requests: [{ setupRequest: (req: any) => ({ ...req, body: JSON.stringify({ query, variables: { id: ids[n++ % ids.length] } }) }) }],
      },
      (err: unknown, r: any) => {
        if (err) return reject(err);
        resolve({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx + r.timeouts });
      },
    );
  });
}

async function main() {
  console.log(`starting the hub as separate processes on ${DATABASE_URL} (schemas ${prefix}_*)...`);
  const hub = await startHubProcesses({
    dataDir,
    ports: { gateway: 4300, catalog: 4301, audit: 4302, quality: 4303 },
    env: { DATABASE_URL, GOVSHARE_DB_SCHEMA_PREFIX: prefix, LOG_LEVEL: 'warn', QUALITY_SCORE_ON_START: 'false' },
    onLine: (name, line) => {
      if (!line.includes('FastifyDeprecation') && !line.includes('trace-warnings')) process.stderr.write(`${name}| ${line}\n`);
    },
  });
  const admin = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    const ids = (await admin.unsafe(`select key from "${prefix}_catalog".records where dataset_id = 'resident-registry' order by id limit 1000`)).map((r: any) => r.key);
    const keys = await loadDevIssuerKeys(dataDir);
    const token = await mintCallerToken(keys.privateJwk, { sub: 'bench', dept: 'PSB', roles: ['consumer'], issuer: 'govshare-dev-issuer', audience: 'govshare', ttlSeconds: 3600 });
    // Warm both paths (JIT, connection pools, caches) before measuring.
    await gatewayLoad(hub.url('gateway'), token, ids, { connections: 8 }).catch(() => undefined);
    const raw = await rawPostgres(ids);
    const gw = await gatewayLoad(hub.url('gateway'), token, ids, { connections: CONNECTIONS });
    const fixed = await gatewayLoad(hub.url('gateway'), token, ids, { connections: 64, overallRate: 1200 });
    const audited = (await admin.unsafe(`select count(*)::int as n from "${prefix}_audit".events`).catch(() => [{ n: -1 }]))[0].n;
    printTable('records query: key filter, 20 rows max, 5 fields', [
      { name: 'postgres.js direct (baseline)', ...raw },
      { name: `gateway, ${CONNECTIONS} connections`, ...gw },
      { name: 'gateway at fixed 1,200 req/s', ...fixed },
    ]);
    console.log(`gateway throughput / raw throughput: ${ratio(gw.rps, raw.rps)} (target >= 0.40)`);
    console.log(`gateway p99 at 1,200 req/s: ${fixed.p99.toFixed(1)} ms (target <= 50 ms), achieved ${fixed.rps.toFixed(0)} req/s, errors ${fixed.errors}`);
    console.log(`audit events stored during the run: ${audited}`);
  } finally {
    await hub.stop();
    for (const svc of ['catalog', 'audit', 'quality', 'gateway']) await admin.unsafe(`drop schema if exists "${prefix}_${svc}" cascade`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
