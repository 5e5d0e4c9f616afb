// The steward's file upload in a real browser against a real hub: a CSV chosen in the file input goes
// to the gateway's ingest route with a progress bar; a good file is stored (the API's record count
// grows by its rows), a bad one shows its row errors as a table and stores nothing (all or nothing).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Hub, startHub } from '../hub.ts';
import {
  buildConsole,
  type ConsoleBrowser,
  expectNoSeriousAxeViolations,
  launch,
  measureLoad,
  screenshot,
  signInDev,
} from './browser.ts';

const DATASET = 'business-licences';
const COUNT = `query C($d: ID!) { dataset(id: $d) { recordCount } records(dataset: $d, first: 1) { nodes { data } } }`;

let hub: Hub;
let b: ConsoleBrowser;
let token: string;
beforeAll(async () => {
  await buildConsole();
  [hub, b] = await Promise.all([startHub('pglite'), launch()]);
  token = await hub.token('SAMR', ['steward']);
});
afterAll(async () => {
  await b?.close();
  await hub?.close();
});

async function current() {
  const r = await hub.gql(token, COUNT, { d: DATASET });
  expect(r.body.errors).toBeUndefined();
  return { count: r.body.data.dataset.recordCount as number, sample: r.body.data.records.nodes[0].data };
}

async function upload(name: string, text: string) {
  const { page } = b;
  await page.getByLabel(/^(数据集|Dataset)/).selectOption(DATASET);
  await page.getByLabel(/文件（CSV 或 NDJSON）|File \(CSV or NDJSON\)/).setInputFiles({
    name,
    mimeType: 'application/vnd.ms-excel', // what some browsers say of a CSV: the page sets the type itself
    buffer: Buffer.from(text, 'utf8'),
  });
  await page.getByRole('button', { name: /^(上传|Upload)$/ }).click();
  await page.locator('[data-upload]').waitFor();
  expect(await page.locator('progress').getAttribute('data-progress')).toBe('1');
}

it('a good CSV is stored; a bad one shows its row errors and stores nothing', async () => {
  const { page } = b;
  await signInDev(page, hub.gatewayUrl, 'SAMR', 'steward');
  const before = await current();
  await measureLoad(page, '/steward/upload', 'steward upload');
  expect(await page.getByText(/一行也不写入|no row is stored/).count()).toBe(1);

  // Three new licences for a holder the registry knows (the credit code is a reference)
  const { creditCode, licenceType } = before.sample;
  const header = 'licenceNo,creditCode,licenceType,issuedOn,expiresOn';
  const good = [header, ...[1, 2, 3].map((i) => `UPLOAD-${i},${creditCode},${licenceType},2026-01-0${i},2031-01-01`)];
  await upload('licences.csv', `${good.join('\n')}\n`);
  expect(await page.locator('[data-upload="done"]').innerText()).toMatch(/已接收 3 条记录|3 records accepted/);
  const afterGood = await current();
  expect(afterGood.count).toBe(before.count + 3);

  // Bad rows: an unknown licence type (row 2) and a date that is not one (row 3); row 1 is fine
  const bad = [
    header,
    `UPLOAD-4,${creditCode},${licenceType},2026-02-01,2031-01-01`,
    `UPLOAD-5,${creditCode},no-such-type,2026-02-01,2031-01-01`,
    `UPLOAD-6,${creditCode},${licenceType},not-a-date,2031-01-01`,
  ];
  await upload('licences-bad.csv', `${bad.join('\n')}\n`);
  const refused = page.locator('[data-upload="refused"]');
  expect(await refused.getByRole('alert').innerText()).toMatch(/未写入任何记录|nothing was stored/);
  const rows = await refused
    .locator('tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent)));
  expect(rows).toEqual([
    ['2', 'licenceType', expect.any(String)],
    ['3', 'issuedOn', expect.any(String)],
  ]);
  // The rule and message the route gave, as it gave them
  const res = await fetch(`${hub.gatewayUrl}/datasets/${DATASET}/records?mode=append`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv; charset=utf-8' },
    body: `${bad.join('\n')}\n`,
  });
  expect(res.status).toBe(400);
  const errors = (await res.json()).error.details.errors as {
    row: number;
    field: string;
    rule: string;
    message: string;
  }[];
  const table = await refused
    .locator('tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
  expect(table).toEqual(errors.map((e) => [String(e.row), e.field, e.rule, e.message]));
  expect((await current()).count).toBe(afterGood.count); // row 1 was not stored either
  await expectNoSeriousAxeViolations(page);
  await screenshot(page, 'steward-upload');
});
