// Uploads a CSV or NDJSON file to a dataset through the gateway, with a progress bar.
//   pnpm ingest --dataset resident-registry --file people.csv [--mode replace] --token "$TOKEN"
import { createReadStream, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Transform } from 'node:stream';
import { request } from 'undici';
import cliProgress from 'cli-progress';

async function main() {
  const { values } = parseArgs({
    options: {
      dataset: { type: 'string' },
      file: { type: 'string' },
      mode: { type: 'string', default: 'append' },
      token: { type: 'string', default: process.env.GOVSHARE_TOKEN },
      url: { type: 'string', default: process.env.GOVSHARE_GATEWAY_URL ?? 'http://127.0.0.1:4000' },
    },
  });
  if (!values.dataset || !values.file || !values.token) {
    console.error('usage: pnpm ingest --dataset <id> --file <path.csv|path.ndjson> [--mode append|replace] --token <jwt> [--url http://127.0.0.1:4000]');
    process.exit(2);
  }
  if (values.mode !== 'append' && values.mode !== 'replace') throw new Error('--mode: append or replace');
  const contentType = /\.csv$/i.test(values.file) ? 'text/csv' : /\.(nd)?jsonl?$|\.ndjson$/i.test(values.file) ? 'application/x-ndjson' : undefined;
  if (!contentType) throw new Error('--file: name must end in .csv or .ndjson/.jsonl');
  const size = statSync(values.file).size;
  const bar = new cliProgress.SingleBar({ format: 'upload [{bar}] {percentage}% | {value}/{total} bytes', hideCursor: true }, cliProgress.Presets.shades_classic);
  bar.start(size, 0);
  let sent = 0;
  const counter = new Transform({
    transform(chunk, _enc, cb) {
      sent += chunk.length;
      bar.update(sent);
      cb(null, chunk);
    },
  });
  const res = await request(`${values.url}/datasets/${encodeURIComponent(values.dataset)}/records?mode=${values.mode}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${values.token}`, 'content-type': contentType },
    body: createReadStream(values.file).pipe(counter),
    headersTimeout: 600_000,
    bodyTimeout: 600_000,
  });
  bar.stop();
  const body: any = await res.body.json();
  if (res.statusCode >= 400) {
    console.error(`refused (${res.statusCode} ${body?.error?.code}): ${body?.error?.message}`);
    for (const e of body?.error?.details?.errors ?? []) console.error(`  row ${e.row} field ${e.field}: ${e.rule}: ${e.message}`);
    process.exit(1);
  }
  console.log(`ingested ${body.accepted} records into ${body.datasetId} (${body.mode}); dataset now holds ${body.recordCount}`);
}

main().catch((err) => {
  console.error(`ingest: ${(err as Error).message}`);
  process.exit(2);
});
