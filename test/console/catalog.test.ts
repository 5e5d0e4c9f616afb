// The catalog in a real browser against a real hub: filters narrow the list (on the demo data), the
// data dictionary shows sensitivity and masks; axe; screenshots; load times.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHub, type Hub } from '../hub.ts';
import {
  buildConsole,
  type ConsoleBrowser,
  expectNoSeriousAxeViolations,
  launch,
  measureFirstLoad,
  measureLoad,
  screenshot,
  signInDev,
} from './browser.ts';

let hub: Hub;
let b: ConsoleBrowser;
beforeAll(async () => {
  await buildConsole();
  [hub, b] = await Promise.all([startHub('pglite'), launch()]);
});
afterAll(async () => {
  await b?.close();
  await hub?.close();
});

const listed = async () =>
  (
    await b.page
      .locator('tbody tr[data-dataset]')
      .evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.dataset))
  ).sort();

it('search filters narrow the catalog; the dictionary shows sensitivity and masks', async () => {
  const { page } = b;
  await measureFirstLoad(page, `${hub.gatewayUrl}/`, 'sign-in (first load)');
  await signInDev(page, hub.gatewayUrl, 'MCA', 'consumer');
  // A consumer lands on its first page in the navigation (query records); the catalog is one click away.
  expect(new URL(page.url()).pathname).toBe('/console/records');
  await measureLoad(page, '/catalog', 'catalog');

  const api = await hub.gql(
    await hub.token('MCA', ['consumer']),
    '{ datasets(first: 100) { nodes { id ownerDept tier fields { name } } } }',
  );
  const all: { id: string; ownerDept: string; tier: string; fields: { name: string }[] }[] =
    api.body.data.datasets.nodes;
  expect(await listed()).toEqual(all.map((d) => d.id).sort());
  await expectNoSeriousAxeViolations(page);
  await screenshot(page, 'catalog');

  // By department: only HRSS's datasets
  await page.getByLabel(/^(提供部门|Owner department)/).selectOption('HRSS');
  await page.getByRole('button', { name: /^(查询|Search)$/ }).click();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('dept') === 'HRSS');
  await expect.poll(listed).toEqual(
    all
      .filter((d) => d.ownerDept === 'HRSS')
      .map((d) => d.id)
      .sort(),
  );
  expect((await listed()).length).toBeLessThan(all.length);

  // By tier as well
  await page.getByLabel(/^(提供部门|Owner department)/).selectOption('');
  await page.getByLabel(/^(共享类型|Tier)/).selectOption('RESTRICTED');
  await page.getByRole('button', { name: /^(查询|Search)$/ }).click();
  const restricted = all
    .filter((d) => d.tier === 'RESTRICTED')
    .map((d) => d.id)
    .sort();
  expect(restricted.length).toBeGreaterThan(0);
  await expect.poll(listed).toEqual(restricted);

  // By field name: the datasets having an idNumber field
  await page.getByLabel(/^(共享类型|Tier)/).selectOption('');
  // ...from the keyboard: type in the field, Enter submits the form
  await page.getByLabel(/^(字段名|Field name)/).focus();
  await page.keyboard.type('idNumber');
  await page.keyboard.press('Enter');
  const withId = all
    .filter((d) => d.fields.some((f) => f.name.toLowerCase().includes('idnumber')))
    .map((d) => d.id)
    .sort();
  expect(withId.length).toBeGreaterThan(0);
  expect(withId.length).toBeLessThan(all.length);
  await expect.poll(listed).toEqual(withId);

  // By words in the title
  await page.getByRole('button', { name: /^(清除|Clear)$/ }).click();
  await expect.poll(listed).toEqual(all.map((d) => d.id).sort());

  // The dictionary of resident-registry: personal fields with their masks, as the API declares them
  await measureLoad(page, '/catalog/resident-registry', 'dataset dictionary');
  const ds = await hub.gql(
    await hub.token('MCA', ['consumer']),
    '{ dataset(id: "resident-registry") { fields { name sensitivity mask isKey } versions { version fields { name } } } }',
  );
  const fields: { name: string; sensitivity: string; mask: string | null; isKey: boolean }[] =
    ds.body.data.dataset.fields;
  expect(fields.some((f) => f.mask)).toBe(true);
  for (const f of fields) {
    const row = page.locator(`tr[data-field="${f.name}"]`);
    await expect.poll(() => row.locator('[data-sensitivity]').getAttribute('data-sensitivity')).toBe(f.sensitivity);
    expect(await row.locator('[data-mask]').getAttribute('data-mask')).toBe(f.mask ?? 'none');
  }
  const masked = fields.find((f) => f.mask)!;
  await expect
    .poll(() => page.locator(`tr[data-field="${masked.name}"]`).innerText())
    .toMatch(/哈希|部分遮盖|整体隐去/);
  // Its version history: one row per version the API lists, newest first; the first says how many fields it had
  const versions: { version: number; fields: unknown[] }[] = ds.body.data.dataset.versions;
  expect(versions.length).toBeGreaterThan(0);
  await expect
    .poll(() => page.locator('tr[data-version]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-version'))))
    .toEqual(versions.map((v) => String(v.version)).sort((x, y) => Number(y) - Number(x)));
  const oldest = versions.reduce((a, v) => (v.version < a.version ? v : a));
  expect(await page.locator(`tr[data-version="${oldest.version}"]`).innerText()).toContain(
    `首版，${oldest.fields.length} 个字段`,
  );
  await expectNoSeriousAxeViolations(page);
  await screenshot(page, 'dataset-dictionary');

  // English switch: the same page in English
  await page.getByLabel(/^(语言|Language)/).selectOption('en');
  await expect(page.getByRole('heading', { name: 'Data dictionary' })).toBeDefined();
  await page.getByRole('heading', { name: 'Data dictionary' }).waitFor();
});
