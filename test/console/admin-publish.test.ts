// An admin publishes the month's red/black list from the console: the list is signed and stored (the
// API lists it, and its signature verifies), it appears on the page, and publishing the same month
// again is refused in words with its code.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifyPublication } from '@govshare/quality';
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

let hub: Hub;
let b: ConsoleBrowser;
beforeAll(async () => {
  await buildConsole();
  [hub, b] = await Promise.all([startHub('pglite', { quality: true }), launch()]);
}, 300_000);
afterAll(async () => {
  await b?.close();
  await hub?.close();
});

it('the admin publishes a signed list; it is listed by the API and on the page; a second one is refused', async () => {
  const { page } = b;
  const period = new Date().toISOString().slice(0, 7);
  const admin = await hub.token('PSB', ['admin']);
  const listed = async () =>
    (await hub.gql(admin, `{ redBlackLists(period: "${period}") { id supersededBy } }`)).body.data.redBlackLists;
  expect(await listed()).toEqual([]);

  await signInDev(page, hub.gatewayUrl, 'PSB', 'admin');
  await measureLoad(page, '/admin/publish', 'admin publish list');
  expect(await page.getByLabel(/榜单月份|Month of the list/).inputValue()).toBe(period);
  await page.getByRole('button', { name: /签名并发布|Sign and publish/ }).click();
  const done = page.locator('[data-published]');
  await done.waitFor();
  const id = (await done.getAttribute('data-published'))!;

  // Through the API: listed as the month's current list, and signed by the quality service's key.
  expect(await listed()).toEqual([{ id, supersededBy: null }]);
  const seen = await hub.gql(admin, 'query ($id: ID!) { redBlackList(id: $id) { body jws } redBlackListPublicKey }', {
    id,
  });
  const { body, jws } = seen.body.data.redBlackList;
  expect(await verifyPublication(body, jws, seen.body.data.redBlackListPublicKey.jwk)).toBe(true);
  // And on the page: the new list appears in the published lists.
  await page.locator(`tr[data-list="${id}"]`).waitFor();
  expect(await page.locator(`tr[data-list="${id}"]`).innerText()).toContain(period);
  await expectNoSeriousAxeViolations(page);
  await screenshot(page, 'admin-publish');

  // The same month again: CONFLICT, said on the page, nothing new stored.
  await page.getByRole('button', { name: /签名并发布|Sign and publish/ }).click();
  await page.locator('[role="alert"] .api-error-code').waitFor();
  expect(await page.locator('[role="alert"] .api-error-code').innerText()).toContain('CONFLICT');
  expect(await listed()).toEqual([{ id, supersededBy: null }]);
});
