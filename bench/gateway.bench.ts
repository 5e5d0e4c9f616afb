// Gateway benchmark: the same records query (key-field filter, 20 rows max, 5 fields) through the
// whole hub (GraphQL, token check, policy, catalog, audit) and directly with postgres.js against the
// same Postgres, in one run, so the machine's noise hits both. Then the gateway at a fixed 1,200 req/s.
//   pnpm bench:gateway      (Postgres at BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { loadDevIssuerKeys, mintCallerToken } from '@govshare/gateway';
import { createServiceClient, createServiceTokenSigner, loadServiceSigningKeys } from '@govshare/platform';
import { startHubProcesses } from '../scripts/hub-processes.ts';
import { percentile, printTable, ratio } from './report.ts';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const FIELDS = ['idNumber', 'name', 'gender', 'birthDate', 'address'];
const prefix = `bench_${Date.now().toString(36)}`;
const dataDir = mkdtempSync(join(tmpdir(), 'govshare-bench-'));

/** Runs `op` from CONNECTIONS closed-loop callers for SECONDS; reports throughput and latency. */
async function closedLoop(op: (i: number) => Promise<unknown>) {
  const latencies: number[] = [];
  let done = 0;
  let errors = 0;
  let firstError: string | undefined;
  const end = Date.now() + SECONDS * 1000;
  const worker = async () => {
    while (Date.now() < end) {
      const t0 = performance.now();
      try {
        await op(done);
      } catch (err) {
        errors++;
        firstError ??= (err as Error).message;
      }
      latencies.push(performance.now() - t0);
      done++;
    }
  };
  const cpuBefore = cpuByProcess();
  const t0 = Date.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const elapsed = (Date.now() - t0) / 1000;
  const cpu = cpuPerOp(cpuBefore, cpuByProcess(), done);
  latencies.sort((a, b) => a - b);
  if (firstError) console.error(`first error: ${firstError}`);
  return { rps: done / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors, cpu };
}

async function rawPostgres(ids: string[]) {
  const sql = postgres(DATABASE_URL, { max: 10, connection: { search_path: `${prefix}_catalog` }, onnotice: () => {} });
  try {
    // Open every connection first, so their backends are counted from the start of the loop.
    await Promise.all(Array.from({ length: 10 }, () => sql`select pg_sleep(0.05)`));
    return await closedLoop(
      (i) => sql`select key, ${sql(FIELDS.map((f) => f))} from (
        select key, ${sql.unsafe(FIELDS.map((f) => `data->'${f}' as "${f}"`).join(', '))} from records
        where dataset_id = 'resident-registry' and key = ${ids[i % ids.length]} order by id limit 20) r`,
    );
  } finally {
    await sql.end();
  }
}

/**
 * Each internal hop the gateway makes per records query, called alone with a service token: the
 * dataset + grants lookup, the records query, and the audit append (one event per call). Shows
 * where a gateway request's time goes, and what the audit path costs.
 */
async function internalHops(hub: { url(name: string): string }, ids: string[]) {
  const signer = createServiceTokenSigner((await loadServiceSigningKeys(dataDir)).privateJwk);
  const catalog = createServiceClient({ service: 'catalog', baseUrl: hub.url('catalog'), signer });
  const audit = createServiceClient({ service: 'audit', baseUrl: hub.url('audit'), signer });
  const requestId = 'bench-hops';
  try {
    const access = await closedLoop(() => catalog.call({ method: 'GET', path: '/datasets/resident-registry/access?dept=PSB', requestId }));
    const records = await closedLoop((i) =>
      catalog.call({
        method: 'POST',
        path: '/datasets/resident-registry/records/query',
        requestId,
        body: { fields: FIELDS, where: { field: 'idNumber', op: 'eq', value: ids[i % ids.length] }, first: 20, withTotal: false },
      }),
    );
    const append = await closedLoop(() =>
      audit.call({
        method: 'POST',
        path: '/events',
        requestId,
        body: {
          events: [
            {
              id: randomUUID(),
              at: new Date().toISOString(),
              requestId,
              actor: { sub: 'bench', dept: 'PSB', roles: ['consumer'], jti: randomUUID() },
              action: 'records.read',
              outcome: 'allowed',
              dataset: 'resident-registry',
              fields: FIELDS,
              recordCount: 1,
            },
          ],
        },
      }),
    );
    return { access, records, append };
  } finally {
    await catalog.close();
    await audit.close();
  }
}

const CPU_GROUPS: [string, (args: string) => boolean][] = [
  ['gateway', (a) => a.includes('gateway/src/main.ts')],
  ['catalog', (a) => a.includes('catalog/src/main.ts')],
  ['audit', (a) => a.includes('audit/src/main.ts')],
  ['quality', (a) => a.includes('quality/src/main.ts')],
  ['postgres', (a) => a.startsWith('postgres')],
];

/** CPU time (ms) used so far by each hub process, all Postgres processes, and this load generator. */
function cpuByProcess(): Record<string, number> {
  const tick = 10; // USER_HZ is 100 on Linux
  const out: Record<string, number> = { 'load generator': (process.cpuUsage().user + process.cpuUsage().system) / 1000 };
  for (const line of execFileSync('ps', ['-eo', 'pid=,args=']).toString().trim().split('\n')) {
    const [pid, ...rest] = line.trim().split(/\s+/);
    const group = CPU_GROUPS.find(([, match]) => match(rest.join(' ')))?.[0];
    if (!group) continue;
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      out[group] = (out[group] ?? 0) + (Number(f[11]) + Number(f[12])) * tick;
    } catch {
      // the process ended between ps and the read
    }
  }
  return out;
}

/** µs of CPU per operation, by process group, between two cpuByProcess readings. */
function cpuPerOp(before: Record<string, number>, after: Record<string, number>, ops: number): Record<string, number> {
  return Object.fromEntries(Object.keys(after).map((k) => [k, ((after[k] - (before[k] ?? 0)) * 1000) / Math.max(ops, 1)]));
}

function printCpuTable(columns: { name: string; cpu: Record<string, number> }[]) {
  const groups = ['load generator', ...CPU_GROUPS.map(([g]) => g)];
  console.log(`\nCPU per request in µs, all processes (the machine has ${availableParallelism()} cores; throughput is at most cores / total)`);
  console.log(['process'.padEnd(15), ...columns.map((c) => c.name.padStart(10))].join(' '));
  for (const g of groups) console.log([g.padEnd(15), ...columns.map((c) => (c.cpu[g] ?? 0).toFixed(0).padStart(10))].join(' '));
  const totals = columns.map((c) => Object.values(c.cpu).reduce((a, b) => a + b, 0));
  console.log(['total'.padEnd(15), ...totals.map((t) => t.toFixed(0).padStart(10))].join(' '));
  console.log(['x raw'.padEnd(15), ...totals.map((t) => ratio(t, totals[0]).padStart(10))].join(' '));
}

function gatewayLoad(url: string, token: string, ids: string[], opts: { connections: number; overallRate?: number }) {
  let n = 0;
  const query = `query Q($id: JSON!) { records(dataset: "resident-registry", fields: ${JSON.stringify(FIELDS)}, where: { field: "idNumber", eq: $id }, first: 20) { nodes { key data } } }`;
  const cpuBefore = cpuByProcess();
  return new Promise<{ rps: number; p50: number; p99: number; errors: number; cpu: Record<string, number> }>((resolve, reject) => {
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
        resolve({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx + r.timeouts, cpu: cpuPerOp(cpuBefore, cpuByProcess(), r.requests.total) });
      },
    );
  });
}

async function main() {
  console.log(`starting the hub as separate processes on ${DATABASE_URL} (schemas ${prefix}_*)...`);
  const hub = await startHubProcesses({
    dataDir,
    ports: { gateway: 4300, catalog: 4301, audit: 4302, quality: 4303 },
    // BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles every process of the run.
    execArgv: process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean),
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
    const hops = await internalHops(hub, ids);
    const audited = (await admin.unsafe(`select count(*)::int as n from "${prefix}_audit".events`).catch(() => [{ n: -1 }]))[0].n;
    printTable('records query: key filter, 20 rows max, 5 fields', [
      { name: 'postgres.js direct (baseline)', ...raw },
      { name: `gateway, ${CONNECTIONS} connections`, ...gw },
      { name: 'gateway at fixed 1,200 req/s', ...fixed },
      { name: 'hop alone: catalog dataset+grants', ...hops.access },
      { name: 'hop alone: catalog records query', ...hops.records },
      { name: 'hop alone: audit append (1 event)', ...hops.append },
    ]);
    console.log(`gateway throughput / raw throughput: ${ratio(gw.rps, raw.rps)} (target >= 0.40)`);
    console.log(`gateway p99 at 1,200 req/s: ${fixed.p99.toFixed(1)} ms (target <= 50 ms), achieved ${fixed.rps.toFixed(0)} req/s, errors ${fixed.errors}`);
    console.log(`audit events stored during the run: ${audited}`);
    // Where the CPU goes: every process shares the same cores, so CPU per request bounds throughput.
    printCpuTable([
      { name: 'raw', cpu: raw.cpu },
      { name: 'gateway', cpu: gw.cpu },
      { name: 'hop access', cpu: hops.access.cpu },
      { name: 'hop query', cpu: hops.records.cpu },
      { name: 'hop audit', cpu: hops.append.cpu },
    ]);
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
