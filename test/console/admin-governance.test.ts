// The admin's governance figures in a real browser against a real hub: access requests are filed and
// decided through the API (approved, approved narrower, rejected with a reason), then the page shows,
// for every department and the period picked, exactly the API's governanceFigures and departmentScores,
// with the >10% deviation warnings in words and the charts drawn.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHub, type Hub } from '../hub.ts';
import { pollUntil } from '../support/poll.ts';
import {
  buildConsole,
  type ConsoleBrowser,
  expectNoSeriousAxeViolations,
  launch,
  measureLoad,
  screenshot,
  signInDev,
} from './browser.ts';

const FILE = `mutation ($input: FileAccessRequestInput!) { fileAccessRequest(input: $input) { id assignee } }`;
const FIGURES = `query ($dept: String!, $from: DateTime!, $to: DateTime!) {
  governanceFigures(dept: $dept, from: $from, to: $to) {
    dept received decided approved rejected refusalRate narrowedRate decisionDaysMedian decisionDaysP90
    decidedLate overdueNow pendingNow activeGrants refusalReasons { reason count }
    warnings { figure value target } } }`;

let hub: Hub;
let b: ConsoleBrowser;
let before: any; // HRSS's figures before this test's requests (the demo hub comes with some)

const localDay = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
// The period picked: from 7 days ago to today, local days, the last one included.
const today = new Date();
const fromDay = localDay(new Date(today.getFullYear(), today.getMonth(), today.getDate() - 7));
const toDay = localDay(today);
const dayStart = (day: string, plus = 0) => {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d + plus).toISOString();
};
const from = dayStart(fromDay);
const to = dayStart(toDay, 1);

beforeAll(async () => {
  await buildConsole();
  [hub, b] = await Promise.all([startHub('pglite', { quality: true }), launch()]);
  // Accuracy per department comes from quality runs.
  const admin = await hub.token('PSB', ['admin']);
  for (const d of ['social-insurance'])
    expect((await hub.gql(admin, `mutation { runQuality(dataset: "${d}") { id } }`)).body.errors).toBeUndefined();
  await pollUntil(
    () => hub.gql(admin, '{ qualityReport(dataset: "social-insurance") { score } }'),
    (r) => r.body.data?.qualityReport?.score != null,
    { timeoutMs: 240_000 },
  );

  before = (await hub.gql(admin, FIGURES, { dept: 'HRSS', from, to })).body.data.governanceFigures;
  // Three requests to HRSS: one approved as asked, one approved narrower, one rejected with a reason.
  const samr = await hub.token('SAMR', ['consumer']);
  const filed: { id: string; assignee: string }[] = [];
  for (const purpose of ['licence check', 'employer audit', 'subsidy review']) {
    const res = await hub.gql(samr, FILE, {
      input: {
        datasetId: 'social-insurance',
        purpose,
        legalBasis: '社会保险法 第八十一条',
        fields: [{ name: 'name' }, { name: 'insuranceType' }, { name: 'status' }],
        durationDays: 30,
      },
    });
    expect(res.body.errors).toBeUndefined();
    filed.push(res.body.data.fileAccessRequest);
  }
  const as = (sub: string) => hub.token('HRSS', ['steward'], { sub });
  const approve = `mutation ($id: ID!, $input: ApproveAccessInput) {
    approveAccessRequest(id: $id, input: $input) { status } }`;
  const ok1 = await hub.gql(await as(filed[0].assignee), approve, { id: filed[0].id });
  expect(ok1.body.data?.approveAccessRequest.status).toBe('APPROVED');
  const ok2 = await hub.gql(await as(filed[1].assignee), approve, {
    id: filed[1].id,
    input: { fields: ['status'], durationDays: 10 },
  });
  expect(ok2.body.data?.approveAccessRequest.status).toBe('APPROVED');
  const no = await hub.gql(
    await as(filed[2].assignee),
    `mutation ($id: ID!) { rejectAccessRequest(id: $id, reason: NO_LEGAL_BASIS, text: "不适用") { status } }`,
    { id: filed[2].id },
  );
  expect(no.body.data?.rejectAccessRequest.status).toBe('REJECTED');
}, 300_000); // a quality run and a hub on a loaded 2-core machine
afterAll(async () => {
  await b?.close();
  await hub?.close();
});

it('the page shows per department and period the API’s governance figures, warnings in words, charts', async () => {
  const { page } = b;
  await signInDev(page, hub.gatewayUrl, 'PSB', 'admin');
  await measureLoad(page, '/admin/governance', 'admin governance figures');

  await page.getByLabel(/起始日期|From/).fill(fromDay);
  await page.getByLabel(/截止日期|To \(/).fill(toDay);
  await page.getByRole('button', { name: /^(查看|Show)$/ }).click();
  await page.locator(`[data-from="${from}"][data-to="${to}"]`).waitFor();

  const admin = await hub.token('PSB', ['admin']);
  const depts: string[] = (await hub.gql(admin, '{ departments { code } }')).body.data.departments.map(
    (x: any) => x.code,
  );
  const scores = (
    await hub.gql(admin, `{ departmentScores(period: "${toDay.slice(0, 7)}") { dept accuracy warnings { figure } } }`)
  ).body.data.departmentScores;
  await page.locator(`tr[data-dept="${depts.at(-1)}"]`).waitFor();
  for (const dept of depts) {
    const api = (await hub.gql(admin, FIGURES, { dept, from, to })).body.data.governanceFigures;
    const row = page.locator(`tr[data-dept="${dept}"]`);
    const shown = Object.fromEntries(
      await row
        .locator('td[data-figure]')
        .evaluateAll((tds) => tds.map((td) => [td.getAttribute('data-figure'), td.getAttribute('data-value')])),
    );
    for (const k of [
      'received',
      'decided',
      'approved',
      'rejected',
      'refusalRate',
      'narrowedRate',
      'decisionDaysMedian',
      'decisionDaysP90',
      'decidedLate',
      'overdueNow',
      'pendingNow',
      'activeGrants',
    ])
      expect([dept, k, shown[k]]).toEqual([dept, k, api[k] == null ? '' : String(api[k])]);
    const accuracy = scores.find((s: any) => s.dept === dept)?.accuracy;
    expect([dept, shown.accuracy]).toEqual([dept, accuracy == null ? '' : String(accuracy)]);
    // Every API warning is on the page, in words.
    for (const w of [...api.warnings, ...(scores.find((s: any) => s.dept === dept)?.warnings ?? [])])
      await expect(page.locator(`li[data-warning="${w.figure}"][data-dept="${dept}"]`).count()).resolves.toBe(1);
  }

  // HRSS: this test's 3 requests on top of the demo hub's: 2 approved (1 narrower), 1 rejected for
  // NO_LEGAL_BASIS. The refusal rate is then more than 10% above its target: warned about in words.
  const hrss = (await hub.gql(admin, FIGURES, { dept: 'HRSS', from, to })).body.data.governanceFigures;
  expect(hrss.received - before.received).toBe(3);
  expect(hrss.approved - before.approved).toBe(2);
  expect(hrss.rejected - before.rejected).toBe(1);
  const noBasis = (f: any) => f.refusalReasons.find((r: any) => r.reason === 'NO_LEGAL_BASIS')?.count ?? 0;
  expect(noBasis(hrss) - noBasis(before)).toBe(1);
  const rate = `${(hrss.refusalRate * 100).toFixed(1)}%`;
  expect(hrss.warnings.map((w: any) => w.figure)).toContain('refusalRate');
  const warned = await page.locator('li[data-warning="refusalRate"][data-dept="HRSS"]').innerText();
  expect(warned).toContain(rate);
  expect(warned).toMatch(/驳回率 .*，高于目标 .*超过 10%|refusal rate .* is more than 10% above the target/);
  expect(await page.locator('[data-reasons="HRSS"]').innerText()).toMatch(
    new RegExp(`(缺乏法律依据|No legal basis) ${noBasis(hrss)}`),
  );
  // The charts are drawn (ECharts' canvas), each labelled with its figures in words.
  await expect(page.locator('[data-chart] canvas').count()).resolves.toBe(2);
  expect(await page.locator('[data-chart]').first().getAttribute('aria-label')).toMatch(
    /缺乏法律依据 1|No legal basis 1/,
  );

  await expectNoSeriousAxeViolations(page);
  await screenshot(page, 'governance-figures');

  // A period ending before it starts is refused in words, without asking the API.
  await page.getByLabel(/起始日期|From/).fill(toDay);
  await page.getByLabel(/截止日期|To \(/).fill(fromDay);
  await page.getByRole('button', { name: /^(查看|Show)$/ }).click();
  await expect(page.getByRole('alert').innerText()).resolves.toMatch(/起始日期须早于截止日期|must come before/);
});
