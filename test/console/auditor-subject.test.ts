// "Who accessed this person?" in a real browser against a real hub: MCA reads resident-registry; the
// auditor types one resident's idNumber (taken from the owner PSB's own read); the hub hashes it and
// MCA's read is listed. The idNumber is never on the page after the search, nor in the address.
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

let hub: Hub;
let b: ConsoleBrowser;
let idNumber: string;
let mcaSeq: number;
beforeAll(async () => {
  await buildConsole();
  [hub, b] = await Promise.all([startHub('pglite'), launch()]);
  // The owner's own read gives a real resident's idNumber (PSB holds resident-registry)
  const psb = await hub.token('PSB', ['consumer']);
  const own = await hub.gql(psb, '{ records(dataset: "resident-registry", first: 1) { nodes { key data } } }');
  expect(own.body.errors).toBeUndefined();
  idNumber = own.body.data.records.nodes[0].data.idNumber;
  expect(idNumber).toMatch(/^[0-9]{17}[0-9X]$/);
  // MCA reads the same first page (its keys masked for MCA; the log keeps their HMACs)
  const mca = await hub.token('MCA', ['consumer'], { sub: 'mca-caseworker' });
  const read = await hub.gql(mca, '{ records(dataset: "resident-registry", first: 5) { nodes { key } } }');
  expect(read.body.errors).toBeUndefined();
  const auditor = await hub.token('NHC', ['auditor']);
  const who = await hub.gql(
    auditor,
    'query ($id: String!) { auditSubjectAccess(identifier: $id) { nodes { seq action actor { dept sub } } } }',
    { id: idNumber },
  );
  expect(who.body.errors).toBeUndefined();
  const mine = who.body.data.auditSubjectAccess.nodes.filter((e: any) => e.actor.dept === 'MCA');
  expect(mine).toHaveLength(1);
  mcaSeq = mine[0].seq;
}, 300_000); // a hub and a browser boot: minutes on a loaded 2-core machine
afterAll(async () => {
  await b?.close();
  await hub?.close();
});

it('lists who read a resident’s records, without showing the identifier anywhere', async () => {
  const { page } = b;
  await signInDev(page, hub.gatewayUrl, 'NHC', 'auditor');
  await measureLoad(page, '/audit/subject', 'auditor subject');
  const input = page.getByLabel(/身份证号|Resident ID/);
  expect(await input.getAttribute('type')).toBe('password');
  await input.fill(idNumber);
  await page.getByRole('button', { name: /^(查询|Search)$/ }).click();
  const row = page.locator(`tbody tr[data-seq="${mcaSeq}"]`);
  await row.waitFor();
  expect(await row.innerText()).toContain('mca-caseworker');
  expect(await row.innerText()).toContain('records.read');
  expect(await row.innerText()).toContain('resident-registry');

  // Not echoed: not in the field, the page's HTML (attributes included), the address or the history
  expect(await input.inputValue()).toBe('');
  expect(await page.content()).not.toContain(idNumber);
  expect(page.url()).not.toContain(idNumber);
  expect(await page.evaluate(() => location.href + history.length)).not.toContain(idNumber);
  await expectNoSeriousAxeViolations(page);
  await screenshot(page, 'auditor-subject');
});
