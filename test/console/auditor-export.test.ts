// Exporting a range of the log from a real browser against a real hub: the page fetches the gateway's
// GET /audit/export with the session's token and saves the NDJSON; the download's first line is the
// export's header for the range asked (by seq, then by time).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHub, type Hub } from '../hub.ts';
import {
  buildConsole,
  type ConsoleBrowser,
  expectNoSeriousAxeViolations,
  launch,
  measureLoad,
  type Page,
  screenshot,
  signInDev,
} from './browser.ts';

let hub: Hub;
let b: ConsoleBrowser;
beforeAll(async () => {
  await buildConsole();
  [hub, b] = await Promise.all([startHub('pglite'), launch()]);
  const samr = await hub.token('SAMR', ['consumer']);
  for (let i = 0; i < 6; i++)
    expect((await hub.gql(samr, '{ records(dataset: "legal-persons", first: 1) { totalCount } }')).body.errors).toBe(
      undefined,
    );
}, 300_000); // a hub and a browser boot: minutes on a loaded 2-core machine
afterAll(async () => {
  await b?.close();
  await hub?.close();
});

/** Clicks download and returns the saved file's lines. */
async function download(page: Page): Promise<string[]> {
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: /^(下载|Download)$/ }).click(),
  ]);
  const path = await file.path();
  return readFileSync(path, 'utf8').trimEnd().split('\n');
}

it('downloads a range of the log as NDJSON whose first line is its header', async () => {
  const { page } = b;
  await signInDev(page, hub.gatewayUrl, 'NHC', 'auditor');
  await measureLoad(page, '/audit/export', 'auditor export');
  await page.getByLabel(/^(起始序号|From seq)/).fill('1');
  await page.getByLabel(/^(截止序号|To seq)/).fill('4');
  await expectNoSeriousAxeViolations(page);
  const lines = await download(page);
  expect(JSON.parse(lines[0]!)).toMatchObject({
    type: 'header',
    format: 'govshare-audit-export/1',
    fromSeq: 1,
    toSeq: 4,
  });
  const leaves = lines.map((l) => JSON.parse(l)).filter((l) => l.type === 'leaf');
  expect(leaves.map((l) => l.seq)).toEqual([1, 2, 3, 4]);
  await page.locator('[data-downloaded]').waitFor();
  await screenshot(page, 'auditor-export');

  // By time: the range of everything so far is turned into the seqs of its first and last events
  const auditor = await hub.token('NHC', ['auditor']);
  await page.getByLabel(/^(按时间|time)$/).check();
  const [from, to] = await page.evaluate(() => {
    const local = (ms: number) => {
      const d = new Date(ms);
      return new Date(ms - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    };
    return [local(Date.now() - 3_600_000), local(Date.now() + 3_600_000)];
  });
  await page.getByLabel(/^(起始时间|From \()/).fill(from!);
  await page.getByLabel(/^(截止时间|To \()/).fill(to!);
  const byTime = await download(page);
  const header = JSON.parse(byTime[0]!);
  expect(header).toMatchObject({ type: 'header', fromSeq: 0 });
  const newest = await hub.gql(auditor, '{ auditEvents(first: 1) { nodes { seq } } }');
  // The export's own range ends at the newest event the page saw (the page's lookups are logged too)
  expect(header.toSeq).toBeGreaterThanOrEqual(6);
  expect(header.toSeq).toBeLessThan(newest.body.data.auditEvents.nodes[0].seq);

  // A bad range is refused in words before anything is asked
  await page.getByLabel(/^(按序号|seq)$/).check();
  await page.getByLabel(/^(起始序号|From seq)/).fill('9');
  await page.getByLabel(/^(截止序号|To seq)/).fill('3');
  await page.getByRole('button', { name: /^(下载|Download)$/ }).click();
  expect(await page.locator('[role="alert"]').innerText()).toMatch(/截止序号须不小于起始序号|To seq must not be below/);
});
