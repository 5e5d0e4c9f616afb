// The red/black lists page in a real browser against a real hub: an admin publishes a list through the
// API after quality runs; a consumer of another department sees it with the signature verified in the
// browser (key id shown), each entry with the figures behind it; then the GraphQL answer is tampered
// with on its way to the browser (one entry altered, in the signed body and beside it) and the page
// says the check failed, and why.
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

let hub: Hub;
let b: ConsoleBrowser;
let list: { id: string; period: string; departments: { dept: string; list: string; score: number | null }[] };

beforeAll(async () => {
  await buildConsole();
  [hub, b] = await Promise.all([startHub('pglite', { quality: true }), launch()]);
  const admin = await hub.token('PSB', ['admin']);
  for (const d of ['legal-persons', 'business-licences'])
    expect((await hub.gql(admin, `mutation { runQuality(dataset: "${d}") { id } }`)).body.errors).toBeUndefined();
  await pollUntil(
    () =>
      hub.gql(
        admin,
        `{ a: qualityReport(dataset: "legal-persons") { score }
           b: qualityReport(dataset: "business-licences") { score } }`,
      ),
    (r) => r.body.data?.a?.score != null && r.body.data?.b?.score != null,
    { timeoutMs: 240_000 },
  );
  const period = new Date().toISOString().slice(0, 7);
  const pub = await hub.gql(
    admin,
    `mutation { publishRedBlackList(period: "${period}") { id period departments { dept list score } } }`,
  );
  expect(pub.body.errors).toBeUndefined();
  list = pub.body.data.publishRedBlackList;
}, 300_000); // quality runs and a hub on a loaded 2-core machine
afterAll(async () => {
  await b?.close();
  await hub?.close();
});

it('a consumer sees the signed list verified in the browser, and a tampered answer as failed', async () => {
  const { page } = b;
  const nhc = await hub.token('NHC', ['consumer']);
  const key = (await hub.gql(nhc, '{ redBlackListPublicKey }')).body.data.redBlackListPublicKey;
  await signInDev(page, hub.gatewayUrl, 'NHC', 'consumer');
  await measureLoad(page, '/quality/lists', 'red/black lists (verified)');

  // The list just published is shown, current, with its signature verified here under the hub's key.
  await page.locator(`[data-shown-list="${list.id}"] [data-signature="verified"]`).waitFor();
  expect(await page.locator('[data-signature]').innerText()).toMatch(/签名有效|Signature verified/);
  expect(await page.locator('[data-key-id]').innerText()).toBe(key.jwk.kid);
  expect(await page.locator(`tr[data-list="${list.id}"]`).innerText()).toMatch(/现行|current/);
  // Each department with its placement, in words, and the figures behind it.
  const rows = page.locator('tr[data-placement]');
  expect(await rows.count()).toBe(list.departments.length);
  for (const d of list.departments) {
    const row = page.locator(`tr[data-dept="${d.dept}"]`);
    expect(await row.getAttribute('data-placement')).toBe(d.list);
    expect(await row.innerText()).toMatch(
      { red: /红榜|red list/, black: /黑榜|black list/, none: /未上榜|not listed/ }[d.list]!,
    );
  }
  const samr = await page.locator('tr[data-dept="SAMR"]').innerText();
  expect(samr).toMatch(/legal-persons：得分 [\d.]+|legal-persons: score [\d.]+/);
  expect(samr).toMatch(/未解决告警|unresolved alerts/);
  await expectNoSeriousAxeViolations(page);
  await screenshot(page, 'red-black-lists');

  // Tampered on the way: one entry moved to the other list, in the signed body and in the entries beside it.
  const target = list.departments[0];
  const flip = (l: string) => (l === 'black' ? 'red' : 'black');
  await page.route('**/graphql', async (route) => {
    if (!route.request().postData()?.includes('ConsoleRedBlackList(')) return route.continue();
    const res = await route.fetch();
    const json = await res.json();
    const shown = json.data.redBlackList;
    for (const d of [...shown.departments, ...shown.body.departments])
      if (d.dept === target.dept) d.list = flip(d.list);
    await route.fulfill({ response: res, json });
  });
  // A fresh sign-in (full load: nothing cached) so the list is fetched again, through the route.
  await signInDev(page, hub.gatewayUrl, 'NHC', 'consumer');
  await measureLoad(page, '/quality/lists', 'red/black lists (tampered)');
  await page.locator('[data-signature="failed"]').waitFor();
  const said = await page.locator('[data-signature]').innerText();
  expect(said).toMatch(/签名核验失败|Signature check failed/);
  expect(said).toContain('the list shown is not the one that was signed');
  // The altered entry is shown as received, marked unverified; never as verified.
  expect(await page.locator(`tr[data-dept="${target.dept}"]`).getAttribute('data-placement')).toBe(flip(target.list));
  expect(await page.locator('tbody.unverified').count()).toBe(1);
  await page.unroute('**/graphql');
});
