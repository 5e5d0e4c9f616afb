// The auditor's event search in a real browser against a real hub: consumers read (allowed and
// denied) through the API; the NHC auditor filters by department and outcome in the browser; the
// rows are the API's answer for the same filter, newest first, and the next page is the API's next.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { codes, startHub, type Hub } from '../hub.ts';
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

const SEARCH = `query ($filter: AuditEventFilter, $after: String) {
  auditEvents(filter: $filter, first: 50, after: $after) {
    pageInfo { endCursor hasNextPage } nodes { seq action outcome dataset actor { sub dept } } } }`;

let hub: Hub;
let b: ConsoleBrowser;
let auditor: string;
const DENIED = 53; // more than one page of 50
beforeAll(async () => {
  await buildConsole();
  [hub, b] = await Promise.all([startHub('pglite'), launch()]);
  const samr = await hub.token('SAMR', ['consumer'], { sub: 'samr-analyst' });
  for (let i = 0; i < 3; i++) {
    const ok = await hub.gql(samr, '{ records(dataset: "legal-persons", first: 2) { nodes { key } } }');
    expect(ok.body.errors).toBeUndefined();
  }
  for (let i = 0; i < DENIED; i++)
    expect(codes((await hub.gql(samr, '{ records(dataset: "medical-insurance") { totalCount } }')).body)).toEqual([
      'FORBIDDEN',
    ]);
  auditor = await hub.token('NHC', ['auditor']);
}, 300_000); // a hub and a browser boot: minutes on a loaded 2-core machine
afterAll(async () => {
  await b?.close();
  await hub?.close();
});

const api = async (filter: object, after?: string) => {
  const res = await hub.gql(auditor, SEARCH, { filter, after });
  expect(res.body.errors).toBeUndefined();
  return res.body.data.auditEvents;
};

/** Waits for the table to show these seqs (the answer replaces the page), then asserts it does. */
async function expectRows(page: Page, seqs: number[]) {
  const shown = () =>
    page.locator('tbody tr[data-seq]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-seq'))));
  await page
    .waitForFunction(
      (want) =>
        [...document.querySelectorAll('tbody tr[data-seq]')].map((r) => r.getAttribute('data-seq')).join() === want,
      seqs.join(),
      { timeout: 15_000 },
    )
    .catch(() => {});
  expect(await shown()).toEqual(seqs);
}

it('filters the log by department and outcome, as the API answers, one page at a time', async () => {
  const { page } = b;
  await signInDev(page, hub.gatewayUrl, 'NHC', 'auditor');
  expect(new URL(page.url()).pathname).toBe('/console/audit/events');
  await measureLoad(page, '/audit/events', 'auditor events');
  await page.locator('tbody tr[data-seq]').first().waitFor();

  // Denied reads of SAMR: the first page is the API's first page, newest first
  await page.getByLabel(/^(部门|Department)/).selectOption('SAMR');
  await page.getByLabel(/^(结果|Outcome)/).selectOption('denied');
  await page.getByRole('button', { name: /^(查询|Search)$/ }).click();
  const first = await api({ dept: 'SAMR', outcome: 'denied' });
  expect(first.nodes.length).toBe(50);
  expect(first.pageInfo.hasNextPage).toBe(true);
  const seqs = first.nodes.map((e: any) => e.seq);
  expect(seqs).toEqual([...seqs].sort((x: number, y: number) => y - x));
  await expectRows(page, seqs);
  expect(new URL(page.url()).searchParams.get('outcome')).toBe('denied');
  // Each row says what the API says, outcome in words
  const row = page.locator(`tr[data-seq="${seqs[0]}"]`);
  expect(await row.locator('[data-outcome]').getAttribute('data-outcome')).toBe('denied');
  expect(await row.innerText()).toContain('samr-analyst');
  expect(await row.innerText()).toContain(first.nodes[0].action);
  expect(await row.innerText()).toContain('medical-insurance');
  expect(await row.innerText()).toMatch(/拒绝|denied/);
  await expectNoSeriousAxeViolations(page);
  await screenshot(page, 'auditor-events');

  // The next page is the API's next page (only it is held: the first page's rows are gone)
  await page.getByRole('button', { name: /下一页|Next page/ }).click();
  const second = await api({ dept: 'SAMR', outcome: 'denied' }, first.pageInfo.endCursor);
  expect(second.nodes.length).toBeGreaterThanOrEqual(DENIED - 50);
  const next = second.nodes.map((e: any) => e.seq);
  expect(Math.max(...next)).toBeLessThan(Math.min(...seqs));
  await expectRows(page, next);
  expect(new URL(page.url()).searchParams.get('after')).toBe(first.pageInfo.endCursor);

  // Allowed reads of SAMR: another filter, the API's answer again
  await page.getByLabel(/^(结果|Outcome)/).selectOption('allowed');
  await page.getByRole('button', { name: /^(查询|Search)$/ }).click();
  const allowed = await api({ dept: 'SAMR', outcome: 'allowed' });
  expect(allowed.nodes.filter((e: any) => e.dataset === 'legal-persons').length).toBe(3);
  await expectRows(
    page,
    allowed.nodes.map((e: any) => e.seq),
  );
  expect(new URL(page.url()).searchParams.get('after')).toBeNull();
  const outcomes = await page
    .locator('tbody [data-outcome]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-outcome')));
  expect(new Set(outcomes)).toEqual(new Set(['allowed']));
});
