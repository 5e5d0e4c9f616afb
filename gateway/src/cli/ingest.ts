// Uploads a CSV or NDJSON file to a dataset through the gateway, with a progress bar.
//   GOVSHARE_TOKEN=$(npx -y pnpm@10 -s token --dept SAMR --role steward) \
//     npx -y pnpm@10 ingest --dataset legal-persons --file examples/companies.csv [--mode replace] [--encoding gb18030]
// The token comes from GOVSHARE_TOKEN or --token-file, never from the command line: pnpm echoes the
// command it runs, and argv is visible to every user of the machine (ps) and kept in shell history.
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Transform } from 'node:stream';
import { request } from 'undici';
import cliProgress from 'cli-progress';

const USAGE =
  'usage: GOVSHARE_TOKEN=<jwt> pnpm ingest --dataset <id> --file <path.csv|path.ndjson> [--mode append|replace] [--allow-empty]\n' +
  '         [--encoding utf-8|gb18030|gbk] [--token-file <path>] [--url http://127.0.0.1:$GATEWAY_PORT]';

/** The caller's token: GOVSHARE_TOKEN, or the first line of --token-file. */
function callerToken(tokenFile: string | undefined): string | undefined {
  if (tokenFile) return readFileSync(tokenFile, 'utf8').trim() || undefined;
  return process.env.GOVSHARE_TOKEN?.trim() || undefined;
}

async function main() {
  const { values } = parseArgs({
    options: {
      dataset: { type: 'string' },
      file: { type: 'string' },
      mode: { type: 'string', default: 'append' },
      encoding: { type: 'string', default: 'utf-8' },
      'allow-empty': { type: 'boolean', default: false },
      'token-file': { type: 'string' },
      token: { type: 'string' }, // only to refuse it with a reason
      url: {
        type: 'string',
        default: process.env.GOVSHARE_GATEWAY_URL || `http://127.0.0.1:${process.env.GATEWAY_PORT || 4000}`,
      },
    },
  });
  if (values.token !== undefined) {
    console.error(
      'ingest: --token is refused: pnpm echoes the command line and other users see it (ps); set GOVSHARE_TOKEN or use --token-file',
    );
    process.exit(2);
  }
  const token = callerToken(values['token-file']);
  if (!values.dataset || !values.file || !token) {
    console.error(USAGE);
    if (values.dataset && values.file) console.error('ingest: no token: set GOVSHARE_TOKEN or pass --token-file');
    process.exit(2);
  }
  if (values.mode !== 'append' && values.mode !== 'replace') throw new Error('--mode: append or replace');
  const type = /\.csv$/i.test(values.file)
    ? 'text/csv'
    : /\.(nd)?jsonl?$|\.ndjson$/i.test(values.file)
      ? 'application/x-ndjson'
      : undefined;
  if (!type) throw new Error('--file: name must end in .csv or .ndjson/.jsonl');
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(values.encoding))
    throw new Error('--encoding: an encoding name such as utf-8, gb18030 or gbk');
  const size = statSync(values.file).size;
  const bar = new cliProgress.SingleBar(
    { format: 'upload [{bar}] {percentage}% | {value}/{total} bytes', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(size, 0);
  let sent = 0;
  const counter = new Transform({
    transform(chunk, _enc, cb) {
      sent += chunk.length;
      bar.update(sent);
      cb(null, chunk);
    },
  });
  const query = `mode=${values.mode}${values['allow-empty'] ? '&confirmEmpty=true' : ''}`;
  const res = await request(`${values.url}/datasets/${encodeURIComponent(values.dataset)}/records?${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': `${type}; charset=${values.encoding}` },
    body: createReadStream(values.file).pipe(counter),
    headersTimeout: 600_000,
    bodyTimeout: 600_000,
  });
  bar.stop();
  const body: any = await res.body.json();
  if (res.statusCode >= 400) {
    console.error(`refused (${res.statusCode} ${body?.error?.code}): ${body?.error?.message}`);
    for (const e of body?.error?.details?.errors ?? [])
      console.error(`  row ${e.row} field ${e.field}: ${e.rule}: ${e.message}`);
    if (body?.error?.details?.rule === 'empty-replace')
      console.error('  (pass --allow-empty to empty the dataset on purpose)');
    process.exit(1);
  }
  console.log(
    `ingested ${body.accepted} records into ${body.datasetId} (${body.mode}); dataset now holds ${body.recordCount}`,
  );
}

main().catch((err) => {
  console.error(`ingest: ${(err as Error).message}`);
  process.exit(2);
});
