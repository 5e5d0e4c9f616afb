// An admin manages grants and tokens from the console: creates a grant (dataset, department, fields,
// unmasked fields, purpose, expiry), the grantee's read then returns those fields; revokes it with a
// reason, the grantee's read is refused again (and the reason is in the audit log); revokes a token
// by its jti, that token is refused from then on.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { codes, startHub, type Hub } from '../hub.ts';
import {
  buildConsole,
  type ConsoleBrowser,
  expectNoSeriousAxeViolations,
  launch,
  measureLoad,
  screenshot,
  signInDev,
} from './browser.ts';

const READ =
  '{ records(dataset: "social-insurance", first: 1) { accessBasis grantId maskedFields { field } nodes { data } } }';

let hub: Hub;
let b: ConsoleBrowser;
beforeAll(async () => {
  await buildConsole();
  [hub, b] = await Promise.all([startHub('pglite'), launch()]);
}, 300_000); // a build and a hub on a loaded 2-core machine
afterAll(async () => {
  await b?.close();
  await hub?.close();
});

it('the admin creates and revokes a grant and revokes a token; the grantee’s reads follow', async () => {
  const { page } = b;
  const samr = await hub.token('SAMR', ['consumer']);
  expect(codes((await hub.gql(samr, READ)).body)).toEqual(['FORBIDDEN']);

  await signInDev(page, hub.gatewayUrl, 'PSB', 'admin');
  await measureLoad(page, '/admin/grants', 'admin grants');
  await page.getByRole('option', { name: /social-insurance/ }).waitFor({ state: 'attached' });
  expect(await page.locator('[role="alert"]').allInnerTexts()).toEqual([]);
  const form = page.getByRole('form', { name: /新建授权|New grant/ });
  await form.getByLabel(/^(数据集|Dataset)/).selectOption('social-insurance');
  await form.getByLabel(/被授权部门|Grantee department/).selectOption('SAMR');
  const granted = form.getByRole('group', { name: /授权字段|Fields granted/ });
  for (const f of ['name', 'insuranceType', 'status']) await granted.getByRole('checkbox', { name: f }).check();
  await form
    .getByRole('group', { name: /不脱敏的字段|Fields unmasked/ })
    .getByRole('checkbox', { name: 'name' })
    .check();
  await form.getByLabel(/^(用途|Purpose)$/).fill('企业年报核查');
  const expiry = new Date(Date.now() + 20 * 86_400_000);
  const two = (n: number) => String(n).padStart(2, '0');
  const day = `${expiry.getFullYear()}-${two(expiry.getMonth() + 1)}-${two(expiry.getDate())}`;
  await form.getByLabel(/到期日期|Expiry date/).fill(day);
  await form.getByRole('button', { name: /创建授权|Create grant/ }).click();
  const made = page.locator('[data-created]');
  await made.waitFor();
  const id = (await made.getAttribute('data-created'))!;

  // Through the API: the grant is as entered, and SAMR now reads those fields, name unmasked.
  const admin = await hub.token('PSB', ['admin']);
  const grants = (
    await hub.gql(admin, '{ grants { id datasetId granteeDept fields unmaskedFields purpose expiresAt active } }')
  ).body.data.grants;
  const g = grants.find((x: any) => x.id === id);
  expect(g).toMatchObject({
    datasetId: 'social-insurance',
    granteeDept: 'SAMR',
    unmaskedFields: ['name'],
    purpose: '企业年报核查',
    active: true,
  });
  expect([...g.fields].sort()).toEqual(['insuranceType', 'name', 'status']);
  const [y, m, d] = day.split('-').map(Number);
  expect(g.expiresAt).toBe(new Date(y, m - 1, d + 1).toISOString()); // to the end of the picked day
  const read = (await hub.gql(samr, READ)).body;
  expect(read.errors).toBeUndefined();
  expect(read.data.records).toMatchObject({ accessBasis: 'grant', grantId: id });
  expect(Object.keys(read.data.records.nodes[0].data).sort()).toEqual(['insuranceType', 'name', 'status']);
  expect(read.data.records.maskedFields.map((f: any) => f.field)).not.toContain('name');

  // The list shows it as active; revoke it with a reason.
  const row = page.locator(`tr[data-grant="${id}"]`);
  await row.waitFor();
  expect(await row.getAttribute('data-state')).toBe('active');
  expect(await row.innerText()).toMatch(/有效|active/);
  expect(await page.locator('tr[data-grant]').first().getAttribute('data-grant')).toBe(id); // newest first
  await expectNoSeriousAxeViolations(page);
  await page.getByLabel(/^(显示|Show)/).selectOption('active');
  await screenshot(page, 'admin-grants');
  expect(await page.locator('tr[data-grant]:not([data-state="active"])').count()).toBe(0);
  await page.getByLabel(/^(显示|Show)/).selectOption('all');
  // A blank reason is refused, naming the field; the grant stays.
  const blank = await hub.gql(admin, 'mutation ($id: ID!) { revokeGrant(id: $id, reason: " ") { id } }', { id });
  expect(codes(blank.body)).toEqual(['BAD_USER_INPUT']);
  expect(blank.body.errors[0].message).toBe('reason: must not be empty');
  await row.getByRole('button', { name: /撤销授权|Revoke grant/ }).click();
  await row.getByLabel(/撤销理由|Reason for revoking/).fill('核查已完成');
  await row.getByRole('button', { name: /确认撤销|Revoke it/ }).click();
  await page.locator(`tr[data-grant="${id}"][data-state="revoked"]`).waitFor();
  expect(await row.innerText()).toMatch(/已撤销|revoked/);
  // The grantee's read is refused again; the grant is revoked; the reason is in the audit log.
  expect(codes((await hub.gql(samr, READ)).body)).toEqual(['FORBIDDEN']);
  const after = (await hub.gql(admin, '{ grants { id active revokedAt } }')).body.data.grants.find(
    (x: any) => x.id === id,
  );
  expect(after.active).toBe(false);
  expect(after.revokedAt).toEqual(expect.any(String));
  const auditor = await hub.token('PSB', ['auditor']);
  const events = await hub.gql(
    auditor,
    '{ auditEvents(filter: { action: "grants.revoke" }, first: 10) { nodes { grantId reason outcome } } }',
  );
  expect(events.body.data.auditEvents.nodes).toContainEqual({ grantId: id, reason: '核查已完成', outcome: 'allowed' });
  // The state filter: revoked only.
  await page.getByLabel(/^(显示|Show)/).selectOption('revoked');
  await expect(
    page.locator('tr[data-grant]').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-state'))),
  ).resolves.toEqual(expect.arrayContaining(['revoked']));
  expect(await page.locator('tr[data-grant]:not([data-state="revoked"])').count()).toBe(0);

  // A token revoked by its jti is refused from then on.
  const jti = `console-test-${Date.now()}`;
  const theirs = await hub.token('MCA', ['consumer'], { jti });
  expect((await hub.gql(theirs, '{ me { dept } }')).body.data.me.dept).toBe('MCA');
  await page.getByLabel(/令牌编号|Token id/).fill(jti);
  await page.getByLabel(/^(撤销理由|Reason)$/).fill('设备遗失');
  await page.getByRole('button', { name: /^(撤销令牌|Revoke token)$/ }).click();
  await page.locator(`[data-token-revoked="${jti}"]`).waitFor();
  const refused = await hub.gql(theirs, '{ me { dept } }');
  expect(refused.status).toBe(401);
  expect(refused.body.errors[0].message).toMatch(/revoked/);
});
