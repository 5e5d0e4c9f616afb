// A consumer department (SAMR) files an access request on HRSS's social insurance in the browser, picking
// fields from the data dictionary; the API shows it filed as asked; the assigned HRSS steward approves it
// narrower through the API; "my requests" then shows the decision, the grant and the history.
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

const READ = `query ($id: ID!) { accessRequest(id: $id) {
  id datasetId requesterDept status purpose legalBasis durationDays unmaskedFields assignee
  fields { name type } } }`;
const APPROVE = `mutation ($id: ID!, $key: String, $input: ApproveAccessInput) {
  approveAccessRequest(id: $id, idempotencyKey: $key, input: $input) { status grant { id } } }`;

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

it('SAMR files a request in the browser; the steward decides by the API; the page shows the decision', async () => {
  const { page } = b;
  await signInDev(page, hub.gatewayUrl, 'SAMR', 'consumer', 'samr-analyst-wang');
  await measureLoad(page, '/requests/new', 'consumer new request');
  // Only other departments' RESTRICTED datasets are offered
  const offered = await page
    .locator('select[name="dataset"] option:not([disabled])')
    .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  expect(offered).toContain('social-insurance');
  expect(offered).not.toContain('medical-insurance'); // SECRET: the sandbox, not a request
  expect(offered).not.toContain('resident-registry'); // INTERNAL: readable masked already
  await page.getByLabel(/^(数据集|Dataset)/).selectOption('social-insurance');
  await page.getByLabel(/^(用途|Purpose)/).fill('企业参保合规核查');
  await page.getByLabel(/^(法律依据|Legal basis)/).fill('社会保险法 第八十一条');
  const requested = page.getByRole('group', { name: /申请的字段|Fields requested/ });
  for (const f of ['name', 'insuranceType', 'status', 'startDate'])
    await requested.getByRole('checkbox', { name: f }).check();
  await page
    .getByRole('group', { name: /申请不脱敏的字段|Fields wanted unmasked/ })
    .getByRole('checkbox', { name: 'name' })
    .check();
  await page.getByLabel(/^(期限|Duration)/).fill('60');
  // The dictionary check ran on the fields picked
  await page
    .getByRole('status')
    .filter({ hasText: /字段与数据字典一致|match the data dictionary/ })
    .waitFor();
  await expectNoSeriousAxeViolations(page);
  await page.getByRole('button', { name: /^(提交申请|File the request)$/ }).click();
  await page.waitForURL((u) => u.pathname === '/console/requests' && u.searchParams.has('filed'));
  const id = new URL(page.url()).searchParams.get('filed')!;
  const row = page.locator(`tr[data-request="${id}"]`);
  await row.waitFor();
  expect(await row.locator('[data-status]').getAttribute('data-status')).toBe('PENDING');

  // Through the API: filed by SAMR with those fields
  const samr = await hub.token('SAMR', ['consumer']);
  const filed = (await hub.gql(samr, READ, { id })).body.data.accessRequest;
  expect(filed).toMatchObject({
    datasetId: 'social-insurance',
    requesterDept: 'SAMR',
    status: 'PENDING',
    purpose: '企业参保合规核查',
    legalBasis: '社会保险法 第八十一条',
    durationDays: 60,
    unmaskedFields: ['name'],
  });
  expect(filed.fields.map((f: { name: string }) => f.name).sort()).toEqual([
    'insuranceType',
    'name',
    'startDate',
    'status',
  ]);
  expect(filed.assignee).toMatch(/^hrss-steward-/);
  expect(await row.innerText()).toContain(filed.assignee);

  // The assigned steward approves narrower through the API
  const steward = await hub.token('HRSS', ['steward'], { sub: filed.assignee });
  const approved = await hub.gql(steward, APPROVE, {
    id,
    key: crypto.randomUUID(),
    input: {
      fields: ['insuranceType', 'status'],
      unmaskedFields: [],
      durationDays: 20,
      note: '姓名不在核查所需范围内',
    },
  });
  expect(approved.body.errors).toBeUndefined();
  const grantId = approved.body.data.approveAccessRequest.grant.id;

  // The page shows the decision, its note, the grant and the history
  await measureLoad(page, '/requests', 'consumer my requests');
  await expect.poll(() => row.locator('[data-status]').getAttribute('data-status')).toBe('APPROVED');
  const decision = await row.locator('[data-decision]').innerText();
  expect(decision).toContain('批准字段 insuranceType, status');
  expect(decision).toContain('不脱敏 无');
  expect(decision).toContain('20 天');
  expect(decision).toContain('姓名不在核查所需范围内');
  expect(decision).toContain(grantId);
  expect(decision).toContain('有效');
  const kinds = await row.locator('[data-kind]').evaluateAll((lis) => lis.map((l) => l.getAttribute('data-kind')));
  expect(kinds[0]).toBe('filed');
  expect(kinds.at(-1)).toBe('approved');
  expect(await row.locator('[data-deadline-status]').getAttribute('data-deadline-status')).toBe('CLOSED');
  await expectNoSeriousAxeViolations(page);
  await screenshot(page, 'consumer-requests');
});
