// The steward's quality pages in a real browser against a real hub with the quality service: the
// department's datasets with score and red/yellow/green, one dataset's trend over runs (ECharts), its
// masked failing examples and open alerts (the figures equal the API's); the rule-set editor with the
// dictionary's errors in place and a save that takes effect; an appeal against the published list.
import type { Page } from 'playwright-core';
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

const DATASET = 'resident-registry';
const SET_RULES = 'mutation S($d: ID!, $r: JSON!) { setQualityRules(dataset: $d, rules: $r) }';
const RULES = 'query R($d: ID!) { qualityRules(dataset: $d) }';
const HISTORY = `query H($d: ID!) {
  qualityHistory(dataset: $d, limit: 50) { id status score finishedAt metrics }
  qualityReport(dataset: $d) { score status examples }
  qualityAlerts }`;

let hub: Hub;
let b: ConsoleBrowser;
let steward: string;

/** Polls the API (a readiness wait) until the run has finished. */
async function runFinished(runId: string) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const h = await hub.gql(steward, '{ qualityHistory(dataset: "resident-registry", limit: 20) { id status } }');
    const run = h.body.data?.qualityHistory.find((r: { id: string }) => r.id === runId);
    if (run && run.status !== 'queued' && run.status !== 'running') return run.status;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not finish`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
async function score() {
  const r = await hub.gql(steward, `mutation { runQuality(dataset: "${DATASET}") { id } }`);
  expect(r.body.errors).toBeUndefined();
  expect(await runFinished(r.body.data.runQuality.id)).toBe('succeeded');
}
const rowText = (page: Page, sel: string) => page.locator(sel).innerText();

beforeAll(async () => {
  await buildConsole();
  [hub, b] = await Promise.all([startHub('pglite', { quality: true }), launch()]);
  steward = await hub.token('PSB', ['steward']);
  // Two runs: the default rules, then a rule every (Chinese) name fails: the score drops by more
  // than 10%, which raises an alert and makes the dataset red.
  await score();
  const strict = await hub.gql(steward, SET_RULES, {
    d: DATASET,
    r: { rules: [{ kind: 'regex', field: 'name', pattern: '^[A-Z]+$' }] },
  });
  expect(strict.body.errors).toBeUndefined();
  await score();
}, 300_000);
afterAll(async () => {
  await b?.close();
  await hub?.close();
});

it('my datasets and one dataset’s trend, examples and alerts show the API’s figures', async () => {
  const { page } = b;
  await signInDev(page, hub.gatewayUrl, 'PSB', 'steward');
  const api = (await hub.gql(steward, HISTORY, { d: DATASET })).body.data;
  const mine = api.qualityAlerts.datasets.find((d: { datasetId: string }) => d.datasetId === DATASET);
  expect(mine.status).toBe('red'); // the drop raised an alert
  expect(mine.openAlerts).toBeGreaterThan(0);

  await measureLoad(page, '/steward/datasets', 'steward datasets');
  const row = page.locator(`tr[data-dataset="${DATASET}"]`);
  expect(await row.locator('[data-score]').innerText()).toBe(String(mine.score));
  expect(await row.locator('[data-quality-status]').getAttribute('data-quality-status')).toBe('red');
  expect(await row.locator('[data-quality-status]').innerText()).toMatch(/告警中|alert open/);
  expect(await row.locator('[data-open-alerts]').innerText()).toBe(String(mine.openAlerts));
  await expectNoSeriousAxeViolations(page);

  expect(await row.getByRole('link').getAttribute('href')).toBe(`/console/steward/datasets/${DATASET}`);
  await measureLoad(page, `/steward/datasets/${DATASET}`, 'steward dataset quality (first visit)');
  await measureLoad(page, `/steward/datasets/${DATASET}`, 'steward dataset quality (again)');
  expect(await rowText(page, '[data-report-score]')).toBe(String(api.qualityReport.score));
  // The trend: every succeeded run, oldest first, with the API's figures
  const runs = api.qualityHistory.filter((r: { status: string }) => r.status === 'succeeded').reverse();
  expect(runs.length).toBeGreaterThanOrEqual(2);
  expect(runs[1].score).toBeLessThan(runs[0].score * 0.9);
  await page.locator('.chart canvas').waitFor(); // the chart's own chunk, after the figures
  expect(await page.locator('.chart').getAttribute('data-points')).toBe(String(runs.length));
  const shown = await page.locator('table[data-trend] tbody tr').evaluateAll((trs) =>
    trs.map((tr) => ({
      run: tr.getAttribute('data-run'),
      score: tr.querySelector('[data-col="score"]')?.textContent,
      accuracy: tr.querySelector('[data-col="accuracy"]')?.textContent,
      completeness: tr.querySelector('[data-col="completeness"]')?.textContent,
    })),
  );
  const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
  expect(shown).toEqual(
    runs.map((r: any) => ({
      run: r.id,
      score: String(r.score),
      accuracy: pct(r.metrics.accuracy),
      completeness: pct(r.metrics.completeness),
    })),
  );
  // Open alerts: the API's, for this dataset
  const open = api.qualityAlerts.alerts.filter((a: any) => a.datasetId === DATASET && !a.resolvedAt);
  expect(
    (await page.locator('tr[data-alert]').evaluateAll((trs) => trs.map((t) => t.getAttribute('data-alert')))).sort(),
  ).toEqual(open.map((a: { id: string }) => a.id).sort());
  // Failing examples, masked as the API gives them: the same keys per rule, no identity number in clear
  const examples = Object.entries(api.qualityReport.examples as Record<string, { key: string }[]>).filter(
    ([, xs]) => xs.length > 0,
  );
  expect(examples.length).toBeGreaterThan(0);
  for (const [rule, xs] of examples) {
    const keys = await page.locator(`table[data-examples="${rule}"] tbody tr td:first-child`).allInnerTexts();
    expect(keys).toEqual(xs.map((x) => x.key));
  }
  expect(await page.locator('main').innerText()).not.toMatch(/\d{17}[\dX]/);
  await expectNoSeriousAxeViolations(page);
  await screenshot(page, 'quality-trend');
});

it('the rule editor shows each dictionary problem beside its path; a valid set is stored', async () => {
  const { page } = b;
  const before = (await hub.gql(steward, RULES, { d: DATASET })).body.data.qualityRules;
  await measureLoad(page, `/steward/datasets/${DATASET}/rules`, 'steward rules');
  const editor = page.getByLabel(/规则集（JSON）|Rule set \(JSON\)/);
  expect(JSON.parse(await editor.inputValue())).toEqual(before.body);

  const bad = {
    rules: [{ kind: 'reference', field: 'nam', dataset: 'legal-persons', targetField: 'companyNam' }],
    expectedFields: ['idNumber', 'nosuch'],
  };
  await editor.fill(JSON.stringify(bad, null, 2));
  await page.getByRole('button', { name: /^(保存规则|Save rules)$/ }).click();
  await page.locator('[data-problem-path]').first().waitFor();
  const shown = await page
    .locator('[data-problem-path]')
    .evaluateAll((lis) =>
      lis.map((li) => [li.getAttribute('data-problem-path'), li.getAttribute('data-problem-rule')]),
    );
  // The same problems the API gives for this body
  const refused = await hub.gql(steward, SET_RULES, { d: DATASET, r: bad });
  const problems = refused.body.errors[0].extensions.details.problems as { path: string; rule: string }[];
  expect(problems.length).toBeGreaterThanOrEqual(3);
  expect(shown).toEqual(problems.map((p) => [p.path, p.rule]));
  expect(shown.map(([p]) => p)).toEqual(
    expect.arrayContaining(['rules[0].field', 'rules[0].targetField', 'expectedFields[1]']),
  );
  // Beside its path, the value found there
  expect(await page.locator('[data-problem-path="expectedFields[1]"]').innerText()).toContain('"nosuch"');
  expect((await hub.gql(steward, RULES, { d: DATASET })).body.data.qualityRules.version).toBe(before.version);
  await expectNoSeriousAxeViolations(page);
  await screenshot(page, 'steward-rules');

  // A valid set: stored as a new version, as the API then says
  const good = { rules: [{ kind: 'regex', field: 'name', pattern: '^.{1,50}$' }], targets: { accuracy: 0.9 } };
  await editor.fill(JSON.stringify(good));
  await page.getByRole('button', { name: /^(保存规则|Save rules)$/ }).click();
  await page.locator('[data-saved]').waitFor();
  expect(await page.locator('[data-problem-path]').count()).toBe(0);
  const after = (await hub.gql(steward, RULES, { d: DATASET })).body.data.qualityRules;
  expect(after.version).toBe(before.version + 1);
  expect(after.body).toEqual(good);
  await page.locator(`[data-rules-version="${after.version}"]`).waitFor();
  expect(await page.locator('[data-effective-rules]').innerText()).toContain('^.{1,50}$');
});

it('the steward appeals the department’s place on the published list and sees the appeal pending', async () => {
  const { page } = b;
  const period = new Date().toISOString().slice(0, 7);
  const admin = await hub.token('NHC', ['admin']);
  const pub = await hub.gql(
    admin,
    `mutation { publishRedBlackList(period: "${period}") { id departments { dept list } } }`,
  );
  expect(pub.body.errors).toBeUndefined();
  const list = pub.body.data.publishRedBlackList;
  const placed = list.departments.find((d: { dept: string }) => d.dept === 'PSB');
  expect(placed).toBeTruthy();

  await measureLoad(page, '/steward/appeals', 'steward appeals');
  expect(await page.locator('[data-placement]').getAttribute('data-placement')).toBe(placed.list);
  const words = { red: /红榜|red list/, black: /黑榜|black list/, none: /未上榜|not listed/ } as Record<string, RegExp>;
  expect(await page.locator('[data-placement]').innerText()).toMatch(words[placed.list]);
  const reason = '抽检规则已修正，分数应按修正后的运行计算';
  await page.getByLabel(/申诉理由|Reason for the appeal/).fill(reason);
  await page.getByRole('button', { name: /^(提交申诉|File the appeal)$/ }).click();
  const filed = page.locator('[data-appeal]');
  await filed.waitFor();
  expect(await filed.innerText()).toMatch(/待处理|pending/);
  const id = await filed.getAttribute('data-appeal');

  const appeals = await hub.gql(
    steward,
    'query A($p: ID) { qualityAppeals(publicationId: $p) { id dept reason status } }',
    {
      p: list.id,
    },
  );
  expect(appeals.body.data.qualityAppeals).toEqual([{ id, dept: 'PSB', reason, status: 'pending' }]);
  await page.locator(`tr[data-appeal-row="${id}"][data-appeal-status="pending"]`).waitFor();
  await expectNoSeriousAxeViolations(page);
  await screenshot(page, 'steward-appeal');
});

it('another department’s steward is refused the detail, in words with the code', async () => {
  const { page } = b;
  await signInDev(page, hub.gatewayUrl, 'MCA', 'steward');
  await measureLoad(page, `/steward/datasets/${DATASET}`, 'steward dataset quality (refused)');
  const code = page.locator('[role="alert"] .api-error-code').first();
  expect(await code.innerText()).toBe('FORBIDDEN');
  expect(await page.locator('table[data-trend]').count()).toBe(0);
});
