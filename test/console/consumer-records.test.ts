// A consumer department (MCA) reads another department's INTERNAL registry in the browser: masked fields
// are marked and explained, the filter builder narrows exactly as the API does, the next page brings other
// rows, and the CSV export is the page on screen.
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
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

const RECORDS = `query ($fields: [String!], $where: RecordFilter, $after: String) {
  records(dataset: "resident-registry", fields: $fields, where: $where, first: 50, after: $after) {
    totalCount accessBasis maskedFields { field style } pageInfo { endCursor hasNextPage } nodes { key data } } }`;

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

it('MCA reads the resident registry: masked fields marked, filters narrow, pages turn, CSV is the page', async () => {
  const { page } = b;
  await signInDev(page, hub.gatewayUrl, 'MCA', 'consumer');
  expect(new URL(page.url()).pathname).toBe('/console/records');
  await measureLoad(page, '/records', 'consumer records (no dataset yet)');
  await page.getByLabel(/^(数据集|Dataset)/).selectOption('resident-registry');
  await page.locator('table.records').waitFor();
  await measureLoad(page, '/catalog/resident-registry/records', 'consumer records (resident-registry)');
  await page.locator('table.records').waitFor();

  const mca = await hub.token('MCA', ['consumer']);
  const api = async (vars: Record<string, unknown>) => {
    const res = await hub.gql(mca, RECORDS, vars);
    expect(res.body.errors).toBeUndefined();
    return res.body.data.records;
  };
  const keys = () =>
    page.locator('table.records tbody tr').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-key')));

  // Masked fields: marked in the header, explained below, as the API says
  const first = await api({});
  expect(first.accessBasis).toBe('internal');
  const maskedByApi = Object.fromEntries(
    first.maskedFields.map((m: { field: string; style: string }) => [m.field, m.style]),
  );
  expect(Object.keys(maskedByApi).sort()).toEqual(['address', 'idNumber', 'mobile', 'name']);
  const marked = await page
    .locator('table.records th[data-masked]')
    .evaluateAll((ths) =>
      Object.fromEntries(ths.map((th) => [th.getAttribute('data-column'), th.getAttribute('data-masked')])),
    );
  expect(marked).toEqual(maskedByApi);
  expect(await page.locator('th[data-column="name"]').innerText()).toContain('部分脱敏');
  expect(await page.locator('th[data-column="gender"]').innerText()).not.toContain('脱敏');
  expect(await page.locator('li[data-masked-field="idNumber"]').innerText()).toContain('内部数据对其他部门脱敏');
  expect(await page.locator('[data-access]').getAttribute('data-access')).toBe('MASKED');
  expect(await page.locator('[data-access]').innerText()).toContain('脱敏访问');
  expect(await keys()).toEqual(first.nodes.map((n: { key: string }) => n.key));
  // A masked field cannot be filtered on: the builder offers it disabled
  await page.getByRole('button', { name: /^(添加条件|Add a filter)$/ }).click();
  expect(await page.locator('[data-condition="1"] select').first().locator('option[value="name"]').isDisabled()).toBe(
    true,
  );

  // Field picker and filter builder: women registered since 2010 (more than a page), four fields
  for (const f of ['birthDate', 'address', 'mobile', 'ethnicity'])
    await page.getByRole('checkbox', { name: f, exact: true }).uncheck();
  const c1 = page.locator('[data-condition="1"]');
  await c1.locator('select').nth(0).selectOption('gender');
  await c1.locator('select').nth(1).selectOption('eq');
  await c1.locator('select').nth(2).selectOption('女');
  await page.getByRole('button', { name: /^(添加条件|Add a filter)$/ }).click();
  const c2 = page.locator('[data-condition="2"]');
  await c2.locator('select').nth(0).selectOption('registeredOn');
  await c2.locator('select').nth(1).selectOption('gte');
  expect(await c2.locator('input').getAttribute('type')).toBe('date');
  await c2.locator('input').fill('2010-01-01');
  await page.getByRole('button', { name: /^(查询|Query)$/ }).click();
  await page.locator('[role="status"].count', { hasText: '第 1 页' }).waitFor();
  const fields = ['idNumber', 'name', 'gender', 'registeredOn'];
  const where = {
    and: [
      { field: 'gender', eq: '女' },
      { field: 'registeredOn', gte: '2010-01-01' },
    ],
  };
  const narrowed = await api({ fields, where });
  expect(narrowed.totalCount).toBeLessThan(first.totalCount);
  await expect.poll(keys).toEqual(narrowed.nodes.map((n: { key: string }) => n.key));
  expect(await page.locator('[role="status"].count').innerText()).toContain(`共 ${narrowed.totalCount} 条`);
  const columns = await page
    .locator('table.records thead th')
    .evaluateAll((ths) => ths.map((th) => th.getAttribute('data-column')));
  expect(columns).toEqual(fields);
  const genders = await page.locator('table.records tbody tr td:nth-child(3)').allInnerTexts();
  expect(new Set(genders)).toEqual(new Set(['女']));
  await expectNoSeriousAxeViolations(page);
  await screenshot(page, 'consumer-records');

  // The next page: other rows, the API's second page
  expect(narrowed.pageInfo.hasNextPage).toBe(true);
  const page1 = await keys();
  await page.getByRole('button', { name: /^(下一页|Next page)$/ }).click();
  await page.locator('table.records[data-page="2"]').waitFor();
  const second = await api({ fields, where, after: narrowed.pageInfo.endCursor });
  await expect.poll(keys).toEqual(second.nodes.map((n: { key: string }) => n.key));
  const page2 = await keys();
  expect(page2.filter((k) => page1.includes(k))).toEqual([]);

  // CSV of the page on screen: the header is the columns, each row the cells as shown (masked)
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: /^(导出本页为 CSV|Export this page as CSV)$/ }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('resident-registry-page-2.csv');
  const csv = readFileSync((await download.path())!, 'utf8');
  const rows: string[][] = parse(csv, { bom: true });
  const shown = await page
    .locator('table.records tbody tr')
    .evaluateAll((rs) => rs.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
  expect(rows[0]).toEqual(fields);
  expect(rows.slice(1)).toEqual(shown);
  expect(rows.slice(1)).toEqual(
    second.nodes.map((n: { data: Record<string, string> }) => fields.map((f) => n.data[f])),
  );
  expect(rows[1][0]).toMatch(/\*{4,}/); // the ID number as masked on screen, not in clear

  // Previous: back to the first page
  await page.getByRole('button', { name: /^(上一页|Previous page)$/ }).click();
  await page.locator('table.records[data-page="1"]').waitFor();
  await expect.poll(keys).toEqual(page1);

  // A bad value is refused in words naming the filter, the field and the rule, before any request
  await page.getByRole('button', { name: /^(添加条件|Add a filter)$/ }).click();
  await page.locator('[data-condition="3"] select').nth(0).selectOption('registeredOn');
  await page.getByRole('button', { name: /^(查询|Query)$/ }).click();
  expect(await page.locator('[role="alert"]').innerText()).toContain('条件 3（registeredOn）');
  expect(await page.locator('[role="alert"]').innerText()).toContain('value-required');
});
