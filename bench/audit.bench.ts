// Audit service benchmark (npx tsx bench/audit.bench.ts). Needs the Postgres server at
// BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test); uses fresh schemas, drops them.
//
// 1. Durable appends with group commit, 64 concurrent callers (in-process AuditLog.append and over
//    HTTP through the remote face), against baselines on the same Postgres in the same run: a plain batched INSERT of the
//    same rows (1,000 per statement, one transaction each, no tree), and one transaction per event
//    (64 concurrent callers, no group commit).
// 2. A 1,000,000-event tree (bulk-generated leaves, COPY-loaded), then inclusion and consistency
//    proof latency p50/p99 vs a primary-key lookup of one event row (baseline).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
import {
  createLogger,
  createServiceClient,
  createServiceTokenSigner,
  generateEd25519,
  remoteFace,
} from '@govshare/platform';
import type { AuditEvent } from '@govshare/contracts';
import { auditFaceSpec, startAudit } from '../services/audit/src/index.ts';
import { eventRow, leafBytes, prepareEvent } from '../services/audit/src/append.ts';
import { Frontier, leafHash, verifyConsistency, verifyInclusion, fromHex } from '../services/audit/src/merkle.ts';
import { getConsistencyProof, getInclusionProof } from '../services/audit/src/proofs.ts';
import { dropSchema } from '../services/audit/src/test-helpers.ts';

const URL_ =
  process.env.BENCH_DATABASE_URL ?? process.env.GOVSHARE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TREE_SIZE = Number(process.env.BENCH_AUDIT_TREE_SIZE ?? 1_000_000);
const APPEND_EVENTS = Number(process.env.BENCH_AUDIT_APPENDS ?? 20_000);
const CALLERS = 64;
/** Added configuration (the 64-caller rows are kept as before): more concurrent callers, larger groups. */
const MANY_CALLERS = Number(process.env.BENCH_AUDIT_MANY_CALLERS ?? 256);
const PROOFS = 1000;
const logger = createLogger('audit-bench', 'warn');
const subjectKey = Buffer.alloc(32, 1);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const fmt = (n: number, d = 0) => n.toFixed(d).padStart(10);

function event(i: number): AuditEvent {
  return {
    id: randomUUID(),
    at: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    requestId: `req-${i}`,
    actor: { sub: `user-${i % 500}`, dept: ['SAMR', 'PSB', 'TAX', 'HRSS'][i % 4]!, roles: ['consumer'] },
    action: 'records.read',
    dataset: ['legal-persons', 'residents', 'tax-payers'][i % 3],
    datasetVersion: 3,
    fields: ['name', 'creditCode', 'address'],
    maskedFields: ['address'],
    recordCount: 20 + (i % 30),
    grantId: `grant-${i % 50}`,
    purpose: 'licence check',
    outcome: 'allowed',
    client: 'bench',
    subjects: [`9111${String(i).padStart(14, '0')}`, `1101${String(i * 7).padStart(14, '0')}`],
  };
}

async function runCallers(
  n: number,
  callers: number,
  fn: (i: number) => Promise<unknown>,
): Promise<{ seconds: number; lat: number[] }> {
  let next = 0;
  const lat: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      for (;;) {
        const i = next++;
        if (i >= n) return;
        const s = performance.now();
        await fn(i);
        lat.push(performance.now() - s);
      }
    }),
  );
  return { seconds: (performance.now() - t0) / 1000, lat };
}

const PLAIN_DDL = `create table plain_events (seq bigint primary key, id text not null unique, leaf bytea not null, at timestamptz not null,
  request_id text not null, actor_sub text not null, actor_dept text not null, action text not null, dataset text, outcome text not null,
  record_count bigint, grant_id text, purpose text, subject_keys text[])`;
const PLAIN_INDEXES = [
  'create index on plain_events (at)',
  'create index on plain_events (request_id)',
  'create index on plain_events (actor_sub, seq)',
  'create index on plain_events (actor_dept, seq)',
  'create index on plain_events (dataset, seq)',
  'create index on plain_events (grant_id)',
  'create index on plain_events using gin (subject_keys)',
];

async function main() {
  const t00 = performance.now();
  const gw = await generateEd25519('bench-gw');
  const keysDir = mkdtempSync(join(tmpdir(), 'audit-bench-'));
  const prefix = `bench_audit_${Date.now().toString(36)}`;
  const admin = postgres(URL_, { max: 70, onnotice: () => {} });
  const baseSchema = `${prefix}_plain`;
  await admin.unsafe(`create schema "${baseSchema}"`);
  const plain = postgres(URL_, { max: 70, onnotice: () => {}, connection: { search_path: baseSchema } });
  console.log(
    `audit bench: Postgres ${URL_.replace(/\/\/.*@/, '//…@')}, ${APPEND_EVENTS} appends, ${CALLERS} callers (and ${MANY_CALLERS} in-process), tree of ${TREE_SIZE}`,
  );
  try {
    // ---------------- 1. appends ----------------
    const events = Array.from({ length: APPEND_EVENTS }, (_, i) => event(i));
    const svc = await startAudit({
      databaseUrl: URL_,
      dataDir: ':memory:',
      schemaPrefix: `${prefix}_a`,
      servicePublicJwk: gw.publicJwk,
      port: 0,
      logger,
      subjectKey: 'bench-subject-key-0123456789abcdef',
    });
    const log = svc.service.log;
    // warm-up
    await runCallers(500, CALLERS, () => log.append([event(0)]));
    const b0 = log.stats.batches;
    const gc = await runCallers(APPEND_EVENTS, CALLERS, (i) => log.append([events[i]!]));
    const gcBatches = log.stats.batches - b0;
    const manyEvents = Array.from({ length: APPEND_EVENTS }, (_, i) => event(i));
    const b1 = log.stats.batches;
    const gcMany = await runCallers(APPEND_EVENTS, MANY_CALLERS, (i) => log.append([manyEvents[i]!]));
    const gcManyBatches = log.stats.batches - b1;

    // over HTTP (the gateway's path when the audit module runs as its own service): the remote face,
    // fresh events
    const client = createServiceClient({
      service: 'audit',
      baseUrl: svc.url,
      signer: createServiceTokenSigner(gw.privateJwk),
      connections: CALLERS,
    });
    const remote = remoteFace(auditFaceSpec, client);
    const httpEvents = Array.from({ length: APPEND_EVENTS }, (_, i) => event(i));
    const http = await runCallers(APPEND_EVENTS, CALLERS, async (i) => {
      const res = await remote.append({ events: [httpEvents[i]!] }, { requestId: `bench-${i}` });
      if (res.rejected) throw new Error(JSON.stringify(res.rejected));
    });
    await client.close();
    await svc.close();

    // Baselines: the same rows (same leaf bytes and columns), no tree.
    await plain.unsafe(PLAIN_DDL);
    for (const ix of PLAIN_INDEXES) await plain.unsafe(ix);
    const rows = events.map((e, i) => {
      const stored = { ...prepareEvent(e, subjectKey), seq: i } as any;
      const r = eventRow(stored, leafBytes(stored));
      return {
        seq: r.seq,
        id: r.id,
        leaf: Buffer.from(r.leaf),
        at: r.at,
        request_id: r.requestId,
        actor_sub: r.actorSub,
        actor_dept: r.actorDept,
        action: r.action,
        dataset: r.dataset,
        outcome: r.outcome,
        record_count: r.recordCount,
        grant_id: r.grantId,
        purpose: r.purpose,
        subject_keys: r.subjectKeys,
      };
    });
    const tb = performance.now();
    for (let i = 0; i < rows.length; i += 1000) {
      const chunk = rows.slice(i, i + 1000);
      await plain.begin((tx) => tx`insert into plain_events ${tx(chunk)}`);
    }
    const batchedSeconds = (performance.now() - tb) / 1000;
    await plain.unsafe('drop table plain_events');
    await plain.unsafe(PLAIN_DDL);
    for (const ix of PLAIN_INDEXES) await plain.unsafe(ix);
    const single = await runCallers(APPEND_EVENTS, CALLERS, (i) =>
      plain.begin((tx) => tx`insert into plain_events ${tx(rows[i]!)}`),
    );

    const base = APPEND_EVENTS / batchedSeconds;
    console.log(`\nDurable appends (${APPEND_EVENTS} events; rows identical in all paths)`);
    console.log(
      `${'path'.padEnd(58)}${'events/s'.padStart(10)}${'x base'.padStart(10)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}`,
    );
    const line = (name: string, eps: number, lat?: number[]) =>
      console.log(
        `${name.padEnd(58)}${fmt(eps)}${fmt(eps / base, 2)}${lat ? fmt(pct(lat, 50), 2) + fmt(pct(lat, 99), 2) : ''}`,
      );
    line('baseline: plain batched INSERT, 1000 rows/txn, no tree', base);
    line(`baseline: plain INSERT, 1 txn per event, ${CALLERS} callers`, APPEND_EVENTS / single.seconds, single.lat);
    line(`audit group commit, ${CALLERS} callers, in-process append()`, APPEND_EVENTS / gc.seconds, gc.lat);
    line(
      `audit group commit, ${MANY_CALLERS} callers, in-process append()`,
      APPEND_EVENTS / gcMany.seconds,
      gcMany.lat,
    );
    line(`audit group commit, ${CALLERS} callers, HTTP (remote face append)`, APPEND_EVENTS / http.seconds, http.lat);
    console.log(
      `  (in-process: ${CALLERS} callers ${gcBatches} transactions, ${(APPEND_EVENTS / gcBatches).toFixed(1)} events per transaction; ${MANY_CALLERS} callers ${gcManyBatches}, ${(APPEND_EVENTS / gcManyBatches).toFixed(1)})`,
    );
    console.log(
      `  (configurations: the ${CALLERS}-caller rows are the original ones; the ${MANY_CALLERS}-caller row was added, BENCH_AUDIT_MANY_CALLERS)`,
    );

    // ---------------- 2. proofs at 1,000,000 ----------------
    const tl = performance.now();
    const treeSchema = `${prefix}_t_audit`;
    {
      // Create the schema and tables through the service's own migrations, then COPY-load.
      const s = await startAudit({
        databaseUrl: URL_,
        dataDir: keysDir,
        schemaPrefix: `${prefix}_t`,
        servicePublicJwk: gw.publicJwk,
        port: 0,
        logger,
      });
      await s.close();
    }
    const tree = postgres(URL_, { max: 4, onnotice: () => {}, connection: { search_path: treeSchema } });
    const f = new Frontier();
    const nodeLines: string[] = [];
    const esc = (s: string) =>
      s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
    const nul = (v: unknown) => (v === null || v === undefined ? '\\N' : esc(String(v)));
    // The service wrote a checkpoint at size 0; our rows start at seq 0 and keep the tree consistent.
    // Secondary indexes are rebuilt after the load (much faster than row by row).
    const ixs = await tree<
      { indexname: string; indexdef: string }[]
    >`select indexname, indexdef from pg_indexes where schemaname = ${treeSchema} and tablename = 'events' and indexname like 'events_%_idx'`;
    for (const ix of ixs) await tree.unsafe(`drop index "${ix.indexname}"`);
    const CH = 50_000;
    for (let start = 0; start < TREE_SIZE; start += CH) {
      const evLines: string[] = [];
      nodeLines.length = 0;
      for (let i = start; i < Math.min(TREE_SIZE, start + CH); i++) {
        const stored = { ...prepareEvent(event(i), subjectKey), seq: i } as any;
        const leaf = leafBytes(stored);
        for (const d of f.append(leafHash(leaf)))
          nodeLines.push(`${d.level}\t${d.index}\t\\\\x${Buffer.from(d.hash).toString('hex')}\n`);
        const r = eventRow(stored, leaf);
        evLines.push(
          [
            r.seq,
            nul(r.id),
            `\\\\x${leaf.toString('hex')}`,
            r.at!.toISOString(),
            nul(r.requestId),
            nul(r.actorSub),
            nul(r.actorDept),
            nul(r.action),
            nul(r.dataset),
            nul(r.outcome),
            nul(r.recordCount),
            nul(r.grantId),
            nul(r.purpose),
            r.subjectKeys ? `{${r.subjectKeys.join(',')}}` : '\\N',
          ].join('\t') + '\n',
        );
      }
      await pipeline(
        Readable.from([evLines.join('')]),
        await tree`copy events (seq, id, leaf, at, request_id, actor_sub, actor_dept, action, dataset, outcome, record_count, grant_id, purpose, subject_keys) from stdin`.writable(),
      );
      await pipeline(
        Readable.from([nodeLines.join('')]),
        await tree`copy tree_nodes (level, idx, hash) from stdin`.writable(),
      );
    }
    for (const ix of ixs) await tree.unsafe(ix.indexdef);
    await tree.unsafe('analyze');
    await tree.end();
    const loadSeconds = (performance.now() - tl) / 1000;

    const ts = performance.now();
    const big = await startAudit({
      databaseUrl: URL_,
      dataDir: keysDir,
      schemaPrefix: `${prefix}_t`,
      servicePublicJwk: gw.publicJwk,
      port: 0,
      logger,
      subjectKey: subjectKey.toString('utf8'),
    });
    const startSeconds = (performance.now() - ts) / 1000;
    const { database, log: bigLog, checkpoints } = big.service;
    const integrityMode = big.service.integrity.mode;
    const db = database.db;
    const cp = checkpoints.latest!;
    const root = Buffer.from(cp.rootHash, 'base64');
    if (cp.treeSize !== TREE_SIZE) throw new Error(`tree size ${cp.treeSize}`);
    const incl: number[] = [];
    const cons: number[] = [];
    const pk: number[] = [];
    const raw = postgres(URL_, { max: 1, onnotice: () => {}, connection: { search_path: treeSchema } });
    // Warm-up, the same for all three: 50 of each (connections, prepared statements, plans).
    for (let k = 0; k < 50; k++) {
      await raw`select leaf from events where seq = ${k}`;
      await getInclusionProof(db, bigLog, checkpoints, { seq: k * 997, treeSize: TREE_SIZE });
      await getConsistencyProof(db, bigLog, checkpoints, { from: 1 + k * 991, to: TREE_SIZE });
    }
    for (let k = 0; k < PROOFS; k++) {
      const seq = Math.floor(Math.random() * TREE_SIZE);
      let t = performance.now();
      await raw`select leaf from events where seq = ${seq}`;
      pk.push(performance.now() - t);
      t = performance.now();
      const p = await getInclusionProof(db, bigLog, checkpoints, { seq, treeSize: TREE_SIZE });
      incl.push(performance.now() - t);
      if (!verifyInclusion(seq, TREE_SIZE, fromHex(p.leafHash), p.proof.map(fromHex), root))
        throw new Error('inclusion proof failed');
      const m = 1 + Math.floor(Math.random() * (TREE_SIZE - 1));
      t = performance.now();
      const c = await getConsistencyProof(db, bigLog, checkpoints, { from: m, to: TREE_SIZE });
      cons.push(performance.now() - t);
      if (!verifyConsistency(m, TREE_SIZE, fromHex(c.fromRoot), root, c.proof.map(fromHex)))
        throw new Error('consistency proof failed');
    }
    await raw.end();
    await big.close();
    const basePk = pct(pk, 50);
    console.log(
      `\nProofs at ${TREE_SIZE.toLocaleString('en')} events (${PROOFS} random each after 50 warm-up each; loaded in ${loadSeconds.toFixed(1)} s; service start-up incl. ${integrityMode} integrity check ${startSeconds.toFixed(1)} s)`,
    );
    console.log(
      `${'operation'.padEnd(58)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}${'p50 x base'.padStart(12)}`,
    );
    const pline = (name: string, xs: number[]) =>
      console.log(
        `${name.padEnd(58)}${fmt(pct(xs, 50), 3)}${fmt(pct(xs, 99), 3)}${fmt(pct(xs, 50) / basePk, 2).padStart(12)}`,
      );
    pline('baseline: primary-key lookup of one event row', pk);
    pline('inclusion proof (leaf, O(log n) nodes, checkpoint: 1 query)', incl);
    pline('consistency proof (O(log n) nodes, checkpoints: 1 query)', cons);
    console.log(`\ntotal ${((performance.now() - t00) / 1000).toFixed(0)} s`);
  } finally {
    await plain.end();
    for (const s of [`${prefix}_a_audit`, `${prefix}_t_audit`, baseSchema])
      await admin.unsafe(`drop schema if exists "${s}" cascade`);
    await admin.end();
    void dropSchema;
    rmSync(keysDir, { recursive: true, force: true });
  }
}

await main();
