// Gateway benchmark: two records queries over the same BENCH_ROWS (default 200,000) rows, on the same
// Postgres, in one run, so the machine's noise hits every server alike:
//   filter  equality on an indexed non-key field (district, ~200 rows each), first 20 rows, 5 fields
//   key     lookup by the key field, 1 row, 5 fields
// Servers, each over HTTP with 32 connections (autocannon, closed loop):
//   raw     postgres.js behind a bare node:http server on a typed table (the floor)
//   PG4     PostGraphile 4 (library mode in node:http) on the same typed table, btree on district
//   yoga    graphql-yoga + Pothos alone (the gateway's stack, none of the hub's checks) on the typed table:
//           the ceiling of any server on this stack
//   govshare through the whole hub (GraphQL, token, policy, catalog, audit), read by the owner
//           department (clear) and by another department (INTERNAL tier: personal fields masked), in
//           each topology asked for:
//             one    one hub process (gateway/src/main.ts: catalog and audit inside, called directly
//                    through their faces) + the quality service (the default)
//             split  the catalog and the audit log in their own processes (remote: ['catalog','audit']),
//                    called over HTTP through the clients generated from their faces
// plus postgres.js in this process on the catalog's own records table (no HTTP hop), CPU per request
// by process (/proc), CPU per read by component inside the hub process (a V8 profile of one load
// phase, scaled to the process's /proc CPU), p99 at a steady 1,200 req/s (bench/steady-rate.ts), in
// the split topology the gateway's internal hops alone, and with BENCH_EMBEDDED=1 the hub on embedded
// PGlite (no DATABASE_URL) against the same server anchors.
//   pnpm bench:gateway      (Postgres at BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
//   BENCH_SECONDS (10) per measurement, BENCH_CONNECTIONS (32), BENCH_ROWS (200000), BENCH_RATE (1200),
//   BENCH_TOPOLOGY one | split (default one), BENCH_TOPOLOGIES=one,split (both in one run, one table),
//   BENCH_EMBEDDED=1 (also the hub on PGlite), BENCH_EMBEDDED_ROWS (default BENCH_ROWS),
//   BENCH_PROFILE=0 (no component profile), BENCH_PROFILE_INTERVAL_US (500), BENCH_PROFILE_DIR (keep
//   the .cpuprofile files, for `tsx bench/cpu-profile.ts <dir> --frames`),
//   BENCH_X_INDEX: 1 = declare x-index on district (fail if the catalog refuses it), 0 = never,
//   unset = declare it if the catalog accepts the keyword.
import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
import { auditFaceSpec } from '@govshare/audit';
import {
  root,
  startHubProcesses,
  type HubProcesses,
  type ProcessName,
  type RemoteModule,
} from '../scripts/hub-processes.ts';
import { benchRows, DISTRICTS, districtCode, recordNo, type BenchRow } from './bench-rows.ts';
import { attributeProfile, perOperation, printComponentTable, scaleTo, type CpuProfile } from './cpu-profile.ts';
import { inspectorUrlIn, isInspectorNoise, startProfiles } from './inspector.ts';
import { CPU_GROUPS, cpuPerOp, cpuSampler, switchesPerOp } from './process-cpu.ts';
import { percentile, printTable, ratio } from './report.ts';
import { steadyRate, type SteadyRateResult } from './steady-rate.ts';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ROWS = Number(process.env.BENCH_ROWS ?? 200_000);
const RATE = Number(process.env.BENCH_RATE ?? 1200);
const EMBEDDED = process.env.BENCH_EMBEDDED === '1';
const EMBEDDED_ROWS = Number(process.env.BENCH_EMBEDDED_ROWS ?? ROWS);
const PROFILE = process.env.BENCH_PROFILE !== '0';
const PROFILE_INTERVAL_US = Number(process.env.BENCH_PROFILE_INTERVAL_US ?? 500);
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
const WARM_SECONDS = Math.min(3, SECONDS);
const DATASET = 'bench-residents';
const OWNER = 'PSB';
const OTHER = 'MCA'; // INTERNAL tier: reads without a grant, personal fields masked
const FIELDS = ['idNumber', 'name', 'gender', 'birthDate', 'address'] as const;
const prefix = `bench_${Date.now().toString(36)}`;
const PG_SCHEMA = `${prefix}_pg`;
const dataDir = mkdtempSync(join(tmpdir(), 'govshare-bench-'));
const tsxLoader = createRequire(resolve(root, 'package.json')).resolve('tsx');
const cpuByProcess = cpuSampler(root, DATABASE_URL);

type TopologyName = 'one' | 'split';
const TOPOLOGY_REMOTE: Record<TopologyName, RemoteModule[]> = { one: [], split: ['catalog', 'audit'] };
function topologiesFrom(value: string): TopologyName[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names)
    if (n !== 'one' && n !== 'split') throw new Error(`BENCH_TOPOLOGY/BENCH_TOPOLOGIES: "${n}" is not one or split`);
  if (names.length === 0) throw new Error('BENCH_TOPOLOGIES names no topology');
  return [...new Set(names)] as TopologyName[];
}
const TOPOLOGIES = topologiesFrom(process.env.BENCH_TOPOLOGIES ?? process.env.BENCH_TOPOLOGY ?? 'one');

/** One way of running the hub: a topology on the Postgres server, or embedded PGlite. */
interface Variant {
  id: TopologyName | 'embedded';
  /** In row names: "filter: govshare <label>, owner PSB (clear)". */
  label: string;
  /** In column heads (at most 5 characters). */
  short: string;
  remote: RemoteModule[];
  embedded: boolean;
  /** Rows loaded into this variant's catalog. */
  rows: number;
}
const VARIANTS: Variant[] = [
  ...TOPOLOGIES.map((id) => ({
    id,
    label: id === 'one' ? 'one process' : 'split (catalog, audit remote)',
    short: id === 'one' ? '1p' : 'split',
    remote: TOPOLOGY_REMOTE[id],
    embedded: false,
    rows: ROWS,
  })),
  ...(EMBEDDED
    ? [
        {
          id: 'embedded' as const,
          label: 'embedded PGlite',
          short: 'emb',
          remote: [],
          embedded: true,
          rows: EMBEDDED_ROWS,
        },
      ]
    : []),
];
/** Target lines name their variant only when there is more than one. */
const variantTag = (v: Variant) => (VARIANTS.length > 1 ? ` [${v.label}]` : '');

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
  /** Operations answered during the measurement. */
  ops: number;
  cpu: Record<string, number>;
  /** Context switches per operation, every process but the load generator (wake-ups and preemptions). */
  switches: number;
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
  const cpuAfter = cpuByProcess();
  const cpu = cpuPerOp(cpuBefore, cpuAfter, done);
  const switches = switchesPerOp(cpuBefore, cpuAfter, done);
  latencies.sort((a, b) => a - b);
  if (firstError) console.error(`first error: ${firstError}`);
  return {
    rps: done / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
    ops: done,
    cpu,
    switches,
  };
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
        const cpuAfter = cpuByProcess();
        resolveLoad({
          rps: r.requests.average,
          p50: r.latency.p50,
          p99: r.latency.p99,
          errors: r.errors + r.non2xx + r.timeouts + bad,
          ops: r.requests.total,
          cpu: cpuPerOp(cpuBefore, cpuAfter, r.requests.total),
          switches: switchesPerOp(cpuBefore, cpuAfter, r.requests.total),
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
// CPU accounting (bench/process-cpu.ts)

function printCpuTable(columns: { name: string; cpu: Record<string, number>; switches?: number }[]) {
  console.log(
    `\nCPU per request in µs, all processes (the machine has ${availableParallelism()} cores; throughput is at most cores / total)`,
  );
  console.log(
    "(postgres: the backends of this benchmark's connections only; hub: gateway/src/main.ts, with PGlite inside when embedded)",
  );
  const widths = columns.map((c) => Math.max(10, c.name.length));
  const line = (head: string, cells: string[]) =>
    console.log([head.padEnd(15), ...cells.map((c, i) => c.padStart(widths[i]))].join(' '));
  line(
    'process',
    columns.map((c) => c.name),
  );
  for (const g of CPU_GROUPS)
    line(
      g,
      columns.map((c) => (c.cpu[g] ?? 0).toFixed(0)),
    );
  const totals = columns.map((c) => Object.values(c.cpu).reduce((a, b) => a + b, 0));
  line(
    'total',
    totals.map((t) => t.toFixed(0)),
  );
  line(
    'x raw',
    totals.map((t) => ratio(t, totals[0])),
  );
  // Each switch is a process woken (or preempted) on a shared core: more processes per read, more of them.
  line(
    'ctx switches',
    columns.map((c) => (c.switches === undefined ? '' : c.switches.toFixed(1))),
  );
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
/** The record looked up by request i, among the first `rows` rows. */
const keyOf = (i: number, rows = ROWS) => recordNo((i * 7919 + 13) % rows);
const queryValue = (q: Query, i: number, rows = ROWS) =>
  q === 'filter' ? districts[i % districts.length] : keyOf(i, rows);
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
const YOGA_QUERIES: Record<Query, string> = {
  filter: `query Q($v: String!) { residents(district: $v, first: 20) { recordNo ${FIELDS.join(' ')} } }`,
  key: `query Q($v: String!) { resident(recordNo: $v) { recordNo ${FIELDS.join(' ')} } }`,
};
/** An anchor answering GraphQL without a token: the query text per query, and what a good answer never holds. */
function anchorGraphqlTarget(origin: string, query: string, q: Query, empty: string[]): Target {
  return {
    origin,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    make: (i) => ({ path: '/graphql', body: JSON.stringify({ query, variables: { v: queryValue(q, i) } }) }),
    ok: (b) => noErrors(b) && !empty.some((e) => b.includes(e)),
  };
}
const yogaTarget = (origin: string, q: Query) =>
  anchorGraphqlTarget(origin, YOGA_QUERIES[q], q, ['"resident":null', '"residents":[]']);
const postgraphileTarget = (origin: string, q: Query) =>
  anchorGraphqlTarget(origin, PG_QUERIES[q], q, ['"residentByRecordNo":null']);

const GS_QUERIES: Record<Query, string> = {
  filter: `query Q($v: JSON!) { records(dataset: "${DATASET}", fields: ${JSON.stringify(FIELDS)}, where: { field: "district", eq: $v }, first: 20) { nodes { key data } } }`,
  key: `query Q($v: JSON!) { records(dataset: "${DATASET}", fields: ${JSON.stringify(FIELDS)}, where: { field: "recordNo", eq: $v }, first: 1) { nodes { key data } } }`,
};
function govshareTarget(origin: string, token: string, q: Query, rows = ROWS): Target {
  return {
    origin,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    make: (i) => ({
      path: '/graphql',
      body: JSON.stringify({ query: GS_QUERIES[q], variables: { v: queryValue(q, i, rows) } }),
    }),
    ok: (b) => noErrors(b) && !b.includes('"nodes":[]'),
  };
}

/**
 * postgres.js in this process on the catalog's records table (JSONB), no HTTP hop: what the catalog's own SQL costs at
 * best. The filter compares under collate "C", as the catalog does, so it can use the x-index on district.
 */
async function inProcess(q: Query, datasetId: string): Promise<Measured> {
  const sql = postgres(DATABASE_URL, { max: 10, connection: { search_path: `${prefix}_catalog` }, onnotice: () => {} });
  const cols = sql.unsafe(FIELDS.map((f) => `data->'${f}' as "${f}"`).join(', '));
  // The dataset id as a literal, as the catalog writes it: the x-index indexes are partial on it.
  const dataset = sql.unsafe(`'${datasetId.replaceAll("'", "''")}'`);
  try {
    // Open every connection first, so their backends are counted from the start of the loop.
    await Promise.all(Array.from({ length: 10 }, () => sql`select pg_sleep(0.05)`));
    return await closedLoop((i) =>
      q === 'filter'
        ? sql`select key, ${cols} from records where dataset_id = ${dataset} and (data->>'district') collate "C" = ${queryValue(q, i)} order by id limit 20`
        : sql`select key, ${cols} from records where dataset_id = ${datasetId} and key = ${queryValue(q, i)} order by id limit 1`,
    );
  } finally {
    await sql.end();
  }
}

/**
 * Checks once, before anything is measured, that every server answers the same rows and that the
 * other department's answer is masked. With fewer rows (embedded, BENCH_EMBEDDED_ROWS < BENCH_ROWS)
 * the answers cannot match the anchors': then each is only checked for its shape and masking.
 */
async function verify(targets: { name: string; t: Target }[], q: Query, o: { compare: boolean } = { compare: true }) {
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
      json.data?.residents ??
      (json.data?.resident ? [json.data.resident] : undefined) ??
      (json.data?.residentByRecordNo ? [json.data.residentByRecordNo] : []);
    if (o.compare ? nodes.length !== want : nodes.length < 1 || nodes.length > want)
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
  if (o.compare && new Set(seen.values()).size !== 1)
    throw new Error(`the servers answered different rows for ${q}: ${JSON.stringify(Object.fromEntries(seen))}`);
}

/**
 * Split topology only (in one process these hops are function calls): each internal hop the gateway
 * makes per records query, called alone over HTTP with the gateway's service token through the
 * clients generated from the faces: the dataset + grants lookup, the records query (the filter),
 * and the audit append (one event per call; the gateway batches its appends).
 */
async function internalHops(hub: HubProcesses) {
  const signer = createServiceTokenSigner((await loadServiceSigningKeys(dataDir)).privateJwk);
  const catalogClient = createServiceClient({ service: 'catalog', baseUrl: hub.url('catalog'), signer });
  const catalog = remoteFace(catalogFaceSpec, catalogClient);
  const auditClient = createServiceClient({ service: 'audit', baseUrl: hub.url('audit'), signer });
  const audit = remoteFace(auditFaceSpec, auditClient);
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
    const append = await closedLoop(async () => {
      const r = await audit.append(
        {
          events: [
            {
              id: randomUUID(),
              at: new Date().toISOString(),
              requestId,
              actor: { sub: 'bench', dept: OTHER, roles: ['consumer'], jti: randomUUID() },
              action: 'records.read',
              outcome: 'allowed',
              dataset: DATASET,
              fields: [...FIELDS],
              recordCount: 20,
            },
          ],
        },
        ctx,
      );
      if (r.rejected?.length) throw new Error(`audit refused the event: ${JSON.stringify(r.rejected[0])}`);
    });
    return { access, records, append };
  } finally {
    await catalogClient.close();
    await auditClient.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The hub, per variant

/**
 * Waits (up to 30 s) until the hub's processes are quiet: under 50 ms of CPU in one second, all
 * together. A process is ready (listening) before it is done starting: the rest of its start-up, or
 * what an upload left to do, would otherwise land in the first measurement.
 */
async function settle(what: string) {
  const groups = ['hub', 'catalog', 'audit', 'quality'];
  const deadline = Date.now() + 30_000;
  let busy = Number.NaN;
  while (Date.now() < deadline) {
    const before = cpuByProcess();
    await new Promise((r) => setTimeout(r, 1000));
    const cpu = cpuPerOp(before, cpuByProcess(), 1000); // µs per 1/1000 s = ms per second
    busy = groups.reduce((a, g) => a + (cpu[g] ?? 0), 0);
    if (busy < 50) return;
  }
  console.log(`(${what}: the hub still used ${busy.toFixed(0)} ms of CPU per second after 30 s; measuring anyway)`);
}

interface RunningHub {
  hub: HubProcesses;
  gateway: string;
  /** Inspector URL of each process (BENCH_PROFILE): every process runs with --inspect=127.0.0.1:0. */
  inspector: Map<ProcessName, string>;
  stop(): Promise<void>;
}

async function startVariant(v: Variant): Promise<RunningHub> {
  const where = v.embedded ? `embedded PGlite in ${dataDir}` : `${DATABASE_URL} (schemas ${prefix}_*)`;
  const processes = [...v.remote, 'hub', 'quality'].join(', ');
  console.log(`starting the hub, ${v.label} (${processes}), on ${where}...`);
  const inspector = new Map<ProcessName, string>();
  const abort = new AbortController();
  const startUp = { name: `hub start-up (${v.id})`, run: async () => abort.abort() };
  cleanups.push(startUp);
  const hub = await startHubProcesses({
    dataDir,
    ports: { hub: 4300, catalog: 4301, audit: 4302, quality: 4303 },
    remote: v.remote,
    // BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles every process of the run, start-up included.
    execArgv: [
      ...(PROFILE ? ['--inspect=127.0.0.1:0'] : []),
      ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
    ],
    // The quality service would rescore every row after the upload, during the measurements: its
    // debounce is set past the end of the run (a run request waits that long; ~23 days).
    env: {
      DATABASE_URL: v.embedded ? undefined : DATABASE_URL,
      GOVSHARE_DB_SCHEMA_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      QUALITY_SCORE_ON_START: 'false',
      QUALITY_DEBOUNCE_MS: '2000000000',
    },
    signal: abort.signal,
    onLine: (name, line) => {
      const url = inspectorUrlIn(line);
      if (url) inspector.set(name, url);
      if (isInspectorNoise(line) || line.includes('FastifyDeprecation') || line.includes('trace-warnings')) return;
      process.stderr.write(`${name}| ${line}\n`);
    },
  });
  cleanups.splice(cleanups.indexOf(startUp), 1);
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= hub.stop());
  cleanups.push({ name: `hub (${v.id})`, run: stop });
  await settle(`${v.label} start-up`);
  return { hub, gateway: hub.url('hub'), inspector, stop };
}

interface ProfiledColumn {
  name: string;
  /** µs per read by component, scaled to the process's /proc CPU per read. */
  perOp: Map<string, number>;
  note: string;
}

/**
 * One more closed-loop run of `t` (as long as a measured one, not counted in the tables) with the
 * V8 sampling profiler on in the hub process (and in the catalog and audit processes when remote),
 * started just before the load and stopped just after it: start-up is not in it. Each process's
 * components are scaled to its CPU per read from /proc over the same run.
 */
async function profiledRun(v: Variant, running: RunningHub, t: Target, what: string): Promise<ProfiledColumn[]> {
  const names: ProcessName[] = ['hub', ...v.remote];
  const urls = names.map((n) => {
    const url = running.inspector.get(n);
    if (!url) throw new Error(`${n} printed no inspector URL (started without --inspect?)`);
    return url;
  });
  const profiling = await startProfiles(urls, PROFILE_INTERVAL_US);
  let m: Measured;
  try {
    m = await httpLoad(t, { connections: CONNECTIONS, seconds: SECONDS });
  } catch (err) {
    await profiling.stop().catch(() => {});
    throw err;
  }
  const profiles: CpuProfile[] = await profiling.stop();
  return names.map((n, i) => {
    const name = n === 'hub' ? `${v.short} ${what}` : `${v.short}: ${n}`;
    if (PROFILE_DIR) {
      mkdirSync(PROFILE_DIR, { recursive: true });
      writeFileSync(join(PROFILE_DIR, `${name.replace(/[^a-z0-9]+/gi, '-')}.cpuprofile`), JSON.stringify(profiles[i]));
    }
    const perOp = perOperation(attributeProfile(profiles[i]), m.ops);
    const sampled = [...perOp.values()].reduce((a, b) => a + b, 0);
    const proc = m.cpu[n] ?? 0;
    return {
      name,
      perOp: scaleTo(perOp, proc),
      note: `${name.padEnd(16)} ${n} process, ${what} run: ${m.rps.toFixed(0)} req/s, errors ${m.errors}; /proc ${proc.toFixed(0)} µs per read (the components are scaled to it), the profile sampled ${sampled.toFixed(0)} µs per read (main thread, wall-clock of non-idle samples)`,
    };
  });
}

// ---------------------------------------------------------------------------------------------

type Row = Measured & { name: string; query: Query; server: string };

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
  console.log(
    `govshare topologies: ${VARIANTS.map((v) => v.label).join(', ')}; ${ROWS.toLocaleString('en')} rows, ${SECONDS} s per measurement, ${CONNECTIONS} connections`,
  );

  const rows = benchRows(Math.max(ROWS, EMBEDDED ? EMBEDDED_ROWS : 0));
  let t = performance.now();
  await loadTypedTable(admin, rows.slice(0, ROWS));
  const typedSeconds = (performance.now() - t) / 1000;
  const rawUrl = await startChild('raw', 'bench/raw-http-server.ts', { DATABASE_URL, BENCH_PG_SCHEMA: PG_SCHEMA });
  const pgUrl = await startChild('postgraphile', 'bench/postgraphile/src/server.ts', {
    DATABASE_URL,
    BENCH_PG_SCHEMA: PG_SCHEMA,
  });
  const yogaUrl = await startChild('yoga+pothos', 'bench/yoga-pothos-server.ts', {
    DATABASE_URL,
    BENCH_PG_SCHEMA: PG_SCHEMA,
  });
  const anchors = (q: Query) => [
    { name: 'raw', label: 'raw postgres.js + node:http', t: rawTarget(rawUrl, q) },
    { name: 'pg4', label: 'PostGraphile 4', t: postgraphileTarget(pgUrl, q) },
    { name: 'yoga', label: 'graphql-yoga + Pothos, no checks', t: yogaTarget(yogaUrl, q) },
  ];

  const table = new Map<string, Row>();
  const put = (q: Query, server: string, name: string, m: Measured) =>
    table.set(`${q}|${server}`, { name: `${q}: ${name}`, query: q, server, ...m });
  const rowOf = (q: Query, server: string) => table.get(`${q}|${server}`)!;
  const measure = async (tg: Target) => {
    // JIT, pools, caches, and every connection's prepared statements: at the measured concurrency,
    // or the first server measured after an idle spell pays its pool's growth inside the measurement.
    await httpLoad(tg, { connections: CONNECTIONS, seconds: WARM_SECONDS });
    return httpLoad(tg, { connections: CONNECTIONS, seconds: SECONDS });
  };
  const steadyRuns: { label: string; tag: string; r: SteadyRateResult }[] = [];
  const components: ProfiledColumn[] = [];
  let bursty: Measured | undefined;
  let hops: Awaited<ReturnType<typeof internalHops>> | undefined;
  let xIndex = false;
  let uploaded = false;
  let tokens: { steward: string; owner: string; other: string } | undefined;

  for (const v of VARIANTS) {
    const running = await startVariant(v);
    const gateway = running.gateway;
    if (!tokens) {
      const keys = await loadDevIssuerKeys(dataDir);
      const mint = (dept: string, role: 'consumer' | 'steward') =>
        mintCallerToken(keys.privateJwk, {
          sub: `bench-${role}`,
          dept,
          roles: [role],
          issuer: 'govshare-dev-issuer',
          audience: 'govshare',
          ttlSeconds: 6 * 3600,
        });
      tokens = {
        steward: await mint(OWNER, 'steward'),
        owner: await mint(OWNER, 'consumer'),
        other: await mint(OTHER, 'consumer'),
      };
    }
    // The server topologies share the catalog's schema: the rows are uploaded once, by the first.
    if (v.embedded || !uploaded) {
      t = performance.now();
      const declared = await createBenchDataset(gateway, tokens.steward);
      await uploadRows(gateway, tokens.steward, rows.slice(0, v.rows));
      const uploadSeconds = (performance.now() - t) / 1000;
      await settle(`${v.label} upload`);
      if (v.embedded) {
        console.log(
          `embedded: ${v.rows.toLocaleString('en')} rows uploaded into PGlite in ${uploadSeconds.toFixed(1)} s (x-index on district: ${declared ? 'declared' : 'not declared'})`,
        );
      } else {
        xIndex = declared;
        uploaded = true;
        await admin.unsafe(`analyze "${prefix}_catalog".records`);
        console.log(
          `${ROWS.toLocaleString('en')} rows: govshare upload ${uploadSeconds.toFixed(1)} s (x-index on district: ${xIndex ? 'declared' : 'not declared'}), typed table ${typedSeconds.toFixed(1)} s`,
        );
      }
    }

    const readers = (q: Query) => [
      {
        name: 'owner',
        label: `govshare ${v.label}, owner ${OWNER} (clear)`,
        t: govshareTarget(gateway, tokens!.owner, q, v.rows),
      },
      {
        name: 'other',
        label: `govshare ${v.label}, ${OTHER} (masked)`,
        t: govshareTarget(gateway, tokens!.other, q, v.rows),
      },
    ];
    for (const q of ['filter', 'key'] as const)
      await verify([...anchors(q), ...readers(q)], q, { compare: v.rows === ROWS });

    // The anchors once, while the first topology's hub is up (idle), as before the split into topologies.
    if (!table.has('filter|raw')) {
      for (const q of ['filter', 'key'] as const) {
        for (const s of anchors(q)) put(q, s.name, s.label, await measure(s.t));
        put(q, 'direct', 'postgres.js in-process, JSONB, no HTTP', await inProcess(q, DATASET));
      }
    }
    for (const q of ['filter', 'key'] as const)
      for (const s of readers(q)) put(q, `${v.id}:${s.name}`, s.label, await measure(s.t));

    if (PROFILE) {
      const [owner, other] = readers('filter');
      components.push(...(await profiledRun(v, running, owner.t, 'owner f')));
      if (v.id === 'one') components.push(...(await profiledRun(v, running, other.t, 'masked f')));
    }

    steadyRuns.push({
      label: `govshare ${v.short}, owner`,
      tag: variantTag(v),
      r: await steady(readers('filter')[0].t),
    });
    await new Promise((r) => setTimeout(r, 2000)); // let an overloaded server drain before the next run
    if (!bursty) {
      for (const s of anchors('filter')) {
        steadyRuns.push({ label: s.label, tag: '', r: await steady(s.t) });
        await new Promise((r) => setTimeout(r, 2000));
      }
      bursty = await httpLoad(readers('filter')[0].t, { connections: 64, overallRate: RATE, seconds: SECONDS });
    }
    if (v.id === 'split') hops = await internalHops(running.hub);
    await running.stop();
  }
  const audited = (
    await admin.unsafe(`select count(*)::int as n from "${prefix}_audit".events`).catch(() => [{ n: -1 }])
  )[0].n;

  const servers = VARIANTS.filter((v) => !v.embedded);
  const embedded = VARIANTS.find((v) => v.embedded);
  const ratios = [
    { label: 'x raw', base: (r: Row) => rowOf(r.query, 'raw').rps },
    { label: 'x PG4', base: (r: Row) => rowOf(r.query, 'pg4').rps },
    { label: 'x yoga', base: (r: Row) => rowOf(r.query, 'yoga').rps },
  ];
  printTable(
    `records queries over ${ROWS.toLocaleString('en')} rows, 5 fields, ${CONNECTIONS} connections, ${SECONDS} s each (filter: district = ?, first 20; key: record number, 1 row)`,
    (['filter', 'key'] as const).flatMap((q) => [
      rowOf(q, 'raw'),
      rowOf(q, 'pg4'),
      rowOf(q, 'yoga'),
      ...servers.flatMap((v) => [rowOf(q, `${v.id}:owner`), rowOf(q, `${v.id}:other`)]),
      rowOf(q, 'direct'),
    ]),
    { ratios },
  );
  console.log(
    `(x-index on district: ${xIndex ? 'declared' : 'not declared: the catalog does not accept the keyword yet'})`,
  );
  const targetLines = (v: Variant, anchorNote = '') => {
    for (const q of ['filter', 'key'] as const) {
      for (const who of ['owner', 'other']) {
        const r = rowOf(q, `${v.id}:${who}`);
        console.log(
          `govshare ${who === 'owner' ? 'owner ' : 'masked'} / PostGraphile 4${anchorNote}, ${q.padEnd(6)}: ${ratio(r.rps, rowOf(q, 'pg4').rps)} (target >= 1.00); / yoga + Pothos alone: ${ratio(r.rps, rowOf(q, 'yoga').rps)}${variantTag(v)}`,
        );
      }
    }
  };
  for (const v of servers) targetLines(v);

  if (embedded) {
    printTable(
      `embedded mode: the hub on PGlite (no DATABASE_URL; the catalog's and the audit log's databases in the hub process), ${embedded.rows.toLocaleString('en')} rows, same queries, ${CONNECTIONS} connections, ${SECONDS} s each. The anchors (x raw, x PG4) are the Postgres SERVER rows of the table above`,
      (['filter', 'key'] as const).flatMap((q) => [rowOf(q, 'embedded:owner'), rowOf(q, 'embedded:other')]),
      { ratios },
    );
    if (embedded.rows !== ROWS)
      console.log(
        `(embedded holds ${embedded.rows.toLocaleString('en')} rows, the anchors ${ROWS.toLocaleString('en')}: BENCH_EMBEDDED_ROWS)`,
      );
    targetLines(embedded, ' (server)');
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
  for (const { label, tag, r } of steadyRuns.filter((s) => s.label.startsWith('govshare')))
    console.log(
      `govshare p99 at a steady ${RATE.toLocaleString('en')} req/s: ${r.p99.toFixed(1)} ms (target <= 50 ms), achieved ${r.rps.toFixed(0)} req/s, errors ${r.errors}${tag}${label.includes(' emb,') ? ' (PGlite)' : ''}`,
    );
  if (bursty)
    console.log(
      `(autocannon overallRate ${RATE}, bursts at each second, for comparison: p50 ${bursty.p50.toFixed(1)} ms, p99 ${bursty.p99.toFixed(1)} ms, ${bursty.rps.toFixed(0)} req/s, errors ${bursty.errors}${variantTag(servers[0])})`,
    );

  if (hops) {
    printTable("split topology: the gateway's internal hops alone (over HTTP, service token, closed loop)", [
      { name: 'hop alone: catalog dataset+grants', ...hops.access },
      { name: 'hop alone: catalog records query (filter)', ...hops.records },
      { name: 'hop alone: audit append (1 event)', ...hops.append },
    ]);
  } else {
    console.log(
      "\n(the gateway's internal hops alone: measured in the split topology only; in one process they are function calls)",
    );
  }
  console.log(`audit events stored during the run (Postgres server): ${audited}`);

  // Where the CPU goes: every process shares the same cores, so CPU per request bounds throughput.
  printCpuTable([
    { name: 'raw filter', cpu: rowOf('filter', 'raw').cpu, switches: rowOf('filter', 'raw').switches },
    { name: 'PG4 filter', cpu: rowOf('filter', 'pg4').cpu, switches: rowOf('filter', 'pg4').switches },
    { name: 'yoga filter', cpu: rowOf('filter', 'yoga').cpu, switches: rowOf('filter', 'yoga').switches },
    ...VARIANTS.flatMap((v) => [
      {
        name: `${v.short} owner f`,
        cpu: rowOf('filter', `${v.id}:owner`).cpu,
        switches: rowOf('filter', `${v.id}:owner`).switches,
      },
      {
        name: `${v.short} masked f`,
        cpu: rowOf('filter', `${v.id}:other`).cpu,
        switches: rowOf('filter', `${v.id}:other`).switches,
      },
      {
        name: `${v.short} owner k`,
        cpu: rowOf('key', `${v.id}:owner`).cpu,
        switches: rowOf('key', `${v.id}:owner`).switches,
      },
    ]),
    ...(hops
      ? [
          { name: 'hop query', cpu: hops.records.cpu, switches: hops.records.switches },
          { name: 'hop audit', cpu: hops.append.cpu, switches: hops.append.switches },
        ]
      : []),
  ]);

  if (components.length) {
    printComponentTable(
      "CPU per read in µs by component, inside the hub process (and the remote ones), filter query: a V8 profile of one more load phase per column (bench/cpu-profile.ts), scaled to the process's /proc CPU per read",
      components,
    );
    console.log(
      `(1p = one process, split = catalog and audit remote, emb = embedded PGlite; "f" = filter; profiler interval ${PROFILE_INTERVAL_US} µs; ${SECONDS} s, ${CONNECTIONS} connections per profiled run, not in the tables above)`,
    );
    for (const c of components) console.log(c.note);
  }
}

main()
  .then(() => cleanup())
  .catch(async (err) => {
    console.error(err);
    await cleanup();
    process.exit(1);
  });
