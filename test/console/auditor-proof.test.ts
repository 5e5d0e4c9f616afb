// The log's state and one event's inclusion, checked in a real browser (WebCrypto) against a real
// hub: a real event verifies to the signed root; answers altered on the way (Playwright page.route,
// one byte flipped in the event, the proof or the checkpoint's signature) are refused with their reason.
import { type FieldNode, Kind, parse, type SelectionSetNode } from 'graphql';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ConsoleAuditEventBySeqDocument } from '../../console/src/gql/graphql.ts';
import { AUDIT_EVENT_LEAF_FIELDS } from '../../console/src/verify/index.ts';
import { startHub, type Hub } from '../hub.ts';
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

let hub: Hub;
let b: ConsoleBrowser;
let seq: number;
beforeAll(async () => {
  await buildConsole();
  [hub, b] = await Promise.all([startHub('pglite'), launch()]);
  const mca = await hub.token('MCA', ['consumer'], { sub: 'mca-caseworker' });
  const read = await hub.gql(mca, '{ records(dataset: "resident-registry", first: 3) { nodes { key } } }');
  expect(read.body.errors).toBeUndefined();
  const auditor = await hub.token('NHC', ['auditor']);
  const found = await hub.gql(
    auditor,
    '{ auditEvents(filter: { dept: "MCA", action: "records.read" }, first: 1) { nodes { seq subjectKeys } } }',
  );
  expect(found.body.errors).toBeUndefined();
  seq = found.body.data.auditEvents.nodes[0].seq;
  expect(found.body.data.auditEvents.nodes[0].subjectKeys.length).toBeGreaterThan(0);
}, 300_000); // a hub and a browser boot: minutes on a loaded 2-core machine
afterAll(async () => {
  await b?.close();
  await hub?.close();
});

/** Field paths of a selection (actor.sub …), to compare the page's document with the verifier's list. */
const paths = (set: SelectionSetNode | undefined, at = ''): string[] =>
  (set?.selections ?? [])
    .filter((s): s is FieldNode => s.kind === Kind.FIELD)
    .flatMap((f) => (f.selectionSet ? paths(f.selectionSet, `${at}${f.name.value}.`) : [`${at}${f.name.value}`]))
    .sort();

it('asks for every field the leaf is rebuilt from', () => {
  const op = ConsoleAuditEventBySeqDocument.definitions[0] as any;
  const events = op.selectionSet.selections.find((s: FieldNode) => s.name.value === 'auditEvents') as FieldNode;
  const nodes = events.selectionSet!.selections[0] as FieldNode;
  const wanted = (parse(`{ ${AUDIT_EVENT_LEAF_FIELDS} }`).definitions[0] as any).selectionSet;
  expect(paths(nodes.selectionSet)).toEqual(paths(wanted));
});

const step = (page: Page, name: string) => page.locator(`[data-step="${name}"]`);
async function resultOf(page: Page, name: string) {
  const el = step(page, name).locator('[data-result]');
  await el.waitFor({ timeout: 30_000 });
  return { result: await el.getAttribute('data-result'), text: await el.innerText() };
}

/** Alters the JSON answer of the GraphQL operation named `op` on its way to the page. */
async function tamper(page: Page, op: string, change: (body: any) => void) {
  await page.route('**/graphql', async (route) => {
    if (!route.request().postData()?.includes(op)) return route.continue();
    const res = await route.fetch();
    const body = await res.json();
    change(body);
    await route.fulfill({ response: res, json: body });
  });
}
/** One character changed: a byte of hex, base64 or text flipped. */
const flip = (s: string, at = 0) => s.slice(0, at) + (s[at] === 'a' ? 'b' : 'a') + s.slice(at + 1);

it('verifies the checkpoint and a real event in the browser, and refuses tampered answers', async () => {
  const { page } = b;
  await signInDev(page, hub.gatewayUrl, 'NHC', 'auditor');
  await measureLoad(page, `/audit/proof?seq=${seq}`, 'auditor proof');
  expect(await resultOf(page, 'keys')).toMatchObject({ result: 'fetched' });
  expect(await resultOf(page, 'signature')).toMatchObject({ result: 'verified' });
  expect(await resultOf(page, 'event')).toMatchObject({ result: 'fetched' });
  const inclusion = await resultOf(page, 'inclusion');
  expect(inclusion).toMatchObject({ result: 'verified' });
  expect(inclusion.text).toMatch(/已验证|verified/);

  // The key shown is the published one (to compare with a copy held elsewhere); the size covers the event
  const jwks = await (await fetch(`${hub.gatewayUrl}/.well-known/audit-checkpoint-jwks.json`)).json();
  const kid = await page.locator('[data-field="keyId"]').innerText();
  const key = jwks.keys.find((k: any) => k.kid === kid);
  expect(key).toBeDefined();
  expect(await page.locator('[data-field="publicKey"]').innerText()).toBe(key.x);
  expect(Number(await page.locator('[data-field="treeSize"]').innerText())).toBeGreaterThan(seq);
  expect(await step(page, 'event').innerText()).toContain('mca-caseworker');
  await expectNoSeriousAxeViolations(page);
  await screenshot(page, 'auditor-proof');

  // The event altered on its way (one character of its dataset): the page names the field that differs
  await tamper(page, 'ConsoleAuditEventBySeq', (body) => {
    const e = body.data.auditEvents.nodes[0];
    e.dataset = flip(e.dataset, 1);
  });
  await measureLoad(page, `/audit/proof?seq=${seq}`, 'auditor proof (tampered event)');
  const changed = await resultOf(page, 'inclusion');
  expect(changed.result).toBe('failed');
  expect(changed.text).toMatch(/失败|failed/);
  expect(changed.text).toContain(`the event shown is not the one logged as event ${seq}: it differs in dataset`);
  await screenshot(page, 'auditor-proof-failed');
  await page.unrouteAll();

  // A node of the proof altered: nothing leads to the signed root
  await tamper(page, 'ConsoleAuditEventBySeq', (body) => {
    const p = body.data.auditInclusionProof;
    p.proof[0] = flip(p.proof[0], 5);
  });
  await measureLoad(page, `/audit/proof?seq=${seq}`, 'auditor proof (tampered proof)');
  const bent = await resultOf(page, 'inclusion');
  expect(bent.result).toBe('failed');
  expect(bent.text).toContain(`event ${seq} and its proof do not lead to the signed root`);
  await page.unrouteAll();

  // The checkpoint's signature altered: refused, and no event is checked against it
  await tamper(page, 'ConsoleAuditCheckpoint', (body) => {
    const cp = body.data.auditCheckpoint;
    const [h, p, s] = cp.jws.split('.');
    cp.jws = `${h}.${p}.${flip(s, 3)}`;
  });
  await measureLoad(page, `/audit/proof?seq=${seq}`, 'auditor proof (tampered checkpoint)');
  const forged = await resultOf(page, 'signature');
  expect(forged.result).toBe('failed');
  expect(forged.text).toContain(`the signature does not verify with key "${kid}"`);
  expect(await step(page, 'inclusion').count()).toBe(0);
  await page.unrouteAll();

  // Untouched again, from an event row's "verify" link on the search page: verified
  await measureLoad(page, '/audit/events?dept=MCA&action=records.read', 'auditor events (MCA reads)');
  await page.getByRole('link', { name: new RegExp(`(校验事件|Verify event) ${seq}$`) }).click();
  await page.waitForURL((u) => u.pathname === '/console/audit/proof' && u.searchParams.get('seq') === String(seq));
  expect(await resultOf(page, 'signature')).toMatchObject({ result: 'verified' });
  expect(await resultOf(page, 'inclusion')).toMatchObject({ result: 'verified' });
});
