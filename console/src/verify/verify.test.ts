// The console's in-browser verifiers against the hub's own code and a real hub: checkpoints signed by
// the audit service, inclusion proofs it serves over GraphQL, the JWKS over real HTTP, red/black
// lists signed by the quality service. Every tampering must fail, with its reason.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as audit from '../../../services/audit/src/merkle.ts';
import { canonicalJson as serviceCanonicalJson } from '../../../services/audit/src/canonical.ts';
import { signCanonical } from '../../../services/quality/src/signing.ts';
import { generateEd25519 } from '../../../packages/platform/src/index.ts';
import { startHub, type Hub } from '../../../test/hub.ts';
import { fromBase64, fromHex, toHex } from './bytes.ts';
import { canonicalJson } from './jcs.ts';
import { leafHash, rootFromInclusionProof, verifyConsistencyProof, verifyInclusionProof } from './merkle.ts';
import {
  type VerifiedCheckpoint,
  fetchCheckpointKeys,
  verifyCheckpoint,
  verifyCheckpointConsistency,
} from './checkpoint.ts';
import { AUDIT_EVENT_LEAF_FIELDS, type ApiAuditEvent, leafBytes, verifyEventInclusion } from './inclusion.ts';
import { verifyRedBlackList } from './red-black-list.ts';

const b64url = (s: string) => Buffer.from(s).toString('base64url');
const flipChar = (s: string, at: number) =>
  s.slice(0, at) + (s[at] === 'A' ? 'B' : s[at] === '0' ? '1' : s[at] === 'a' ? 'b' : 'A') + s.slice(at + 1);
/** A JWS with its header replaced (the signature then belongs to another header). */
const withHeader = (jws: string, header: object) =>
  [b64url(JSON.stringify(header)), ...jws.split('.').slice(1)].join('.');
const headerOf = (jws: string) => JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString());
/** Flips one bit of the signature's first byte (the last base64url character may carry unused bits). */
function flipSignature(jws: string): string {
  const [h, p, s] = jws.split('.') as [string, string, string];
  const sig = Buffer.from(s, 'base64url');
  sig[0]! ^= 0x01;
  return `${h}.${p}.${sig.toString('base64url')}`;
}

describe('merkle.ts against the audit service’s tree', () => {
  const leaves = fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 64 });

  it('verifies every inclusion proof the service computes, and refuses a changed leaf', async () => {
    await fc.assert(
      fc.asyncProperty(leaves, fc.nat(), fc.nat(), async (ls, i, byte) => {
        const tree = audit.MemoryTree.fromLeaves(ls);
        const index = i % ls.length;
        const proof = audit.inclusionProof(tree, index, ls.length);
        const root = tree.root();
        const h = await leafHash(ls[index]!);
        expect(toHex(h)).toBe(audit.toHex(audit.leafHash(ls[index]!)));
        expect(await verifyInclusionProof(index, ls.length, h, proof, root)).toBe(true);
        // One bit of the leaf flipped (an empty leaf gets a byte).
        const bad = ls[index]!.length ? new Uint8Array(ls[index]!) : new Uint8Array(1);
        if (ls[index]!.length) bad[byte % bad.length]! ^= 0x01;
        expect(await verifyInclusionProof(index, ls.length, await leafHash(bad), proof, root)).toBe(false);
        // A proof for another index or size does not verify this leaf.
        if (ls.length > 1) {
          const other = (index + 1) % ls.length;
          if (!Buffer.from(ls[other]!).equals(Buffer.from(ls[index]!)))
            expect(await verifyInclusionProof(other, ls.length, h, proof, root)).toBe(false);
        }
        expect(await rootFromInclusionProof(index, ls.length + 1, h, proof.slice(0, -1))).not.toEqual(root);
      }),
      { numRuns: 150 },
    );
  });

  it('verifies every consistency proof the service computes, and refuses a rewritten prefix', async () => {
    await fc.assert(
      fc.asyncProperty(leaves, fc.nat(), fc.nat(), async (ls, a, b) => {
        const tree = audit.MemoryTree.fromLeaves(ls);
        const n = ls.length;
        const m = 1 + (a % n);
        const proof = audit.consistencyProof(tree, m, n);
        expect(await verifyConsistencyProof(m, n, tree.root(m), tree.root(n), proof)).toBe(true);
        const forged = ls.map((l, k) => (k === b % m ? new Uint8Array([...l, 1]) : l));
        const forgedTree = audit.MemoryTree.fromLeaves(forged);
        expect(await verifyConsistencyProof(m, n, forgedTree.root(m), tree.root(n), proof)).toBe(false);
        if (proof.length) {
          const bent = proof.map((p, k) =>
            k === b % proof.length ? Buffer.from(p).map((x, j) => (j ? x : x ^ 1)) : p,
          );
          expect(await verifyConsistencyProof(m, n, tree.root(m), tree.root(n), bent)).toBe(false);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('jcs.ts', () => {
  it('writes the same canonical JSON as the services’ canonicalizer', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), (v) => {
        expect(canonicalJson(v)).toBe(serviceCanonicalJson(v));
      }),
      { numRuns: 500 },
    );
    expect(canonicalJson({ b: [1e21, -0, 0.1], a: '\u0000\ud800', é: 1, e: null })).toBe(
      '{"a":"\\u0000\\ud800","b":[1e+21,0,0.1],"e":null,"é":1}',
    );
  });
});

describe('in the browser’s place, against a real hub (pglite)', () => {
  let hub: Hub;
  let auditor: string;
  let jwks: { keys: any[] };
  let cp: any;
  let verified: VerifiedCheckpoint;
  let event: ApiAuditEvent;
  let proof: any;

  beforeAll(async () => {
    hub = await startHub('pglite', { quality: true });
    // Some reads as consumers so the log holds events with filters and subject keys.
    const consumer = await hub.token('SAMR', ['consumer']);
    await hub.gql(consumer, `{ records(dataset: "legal-persons", first: 2) { nodes { key } } }`);
    await hub.gql(
      await hub.token('NHC', ['consumer']),
      `query P($v: JSON!) { records(dataset: "resident-registry", where: { field: "idNumber", eq: $v }) {
        totalCount } }`,
      { v: '11010519900101123X' },
    );
    auditor = await hub.token('NHC', ['auditor']);
    const events = await hub.gql(
      auditor,
      `{ auditEvents(first: 20, order: OLDEST_FIRST) { nodes { ${AUDIT_EVENT_LEAF_FIELDS} } } }`,
    );
    expect(events.body.errors).toBeUndefined();
    const nodes = events.body.data.auditEvents.nodes as ApiAuditEvent[];
    // The read with a filter on a subject field: its leaf holds an HMAC'd filter value.
    event = nodes.find((e) => e.dataset === 'resident-registry' && e.filter) ?? nodes[nodes.length - 1]!;
    // The latest checkpoint covers every committed event: asking for a proof makes one if needed.
    const first = await hub.gql(auditor, `{ auditInclusionProof(seq: ${event.seq}) { treeSize } }`);
    expect(first.body.errors).toBeUndefined();
    cp = (await hub.gql(auditor, `{ auditCheckpoint { treeSize rootHash timestamp jws } }`)).body.data.auditCheckpoint;
    expect(cp.treeSize).toBeGreaterThan(event.seq);
    const keys = await fetchCheckpointKeys(fetch, hub.gatewayUrl);
    if (!keys.ok) throw new Error(keys.reason);
    jwks = { keys: keys.keys };
    const p = await hub.gql(
      auditor,
      `query I($s: Int!, $t: Int) { auditInclusionProof(seq: $s, treeSize: $t) {
        leafIndex treeSize leaf leafHash proof rootHash } }`,
      { s: event.seq, t: cp.treeSize },
    );
    expect(p.body.errors).toBeUndefined();
    proof = p.body.data.auditInclusionProof;
    const v = await verifyCheckpoint(cp, jwks);
    if (!v.ok) throw new Error(v.reason);
    verified = v;
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('rebuilds the event’s leaf bytes exactly and verifies its inclusion under the signed root', async () => {
    expect(verified).toMatchObject({ ok: true, treeSize: cp.treeSize, keyId: jwks.keys[0].kid });
    expect(Buffer.from(verified.rootHash).toString('base64')).toBe(cp.rootHash);
    expect(Buffer.from(leafBytes(event)).toString('base64')).toBe(proof.leaf);
    expect(JSON.parse(Buffer.from(proof.leaf, 'base64').toString()).filter).toBeTruthy();
    const r = await verifyEventInclusion(event, proof, verified);
    expect(r).toEqual({
      ok: true,
      seq: event.seq,
      treeSize: cp.treeSize,
      leafHash: proof.leafHash,
      keyId: verified.keyId,
    });
    // Every event the API lists rebuilds to its logged leaf (not only the chosen one).
    const all = await hub.gql(
      auditor,
      `{ auditEvents(first: 50, order: OLDEST_FIRST) { nodes { ${AUDIT_EVENT_LEAF_FIELDS} } } }`,
    );
    for (const e of all.body.data.auditEvents.nodes.filter((x: ApiAuditEvent) => x.seq < cp.treeSize)) {
      const p = await hub.gql(
        auditor,
        `{ auditInclusionProof(seq: ${e.seq}, treeSize: ${cp.treeSize}) { leafIndex treeSize proof } }`,
      );
      expect(await verifyEventInclusion(e, p.body.data.auditInclusionProof, verified)).toMatchObject({ ok: true });
    }
  });

  it('refuses a changed event, root, proof node or tree size, each with its reason', async () => {
    const changed = { ...event, requestId: flipChar(event.requestId as string, 0) };
    expect(await verifyEventInclusion(changed, proof, verified)).toEqual({
      ok: false,
      reason: `the event shown is not the one logged as event ${event.seq}: it differs in requestId`,
    });
    const otherActor = { ...event, actor: { ...event.actor, dept: 'PSB' } };
    expect((await verifyEventInclusion(otherActor, proof, verified)) as any).toMatchObject({
      reason: expect.stringMatching(/differs in actor\.dept$/),
    });
    // Without the logged leaf to compare with, the reason says the chain is broken.
    const { leaf: _leaf, ...bare } = proof;
    expect(await verifyEventInclusion(changed, bare, verified)).toEqual({
      ok: false,
      reason:
        `event ${event.seq} and its proof do not lead to the signed root of ${cp.treeSize} events: ` +
        'the event, the proof or the log was changed',
    });
    const root = new Uint8Array(verified.rootHash);
    root[0]! ^= 0x01;
    expect(await verifyEventInclusion(event, proof, { ...verified, rootHash: root })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/do not lead to the signed root/),
    });
    expect(proof.proof.length).toBeGreaterThan(0);
    for (let k = 0; k < proof.proof.length; k++) {
      const bent = { ...proof, proof: proof.proof.map((h: string, j: number) => (j === k ? flipChar(h, 5) : h)) };
      expect(await verifyEventInclusion(event, bent, verified)).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/do not lead to the signed root/),
      });
    }
    expect(await verifyEventInclusion(event, { ...proof, proof: proof.proof.slice(1) }, verified)).toMatchObject({
      ok: false,
    });
    expect(await verifyEventInclusion(event, { ...proof, proof: ['zz', ...proof.proof.slice(1)] }, verified)).toEqual({
      ok: false,
      reason: 'the proof has a node that is not 32 bytes of hex',
    });
    expect(await verifyEventInclusion(event, { ...proof, treeSize: cp.treeSize - 1 }, verified)).toEqual({
      ok: false,
      reason: `the proof is for a log of ${cp.treeSize - 1} events, the checkpoint signs ${cp.treeSize}`,
    });
    expect(await verifyEventInclusion(event, proof, { ...verified, treeSize: cp.treeSize + 1 })).toEqual({
      ok: false,
      reason: `the proof is for a log of ${cp.treeSize} events, the checkpoint signs ${cp.treeSize + 1}`,
    });
    // The proof for another event does not prove this one.
    expect(await verifyEventInclusion({ ...event, seq: event.seq === 0 ? 1 : 0 }, proof, verified)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^the proof is for event/),
    });
  });

  it('refuses a checkpoint with a changed signature, payload, key id, alg, type or plain field', async () => {
    const reason = async (c: any, keys: any = jwks) => {
      const r = await verifyCheckpoint(c, keys);
      expect(r.ok).toBe(false);
      return (r as { reason: string }).reason;
    };
    const kid = jwks.keys[0].kid;
    expect(await reason({ ...cp, jws: flipSignature(cp.jws) })).toBe(
      `checkpoint: the signature does not verify with key "${kid}": the signed content or the signature was changed`,
    );
    // The signed root with one byte flipped, in the payload: the signature no longer covers it.
    const [h, p, s] = cp.jws.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const root = fromBase64(payload.rootHash)!;
    root[0]! ^= 0x01;
    const forgedPayload = b64url(JSON.stringify({ ...payload, rootHash: Buffer.from(root).toString('base64') }));
    expect(await reason({ jws: `${h}.${forgedPayload}.${s}` })).toMatch(/^checkpoint: the signature does not verify/);
    const bigger = b64url(JSON.stringify({ ...payload, treeSize: payload.treeSize + 1 }));
    expect(await reason({ jws: `${h}.${bigger}.${s}` })).toMatch(/^checkpoint: the signature does not verify/);
    const header = headerOf(cp.jws);
    expect(await reason({ jws: withHeader(cp.jws, { ...header, kid: 'someone-else' }) })).toBe(
      'checkpoint: the JWS is signed with key "someone-else", which is not among the published keys',
    );
    expect(await reason({ jws: withHeader(cp.jws, { ...header, alg: 'HS256' }) })).toBe(
      'checkpoint: the JWS is signed with alg "HS256"; only EdDSA is accepted',
    );
    expect(await reason({ jws: withHeader(cp.jws, { ...header, alg: 'none' }) })).toMatch(/only EdDSA is accepted/);
    expect(await reason({ jws: withHeader(cp.jws, { ...header, typ: 'govshare-publication+jws' }) })).toMatch(
      /has type "govshare-publication\+jws"; expected "govshare-audit-checkpoint\+jws"$/,
    );
    expect(await reason({ jws: withHeader(cp.jws, { ...header, crit: ['b64'], b64: false }) })).toMatch(/critical/);
    // Another key published under the same kid: the signature is not that key's.
    const impostor = await generateEd25519(kid);
    expect(await reason(cp, { keys: [impostor.publicJwk] })).toMatch(/^checkpoint: the signature does not verify/);
    expect(await reason(cp, { keys: [{ ...jwks.keys[0], crv: 'X25519' }] })).toBe(
      `checkpoint: published key "${kid}" is not an Ed25519 public key`,
    );
    expect(await reason(cp, { keys: [] })).toMatch(/not among the published keys/);
    expect(await reason(cp, { nope: 1 })).toBe('the key set is not a JWKS ({"keys": [...]})');
    expect(await reason({ ...cp, treeSize: cp.treeSize + 1 })).toBe(
      `checkpoint: the tree size shown (${cp.treeSize + 1}) is not the signed one (${cp.treeSize})`,
    );
    const shownRoot = fromBase64(cp.rootHash)!;
    shownRoot[31]! ^= 0x80;
    expect(await reason({ ...cp, rootHash: Buffer.from(shownRoot).toString('base64') })).toBe(
      'checkpoint: the root hash shown is not the signed one',
    );
    expect(await reason({ jws: 'not-a-jws' })).toBe(
      'checkpoint: the signature is not a compact JWS (three dot-separated parts)',
    );
    // A checkpoint the audit service signed with a retired key still verifies when that key is published.
    const older = await generateEd25519('retired-1');
    const { signCheckpoint } = await import('../../../services/audit/src/checkpoints.ts');
    const oldJws = await signCheckpoint(older.privateJwk, payload);
    expect(await verifyCheckpoint({ jws: oldJws }, { keys: [...jwks.keys, older.publicJwk] })).toMatchObject({
      ok: true,
      keyId: 'retired-1',
    });
  });

  it('checks that a newer checkpoint extends an older one with the API’s consistency proof', async () => {
    // More events, then a newer checkpoint.
    await hub.gql(
      await hub.token('SAMR', ['consumer']),
      `{ records(dataset: "legal-persons", first: 1) { nodes { key } } }`,
    );
    const latest = await hub.gql(auditor, `{ auditEvents(first: 1) { nodes { seq } } }`);
    await hub.gql(auditor, `{ auditInclusionProof(seq: ${latest.body.data.auditEvents.nodes[0].seq}) { treeSize } }`);
    const newerCp = (await hub.gql(auditor, `{ auditCheckpoint { treeSize rootHash timestamp jws } }`)).body.data
      .auditCheckpoint;
    const newer = await verifyCheckpoint(newerCp, jwks);
    if (!newer.ok) throw new Error(newer.reason);
    expect(newer.treeSize).toBeGreaterThan(verified.treeSize);
    const c = await hub.gql(
      auditor,
      `query C($f: Int!, $t: Int) { auditConsistencyProof(from: $f, to: $t) { from to proof } }`,
      { f: verified.treeSize, t: newer.treeSize },
    );
    expect(c.body.errors).toBeUndefined();
    const cons = c.body.data.auditConsistencyProof;
    expect(await verifyCheckpointConsistency(verified, newer, cons)).toEqual({ ok: true });
    const forkedRoot = new Uint8Array(verified.rootHash);
    forkedRoot[3]! ^= 0x10;
    expect(await verifyCheckpointConsistency({ ...verified, rootHash: forkedRoot }, newer, cons)).toEqual({
      ok: false,
      reason:
        `the log of ${newer.treeSize} events does not extend the one of ${verified.treeSize}: ` +
        'history before the older checkpoint was changed, or the proof is wrong',
    });
    expect(await verifyCheckpointConsistency(verified, newer, { ...cons, from: cons.from - 1 })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^the consistency proof is from/),
    });
    // The same proof and checkpoint verify through the service's own verifier too (one algorithm).
    expect(
      audit.verifyConsistency(
        verified.treeSize,
        newer.treeSize,
        Buffer.from(verified.rootHash),
        Buffer.from(newer.rootHash),
        cons.proof.map((x: string) => fromHex(x)!),
      ),
    ).toBe(true);
  });

  it('verifies a published red/black list with the published key, and refuses any change', async () => {
    const admin = await hub.token('PSB', ['admin']);
    // A scored dataset, so the list places departments.
    await hub.gql(admin, `mutation { runQuality(dataset: "legal-persons") { id } }`);
    const scored = async () => {
      for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
        const r = await hub.gql(admin, `{ qualityReport(dataset: "legal-persons") { score } }`);
        if (r.body.data?.qualityReport?.score != null) return;
        await new Promise((resolve) => setTimeout(resolve, 100)); // polls the run's readiness
      }
      throw new Error('the quality run did not finish within 60 s');
    };
    await scored();
    const period = new Date().toISOString().slice(0, 7);
    const pub = await hub.gql(admin, `mutation { publishRedBlackList(period: "${period}") { id } }`);
    expect(pub.body.errors).toBeUndefined();
    const seen = await hub.gql(
      await hub.token('MCA', ['consumer']),
      `query P($id: ID!) { redBlackList(id: $id) { jws body } redBlackListPublicKey }`,
      { id: pub.body.data.publishRedBlackList.id },
    );
    expect(seen.body.errors).toBeUndefined();
    const list = seen.body.data.redBlackList;
    const key = seen.body.data.redBlackListPublicKey;
    const kid = key.jwk.kid;
    const r = await verifyRedBlackList(list, key);
    expect(r).toMatchObject({ ok: true, keyId: kid, period });
    expect((r as any).publication).toEqual(list.body);
    expect(list.body.departments.length).toBeGreaterThan(0);

    const reason = async (l: any, k: any = key) => ((await verifyRedBlackList(l, k)) as any).reason;
    const moved = {
      ...list.body,
      departments: list.body.departments.map((d: any, i: number) =>
        i === 0 ? { ...d, list: d.list === 'red' ? 'black' : 'red' } : d,
      ),
    };
    expect(await reason({ ...list, body: moved })).toBe(
      'red/black list: the list shown is not the one that was signed',
    );
    expect(await reason({ ...list, jws: flipSignature(list.jws) })).toBe(
      `red/black list: the signature does not verify with key "${kid}": ` +
        'the signed content or the signature was changed',
    );
    const [h, , s] = list.jws.split('.');
    expect(await reason({ jws: `${h}.${b64url(canonicalJson(moved))}.${s}` })).toMatch(/signature does not verify/);
    expect(await reason({ ...list, jws: withHeader(list.jws, { ...headerOf(list.jws), kid: 'quality-other' }) })).toBe(
      'red/black list: the JWS is signed with key "quality-other", which is not among the published keys',
    );
    // Signed by another key with the same kid (not the published one); and an audit checkpoint's type is no list.
    const impostor = await generateEd25519(kid);
    const forged = await signCanonical(moved, impostor.privateJwk);
    expect(await reason({ jws: forged.jws, body: moved })).toMatch(/^red\/black list: the signature does not verify/);
    expect(await reason(list, { jwk: impostor.publicJwk })).toMatch(/signature does not verify/);
    expect(await reason({ jws: cp.jws }, { jwk: jwks.keys[0] })).toMatch(
      /has type "govshare-audit-checkpoint\+jws"; expected "govshare-publication\+jws"$/,
    );
    expect(await reason({ ...list, jws: null })).toBe('the list has no signature (JWS)');
  });
});

describe('AUDIT_EVENT_LEAF_FIELDS', () => {
  it('asks GraphQL for every property of the stored event (else a leaf could not be rebuilt)', () => {
    const api = JSON.parse(
      readFileSync(new URL('../../../contracts/schemas/audit-api.v1.json', import.meta.url), 'utf8'),
    );
    const event = JSON.parse(
      readFileSync(new URL('../../../contracts/schemas/audit-event.v1.json', import.meta.url), 'utf8'),
    );
    const asked = new Set(AUDIT_EVENT_LEAF_FIELDS.replace(/[{}]/g, ' ').split(/\s+/).filter(Boolean));
    for (const prop of Object.keys(api.$defs.StoredEvent.properties)) expect(asked, prop).toContain(prop);
    for (const prop of Object.keys(event.properties.actor.properties))
      expect(asked, `actor.${prop}`).toContain(prop === 'jti' ? 'tokenId' : prop);
  });
});
