// A consumer department (MCA) asks the sandbox in the browser: a private (SECRET) dataset grouped by a
// dimension, with noise and margins, the README tour's join, and an exact question whose small groups are
// suppressed. The API, asked the same question, answers from its store (the same figures, free): the page
// must show exactly those, suppressed groups as such, and the privacy budget left.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Hub, startHub } from '../hub.ts';
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

const AGGREGATE = `query ($q: SandboxQuery!) { sandboxAggregate(query: $q) {
  k measures groups { key values margins }
  privacy { mode epsilon cached datasetEpsilonLeft departmentEpsilonLeft } } }`;

let hub: Hub;
let b: ConsoleBrowser;
beforeAll(async () => {
  await buildConsole();
  [hub, b] = await Promise.all([startHub('pglite'), launch()]);
  // A hub's start takes 30-40 s on this 2-core machine and over 120 s when other suites share it.
}, 300_000);
afterAll(async () => {
  await b?.close();
  await hub?.close();
});

interface Group {
  key: Record<string, string>;
  values: number[];
  margins: number[];
}

/** The results table: group label → the cells' data-value, or 'suppressed'. */
async function shown(page: Page) {
  return page
    .locator('table.sandbox-results tbody tr')
    .evaluateAll((rows) =>
      Object.fromEntries(
        rows.map((r) => [
          r.getAttribute('data-group'),
          r.getAttribute('data-suppressed')
            ? 'suppressed'
            : [...r.querySelectorAll('td')].map((td) => [Number(td.dataset.value), Number(td.dataset.margin)]),
        ]),
      ),
    );
}

async function ask(page: Page) {
  await page.getByRole('button', { name: /^(统计|Compute)$/ }).click();
  await page.locator('.sandbox-answer').waitFor();
}

it('MCA asks the sandbox: values with margins, a chart, suppressed groups, the budget left', async () => {
  const { page } = b;
  await signInDev(page, hub.gatewayUrl, 'MCA', 'consumer');
  await measureLoad(page, '/sandbox', 'consumer sandbox');
  const mca = await hub.token('MCA', ['consumer']);
  const api = async (q: Record<string, unknown>) => {
    const res = await hub.gql(mca, AGGREGATE, { q });
    expect(res.body.errors).toBeUndefined();
    return res.body.data.sandboxAggregate;
  };

  // 1. NHC's SECRET claims by hospital: count and average claim, differentially private
  await page.getByLabel(/^(数据集|Dataset)/).selectOption('medical-insurance');
  await page.getByRole('checkbox', { name: 'hospital', exact: true }).check();
  await page.getByRole('button', { name: /^(添加统计量|Add a measure)$/ }).click();
  await page.locator('[data-measure="2"] select').nth(0).selectOption('AVG');
  await page.locator('[data-measure="2"] select').nth(1).selectOption('claimAmount');
  await ask(page);
  const byHospital = await api({
    dataset: 'medical-insurance',
    groupBy: ['hospital'],
    measures: [{ fn: 'COUNT' }, { fn: 'AVG', field: 'claimAmount' }],
  });
  expect(byHospital.privacy).toMatchObject({ mode: 'DIFFERENTIAL', cached: true, epsilon: 0 });
  const dict = await hub.gql(mca, '{ dataset(id: "medical-insurance") { fields { name enumValues } } }');
  const hospitals: string[] = dict.body.data.dataset.fields.find(
    (f: { name: string }) => f.name === 'hospital',
  ).enumValues;
  const expected = Object.fromEntries(
    hospitals.map((h) => {
      const g = byHospital.groups.find((x: Group) => x.key.hospital === h);
      return [h, g ? g.values.map((v: number, i: number) => [v, g.margins[i]]) : 'suppressed'];
    }),
  );
  expect(await shown(page)).toEqual(expected);
  expect(byHospital.groups.length).toBeGreaterThan(0);
  for (const g of byHospital.groups as Group[]) expect(g.margins.every((m) => m > 0)).toBe(true);
  const firstRow = page.locator('table.sandbox-results tbody tr:not([data-suppressed])').first();
  expect(await firstRow.innerText()).toMatch(/±[\d,.]+（95%）/);
  // The budget: what the page's (paying) answer said is left, as the free repeat says too
  expect(await page.locator('.budget').innerText()).toContain(`剩余 ε ${byHospital.privacy.departmentEpsilonLeft}`);
  expect(await page.locator('.privacy').innerText()).toContain('本次消耗 ε 2');
  // The chart: a canvas drawn by ECharts, one bar per group (suppressed ones without a bar)
  await page.locator('.chart canvas').first().waitFor();
  const bars = JSON.parse((await page.locator('.chart').getAttribute('data-bars'))!);
  expect(bars).toEqual(
    hospitals.map((h) => [h, byHospital.groups.find((x: Group) => x.key.hospital === h)?.values[0] ?? null]),
  );
  await expectNoSeriousAxeViolations(page);
  await screenshot(page, 'consumer-sandbox');

  // 2. The README tour's question: claims joined with MCA's own assistance payments on the ID number
  await page.getByRole('checkbox', { name: 'hospital', exact: true }).uncheck();
  await page.getByLabel(/^(关联数据集|Join a dataset)/).selectOption('subsidies');
  expect(await page.getByLabel(/^(关联字段|Join on)/).inputValue()).toBe('idNumber');
  await page.getByRole('button', { name: /^(添加统计量|Add a measure)$/ }).click();
  await page.locator('[data-measure="2"] select').nth(0).selectOption('SUM');
  await page.locator('[data-measure="2"] select').nth(1).selectOption('medical-insurance.claimAmount');
  await ask(page);
  const joined = await api({
    dataset: 'medical-insurance',
    join: { dataset: 'subsidies', on: 'idNumber' },
    measures: [{ fn: 'COUNT' }, { fn: 'SUM', field: 'medical-insurance.claimAmount' }],
  });
  expect(joined.privacy.cached).toBe(true);
  const whole = joined.groups[0];
  expect(await shown(page)).toEqual({
    全部: whole ? whole.values.map((v: number, i: number) => [v, whole.margins[i]]) : 'suppressed',
  });

  // 3. An exact question (INTERNAL registry, public dimensions): small groups are suppressed, not 0
  await page.getByLabel(/^(数据集|Dataset)/).selectOption('resident-registry');
  await page.getByRole('checkbox', { name: 'gender', exact: true }).check();
  await page.getByRole('checkbox', { name: 'ethnicity', exact: true }).check();
  await ask(page);
  const exact = await api({
    dataset: 'resident-registry',
    groupBy: ['gender', 'ethnicity'],
    measures: [{ fn: 'COUNT' }],
  });
  expect(exact.privacy.mode).toBe('EXACT');
  const table = await shown(page);
  expect(Object.keys(table)).toHaveLength(16); // 2 genders × 8 ethnicities, every combination listed
  const released = Object.fromEntries(
    exact.groups.map((g: Group) => [`${g.key.gender} · ${g.key.ethnicity}`, [[g.values[0], 0]]]),
  );
  for (const [label, cells] of Object.entries(table)) expect(cells).toEqual(released[label] ?? 'suppressed');
  expect(Object.values(table).filter((c) => c === 'suppressed').length).toBeGreaterThan(0);
  const suppressedRow = page.locator('table.sandbox-results tr[data-suppressed]').first();
  expect(await suppressedRow.innerText()).toContain('已抑制（少于 10 个主体，或没有）');
  expect(await suppressedRow.innerText()).not.toMatch(/\b0\b/);
  expect(await page.locator('.budget').innerText()).toContain('精确统计不消耗隐私预算');
  await expectNoSeriousAxeViolations(page);
  await screenshot(page, 'consumer-sandbox-suppressed');
});
