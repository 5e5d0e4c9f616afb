import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubSetups, codes, startHub, type Hub } from './hub.ts';

const RECORDS = `query R($d: ID!, $f: [String!], $w: RecordFilter, $first: Int) {
  records(dataset: $d, fields: $f, where: $w, first: $first) {
    totalCount accessBasis grantId maskedFields { field style }
    nodes { key data }
  }
}`;

describe.each(hubSetups())('tiers, grants and masking over HTTP (%s)', (backend) => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub(backend);
  });
  afterAll(() => hub?.close());

  const read = async (dept: string, dataset: string, vars: Record<string, unknown> = {}, roles: any[] = ['consumer']) =>
    hub.gql(await hub.token(dept, roles), RECORDS, { d: dataset, first: 20, ...vars });

  it('INTERNAL: the owner sees everything, another department sees personal fields masked', async () => {
    const own = await read('PSB', 'resident-registry');
    expect(own.body.errors).toBeUndefined();
    const ownRow = own.body.data.records.nodes[0];
    expect(own.body.data.records.maskedFields).toEqual([]);
    expect(ownRow.data.idNumber).toMatch(/^\d{17}[\dX]$/);

    const other = await read('MCA', 'resident-registry');
    expect(other.body.errors).toBeUndefined();
    const masked = other.body.data.records.maskedFields.map((m: any) => m.field).sort();
    expect(masked).toEqual(expect.arrayContaining(['idNumber', 'name']));
    for (const row of other.body.data.records.nodes) {
      if (row.data.idNumber) expect(row.data.idNumber).toMatch(/^\d{6}\*{8}.{4}$/);
      expect(row.key).toMatch(/^hmac:/);
    }
    // Same page, same order: masked values are the owner's values with the middle hidden.
    expect(other.body.data.records.nodes[0].data.idNumber.slice(0, 6)).toBe(ownRow.data.idNumber.slice(0, 6));
    expect(other.body.data.records.totalCount).toBe(own.body.data.records.totalCount);
  });

  it('the README tour shows the masking MCA really gets from the demo registry', async () => {
    // "masking as the demo registry gives it to MCA (`<id>`, `<mobile>`, `<name>`, `<address>…`"
    const readme = readFileSync(resolve(import.meta.dirname, '../README.md'), 'utf8').replace(/\s+/g, ' ');
    const shown = /masking as the demo registry gives it to MCA \(([^)]*)\)/.exec(readme)?.[1];
    expect(shown).toBeDefined();
    const [id, mobile, name, address] = [...shown!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    // The tour's own query: the first two records.
    const tour = await hub.gql(
      await hub.token('MCA', ['consumer']),
      `{ records(dataset: "resident-registry", first: 2) { maskedFields { field style } nodes { data } } }`,
    );
    expect(tour.body.errors).toBeUndefined();
    const values = tour.body.data.records.nodes.flatMap((n: any) => Object.values(n.data).map(String));
    expect(values).toEqual(expect.arrayContaining([id, mobile, name]));
    expect(values.some((v: string) => v.startsWith(address!.replace(/…$/, '')))).toBe(true);
  });

  it('PUBLIC: any department reads unmasked; SECRET: only the owner', async () => {
    const pub = await read('NHC', 'legal-persons');
    expect(pub.body.data.records.maskedFields).toEqual([]);
    expect(pub.body.data.records.nodes.length).toBe(20);
    const secret = await read('MCA', 'medical-insurance');
    expect(codes(secret.body)).toEqual(['FORBIDDEN']);
    expect(secret.body.data?.records ?? null).toBeNull();
    const owner = await read('NHC', 'medical-insurance');
    expect(owner.body.errors).toBeUndefined();
    expect(owner.body.data.records.nodes.length).toBeGreaterThan(0);
  });

  it('RESTRICTED: only with an active grant, only granted fields, unmasked only where granted', async () => {
    const granted = await read('MCA', 'social-insurance');
    expect(granted.body.errors).toBeUndefined();
    const rec = granted.body.data.records;
    expect(rec.accessBasis).toBe('grant');
    expect(Object.keys(rec.nodes[0].data).sort()).toEqual(['idNumber', 'insuranceType', 'name', 'status']);
    expect(rec.maskedFields.map((m: any) => m.field)).not.toContain('name');
    expect(rec.maskedFields).toContainEqual({ field: 'idNumber', style: 'hash' });
    expect(rec.nodes[0].data.idNumber).toMatch(/^hmac:[0-9a-f]{32}$/);

    const beyond = await read('MCA', 'social-insurance', { f: ['idNumber', 'monthlyBase'] });
    expect(codes(beyond.body)).toEqual(['FORBIDDEN']);
    expect(beyond.body.errors[0].message).toMatch(/monthlyBase/);

    expect(codes((await read('HRSS', 'subsidies')).body)).toEqual(['FORBIDDEN']);
    // NHC's grant on subsidies expired.
    expect(codes((await read('NHC', 'subsidies')).body)).toEqual(['FORBIDDEN']);
  });

  it('an admin grants, the grantee reads, the admin revokes and the very next query is refused', async () => {
    const admin = await hub.token('PSB', ['admin']);
    // Refused before the grant (every read is decided on a fresh access context)...
    expect(codes((await read('HRSS', 'subsidies')).body)).toEqual(['FORBIDDEN']);
    const created = await hub.gql(
      admin,
      `mutation G($i: CreateGrantInput!) { createGrant(input: $i) { id active fields } }`,
      {
        i: {
          datasetId: 'subsidies',
          granteeDept: 'HRSS',
          fields: ['recordNo', 'subsidyType'],
          purpose: 'employment support check',
          expiresAt: new Date(Date.now() + 3600e3).toISOString(),
        },
      },
    );
    expect(created.body.errors).toBeUndefined();
    const grantId = created.body.data.createGrant.id;
    // ...and allowed on the very next query after it.
    const ok = await read('HRSS', 'subsidies');
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.data.records.grantId).toBe(grantId);
    expect(Object.keys(ok.body.data.records.nodes[0].data).sort()).toEqual(['recordNo', 'subsidyType']);

    const consumerTry = await hub.gql(
      await hub.token('HRSS', ['consumer']),
      `mutation { revokeGrant(id: "${grantId}") { id } }`,
    );
    expect(codes(consumerTry.body)).toEqual(['FORBIDDEN']);

    const revoked = await hub.gql(admin, `mutation { revokeGrant(id: "${grantId}") { active revokedAt } }`);
    expect(revoked.body.data.revokeGrant.active).toBe(false);
    expect(codes((await read('HRSS', 'subsidies')).body)).toEqual(['FORBIDDEN']);

    // The audit log ties the grant's id to its purpose (for the alert rules), after the catalog made it.
    const auditor = await hub.token('PSB', ['auditor']);
    const facts = await hub.gql(
      auditor,
      `{ auditEvents(filter: { action: "grants.created" }) { nodes { grantId purpose dataset } } }`,
    );
    expect(facts.body.data.auditEvents.nodes).toContainEqual({
      grantId,
      purpose: 'employment support check',
      dataset: 'subsidies',
    });
  });

  it('a grant change commits with its audit fact (the outbox); the relay logs it once, even when sent twice', async () => {
    // Straight to the catalog, as if the gateway had stopped between the catalog's commit and the relay.
    const catalog = hub.catalogFace;
    await hub.relayGrantFacts(); // whatever earlier changes (and the demo data) left
    const body = {
      datasetId: 'subsidies',
      granteeDept: 'MCA',
      fields: ['recordNo'],
      purpose: 'lost fact check',
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    };
    // Made for an admin the gateway verified (the catalog records the caller as the creator).
    const admin = { requestId: 'lost-fact', caller: { sub: 'lost-admin', dept: 'PSB', roles: ['admin'] } };
    const grant = await catalog.createGrant(body, admin);
    const auditor = await hub.token('PSB', ['auditor']);
    const factsOf = async (action: string) =>
      (
        await hub.gql(
          auditor,
          `{ auditEvents(filter: { action: "${action}" }, first: 200) { nodes { grantId purpose dataset actor { sub dept } } } }`,
        )
      ).body.data.auditEvents.nodes.filter((n: any) => n.grantId === grant.id);
    expect(await factsOf('grants.created')).toEqual([]);
    const pending = (await catalog.pendingGrantFacts({}, admin)).events;
    expect(pending.map((e) => [e.action, e.grantId])).toEqual([['grants.created', grant.id]]);

    expect(await hub.relayGrantFacts()).toBe(1);
    const created = {
      grantId: grant.id,
      purpose: 'lost fact check',
      dataset: 'subsidies',
      actor: { sub: 'lost-admin', dept: 'PSB' },
    };
    expect(await factsOf('grants.created')).toEqual([created]);
    expect(await hub.relayGrantFacts()).toBe(0);

    // Revoked twice: one fact. Relayed twice (a crash after the audit commit, before the mark): stored once.
    await catalog.revokeGrant({ id: grant.id }, { ...admin, requestId: 'lost-fact-revoke' });
    await catalog.revokeGrant({ id: grant.id }, { ...admin, requestId: 'lost-fact-revoke-again' });
    const [revokedFact] = (await catalog.pendingGrantFacts({}, admin)).events;
    expect((await catalog.pendingGrantFacts({}, admin)).events).toHaveLength(1);
    expect(await hub.relayGrantFacts()).toBe(1);
    const appended = await hub.auditFace.append({ events: [revokedFact] }, admin);
    expect(appended.accepted.map((a) => a.id)).toEqual([revokedFact.id]);
    expect(await factsOf('grants.revoked')).toEqual([
      { grantId: grant.id, purpose: null, dataset: 'subsidies', actor: { sub: 'lost-admin', dept: 'PSB' } },
    ]);
    expect(await factsOf('grants.created')).toEqual([created]);
  });

  it('a grant stops working when it expires', async () => {
    const admin = await hub.token('PSB', ['admin']);
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const created = await hub.gql(admin, `mutation G($i: CreateGrantInput!) { createGrant(input: $i) { id } }`, {
      i: {
        datasetId: 'social-insurance',
        granteeDept: 'SAMR',
        fields: ['insuranceType'],
        purpose: 'short check',
        expiresAt,
      },
    });
    expect(created.body.errors).toBeUndefined();
    expect((await read('SAMR', 'social-insurance')).body.errors).toBeUndefined();
    await new Promise((r) => setTimeout(r, Date.parse(expiresAt) - Date.now() + 100));
    expect(codes((await read('SAMR', 'social-insurance')).body)).toEqual(['FORBIDDEN']);
  });

  it('roles: an auditor cannot read records; a consumer cannot create grants; filters on masked fields are refused', async () => {
    expect(codes((await read('PSB', 'legal-persons', {}, ['auditor'])).body)).toEqual(['FORBIDDEN']);
    const consumer = await hub.token('MCA', ['consumer']);
    const g = await hub.gql(
      consumer,
      `mutation { createGrant(input: {datasetId: "subsidies", granteeDept: "MCA", fields: ["recordNo"], purpose: "self", expiresAt: "2030-01-01T00:00:00Z"}) { id } }`,
    );
    expect(codes(g.body)).toEqual(['FORBIDDEN']);
    const f = await read('MCA', 'resident-registry', { w: { field: 'idNumber', prefix: '11' } });
    expect(codes(f.body)).toEqual(['FORBIDDEN']);
  });

  it('the catalog lists every dataset with what the caller may do', async () => {
    const res = await hub.gql(
      await hub.token('MCA', ['consumer']),
      `{ datasets(first: 50) { totalCount nodes { id tier access ownerDept fields { name sensitivity isKey dimension indexed } } } }`,
    );
    expect(res.body.errors).toBeUndefined();
    // The data dictionary says what the sandbox may group by.
    const residentFields = res.body.data.datasets.nodes.find((d: any) => d.id === 'resident-registry').fields;
    expect(
      residentFields
        .filter((f: any) => f.dimension)
        .map((f: any) => f.name)
        .sort(),
    ).toEqual(['ethnicity', 'gender']);
    // Filters on other fields scan the dataset: the single string key and x-index fields are indexed.
    expect(
      residentFields
        .filter((f: any) => f.indexed)
        .map((f: any) => f.name)
        .sort(),
    ).toEqual(['ethnicity', 'idNumber', 'registeredOn']);
    const insurance = res.body.data.datasets.nodes.find((d: any) => d.id === 'social-insurance').fields;
    // A compound key's parts are filtered on the data: idNumber declares x-index, insuranceType does not.
    expect(
      insurance
        .filter((f: any) => f.indexed)
        .map((f: any) => f.name)
        .sort(),
    ).toEqual(['idNumber', 'status']);
    const byId = Object.fromEntries(res.body.data.datasets.nodes.map((d: any) => [d.id, d.access]));
    expect(byId).toMatchObject({
      'resident-registry': 'MASKED',
      'legal-persons': 'FULL',
      'social-insurance': 'GRANTED',
      'medical-insurance': 'NONE',
      subsidies: 'FULL',
    });
  });
});
