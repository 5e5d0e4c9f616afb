// Capacity inputs for docs/scale.md (npx tsx bench/capacity.bench.ts). Needs the Postgres server at
// BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test); a real hub in this process
// on fresh schemas (dropped at the end). What it measures does not depend on how busy the machine
// is (bytes), except the CPU figures, which it reports with the load average they were taken under.
//
// 1. Bytes per audit event: real reads through GraphQL (20-row pages, masked, with their subjects),
//    the audit schema's size (tables, indexes, TOAST, Merkle tree nodes) before and after, per event;
//    the same for refused reads (no subjects).
// 2. Bytes per stored record: the catalog's records relation (with its indexes) per record of the
//    demo data.
// 3. CPU per read of this process (hub: gateway, catalog and audit in one process) and of Postgres,
//    over the same reads, from /proc.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import postgres from 'postgres';
import { startHub } from '../test/hub.ts';

const URL_ =
  process.env.BENCH_DATABASE_URL ?? process.env.GOVSHARE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const READS = Number(process.env.BENCH_CAPACITY_READS ?? 2000);
const CALLERS = 16;

/** CPU seconds used so far by every Postgres backend process (utime + stime from /proc, clock ticks of 100 Hz). */
function postgresCpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // a backend that ended meanwhile: its time is lost to the figure (small: the pool keeps them)
    }
  }
  return ticks / 100;
}

async function main() {
  process.env.GOVSHARE_TEST_DATABASE_URL = URL_;
  const admin = postgres(URL_, { max: 1, onnotice: () => {} });
  const hub = await startHub('postgres', { demoScale: 1 });
  const auditSchema = hub.audit.service.database.schema;
  const prefix = auditSchema.replace(/_audit$/, '');
  const schemaBytes = async (schema: string) => {
    await admin.unsafe(`vacuum analyze`); // sizes after dead tuples are accounted, as in steady state
    const [row] = await admin`
      select coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint as bytes
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${schema} and c.relkind in ('r', 'm', 'p')`;
    return Number(row!.bytes);
  };
  const eventCount = async () =>
    Number((await admin.unsafe(`select count(*)::bigint as n from "${auditSchema}".events`))[0]!.n);
  try {
    const mca = await hub.token('MCA', ['consumer']);
    const read = `{ records(dataset: "resident-registry", first: 20) { nodes { key data } } }`;
    const refused = `{ records(dataset: "medical-insurance", first: 20) { totalCount } }`;
    const run = async (query: string, n: number) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: CALLERS }, async () => {
          while (next++ < n) {
            const r = await hub.gql(mca, query);
            if (r.status !== 200) throw new Error(`read failed: ${r.status} ${JSON.stringify(r.body)}`);
          }
        }),
      );
    };
    await run(read, 200); // warm-up: prepared statements, caches, the pool
    const backends = (await admin`select pid from pg_stat_activity where datname = current_database()`).map((r) =>
      Number(r.pid),
    );

    const bytes0 = await schemaBytes(auditSchema);
    const events0 = await eventCount();
    const cpu0 = process.cpuUsage();
    const pg0 = postgresCpuSeconds(backends);
    const t0 = performance.now();
    await run(read, READS);
    const seconds = (performance.now() - t0) / 1000;
    const hubCpuUs = (() => {
      const u = process.cpuUsage(cpu0);
      return (u.user + u.system) / READS;
    })();
    const pgCpuUs = ((postgresCpuSeconds(backends) - pg0) * 1e6) / READS;
    const load = loadavg()[0]!;
    const bytes1 = await schemaBytes(auditSchema);
    const events1 = await eventCount();
    await run(refused, READS);
    const bytes2 = await schemaBytes(auditSchema);
    const events2 = await eventCount();

    const [rec] = await admin.unsafe(`select count(*)::bigint as n from "${prefix}_catalog".records`);
    const catalogBytes = await schemaBytes(`${prefix}_catalog`);
    const [recRel] = await admin.unsafe(
      `select pg_total_relation_size('"${prefix}_catalog".records')::bigint as bytes`,
    );

    const perAllowed = (bytes1 - bytes0) / (events1 - events0);
    const perRefused = (bytes2 - bytes1) / (events2 - events1);
    console.log(`capacity bench: Postgres ${URL_.replace(/\/\/.*@/, '//…@')}, ${READS} reads, ${CALLERS} callers`);
    console.log(`audit bytes per allowed read (20 rows, masked, subjects): ${perAllowed.toFixed(0)}`);
    console.log(`audit bytes per refused read: ${perRefused.toFixed(0)}`);
    console.log(`audit events per read: ${((events1 - events0) / READS).toFixed(2)}`);
    console.log(
      `records: ${rec!.n} rows, ${(Number(recRel!.bytes) / Number(rec!.n)).toFixed(0)} bytes per row with indexes (catalog schema ${(catalogBytes / 1e6).toFixed(1)} MB)`,
    );
    console.log(
      `CPU per read: hub ${hubCpuUs.toFixed(0)} µs, Postgres ${pgCpuUs.toFixed(0)} µs; ${(READS / seconds).toFixed(0)} reads/s; load average ${load.toFixed(1)} on 2 cores`,
    );
  } finally {
    await hub.close();
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
