import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { merkle, verifyExport } from '@govshare/audit';
import { hubSetups, codes, startHub, type Hub } from './hub.ts';

describe.each(hubSetups())('auditors trace access through the gateway (%s)', (backend) => {
  let hub: Hub;
  let auditor: string;
  beforeAll(async () => {
    hub = await startHub(backend);
    auditor = await hub.token('NHC', ['auditor'], { sub: 'inspector-1' });
  });
  afterAll(() => hub?.close());

  it('records who read whose data, and finds it again from the subject’s identifier', async () => {
    const psb = await hub.token('PSB', ['consumer'], { sub: 'psb-officer' });
    const mca = await hub.token('MCA', ['consumer'], { sub: 'mca-caseworker' });
    const q = `{ records(dataset: "resident-registry", first: 3) { nodes { data } } }`;
    const owned = await hub.gql(psb, q);
    const idNumber = owned.body.data.records.nodes[0].data.idNumber as string;
    expect(idNumber).toMatch(/^\d{17}[\dX]$/);
    const masked = await hub.gql(mca, q);
    expect(masked.body.data.records.nodes[0].data.idNumber).not.toBe(idNumber);

    const who = await hub.gql(
      auditor,
      `query W($id: String!) { auditSubjectAccess(identifier: $id) { nodes { actor { sub dept } action dataset fields maskedFields recordCount outcome } } }`,
      { id: idNumber },
    );
    expect(who.body.errors).toBeUndefined();
    const readers = who.body.data.auditSubjectAccess.nodes
      .filter((e: any) => e.action === 'records.read')
      .map((e: any) => `${e.actor.sub}@${e.actor.dept}`);
    expect(readers).toEqual(expect.arrayContaining(['psb-officer@PSB', 'mca-caseworker@MCA']));
    const mcaEvent = who.body.data.auditSubjectAccess.nodes.find((e: any) => e.actor.dept === 'MCA');
    expect(mcaEvent).toMatchObject({ dataset: 'resident-registry', outcome: 'allowed', recordCount: 3 });
    expect(mcaEvent.maskedFields).toContain('idNumber');
    // The log holds keyed hashes of subjects, never the identifier itself.
    const raw = await hub.gql(auditor, `{ auditEvents(filter: { dept: "MCA" }) { nodes { subjectKeys filter } } }`);
    expect(JSON.stringify(raw.body)).not.toContain(idNumber);
  });

  it('subject values in filters are stored as keyed HMACs, lookups normalise, and refused probes are found', async () => {
    const psb = await hub.token('PSB', ['consumer'], { sub: 'psb-owner' });
    const page = await hub.gql(psb, `{ records(dataset: "resident-registry", first: 100) { nodes { data } } }`);
    const ids = page.body.data.records.nodes.map((n: any) => n.data.idNumber as string);
    const id = ids.find((x: string) => x.endsWith('X')) ?? ids[0];
    const prober = await hub.token('HRSS', ['consumer'], { sub: 'hrss-prober' });
    const probe = `query P($d: ID!, $f: String!, $v: JSON!) { records(dataset: $d, where: { field: $f, eq: $v }) { totalCount } }`;
    // A refused probe on a SECRET dataset, and one on a dataset that does not exist (schema unknown).
    expect(codes((await hub.gql(prober, probe, { d: 'medical-insurance', f: 'idNumber', v: id })).body)).toEqual([
      'FORBIDDEN',
    ]);
    expect(codes((await hub.gql(prober, probe, { d: 'no-such-dataset', f: 'personId', v: id })).body)).toEqual([
      'NOT_FOUND',
    ]);
    // An allowed read filtered on the subject field, with a non-subject condition kept in clear.
    const own = await hub.gql(
      psb,
      `query O($v: JSON!) { records(dataset: "resident-registry", where: { and: [{ field: "idNumber", eq: $v }, { field: "gender", ne: "unknown" }] }) { totalCount } }`,
      { v: id },
    );
    expect(own.body.errors).toBeUndefined();

    const lookup = `query W($id: String!) { auditSubjectAccess(identifier: $id) { nodes { actor { sub } action dataset outcome filter } } }`;
    const loose = ` ${id.toLowerCase()}\u3000`; // lower-case x, padded (ASCII and ideographic space)
    const who = await hub.gql(auditor, lookup, { id: loose });
    expect(who.body.errors).toBeUndefined();
    const seen = who.body.data.auditSubjectAccess.nodes.map((e: any) => `${e.actor.sub}:${e.dataset}:${e.outcome}`);
    expect(seen).toEqual(
      expect.arrayContaining([
        'psb-owner:resident-registry:allowed',
        'hrss-prober:medical-insurance:denied',
        'hrss-prober:no-such-dataset:error',
      ]),
    );
    const filtered = who.body.data.auditSubjectAccess.nodes.find((e: any) => e.actor.sub === 'psb-owner' && e.filter);
    expect(filtered.filter.and[0]).toEqual({
      field: 'idNumber',
      op: 'eq',
      valueKey: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(filtered.filter.and[1]).toEqual({ field: 'gender', op: 'ne', value: 'unknown' });
    // No clear identifier anywhere in the log: not in the events the auditor sees, not in the export.
    const res = await fetch(`${hub.gatewayUrl}/audit/export`, { headers: { authorization: `Bearer ${auditor}` } });
    const exported = await res.text();
    const leaves = exported
      .split('\n')
      .filter((l) => l.includes('"type":"leaf"'))
      .map((l) => Buffer.from(JSON.parse(l).leaf, 'base64').toString('utf8'));
    expect(leaves.join('\n')).toContain('hrss-prober');
    for (const x of [id, id.toLowerCase()]) expect(leaves.join('\n')).not.toContain(x);
  });

  it('subjects are the fields the data dictionary marks x-subject, whatever their names', async () => {
    // personRef is marked x-subject; idNumber (a name the gateway once treated as a subject) is not.
    const schema = {
      type: 'object',
      properties: {
        caseNo: { type: 'string', 'x-key': true },
        personRef: { type: 'string', 'x-subject': true },
        idNumber: { type: 'string' },
      },
      required: ['caseNo', 'personRef'],
      additionalProperties: false,
    };
    const steward = await hub.token('SAMR', ['steward']);
    const created = await hub.gql(steward, `mutation C($i: CreateDatasetInput!) { createDataset(input: $i) { id } }`, {
      i: { id: 'x-subject-cases', title: 'x-subject cases', ownerDept: 'SAMR', tier: 'INTERNAL', schema },
    });
    expect(created.body.errors).toBeUndefined();
    const ingested = await hub.gql(
      steward,
      `mutation I($r: [JSON!]!) { ingestRecords(dataset: "x-subject-cases", records: $r) { accepted } }`,
      {
        r: [
          { caseNo: 'c1', personRef: 'P-7731', idNumber: 'n-100' },
          { caseNo: 'c2', personRef: 'P-8842', idNumber: 'n-200' },
        ],
      },
    );
    expect(ingested.body.errors).toBeUndefined();

    const reader = await hub.token('SAMR', ['consumer'], { sub: 'x-subject-reader' });
    const read = await hub.gql(
      reader,
      `{ records(dataset: "x-subject-cases", where: { and: [{ field: "personRef", eq: "P-7731" }, { field: "idNumber", eq: "n-100" }] }) { totalCount } }`,
    );
    expect(read.body.errors).toBeUndefined();
    expect(read.body.data.records.totalCount).toBe(1);

    const lookup = `query W($id: String!) { auditSubjectAccess(identifier: $id) { nodes { actor { sub } dataset filter } } }`;
    const byRef = (await hub.gql(auditor, lookup, { id: 'p-7731 ' })).body.data.auditSubjectAccess.nodes;
    const mine = byRef.find((e: any) => e.actor.sub === 'x-subject-reader');
    expect(mine).toMatchObject({ dataset: 'x-subject-cases' });
    expect(mine.filter.and).toEqual([
      { field: 'personRef', op: 'eq', valueKey: expect.stringMatching(/^[0-9a-f]{64}$/) },
      { field: 'idNumber', op: 'eq', value: 'n-100' },
    ]);
    // Not a subject in this dataset: its value names nobody the log can be asked about.
    const byId = (await hub.gql(auditor, lookup, { id: 'n-100' })).body.data.auditSubjectAccess.nodes;
    expect(byId.filter((e: any) => e.dataset === 'x-subject-cases')).toEqual([]);
  });

  it('logs denials and grant use, and only auditors read the log — every read of it is logged too', async () => {
    const hrss = await hub.token('HRSS', ['consumer'], { sub: 'hrss-clerk' });
    expect(codes((await hub.gql(hrss, `{ records(dataset: "medical-insurance") { totalCount } }`)).body)).toEqual([
      'FORBIDDEN',
    ]);
    const mca = await hub.token('MCA', ['consumer']);
    expect(
      (await hub.gql(mca, `{ records(dataset: "social-insurance", first: 2) { totalCount } }`)).body.errors,
    ).toBeUndefined();

    const tryRead = await hub.gql(hrss, `{ auditEvents { nodes { seq } } }`);
    expect(codes(tryRead.body)).toEqual(['FORBIDDEN']);

    const denied = await hub.gql(
      auditor,
      `{ auditEvents(filter: { sub: "hrss-clerk", outcome: denied }) { nodes { action dataset reason } } }`,
    );
    expect(denied.body.data.auditEvents.nodes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'records.read',
          dataset: 'medical-insurance',
          reason: expect.stringMatching(/SECRET/),
        }),
      ]),
    );
    const granted = await hub.gql(
      auditor,
      `{ auditEvents(filter: { dept: "MCA", dataset: "social-insurance" }) { nodes { grantId purpose fields } } }`,
    );
    expect(granted.body.data.auditEvents.nodes[0]).toMatchObject({
      grantId: expect.any(String),
      purpose: expect.stringMatching(/subsidy/),
    });

    const readsOfLog = await hub.gql(
      auditor,
      `{ auditEvents(filter: { sub: "inspector-1", action: "audit.search" }) { nodes { action } } }`,
    );
    expect(readsOfLog.body.data.auditEvents.nodes.length).toBeGreaterThan(0);
  });

  it('repeated denials raise an alert; an auditor reviews it, and the review is itself audited', async () => {
    const prober = await hub.token('SAMR', ['consumer'], { sub: 'samr-prober' });
    for (let i = 0; i < 5; i++)
      expect(codes((await hub.gql(prober, `{ records(dataset: "medical-insurance") { totalCount } }`)).body)).toEqual([
        'FORBIDDEN',
      ]);
    const alertsOf = async (status: string) =>
      (
        await hub.gql(
          auditor,
          `{ auditAlerts(dept: "SAMR", status: ${status}) { nodes { id kind sub review { outcome note reviewer { sub dept } } } } }`,
        )
      ).body.data.auditAlerts.nodes.filter((a: any) => a.sub === 'samr-prober');
    // Alerts are evaluated after the commit, off the request path: wait for it.
    let open: any[] = [];
    for (let i = 0; i < 100 && open.length === 0; i++) {
      open = await alertsOf('open');
      if (!open.length) await new Promise((r) => setTimeout(r, 100));
    }
    expect(open).toEqual([{ id: expect.any(String), kind: 'repeated_denials', sub: 'samr-prober', review: null }]);

    const review = `mutation R($id: ID!, $o: AuditAlertReviewOutcome!, $n: String!) { reviewAuditAlert(id: $id, outcome: $o, note: $n) { outcome note reviewer { sub dept } } }`;
    expect(
      codes((await hub.gql(prober, review, { id: open[0].id, o: 'false_positive', n: 'it was not me' })).body),
    ).toEqual(['FORBIDDEN']);
    const bad = await hub.gql(auditor, review, { id: 'abc', o: 'confirmed', n: 'looked into it' });
    expect(codes(bad.body)).toEqual(['BAD_USER_INPUT']);
    expect(bad.body.errors[0].message).toMatch(/^id: /);
    const note = 'probing SECRET data; department informed';
    const done = await hub.gql(auditor, review, { id: open[0].id, o: 'confirmed', n: note });
    expect(done.body.data.reviewAuditAlert).toEqual({
      outcome: 'confirmed',
      note,
      reviewer: { sub: 'inspector-1', dept: 'NHC' },
    });

    expect(await alertsOf('open')).toEqual([]);
    expect((await alertsOf('reviewed')).map((a: any) => a.review)).toEqual([
      { outcome: 'confirmed', note, reviewer: { sub: 'inspector-1', dept: 'NHC' } },
    ]);
    const logged = await hub.gql(
      auditor,
      `{ auditEvents(filter: { action: "audit.reviewAlert", sub: "inspector-1" }) { nodes { outcome reason filter } } }`,
    );
    expect(logged.body.data.auditEvents.nodes).toEqual(
      expect.arrayContaining([
        { outcome: 'allowed', reason: note, filter: { alertId: open[0].id, outcome: 'confirmed' } },
        expect.objectContaining({ outcome: 'error', filter: { alertId: 'abc', outcome: 'confirmed' } }),
      ]),
    );
  });

  it('carries the caller’s x-request-id through every hop into the audit event', async () => {
    const requestId = `trace-${Date.now()}`;
    const res = await fetch(`${hub.gatewayUrl}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-request-id': requestId,
        authorization: `Bearer ${await hub.token('SAMR', ['consumer'])}`,
      },
      body: JSON.stringify({ query: '{ records(dataset: "legal-persons", first: 1) { nodes { key } } }' }),
    });
    expect(res.headers.get('x-request-id')).toBe(requestId);
    const found = await hub.gql(
      auditor,
      `query F($r: String!) { auditEvents(filter: { requestId: $r }) { nodes { requestId action actor { dept } } } }`,
      { r: requestId },
    );
    expect(found.body.data.auditEvents.nodes).toEqual([{ requestId, action: 'records.read', actor: { dept: 'SAMR' } }]);
  });

  it('proves an event is in the signed log, and an export verifies offline', async () => {
    const some = await hub.gql(auditor, `{ auditEvents(first: 1, order: OLDEST_FIRST) { nodes { seq } } }`);
    const seq = some.body.data.auditEvents.nodes[0].seq;
    const latest = (
      await hub.gql(auditor, `{ auditEvents(first: 3) { nodes { seq } } }`)
    ).body.data.auditEvents.nodes.map((n: any) => n.seq);
    expect(latest).toEqual([...latest].sort((x, y) => y - x)); // newest first by default
    expect(latest[0]).toBeGreaterThan(seq);
    let proof: any;
    for (let i = 0; i < 50; i++) {
      proof = await hub.gql(
        auditor,
        `{ auditInclusionProof(seq: ${seq}) { leafIndex treeSize leafHash proof rootHash leaf checkpoint { treeSize rootHash jws } } }`,
      );
      if (!proof.body.errors) break;
      await new Promise((r) => setTimeout(r, 200)); // waits for the first checkpoint
    }
    expect(proof.body.errors).toBeUndefined();
    const p = proof.body.data.auditInclusionProof;
    const leafHash = merkle.leafHash(Buffer.from(p.leaf, 'base64'));
    expect(merkle.toHex(leafHash)).toBe(p.leafHash);
    const root = Buffer.from(p.rootHash, /^[0-9a-f]{64}$/.test(p.rootHash) ? 'hex' : 'base64');
    expect(merkle.verifyInclusion(p.leafIndex, p.treeSize, leafHash, p.proof.map(merkle.fromHex), root)).toBe(true);
    const forged = [...p.proof];
    if (forged.length) {
      forged[0] = forged[0].replace(/^./, (c: string) => (c === '0' ? '1' : '0'));
      expect(merkle.verifyInclusion(p.leafIndex, p.treeSize, leafHash, forged.map(merkle.fromHex), root)).toBe(false);
    }

    const res = await fetch(`${hub.gatewayUrl}/audit/export`, { headers: { authorization: `Bearer ${auditor}` } });
    expect(res.status).toBe(200);
    const lines = (await res.text()).split('\n').filter(Boolean);
    // The checkpoint keys are published by the gateway, without a token, beside the caller JWKS.
    const published = await fetch(`${hub.gatewayUrl}/.well-known/audit-checkpoint-jwks.json`);
    expect(published.status).toBe(200);
    const jwks = await published.json();
    // The same keys the audit module gives, asked through its face (in process, or over HTTP with a service token).
    const direct = await hub.auditFace.publicKeys({}, { requestId: 'audit-trail-test' });
    expect(jwks).toEqual(direct);
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const report = await verifyExport(lines, jwks.keys[0]);
    expect(report).toMatchObject({ ok: true });
    expect(report.leaves).toBeGreaterThan(3);
    // One changed byte in one event is caught, and named.
    const target = lines.findIndex((l, i) => i > 1 && l.includes('"type":"leaf"'));
    const tampered = lines.map((l, i) =>
      i === target ? l.replace(/"leaf":"(.)/, (_m, c) => `"leaf":"${c === 'A' ? 'B' : 'A'}`) : l,
    );
    expect(tampered[target]).not.toBe(lines[target]);
    const bad = await verifyExport(tampered, jwks.keys[0]);
    expect(bad).toMatchObject({ ok: false, firstBadSeq: JSON.parse(lines[target]).seq });

    const consumer = await fetch(`${hub.gatewayUrl}/audit/export`, {
      headers: { authorization: `Bearer ${await hub.token('MCA', ['consumer'])}` },
    });
    expect(consumer.status).toBe(403);
  });
});
