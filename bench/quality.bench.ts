// Quality benchmark (issue 5): score 1,000,000 resident-register records (all rules, near duplicates
// on) streamed from Postgres, against a plain streaming read of the same rows from the same
// database in the same run. Reports time, the ratio (target <= 2x the read), peak memory during each
// pass, and where the scoring pass spends its time. The scoring pass hands the rows, `data` as JSON text,
// to a WorkerScorer (parsing and scoring on a worker thread, as the service does with the catalog export).
//   npx tsx bench/quality.bench.ts [records]     (Postgres at BENCH_DATABASE_URL, default 127.0.0.1:5432/test)
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { WorkerScorer } from '@govshare/quality';
import { residentBatches, residentSchema, DEFAULT_RATES } from '../services/quality/src/testing/generate.ts';

const N = Number(process.argv[2] ?? 1_000_000);
const BATCH = 1000;
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `bench_quality_${Date.now().toString(36)}`;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;

/** Samples heap and RSS while a pass runs; reports the peaks above the level at its start. */
async function measured<T>(run: () => Promise<T>) {
  global.gc?.();
  const start = process.memoryUsage();
  let peakHeap = start.heapUsed;
  let peakRss = start.rss;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  }, 50);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await run();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(timer);
  // CPU of this process, all threads (the scoring worker included); Postgres' own CPU is not in it.
  return { result, ms, cpuMs: (cpu.user + cpu.system) / 1000, heapGrowth: peakHeap - start.heapUsed, peakRss };
}

async function main() {
  const sql = postgres(DATABASE_URL, { max: 2, onnotice: () => {}, connection: { search_path: schema } });
  await sql.unsafe(`create schema "${schema}"`);
  try {
    await sql`create table records (id bigserial primary key, key text not null, version int not null, ingested_at timestamptz not null default now(), data jsonb not null)`;
    console.log(`loading ${fmt(N)} generated resident records into Postgres (schema ${schema})...`);
    let t = performance.now();
    const copy = await sql`copy records (key, version, data) from stdin`.writable();
    for (const batch of residentBatches(N, 1, DEFAULT_RATES, BATCH)) {
      const text = batch.map((r) => `${tsv(r.key)}\t1\t${tsv(JSON.stringify(r.data))}\n`).join('');
      if (!copy.write(text)) await new Promise((r) => copy.once('drain', r));
    }
    await new Promise<void>((resolve, reject) => copy.end((err?: Error | null) => (err ? reject(err) : resolve())));
    console.log(`  loaded in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const rows = () => sql`select key, version, ingested_at, data from records order by id`.cursor(BATCH);
    const fields = Object.keys(residentSchema.properties);
    const read = () =>
      measured(async () => {
        let n = 0;
        let blanks = 0;
        for await (const batch of rows()) {
          for (const r of batch) {
            n++;
            for (const f of fields) {
              const v = r.data[f];
              if (v == null || (typeof v === 'string' && v.trim() === '')) blanks++;
            }
          }
        }
        return { n, blanks };
      });
    // The scoring pass reads the same rows with `data` as JSON text and hands them (as columns) to a
    // WorkerScorer: JSON parsing and scoring run on a worker thread while this thread reads. The
    // service does the same with the catalog export's NDJSON text (WorkerScorer.addNdjson).
    const rawRows = () =>
      sql`select key, version, ingested_at, data::text as data from records order by id`.cursor(BATCH);
    const score = () =>
      measured(async () => {
        const scorer = new WorkerScorer({
          schema: residentSchema,
          keyFields: ['idNumber'],
          ruleSet: {},
          maskKey: randomBytes(32),
        });
        let handing = 0;
        for await (const batch of readAhead(rawRows())) {
          const t0 = performance.now();
          const n = batch.length;
          const cols = {
            keys: new Array<string>(n),
            versions: new Array<number>(n),
            ingestedAt: new Array<string>(n),
            data: new Array<string>(n),
          };
          for (let i = 0; i < n; i++) {
            const r = batch[i];
            cols.keys[i] = r.key;
            cols.versions[i] = r.version;
            cols.ingestedAt[i] = r.ingested_at.toISOString();
            cols.data[i] = r.data;
          }
          await scorer.addColumns(cols);
          handing += performance.now() - t0;
        }
        const t0 = performance.now();
        const metrics = await scorer.finish();
        const tail = performance.now() - t0;
        return { metrics, handing, tail, workerPeakHeap: scorer.peakHeap };
      });

    await read(); // warm-up: caches, JIT
    const r = await read();
    const q = await score();
    const m = q.result.metrics;
    console.log(`\nresults (${fmt(N)} records, batches of ${BATCH})`);
    console.log(
      `  plain streaming read (baseline): ${(r.ms / 1000).toFixed(2)} s, ${fmt((N / r.ms) * 1000)} records/s, peak heap +${mb(r.heapGrowth)}, peak RSS ${mb(r.peakRss)}`,
    );
    console.log(
      `  read + score (all rules, near dups): ${(q.ms / 1000).toFixed(2)} s, ${fmt((N / q.ms) * 1000)} records/s, peak heap +${mb(q.heapGrowth)} (reading thread) + ${mb(q.result.workerPeakHeap)} (scoring worker, whole heap), peak RSS ${mb(q.peakRss)}`,
    );
    console.log(
      `  CPU of this process (all threads): read ${(r.cpuMs / 1000).toFixed(2)} s, read + score ${(q.cpuMs / 1000).toFixed(2)} s (machine: ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(2)})`,
    );
    console.log(`  ratio score/read time: ${(q.ms / r.ms).toFixed(2)}x (target <= 2x)`);
    const waiting = q.ms - q.result.handing - q.result.tail;
    console.log(
      `  where the scoring pass went (reading thread): ${(waiting / 1000).toFixed(2)} s waiting for rows, ${(q.result.handing / 1000).toFixed(2)} s handing rows to the worker (incl. waiting when 4 batches are queued), ${(q.result.tail / 1000).toFixed(2)} s for the worker to finish after the last row`,
    );
    const nd = m.nearDuplicates.address;
    console.log(
      `\nfigures: score ${m.score.value}, completeness ${m.completeness.value}, uniqueness ${m.uniqueness.value}, accuracy ${m.accuracy.value}; near-duplicate addresses ${fmt(nd.nearDuplicates)} (rate ${nd.rate})`,
    );
  } finally {
    await sql.unsafe(`drop schema "${schema}" cascade`);
    await sql.end();
  }
}

/** Yields the items of `source`, always having asked for the next one before yielding. */
async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let next = it.next();
  for (;;) {
    const r = await next;
    if (r.done) return;
    next = it.next();
    yield r.value;
  }
}

/** COPY text format escaping. */
function tsv(s: string) {
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
