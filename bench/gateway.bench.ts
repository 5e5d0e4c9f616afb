// Gateway benchmark: two records queries over the same BENCH_ROWS (default 200,000) rows, on the same
// Postgres, in one run, so the machine's noise hits every server alike:
//   filter  equality on an indexed non-key field (district, ~200 rows each), first 20 rows, 5 fields
//   key     lookup by the key field, 1 row, 5 fields
// Servers, each over HTTP with 32 connections (autocannon, closed loop):
//   raw     postgres.js behind a bare node:http server on a typed table (the floor)
//   PG4     PostGraphile 4 (library mode in node:http) on the same typed table, btree on district
//   govshare through the whole hub (GraphQL, token, policy, catalog, audit: four processes), read by
//           the owner department (clear) and by another department (INTERNAL tier: personal fields masked)
// plus postgres.js in this process on the catalog's own records table (no HTTP hop), the gateway's
// internal hops alone, CPU per request, then p99 at a steady 1,200 req/s (bench/steady-rate.ts).
//   pnpm bench:gateway      (Postgres at BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
//   BENCH_SECONDS (10) per measurement, BENCH_CONNECTIONS (32), BENCH_ROWS (200000), BENCH_RATE (1200),
//   BENCH_X_INDEX: 1 = declare x-index on district (fail if the catalog refuses it), 0 = never,
//   unset = declare it if the catalog accepts the keyword.
import { randomUUID } from 'node:crypto';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { request } from 'undici';
import { loadDevIssuerKeys, mintCallerToken } from '@govshare/gateway';
import { createServiceClient, createServiceTokenSigner, loadServiceSigningKeys, remoteFace } from '@govshare/platform';
import { catalogFaceSpec } from '@govshare/catalog';
import { root, startHubProcesses, type HubProcesses } from '../scripts/hub-processes.ts';
import { benchRows, DISTRICTS, districtCode, recordNo, type BenchRow } from './bench-rows.ts';
import { percentile, printTable, ratio } from './report.ts';
import { steadyRate, type SteadyRateResult } from './steady-rate.ts';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ROWS = Number(process.env.BENCH_ROWS ?? 200_000);
const RATE = Number(process.env.BENCH_RATE ?? 1200);
const WARM_SECONDS = Math.min(2, SECONDS);
const DATASET = 'bench-residents';
const OWNER = 'PSB';
const OTHER = 'MCA'; // INTERNAL tier: reads without a grant, personal fields masked
const FIELDS = ['idNumber', 'name', 'gender', 'birthDate', 'address'] as const;
const prefix = `bench_${Date.now().toString(36)}`;
const PG_SCHEMA = `${prefix}_pg`;
const dataDir = mkdtempSync(join(tmpdir(), 'govshare-bench-'));
const tsxLoader = createRequire(resolve(root, 'package.json')).resolve('tsx');

// The benchmark dataset as govshare stores it. district is the filtered field: 'x-index' asks the
// catalog to index it (see BENCH_X_INDEX above for a catalog that does not know the keyword yet).
const BENCH_SCHEMA = {
  type: 'object',
  properties: {
    recordNo: { type: 'string', title: 'Record number', 'x-key': true },
    district: { type: 'string', title: 'District code', 'x-index': true },
    idNumber: { type: 'string', title: 'Resident ID', 'x-sensitivity': 'sensitive', 'x-mask': 'partial' },
    name: { type: 'string', title: 'Name', 'x-sensitivity': 'personal', 'x-mask': 'partial' },
    gender: { type: 'string', title: 'Gender', enum: ['男', '女'] },
    birthDate: { type: 'string', title: 'Birth date', format: 'date' },
    address: { type: 'string', title: 'Address', 'x-sensitivity': 'personal', 'x-mask': 'partial' },
  },
  required: ['recordNo', 'district', 'idNumber', 'name', 'gender', 'birthDate', 'address'],
  additionalProperties: false,
};

type Query = 'filter' | 'key';
interface Measured {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  cpu: Record<string, number>;
}

// ---------------------------------------------------------------------------------------------
// Cleanup: everything started or created registers how to undo it; run in reverse at the end, on
// failure, and on Ctrl-C.

const cleanups: { name: string; run: () => Promise<unknown> }[] = [];
let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c.run();
      } catch (err) {
        console.error(`cleanup (${c.name}) failed: ${(err as Error).message}`);
      }
    }
  })();
  return cleaning;
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.error(`\n${sig}: cleaning up...`);
    void cleanup().finally(() => process.exit(130));
  });
}

/** A child server (tsx), which sends { port } over IPC once it listens; stopped by the cleanup. */
async function startChild(name: string, entry: string, env: Record<string, string>): Promise<string> {
  const child: ChildProcess = spawn(process.execPath, ['--import', tsxLoader, resolve(root, entry)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  for (const stream of [child.stdout!, child.stderr!])
    createInterface({ input: stream }).on('line', (line) => process.stderr.write(`${name}| ${line}\n`));
  let exited = child.exitCode !== null;
  child.once('exit', () => (exited = true));
  cleanups.push({
    name,
    run: async () => {
      if (exited) return;
      child.kill('SIGTERM');
      for (let i = 0; i < 50 && !exited; i++) await new Promise((r) => setTimeout(r, 100));
      if (!exited) child.kill('SIGKILL');
    },
  });
  const port = await new Promise<number>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not start within 120 s`)), 120_000);
    child.once('message', (m: any) => (clearTimeout(timer), ok(Number(m.port))));
    child.once(
      'exit',
      (code, signal) => (clearTimeout(timer), fail(new Error(`${name} exited during start-up (${code ?? signal})`))),
    );
  });
  return `http://127.0.0.1:${port}`;
}

// ---------------------------------------------------------------------------------------------
// Load

/** Runs `op` from CONNECTIONS closed-loop callers for SECONDS; reports throughput and latency. */
async function closedLoop(op: (i: number) => Promise<unknown>): Promise<Measured> {
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

/** One HTTP request shape of a server, for autocannon and the steady-rate generator alike. */
interface Target {
  origin: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Path and body of request i (bodies for GraphQL). */
  make(i: number): { path: string; body?: string };
  /** Accepts a 200 answer's body (GraphQL reports errors with 200). */
  ok(body: string): boolean;
}

function httpLoad(t: Target, opts: { connections: number; seconds: number; overallRate?: number }): Promise<Measured> {
  let n = 0;
  let bad = 0;
  const cpuBefore = cpuByProcess();
  return new Promise((resolveLoad, reject) => {
    autocannon(
      {
        url: t.origin,
        method: t.method,
        connections: opts.connections,
        overallRate: opts.overallRate,
        duration: opts.seconds,
        headers: t.headers,
        requests: [
          {
            method: t.method,
            setupRequest: (req: any) => ({ ...req, ...t.make(n++) }),
            onResponse: (status: number, body: string) => {
              if (status === 200 && !t.ok(body)) bad++;
            },
          } as any,
        ],
      },
      (err: unknown, r: any) => {
        if (err) return reject(err);
        resolveLoad({
          rps: r.requests.average,
          p50: r.latency.p50,
          p99: r.latency.p99,
          errors: r.errors + r.non2xx + r.timeouts + bad,
          cpu: cpuPerOp(cpuBefore, cpuByProcess(), r.requests.total),
        });
      },
    );
  });
}

const steady = (t: Target): Promise<SteadyRateResult> =>
  steadyRate({
    origin: t.origin,
    rate: RATE,
    seconds: SECONDS,
    connections: 256,
    request: (i) => ({ method: t.method, headers: t.headers, ...t.make(i) }),
    check: t.ok,
  });

// ---------------------------------------------------------------------------------------------
// CPU accounting

const CPU_GROUPS: [string, (args: string) => boolean][] = [
  ['gateway', (a) => a.includes('gateway/src/main.ts')],
  ['catalog', (a) => a.includes('catalog/src/main.ts')],
  ['audit', (a) => a.includes('audit/src/main.ts')],
  ['quality', (a) => a.includes('quality/src/main.ts')],
  ['raw http', (a) => a.includes('bench/raw-http-server.ts')],
  ['postgraphile', (a) => a.includes('bench/postgraphile/src/server.ts')],
  // Backends (postgres: ...) and the postmaster, which is credited with the CPU of backends that ended.
  ['postgres', (a) => a.startsWith('postgres') || /\/bin\/postgres( |$)/.test(a)],
];

/** CPU time (ms) used so far by each server process, all Postgres processes (also ended backends), and this load generator. */
function cpuByProcess(): Record<string, number> {
  const tick = 10; // USER_HZ is 100 on Linux
  const out: Record<string, number> = {
    'load generator': (process.cpuUsage().user + process.cpuUsage().system) / 1000,
  };
  for (const line of execFileSync('ps', ['-eo', 'pid=,args=']).toString().trim().split('\n')) {
    const [pid, ...rest] = line.trim().split(/\s+/);
    const group = CPU_GROUPS.find(([, match]) => match(rest.join(' ')))?.[0];
    if (!group) continue;
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      // utime + stime, plus cutime + cstime (children that ended: the postmaster's backends).
      out[group] = (out[group] ?? 0) + (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * tick;
    } catch {
      // the process ended between ps and the read
    }
  }
  return out;
}

/** µs of CPU per operation, by process group, between two cpuByProcess readings. */
function cpuPerOp(before: Record<string, number>, after: Record<string, number>, ops: number): Record<string, number> {
  return Object.fromEntries(
    Object.keys(after).map((k) => [k, ((after[k] - (before[k] ?? 0)) * 1000) / Math.max(ops, 1)]),
  );
}

function printCpuTable(columns: { name: string; cpu: Record<string, number> }[]) {
  const groups = ['load generator', ...CPU_GROUPS.map(([g]) => g)];
  console.log(
    `\nCPU per request in µs, all processes (the machine has ${availableParallelism()} cores; throughput is at most cores / total)`,
  );
  console.log(['process'.padEnd(15), ...columns.map((c) => c.name.padStart(12))].join(' '));
  for (const g of groups)
    console.log([g.padEnd(15), ...columns.map((c) => (c.cpu[g] ?? 0).toFixed(0).padStart(12))].join(' '));
  const totals = columns.map((c) => Object.values(c.cpu).reduce((a, b) => a + b, 0));
  console.log(['total'.padEnd(15), ...totals.map((t) => t.toFixed(0).padStart(12))].join(' '));
  console.log(['x raw'.padEnd(15), ...totals.map((t) => ratio(t, totals[0]).padStart(12))].join(' '));
}

// ---------------------------------------------------------------------------------------------
// Set-up: the same rows in govshare (through its upload route) and in a typed table

async function gql(gateway: string, token: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(`${gateway}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
}

const stripXIndex = (schema: typeof BENCH_SCHEMA) =>
  ({
    ...schema,
    properties: Object.fromEntries(
      Object.entries(schema.properties).map(([k, v]) => [
        k,
        Object.fromEntries(Object.entries(v).filter(([kw]) => kw !== 'x-index')),
      ]),
    ),
  }) as typeof BENCH_SCHEMA;

/** Creates the dataset, declaring x-index on district as BENCH_X_INDEX says; returns whether it did. */
async function createBenchDataset(gateway: string, steward: string): Promise<boolean> {
  const mode = process.env.BENCH_X_INDEX;
  const create = (schema: object) =>
    gql(gateway, steward, `mutation C($i: CreateDatasetInput!) { createDataset(input: $i) { id } }`, {
      i: { id: DATASET, title: 'Bench residents', ownerDept: OWNER, tier: 'INTERNAL', schema },
    });
  if (mode !== '0') {
    const r = await create(BENCH_SCHEMA);
    if (!r.errors) return true;
    if (mode === '1') throw new Error(`BENCH_X_INDEX=1 but the catalog refused the schema: ${r.errors[0].message}`);
    console.log(
      `the catalog refused 'x-index' (${r.errors[0].message.slice(0, 160)}); creating the dataset without it`,
    );
  }
  const r = await create(stripXIndex(BENCH_SCHEMA));
  if (r.errors) throw new Error(`createDataset: ${r.errors[0].message}`);
  return false;
}

async function uploadRows(gateway: string, steward: string, rows: BenchRow[]) {
  const body = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const res = await request(`${gateway}/datasets/${DATASET}/records?mode=append`, {
    method: 'POST',
    headers: { authorization: `Bearer ${steward}`, 'content-type': 'application/x-ndjson; charset=utf-8' },
    body,
    headersTimeout: 900_000,
    bodyTimeout: 900_000,
  });
  const answer: any = await res.body.json();
  if (res.statusCode >= 300 || answer.accepted !== rows.length)
    throw new Error(`upload: ${res.statusCode} ${JSON.stringify(answer).slice(0, 500)}`);
}

async function loadTypedTable(admin: postgres.Sql, rows: BenchRow[]) {
  await admin.unsafe(`create schema "${PG_SCHEMA}"`);
  await admin.unsafe(`create table "${PG_SCHEMA}".residents (
    record_no text primary key, district text not null, id_number text not null, name text not null,
    gender text not null, birth_date date not null, address text not null)`);
  await admin.unsafe(`comment on table "${PG_SCHEMA}".residents is 'Benchmark copy of the bench-residents dataset'`);
  for (let i = 0; i < rows.length; i += 5000) {
    const batch = rows.slice(i, i + 5000).map((r) => ({
      record_no: r.recordNo,
      district: r.district,
      id_number: r.idNumber,
      name: r.name,
      gender: r.gender,
      birth_date: r.birthDate,
      address: r.address,
    }));
    await admin`insert into ${admin(PG_SCHEMA)}.residents ${admin(batch)}`;
  }
  await admin.unsafe(`create index residents_district_idx on "${PG_SCHEMA}".residents (district)`);
  await admin.unsafe(`analyze "${PG_SCHEMA}".residents`);
}

// ---------------------------------------------------------------------------------------------
// The queries, per server

const districts = Array.from({ length: DISTRICTS }, (_, i) => districtCode((i * 389) % DISTRICTS));
const keyOf = (i: number) => recordNo((i * 7919 + 13) % ROWS);
const queryValue = (q: Query, i: number) => (q === 'filter' ? districts[i % districts.length] : keyOf(i));
const noErrors = (body: string) => !body.includes('"errors"');

function rawTarget(origin: string, q: Query): Target {
  const param = q === 'filter' ? 'district' : 'recordNo';
  return {
    origin,
    method: 'GET',
    make: (i) => ({ path: `/${q}?${param}=${queryValue(q, i)}` }),
    ok: (b) => b.startsWith('{"nodes":[{'),
  };
}

const PG_QUERIES: Record<Query, string> = {
  filter: `query Q($v: String!) { allResidents(condition: { district: $v }, first: 20) { nodes { recordNo ${FIELDS.join(' ')} } } }`,
  key: `query Q($v: String!) { residentByRecordNo(recordNo: $v) { recordNo ${FIELDS.join(' ')} } }`,
};
function postgraphileTarget(origin: string, q: Query): Target {
  return {
    origin,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    make: (i) => ({
      path: '/graphql',
      body: JSON.stringify({ query: PG_QUERIES[q], variables: { v: queryValue(q, i) } }),
    }),
    ok: (b) => noErrors(b) && !b.includes('"residentByRecordNo":null'),
  };
}

const GS_QUERIES: Record<Query, string> = {
  filter: `query Q($v: JSON!) { records(dataset: "${DATASET}", fields: ${JSON.stringify(FIELDS)}, where: { field: "district", eq: $v }, first: 20) { nodes { key data } } }`,
  key: `query Q($v: JSON!) { records(dataset: "${DATASET}", fields: ${JSON.stringify(FIELDS)}, where: { field: "recordNo", eq: $v }, first: 1) { nodes { key data } } }`,
};
function govshareTarget(origin: string, token: string, q: Query): Target {
  return {
    origin,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    make: (i) => ({
      path: '/graphql',
      body: JSON.stringify({ query: GS_QUERIES[q], variables: { v: queryValue(q, i) } }),
    }),
    ok: (b) => noErrors(b) && !b.includes('"nodes":[]'),
  };
}

/** postgres.js in this process on the catalog's records table (JSONB), no HTTP hop: what the catalog's own SQL costs at best. */
async function inProcess(q: Query, datasetId: string): Promise<Measured> {
  const sql = postgres(DATABASE_URL, { max: 10, connection: { search_path: `${prefix}_catalog` }, onnotice: () => {} });
  const cols = sql.unsafe(FIELDS.map((f) => `data->'${f}' as "${f}"`).join(', '));
  try {
    // Open every connection first, so their backends are counted from the start of the loop.
    await Promise.all(Array.from({ length: 10 }, () => sql`select pg_sleep(0.05)`));
    return await closedLoop((i) =>
      q === 'filter'
        ? sql`select key, ${cols} from records where dataset_id = ${datasetId} and data->>'district' = ${queryValue(q, i)} order by id limit 20`
        : sql`select key, ${cols} from records where dataset_id = ${datasetId} and key = ${queryValue(q, i)} order by id limit 1`,
    );
  } finally {
    await sql.end();
  }
}

/**
 * Checks once, before anything is measured, that every server answers the same rows and that the
 * other department's answer is masked.
 */
async function verify(targets: { name: string; t: Target }[], q: Query) {
  const want = q === 'filter' ? 20 : 1;
  const seen = new Map<string, string>();
  for (const { name, t } of targets) {
    const { path, body } = t.make(0);
    const res = await fetch(`${t.origin}${path}`, { method: t.method, headers: t.headers, body });
    const text = await res.text();
    if (!res.ok || !t.ok(text)) throw new Error(`${name} (${q}) answered ${res.status}: ${text.slice(0, 300)}`);
    const json = JSON.parse(text);
    const nodes =
      json.nodes ??
      json.data?.records?.nodes ??
      json.data?.allResidents?.nodes ??
      (json.data?.residentByRecordNo ? [json.data.residentByRecordNo] : []);
    if (nodes.length !== want)
      throw new Error(`${name} (${q}) answered ${nodes.length} rows, not ${want}: ${text.slice(0, 300)}`);
    // By idNumber: govshare answers keys as HMACs (to the owner too), and the 5 fields hold no record number.
    const ids = nodes.map((n: any) => n.idNumber ?? n.data?.idNumber).join(',');
    const idNumber = String(nodes[0].idNumber ?? nodes[0].data?.idNumber);
    if (name === 'other') {
      if (!/\*/.test(idNumber)) throw new Error(`the masked reader saw idNumber ${idNumber}`);
    } else {
      if (!/^\d{18}$/.test(idNumber)) throw new Error(`${name} (${q}) answered idNumber ${idNumber}`);
      seen.set(name, ids);
    }
  }
  if (new Set(seen.values()).size !== 1)
    throw new Error(`the servers answered different rows for ${q}: ${JSON.stringify(Object.fromEntries(seen))}`);
}

/**
 * Each internal hop the gateway makes per records query, called alone with a service token: the
 * dataset + grants lookup, the records query (the filter), and the audit append (one event per call).
 */
async function internalHops(hub: HubProcesses) {
  const signer = createServiceTokenSigner((await loadServiceSigningKeys(dataDir)).privateJwk);
  const catalogClient = createServiceClient({ service: 'catalog', baseUrl: hub.url('catalog'), signer });
  const catalog = remoteFace(catalogFaceSpec, catalogClient);
  const audit = createServiceClient({ service: 'audit', baseUrl: hub.url('audit'), signer });
  const requestId = 'bench-hops';
  const ctx = { requestId, caller: { sub: 'bench', dept: OTHER, roles: ['consumer'] } };
  try {
    const access = await closedLoop(() => catalog.datasetAccess({ id: DATASET, dept: OTHER }, ctx));
    const records = await closedLoop((i) =>
      catalog.queryRecords(
        {
          id: DATASET,
          fields: [...FIELDS],
          where: { field: 'district', op: 'eq', value: queryValue('filter', i) },
          first: 20,
          withTotal: false,
        },
        ctx,
      ),
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
              actor: { sub: 'bench', dept: OTHER, roles: ['consumer'], jti: randomUUID() },
              action: 'records.read',
              outcome: 'allowed',
              dataset: DATASET,
              fields: FIELDS,
              recordCount: 20,
            },
          ],
        },
      }),
    );
    return { access, records, append };
  } finally {
    await catalogClient.close();
    await audit.close();
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const admin = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  cleanups.push({ name: 'postgres', run: () => admin.end() });
  cleanups.push({ name: 'data dir', run: async () => rmSync(dataDir, { recursive: true, force: true }) });
  cleanups.push({
    name: 'schemas',
    run: async () => {
      for (const s of ['catalog', 'audit', 'quality', 'gateway', 'pg'])
        await admin.unsafe(`drop schema if exists "${prefix}_${s}" cascade`);
    },
  });

  console.log(`starting the hub as separate processes on ${DATABASE_URL} (schemas ${prefix}_*)...`);
  const hubStop = new AbortController();
  cleanups.push({ name: 'hub start-up', run: async () => hubStop.abort() });
  const hub = await startHubProcesses({
    dataDir,
    ports: { hub: 4300, catalog: 4301, audit: 4302, quality: 4303 },
    // BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles every process of the run.
    execArgv: process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean),
    // The quality service would rescore 200,000 rows after the upload, during the measurements: its
    // debounce is set past the end of the run (a run request waits that long; ~23 days).
    env: {
      DATABASE_URL,
      GOVSHARE_DB_SCHEMA_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      QUALITY_SCORE_ON_START: 'false',
      QUALITY_DEBOUNCE_MS: '2000000000',
    },
    signal: hubStop.signal,
    onLine: (name, line) => {
      if (!line.includes('FastifyDeprecation') && !line.includes('trace-warnings'))
        process.stderr.write(`${name}| ${line}\n`);
    },
  });
  cleanups.push({ name: 'hub', run: () => hub.stop() });
  const gateway = hub.url('hub');

  const keys = await loadDevIssuerKeys(dataDir);
  const mint = (dept: string, role: 'consumer' | 'steward') =>
    mintCallerToken(keys.privateJwk, {
      sub: `bench-${role}`,
      dept,
      roles: [role],
      issuer: 'govshare-dev-issuer',
      audience: 'govshare',
      ttlSeconds: 3600,
    });
  const steward = await mint(OWNER, 'steward');
  const ownerToken = await mint(OWNER, 'consumer');
  const otherToken = await mint(OTHER, 'consumer');

  const rows = benchRows(ROWS);
  let t = performance.now();
  const xIndex = await createBenchDataset(gateway, steward);
  await uploadRows(gateway, steward, rows);
  const uploadSeconds = (performance.now() - t) / 1000;
  await admin.unsafe(`analyze "${prefix}_catalog".records`);
  t = performance.now();
  await loadTypedTable(admin, rows);
  const typedSeconds = (performance.now() - t) / 1000;
  console.log(
    `${ROWS.toLocaleString('en')} rows: govshare upload ${uploadSeconds.toFixed(1)} s (x-index on district: ${xIndex ? 'declared' : 'not declared'}), typed table ${typedSeconds.toFixed(1)} s`,
  );

  const rawUrl = await startChild('raw', 'bench/raw-http-server.ts', { DATABASE_URL, BENCH_PG_SCHEMA: PG_SCHEMA });
  const pgUrl = await startChild('postgraphile', 'bench/postgraphile/src/server.ts', {
    DATABASE_URL,
    BENCH_PG_SCHEMA: PG_SCHEMA,
  });

  const servers = (q: Query) => [
    { name: 'raw', label: 'raw postgres.js + node:http', t: rawTarget(rawUrl, q) },
    { name: 'pg4', label: 'PostGraphile 4', t: postgraphileTarget(pgUrl, q) },
    { name: 'owner', label: `govshare, owner ${OWNER} (clear)`, t: govshareTarget(gateway, ownerToken, q) },
    { name: 'other', label: `govshare, ${OTHER} (masked)`, t: govshareTarget(gateway, otherToken, q) },
  ];
  for (const q of ['filter', 'key'] as const) await verify(servers(q), q);

  type Row = Measured & { name: string; query: Query; server: string };
  const table: Row[] = [];
  for (const q of ['filter', 'key'] as const) {
    for (const s of servers(q)) {
      await httpLoad(s.t, { connections: 8, seconds: WARM_SECONDS }); // JIT, pools, caches
      table.push({
        name: `${q}: ${s.label}`,
        query: q,
        server: s.name,
        ...(await httpLoad(s.t, { connections: CONNECTIONS, seconds: SECONDS })),
      });
    }
    table.push({
      name: `${q}: postgres.js in-process, JSONB, no HTTP`,
      query: q,
      server: 'direct',
      ...(await inProcess(q, DATASET)),
    });
  }
  const rowOf = (q: Query, server: string) => table.find((r) => r.query === q && r.server === server)!;

  const filter = servers('filter');
  const steadyRuns: { label: string; r: SteadyRateResult }[] = [];
  for (const s of [filter[2], filter[3], filter[0], filter[1]]) {
    steadyRuns.push({ label: s.label, r: await steady(s.t) });
    await new Promise((r) => setTimeout(r, 2000)); // let an overloaded server drain before the next run
  }
  const bursty = await httpLoad(filter[2].t, { connections: 64, overallRate: RATE, seconds: SECONDS });
  const hops = await internalHops(hub);
  const audited = (
    await admin.unsafe(`select count(*)::int as n from "${prefix}_audit".events`).catch(() => [{ n: -1 }])
  )[0].n;

  printTable(
    `records queries over ${ROWS.toLocaleString('en')} rows, 5 fields, ${CONNECTIONS} connections, ${SECONDS} s each (filter: district = ?, first 20; key: record number, 1 row)`,
    table,
    {
      ratios: [
        { label: 'x raw', base: (r) => rowOf(r.query, 'raw').rps },
        { label: 'x PG4', base: (r) => rowOf(r.query, 'pg4').rps },
      ],
    },
  );
  console.log(
    `(x-index on district: ${xIndex ? 'declared' : 'not declared: the catalog does not accept the keyword yet'})`,
  );
  for (const q of ['filter', 'key'] as const) {
    for (const who of ['owner', 'other']) {
      const r = rowOf(q, who);
      console.log(
        `govshare ${who === 'owner' ? 'owner ' : 'masked'} / PostGraphile 4, ${q.padEnd(6)}: ${ratio(r.rps, rowOf(q, 'pg4').rps)} (target >= 1.00)`,
      );
    }
  }

  console.log(
    `\nsteady ${RATE.toLocaleString('en')} req/s, open loop (bench/steady-rate.ts: evenly spaced, latency from the scheduled send), filter query, ${SECONDS} s`,
  );
  console.log(
    [
      'server'.padEnd(34),
      'req/s'.padStart(7),
      'p50 ms'.padStart(8),
      'p99 ms'.padStart(8),
      'max ms'.padStart(8),
      'errors'.padStart(7),
      'send lag p99'.padStart(13),
    ].join(' '),
  );
  for (const { label, r } of steadyRuns) {
    console.log(
      [
        label.padEnd(34),
        r.rps.toFixed(0).padStart(7),
        r.p50.toFixed(2).padStart(8),
        r.p99.toFixed(2).padStart(8),
        r.max.toFixed(1).padStart(8),
        String(r.errors).padStart(7),
        r.sendLagP99.toFixed(2).padStart(13),
      ].join(' '),
    );
    if (r.firstError) console.error(`  first error: ${r.firstError}`);
  }
  const gs = steadyRuns[0].r;
  console.log(
    `govshare p99 at a steady ${RATE.toLocaleString('en')} req/s: ${gs.p99.toFixed(1)} ms (target <= 50 ms), achieved ${gs.rps.toFixed(0)} req/s, errors ${gs.errors}`,
  );
  console.log(
    `(autocannon overallRate ${RATE}, bursts at each second, for comparison: p50 ${bursty.p50.toFixed(1)} ms, p99 ${bursty.p99.toFixed(1)} ms, ${bursty.rps.toFixed(0)} req/s, errors ${bursty.errors})`,
  );

  printTable("the gateway's internal hops alone (service token, closed loop)", [
    { name: 'hop alone: catalog dataset+grants', ...hops.access },
    { name: 'hop alone: catalog records query (filter)', ...hops.records },
    { name: 'hop alone: audit append (1 event)', ...hops.append },
  ]);
  console.log(`audit events stored during the run: ${audited}`);
  // Where the CPU goes: every process shares the same cores, so CPU per request bounds throughput.
  printCpuTable([
    { name: 'raw filter', cpu: rowOf('filter', 'raw').cpu },
    { name: 'PG4 filter', cpu: rowOf('filter', 'pg4').cpu },
    { name: 'owner filter', cpu: rowOf('filter', 'owner').cpu },
    { name: 'masked filter', cpu: rowOf('filter', 'other').cpu },
    { name: 'owner key', cpu: rowOf('key', 'owner').cpu },
    { name: 'hop query', cpu: hops.records.cpu },
    { name: 'hop audit', cpu: hops.append.cpu },
  ]);
}

main()
  .then(() => cleanup())
  .catch(async (err) => {
    console.error(err);
    await cleanup();
    process.exit(1);
  });
