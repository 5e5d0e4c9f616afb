// Open audit alerts reviewed in a real browser against a real hub: a consumer's repeated denials raise
// an alert; the auditor reviews it (conclusion and note) in the page; the API then shows the review,
// by that auditor, and the review itself in the log.
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

const ALERTS = `query ($status: AuditAlertStatus) { auditAlerts(status: $status) {
  nodes { id kind sub dept review { outcome note reviewer { sub dept } } } } }`;

let hub: Hub;
let b: ConsoleBrowser;
let auditor: string;
let alertId: string;
beforeAll(async () => {
  await buildConsole();
  [hub, b] = await Promise.all([startHub('pglite'), launch()]);
  const prober = await hub.token('SAMR', ['consumer'], { sub: 'samr-prober' });
  for (let i = 0; i < 5; i++)
    expect(codes((await hub.gql(prober, '{ records(dataset: "medical-insurance") { totalCount } }')).body)).toEqual([
      'FORBIDDEN',
    ]);
  auditor = await hub.token('NHC', ['auditor'], { sub: 'nhc-inspector' });
  // Alerts are evaluated after the commit, off the request path: wait until it is raised.
  for (let i = 0; i < 200 && !alertId; i++) {
    const open = (await hub.gql(auditor, ALERTS, { status: 'open' })).body.data.auditAlerts.nodes;
    alertId = open.find((a: any) => a.sub === 'samr-prober' && a.kind === 'repeated_denials')?.id;
    if (!alertId) await new Promise((r) => setTimeout(r, 100));
  }
  expect(alertId).toBeDefined();
}, 300_000); // a hub and a browser boot: minutes on a loaded 2-core machine
afterAll(async () => {
  await b?.close();
  await hub?.close();
});

it('reviews an open alert in the browser; the API shows the review', async () => {
  const { page } = b;
  await signInDev(page, hub.gatewayUrl, 'NHC', 'auditor', 'nhc-inspector');
  await measureLoad(page, '/audit/alerts', 'auditor alerts');
  const row = page.locator(`tr[data-alert="${alertId}"]`);
  await row.waitFor();
  expect(await row.innerText()).toContain('repeated_denials');
  expect(await row.innerText()).toContain('samr-prober');
  expect(await row.innerText()).toMatch(/待复核|open/);

  await row.getByRole('button', { name: /复核|Review/ }).click();
  await page.getByLabel(/^(复核结论|Conclusion)/).selectOption('false_positive');
  const note = '核实为批量核验脚本配置错误，已通知 SAMR';
  await page.getByLabel(/复核说明|Note/).fill(note);
  await expectNoSeriousAxeViolations(page);
  await screenshot(page, 'auditor-alerts');
  await page.getByRole('button', { name: /^(提交复核|Submit review)$/ }).click();
  await page.locator(`[data-reviewed="${alertId}"]`).waitFor();
  // The open list no longer holds it
  await row.waitFor({ state: 'detached' });

  const reviewed = (await hub.gql(auditor, ALERTS, { status: 'reviewed' })).body.data.auditAlerts.nodes;
  expect(reviewed.find((a: any) => a.id === alertId)).toMatchObject({
    review: { outcome: 'false_positive', note, reviewer: { sub: 'nhc-inspector', dept: 'NHC' } },
  });
  const open = (await hub.gql(auditor, ALERTS, { status: 'open' })).body.data.auditAlerts.nodes;
  expect(open.map((a: any) => a.id)).not.toContain(alertId);
  const logged = await hub.gql(
    auditor,
    '{ auditEvents(filter: { action: "audit.reviewAlert", sub: "nhc-inspector" }) { nodes { outcome } } }',
  );
  expect(logged.body.data.auditEvents.nodes).toEqual([{ outcome: 'allowed' }]);

  // The reviewed list shows the conclusion in words
  await page.getByLabel(/^(状态|Status)/).selectOption('reviewed');
  const done = page.locator(`tr[data-alert="${alertId}"]`);
  await done.waitFor();
  expect(await done.innerText()).toContain(note);
});
