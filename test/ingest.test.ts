// File ingest end to end: the gateway's upload route and the ingest CLI (a real process) against a
// real hub. The README's ingest example uses examples/companies.csv, so that file is tested here too.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { hubSetups, startHub, type Hub } from './hub.ts';

const root = new URL('..', import.meta.url).pathname;
const EXAMPLE = join(root, 'examples/companies.csv');
const exampleText = readFileSync(EXAMPLE, 'utf8');
const HEADER = exampleText.split('\n')[0];

/** Runs the ingest CLI as a user would (tsx, from the repository root); never throws on exit codes. */
function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const clean = { ...process.env, GOVSHARE_TOKEN: '', GOVSHARE_GATEWAY_URL: '', ...env };
    execFile(
      join(root, 'node_modules/.bin/tsx'),
      [join(root, 'gateway/src/cli/ingest.ts'), ...args],
      { cwd: root, env: clean },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe.each(hubSetups())('file ingest through the gateway and the CLI (%s)', (backend) => {
  let hub: Hub;
  let steward: string;
  const dir = mkdtempSync(join(tmpdir(), 'govshare-ingest-'));
  const upload = async (query: string, body: string | Buffer, contentType = 'text/csv') => {
    const res = await fetch(`${hub.gatewayUrl}/datasets/legal-persons/records?${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${steward}`, 'content-type': contentType },
      body: typeof body === 'string' ? body : new Uint8Array(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const recordCount = async () =>
    (await hub.gql(steward, '{ dataset(id: "legal-persons") { recordCount } }')).body.data.dataset.recordCount;
  const companyNames = async () => {
    const res = await hub.gql(
      steward,
      '{ records(dataset: "legal-persons", first: 100, fields: ["companyName", "legalRepresentative"]) { nodes { data } } }',
    );
    return res.body.data.records.nodes.map((n: any) => n.data.companyName).sort();
  };
  const exampleNames = exampleText
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',')[1])
    .sort();

  beforeAll(async () => {
    hub = await startHub(backend);
    steward = await hub.token('SAMR', ['steward', 'consumer']);
  });
  afterAll(() => hub?.close());

  it('stores a GB18030 upload as its text when the charset is declared, and refuses it read as UTF-8', async () => {
    const before = await recordCount();
    const gb = iconv.encode(exampleText, 'gb18030');
    const asUtf8 = await upload('mode=replace', gb);
    expect(asUtf8.status).toBe(400);
    expect(asUtf8.body.error).toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { rule: 'encoding', charset: 'utf-8' },
    });
    expect(await recordCount()).toBe(before);

    expect((await upload('mode=replace', gb, 'text/csv; charset=gb18030')).body).toMatchObject({
      accepted: 5,
      recordCount: 5,
    });
    expect(await companyNames()).toEqual(exampleNames);
    expect((await upload('mode=append', iconv.encode(exampleText, 'gbk'), 'text/csv; charset=GBK')).body).toMatchObject(
      { accepted: 5, recordCount: 10 },
    );
    expect((await upload('mode=append', gb, 'text/csv; charset=latin1')).body.error).toMatchObject({
      details: { rule: 'charset' },
    });
  });

  it('refuses an oversized cell or NUL with row and field, an empty replace unless confirmed, and ambiguous columns by name', async () => {
    const [, first, second] = exampleText.split('\n');
    const huge = await upload(
      'mode=append',
      `${HEADER}\n${first}\n${second.replace(/,[^,]*$/, `,${'路'.repeat(200_000)}`)}\n`,
    );
    expect(huge.status).toBe(400);
    expect(huge.body.error.details.errors).toEqual([
      expect.objectContaining({ row: 2, field: 'address', rule: 'size-limit' }),
    ]);
    const nul = await upload(
      'mode=append',
      `{"creditCode":"91330106MA2H0001X6","companyName":"a\\u0000"}\n`,
      'application/x-ndjson',
    );
    expect(nul.body.error.details.errors).toContainEqual(
      expect.objectContaining({ row: 1, field: 'companyName', rule: 'nul-character' }),
    );

    const held = await recordCount();
    expect(held).toBeGreaterThan(0);
    const empty = await upload('mode=replace', `${HEADER}\n`);
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatchObject({ code: 'BAD_USER_INPUT', details: { rule: 'empty-replace' } });
    expect(empty.body.error.message).toContain('confirmEmpty=true');
    expect(await recordCount()).toBe(held);

    for (const [header, field, rule] of [
      [`${HEADER},status`, 'status', 'duplicate-column'],
      [`${HEADER},__proto__`, '__proto__', 'reserved-name'],
    ]) {
      const res = await upload('mode=append', `${header}\n${first},x\n`);
      expect(res.body.error).toMatchObject({ code: 'BAD_USER_INPUT', details: { field, rule } });
    }
    expect(await recordCount()).toBe(held);
    // The GraphQL mutation asks for the same confirmation.
    const emptyGql = (confirm: boolean) =>
      hub.gql(
        steward,
        `mutation { ingestRecords(dataset: "legal-persons", mode: REPLACE, records: [], confirmEmpty: ${confirm}) { accepted recordCount } }`,
      );
    const refused = (await emptyGql(false)).body;
    expect(refused.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(refused.errors[0].message).toContain('confirmEmpty');
    expect(await recordCount()).toBe(held);
    expect((await emptyGql(true)).body.data.ingestRecords).toEqual({ accepted: 0, recordCount: 0 });
    await upload('mode=append', `${HEADER}\n${first}\n`);
    expect((await upload('mode=replace&confirmEmpty=true', `${HEADER}\n`)).body).toMatchObject({
      accepted: 0,
      recordCount: 0,
    });
  });

  it('the CLI refuses --token, takes GOVSHARE_TOKEN or --token-file, follows GATEWAY_PORT, decodes --encoding, needs --allow-empty', async () => {
    const port = new URL(hub.gatewayUrl).port;
    const onCommandLine = await cli(['--dataset', 'legal-persons', '--file', EXAMPLE, '--token', steward], {
      GATEWAY_PORT: port,
    });
    expect(onCommandLine.code).toBe(2);
    expect(onCommandLine.stderr).toMatch(
      /--token is refused: pnpm echoes the command line.*GOVSHARE_TOKEN.*--token-file/,
    );

    // The README's example: the shipped file, the token in the environment, the default URL from GATEWAY_PORT.
    const readme = await cli(['--dataset', 'legal-persons', '--file', 'examples/companies.csv', '--mode', 'replace'], {
      GOVSHARE_TOKEN: steward,
      GATEWAY_PORT: port,
    });
    expect(readme.stderr).not.toMatch(/refused|ingest:/);
    expect(readme.stdout).toContain('ingested 5 records into legal-persons (replace); dataset now holds 5');
    expect(readme.code).toBe(0);

    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${steward}\n`, { mode: 0o600 });
    const gbFile = join(dir, 'companies-gb18030.csv');
    writeFileSync(gbFile, iconv.encode(exampleText, 'gb18030'));
    const gb = await cli(
      [
        '--dataset',
        'legal-persons',
        '--file',
        gbFile,
        '--encoding',
        'gb18030',
        '--token-file',
        tokenFile,
        '--url',
        hub.gatewayUrl,
      ],
      {},
    );
    expect(gb.stdout).toContain('ingested 5 records');
    expect(await companyNames()).toEqual([...exampleNames, ...exampleNames].sort());

    const emptyFile = join(dir, 'empty.csv');
    writeFileSync(emptyFile, `${HEADER}\n`);
    const empty = await cli(['--dataset', 'legal-persons', '--file', emptyFile, '--mode', 'replace'], {
      GOVSHARE_TOKEN: steward,
      GATEWAY_PORT: port,
    });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('--allow-empty');
    expect(await recordCount()).toBe(10);
    const confirmed = await cli(
      ['--dataset', 'legal-persons', '--file', emptyFile, '--mode', 'replace', '--allow-empty'],
      { GOVSHARE_TOKEN: steward, GATEWAY_PORT: port },
    );
    expect(confirmed.stdout).toContain('dataset now holds 0');
  });
});
