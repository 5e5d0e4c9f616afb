// What a large upload costs readers (npx tsx bench/upload.bench.ts). An all-or-nothing upload of
// BENCH_UPLOAD_ROWS rows (default 100,000) into one dataset while small reads of another dataset of
// the same catalog database run every 20 ms; on the Postgres server at BENCH_DATABASE_URL (the
// baseline: reads use other pooled connections) and on embedded PGlite (one connection: the upload's
// transaction holds it). Prints the upload time and how long the slowest read waited.
import { performance } from 'node:perf_hooks';
import { addDepartment, openTestDb } from '../services/catalog/src/test-support.ts';
import { createDataset } from '../services/catalog/src/datasets.ts';
import { batchItems, ingest } from '../services/catalog/src/ingest.ts';
import { queryRecords } from '../services/catalog/src/records-query.ts';

const URL_ =
  process.env.BENCH_DATABASE_URL ?? process.env.GOVSHARE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROWS = Number(process.env.BENCH_UPLOAD_ROWS ?? 100_000);
const SCHEMA = {
  type: 'object',
  properties: { id: { type: 'string', 'x-key': true }, name: { type: 'string' }, n: { type: 'integer' } },
  required: ['id'],
};

async function measure(url?: string) {
  const { db, close } = await openTestDb(url);
  try {
    await addDepartment(db, 'OWN');
    for (const id of ['small', 'big'])
      await createDataset(db, { id, title: id, ownerDept: 'OWN', tier: 'PUBLIC', schema: SCHEMA as any });
    await ingest(db, 'small', 'append', batchItems([{ id: 'x', name: 'x', n: 1 }]));
    const rows = Array.from({ length: ROWS }, (_, i) => ({ id: `r${i}`, name: `name ${i}`, n: i }));
    const waits: number[] = [];
    let done = false;
    const t0 = performance.now();
    const upload = ingest(db, 'big', 'append', batchItems(rows)).finally(() => (done = true));
    while (!done) {
      const s = performance.now();
      await queryRecords(db, 'small', { fields: ['id'], first: 1 });
      waits.push(performance.now() - s);
      await new Promise((r) => setTimeout(r, 20));
    }
    const result = await upload;
    if (result.accepted !== ROWS) throw new Error(`uploaded ${result.accepted} of ${ROWS} rows`);
    return { uploadMs: performance.now() - t0, reads: waits.length, worstMs: Math.max(...waits) };
  } finally {
    await close();
  }
}

const server = await measure(URL_);
const embedded = await measure(undefined);
const row = (name: string, m: typeof server) =>
  `${name.padEnd(38)}${m.uploadMs.toFixed(0).padStart(10)}${String(m.reads).padStart(8)}${m.worstMs.toFixed(0).padStart(14)}${(m.worstMs / server.worstMs).toFixed(1).padStart(10)}`;
console.log(`\nupload of ${ROWS.toLocaleString('en')} rows while small reads run every 20 ms`);
console.log(
  `${'database'.padEnd(38)}${'upload ms'.padStart(10)}${'reads'.padStart(8)}${'slowest read'.padStart(14)}${'x base'.padStart(10)}`,
);
console.log(row('Postgres server (baseline)', server));
console.log(row('PGlite (embedded, one connection)', embedded));
