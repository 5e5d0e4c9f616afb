// Issue 13's "done means", in a real browser against a real hub: a consumer department files an access
// request; the owning steward signs in through the dev sign-in page, finds it in the inbox with its
// deadline colour, approves it narrower (and rejects another with a reason code) without writing a
// query; the API then shows the decisions took effect.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHub, type Hub } from '../hub.ts';
import {
  buildConsole,
  type ConsoleBrowser,
  expectNoSeriousAxeViolations,
  launch,
  measureLoad,
  screenshot,
  signInDev,
} from './browser.ts';

const FILE = `mutation ($input: FileAccessRequestInput!) {
  fileAccessRequest(input: $input) { id assignee deadlineStatus ownerDept } }`;
const READ = `query ($id: ID!) { accessRequest(id: $id) {
  status decision { fields unmaskedFields durationDays } rejectReason rejectText
  grant { fields unmaskedFields active expiresAt } } }`;

let hub: Hub;
let b: ConsoleBrowser;
const filed: { id: string; assignee: string; deadlineStatus: string }[] = [];
beforeAll(async () => {
  await buildConsole();
  [hub, b] = await Promise.all([startHub('pglite'), launch()]);
  const samr = await hub.token('SAMR', ['consumer']);
  for (const purpose of ['employer compliance check', 'subsidy eligibility review']) {
    const res = await hub.gql(samr, FILE, {
      input: {
        datasetId: 'social-insurance',
        purpose,
        legalBasis: '社会保险法 第八十一条',
        fields: [{ name: 'idNumber', type: 'string' }, { name: 'name' }, { name: 'insuranceType' }, { name: 'status' }],
        unmaskedFields: ['name'],
        durationDays: 30,
      },
    });
    expect(res.body.errors).toBeUndefined();
    filed.push(res.body.data.fileAccessRequest);
  }
  // The hub assigns by load (maybe two stewards): the second is handed to the first one's steward.
  expect(filed[0].assignee).toMatch(/^hrss-steward-/);
  if (filed[1].assignee !== filed[0].assignee) {
    const theirs = await hub.token('HRSS', ['steward'], { sub: filed[1].assignee });
    const moved = await hub.gql(
      theirs,
      'mutation ($id: ID!, $to: String!) { transferAccessRequest(id: $id, to: $to, reason: "test") { assignee } }',
      { id: filed[1].id, to: filed[0].assignee },
    );
    expect(moved.body.data?.transferAccessRequest.assignee).toBe(filed[0].assignee);
  }
});
afterAll(async () => {
  await b?.close();
  await hub?.close();
});

it('the steward answers an access request in the browser, narrower, and the grant is as decided', async () => {
  const { page } = b;
  const [approveMe, rejectMe] = filed;
  await signInDev(page, hub.gatewayUrl, 'HRSS', 'steward', approveMe.assignee);
  expect(new URL(page.url()).pathname).toBe('/console/steward/requests');
  await measureLoad(page, '/steward/requests', 'steward inbox');

  // The request is listed with its deadline colour, sorted by deadline
  const row = page.locator(`tr[data-request="${approveMe.id}"]`);
  await row.waitFor();
  const chip = row.locator('[data-deadline-status]');
  expect(await chip.getAttribute('data-deadline-status')).toBe(approveMe.deadlineStatus);
  const green = 'rgb(20, 108, 46)';
  if (approveMe.deadlineStatus === 'GREEN') expect(await chip.evaluate((e) => getComputedStyle(e).color)).toBe(green);
  const deadlines = await page
    .locator('tbody tr[data-request] [data-deadline-status] .sub')
    .evaluateAll((els) => els.map((e) => e.textContent));
  expect(deadlines.length).toBeGreaterThanOrEqual(2);
  await expectNoSeriousAxeViolations(page);
  await screenshot(page, 'steward-inbox');

  // Open it; approve narrower: without idNumber, name no longer unmasked, 10 days instead of 30
  await row.getByRole('link').click();
  await page.locator('[data-ready]').waitFor();
  await page.getByRole('checkbox', { name: 'idNumber' }).uncheck();
  await page
    .getByRole('group', { name: /批准不脱敏的字段|Fields approved unmasked/ })
    .getByRole('checkbox', { name: 'name' })
    .uncheck();
  await page.getByLabel(/授权天数|Days granted/).fill('10');
  await expectNoSeriousAxeViolations(page);
  await screenshot(page, 'steward-request');
  await page.getByRole('button', { name: /^(批准|Approve)$/ }).click();
  await page.locator('[data-outcome="APPROVED"]').waitFor();
  expect(await page.locator('[data-outcome]').innerText()).toContain('insuranceType');

  const token = await hub.token('HRSS', ['steward'], { sub: approveMe.assignee });
  const approved = (await hub.gql(token, READ, { id: approveMe.id })).body.data.accessRequest;
  expect(approved.status).toBe('APPROVED');
  expect([...approved.decision.fields].sort()).toEqual(['insuranceType', 'name', 'status']);
  expect(approved.decision.unmaskedFields).toEqual([]);
  expect(approved.decision.durationDays).toBe(10);
  expect(approved.grant.active).toBe(true);
  expect([...approved.grant.fields].sort()).toEqual(['insuranceType', 'name', 'status']);
  // And SAMR may now read those fields only (masked name)
  const samr = await hub.token('SAMR', ['consumer']);
  const read = await hub.gql(samr, '{ records(dataset: "social-insurance", first: 1) { nodes { data } } }');
  expect(read.body.errors).toBeUndefined();
  expect(Object.keys(read.body.data.records.nodes[0].data).sort()).toEqual(['insuranceType', 'name', 'status']);

  // The other one: rejected with a reason code
  await measureLoad(page, `/steward/requests/${encodeURIComponent(rejectMe.id)}`, 'steward request');
  await page.getByLabel(/^(驳回理由|Reason)/).selectOption('NO_LEGAL_BASIS');
  await page.getByLabel(/^(说明|Explanation)$/).fill('法律依据不适用于补贴审核');
  await page.getByRole('button', { name: /^(驳回|Reject)$/ }).click();
  await page.locator('[data-outcome="REJECTED"]').waitFor();
  const rejected = (await hub.gql(token, READ, { id: rejectMe.id })).body.data.accessRequest;
  expect(rejected).toMatchObject({ status: 'REJECTED', rejectReason: 'NO_LEGAL_BASIS', grant: null });
  expect(rejected.rejectText).toBe('法律依据不适用于补贴审核');

  // An API error is shown in words with its code, not a blank page
  await measureLoad(page, '/steward/requests/no-such-request', 'steward request (error)');
  await page.locator('[role="alert"] .api-error-code').waitFor();
  expect(await page.locator('[role="alert"] .api-error-code').innerText()).toMatch(/NOT_FOUND|BAD_USER_INPUT/);
});
