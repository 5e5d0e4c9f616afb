// The catalog as its own process: its face served over HTTP (POST /rpc/<op>) to service tokens, and
// called through the generated client, as the gateway and the quality service call it.
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLogger,
  createServiceTokenSigner,
  GATEWAY_CALLER,
  generateEd25519,
  QUALITY_CALLER,
  readAll,
  type KeyPairJwk,
} from '@govshare/platform';
import { assertContract, ref, type DatasetSchema } from '@govshare/contracts';
import { startCatalog, type CatalogFace } from './index.ts';
import { seedDemoData, DEMO_DATASETS, DEMO_SCHEMAS } from './demo-data.ts';
import { asHub, asPerson, dropCatalogSchema, freshSchemaPrefix, remoteCatalog, testTargets } from './test-support.ts';

const schema: DatasetSchema = {
  type: 'object',
  properties: {
    code: { type: 'string', 'x-key': true },
    label: { type: 'string' },
    size: { type: 'integer' },
  },
  required: ['code', 'label'],
  additionalProperties: false,
};

/** The error a call ends with (it must fail). */
const failure = (p: Promise<unknown>) =>
  p.then(
    (v) => {
      throw new Error(`expected a refusal, got ${JSON.stringify(v).slice(0, 200)}`);
    },
    (e) => e,
  );
const upload = (contentType: string, text: string) => ({ contentType, body: Readable.from([Buffer.from(text)]) });

describe.each(testTargets)('catalog over HTTP on $name', ({ url: databaseUrl }) => {
  let base: string;
  let close: () => Promise<void>;
  // Service tokens live 60 s; the signer renews them, so a slow run on a loaded machine keeps calling.
  let catalog: CatalogFace;
  let seedAgain: () => Promise<unknown>;
  let gatewayKeys: KeyPairJwk;
  let qualityKeys: KeyPairJwk;
  const prefix = freshSchemaPrefix();
  const hub = asHub();
  const steward = asPerson('samr-steward', 'SAMR', ['steward']);

  beforeAll(async () => {
    const keys = (gatewayKeys = await generateEd25519('test-key'));
    qualityKeys = await generateEd25519('test-quality-key');
    const started = await startCatalog({
      databaseUrl,
      dataDir: ':memory:',
      schemaPrefix: prefix,
      servicePublicJwk: keys.publicJwk,
      qualityPublicJwk: qualityKeys.publicJwk,
      port: 0,
      demoData: { scale: 0.1 },
      logger: createLogger('catalog-test', 'silent'),
    });
    base = started.url;
    const remote = remoteCatalog(base, createServiceTokenSigner(keys.privateJwk));
    catalog = remote.face;
    seedAgain = () => seedDemoData(started.db, { scale: 0.1 });
    close = async () => {
      await remote.close();
      await started.close();
      await dropCatalogSchema(databaseUrl, prefix);
    };
  });
  afterAll(async () => close?.());

  it('refuses calls without a valid service token for the catalog, and accepts one', async () => {
    const post = (headers: Record<string, string> = {}) =>
      fetch(`${base}/rpc/listDepartments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{}',
      });
    expect((await post()).status).toBe(401);
    const other = await generateEd25519('other');
    const forged = await createServiceTokenSigner(other.privateJwk).tokenFor('catalog');
    const res = await post({ authorization: `Bearer ${forged}` });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const ok = await catalog.listDepartments({}, hub);
    assertContract(ref('department.v1.json', 'List'), ok);
    expect(ok.departments.map((d) => d.code)).toEqual(['HRSS', 'MCA', 'NHC', 'PSB', 'SAMR']);
    // The hand-written routes are gone: only the face is served.
    const token = await createServiceTokenSigner(gatewayKeys.privateJwk).tokenFor('catalog');
    expect((await fetch(`${base}/departments`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
  });

  it('the quality service, with its own key, may only read datasets and exports, and cannot speak for the gateway', async () => {
    const quality = remoteCatalog(base, createServiceTokenSigner(qualityKeys.privateJwk, QUALITY_CALLER));
    try {
      const q = quality.face;
      expect((await q.listDatasets({ first: 5 }, hub)).datasets).toHaveLength(5);
      expect((await q.getDataset({ id: 'resident-registry' }, hub)).id).toBe('resident-registry');
      const lines = (await readAll((await q.exportRecords({ id: 'resident-registry', limit: 2 }, hub)).body))
        .trim()
        .split('\n');
      expect(lines).toHaveLength(2);
      const refused: [string, Promise<unknown>][] = [
        ['listDepartments', q.listDepartments({}, hub)],
        ['datasetAccess', q.datasetAccess({ id: 'resident-registry', dept: 'PSB' }, hub)],
        ['listGrants', q.listGrants({}, hub)],
        ['queryRecords', q.queryRecords({ id: 'resident-registry', fields: ['name'] }, hub)],
        [
          'createGrant',
          q.createGrant(
            {
              datasetId: 'subsidies',
              granteeDept: 'PSB',
              fields: ['recordNo'],
              purpose: 'xyz',
              expiresAt: '2099-01-01T00:00:00Z',
            },
            asPerson('q', 'PSB'),
          ),
        ],
      ];
      for (const [op, call] of refused) {
        const err = await failure(call);
        expect(err.code, op).toBe('FORBIDDEN');
        expect(err.message, op).toBe(`service "quality" may not call POST /rpc/${op}`);
      }
    } finally {
      await quality.close();
    }
    // A key only signs for its own caller: quality's key claiming to be the gateway, and the other way round.
    const as = async (token: string, op: string) =>
      (
        await fetch(`${base}/rpc/${op}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: '{}',
        })
      ).status;
    expect(
      await as(
        await createServiceTokenSigner(qualityKeys.privateJwk, GATEWAY_CALLER).tokenFor('catalog'),
        'listDepartments',
      ),
    ).toBe(401);
    expect(
      await as(
        await createServiceTokenSigner(gatewayKeys.privateJwk, QUALITY_CALLER).tokenFor('catalog'),
        'listDatasets',
      ),
    ).toBe(401);
  });

  it('lists the demo datasets with cursor paging and filters', async () => {
    expect(await seedAgain()).toBeNull(); // seeding is once only
    const ids: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await catalog.listDatasets({ first: 4, ...(after ? { after } : {}) }, hub);
      assertContract(ref('dataset.v1.json', 'Page'), page);
      ids.push(...page.datasets.map((d) => d.id));
      if (!page.hasNextPage) break;
      after = page.endCursor!;
    }
    expect(ids.sort()).toEqual(DEMO_DATASETS.map((d) => d.id).sort());
    const restricted = await catalog.listDatasets({ tier: 'RESTRICTED' }, hub);
    expect(restricted.datasets.map((d) => d.id)).toEqual(['social-insurance', 'subsidies']);
    expect(restricted.totalCount).toBe(2);
    expect((await catalog.listDatasets({ search: 'Resident' }, hub)).datasets.map((d) => d.id)).toEqual([
      'resident-registry',
    ]);
    const one = await catalog.getDataset({ id: 'resident-registry' }, hub);
    assertContract(ref('dataset.v1.json'), one);
    expect(one).toMatchObject({ ownerDept: 'PSB', tier: 'INTERNAL', keyFields: ['idNumber'], version: 1 });
    // Declared field order survives the JSONB round trip.
    expect(Object.keys(one.schema.properties)).toEqual(
      Object.keys(DEMO_SCHEMAS['resident-registry'].schema.properties),
    );
    expect(one.recordCount).toBeGreaterThan(450);
    expect((await failure(catalog.getDataset({ id: 'nope' }, hub))).code).toBe('NOT_FOUND');
  });

  it('creates datasets, ingests JSON / NDJSON / CSV all-or-nothing, and evolves the schema', async () => {
    const created = await catalog.createDataset(
      { id: 'widgets', title: 'Widgets', ownerDept: 'SAMR', tier: 'INTERNAL', schema },
      steward,
    );
    assertContract(ref('dataset.v1.json'), created);
    expect(
      (
        await failure(
          catalog.createDataset({ id: 'widgets', title: 'W', ownerDept: 'SAMR', tier: 'INTERNAL', schema }, steward),
        )
      ).code,
    ).toBe('CONFLICT');
    const unknownDept = await failure(
      catalog.createDataset({ id: 'w2', title: 'W', ownerDept: 'XYZ', tier: 'INTERNAL', schema }, steward),
    );
    expect(unknownDept).toMatchObject({ code: 'BAD_USER_INPUT', details: { rule: 'department-unknown' } });
    const badSchema = await failure(
      catalog.createDataset(
        { id: 'w3', title: 'W', ownerDept: 'SAMR', tier: 'INTERNAL', schema: { ...schema, required: ['label'] } },
        steward,
      ),
    );
    expect(badSchema.code).toBe('BAD_USER_INPUT');
    expect(badSchema.message).toContain('schema/properties/code/x-key');

    const json = await catalog.ingestBatch(
      {
        id: 'widgets',
        mode: 'append',
        records: [
          { code: 'a', label: 'A', size: 1 },
          { code: 'a', label: 'dup' },
        ],
      },
      steward,
    );
    assertContract(ref('records.v1.json', 'IngestResult'), json);
    expect(json).toEqual({ datasetId: 'widgets', mode: 'append', accepted: 2, recordCount: 2 });

    const ndjson = await catalog.ingestUpload(
      {
        id: 'widgets',
        upload: upload('application/x-ndjson', '{"code":"b","label":"B"}\n{"code":"c","label":"C","size":3}\n'),
      },
      steward,
    );
    expect(ndjson).toMatchObject({ mode: 'append', accepted: 2, recordCount: 4 });

    const badCsv = await failure(
      catalog.ingestUpload(
        {
          id: 'widgets',
          mode: 'replace',
          upload: upload('text/csv; charset=utf-8', 'code,label,size\nx,X,1\ny,Y,big\n'),
        },
        steward,
      ),
    );
    expect(badCsv.code).toBe('BAD_USER_INPUT');
    expect(badCsv.details).toEqual({
      errors: [{ row: 2, field: 'size', rule: 'type', message: expect.any(String) }],
      errorCount: 1,
    });
    expect((await catalog.getDataset({ id: 'widgets' }, hub)).recordCount).toBe(4);
    const badType = await failure(
      catalog.ingestUpload({ id: 'widgets', upload: upload('application/json', '[]') }, steward),
    );
    expect(badType).toMatchObject({ code: 'BAD_USER_INPUT', details: { rule: 'content-type' } });

    const csv = await catalog.ingestUpload(
      { id: 'widgets', mode: 'replace', upload: upload('text/csv', 'code,label,size\nx,X,1\ny,Y,\n') },
      steward,
    );
    expect(csv).toEqual({ datasetId: 'widgets', mode: 'replace', accepted: 2, recordCount: 2 });

    // Compatible change: a new optional field -> version 2; incompatible -> CONFLICT with problems.
    const v2 = {
      ...schema,
      properties: { ...schema.properties, colour: { type: 'string' as const, enum: ['red', 'blue'] } },
    };
    const changed = await catalog.changeSchema({ id: 'widgets', schema: v2 }, steward);
    expect(changed.version).toBe(2);
    expect((await catalog.changeSchema({ id: 'widgets', schema: v2 }, steward)).version).toBe(2); // same schema: no new version
    const broken = await failure(
      catalog.changeSchema(
        {
          id: 'widgets',
          schema: { ...v2, properties: { code: schema.properties.code, label: schema.properties.label } },
        },
        steward,
      ),
    );
    expect(broken.code).toBe('CONFLICT');
    expect(broken.details.problems.map((p: any) => [p.field, p.rule]).sort()).toEqual([
      ['colour', 'field-removed'],
      ['size', 'field-removed'],
    ]);
    const versions = await catalog.listVersions({ id: 'widgets' }, hub);
    expect(versions.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(Object.keys(versions.versions[1].schema.properties)).toEqual(['code', 'label', 'size', 'colour']);

    await catalog.ingestBatch(
      { id: 'widgets', mode: 'append', records: [{ code: 'z', label: 'Z', colour: 'red' }] },
      steward,
    );
    const q = await catalog.queryRecords(
      {
        id: 'widgets',
        fields: ['code', 'colour'],
        where: {
          or: [
            { field: 'colour', op: 'eq', value: 'red' },
            { field: 'code', op: 'in', value: ['x'] },
          ],
        },
      },
      hub,
    );
    assertContract(ref('records.v1.json', 'Page'), q);
    expect(q.records.map((r) => [r.data, r.version])).toEqual([
      [{ code: 'x' }, 1],
      [{ code: 'z', colour: 'red' }, 2],
    ]);
    expect(q).toMatchObject({ totalCount: 2, hasNextPage: false, datasetVersion: 2 });
    const badQuery = await failure(
      catalog.queryRecords({ id: 'widgets', fields: ['code'], where: { field: 'size', op: 'gt', value: 'big' } }, hub),
    );
    expect(badQuery.code).toBe('BAD_USER_INPUT');
    expect(badQuery.message).toContain('"size"');
    // A version token is no part of a query any more: the input is refused, naming it.
    const withToken = await failure(
      catalog.queryRecords({ id: 'widgets', fields: ['code'], access: { version: 'x' } } as never, hub),
    );
    expect(withToken).toMatchObject({ code: 'BAD_USER_INPUT', details: [{ rule: 'additionalProperties' }] });
  });

  it('answers a refused large stream with the row errors, not a reset connection', async () => {
    await catalog.createDataset({ id: 'bulk', title: 'Bulk', ownerDept: 'SAMR', tier: 'INTERNAL', schema }, steward);
    const lines: string[] = [];
    for (let i = 0; i < 60_000; i++)
      lines.push(
        JSON.stringify(
          i < 200 ? { code: `c${i}`, label: 'x', size: 'big' } : { code: `c${i}`, label: 'y'.repeat(60), size: i },
        ),
      );
    const refused = await failure(
      catalog.ingestUpload({ id: 'bulk', upload: upload('application/x-ndjson', lines.join('\n')) }, steward),
    );
    expect(refused.code).toBe('BAD_USER_INPUT');
    expect(refused.details.errors).toHaveLength(100);
    expect(refused.details.errors[0]).toMatchObject({ row: 1, field: 'size', rule: 'type' });
    expect((await catalog.getDataset({ id: 'bulk' }, hub)).recordCount).toBe(0);
    const ok = await catalog.ingestUpload(
      { id: 'bulk', upload: upload('application/x-ndjson', lines.slice(200).join('\n')) },
      steward,
    );
    expect(ok).toMatchObject({ accepted: 59_800, recordCount: 59_800 });
  });

  it('exports a dataset as NDJSON', async () => {
    const exported = await catalog.exportRecords({ id: 'legal-persons' }, hub);
    expect(exported.contentType).toContain('application/x-ndjson');
    const lines = (await readAll(exported.body))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const ds = await catalog.getDataset({ id: 'legal-persons' }, hub);
    expect(lines).toHaveLength(ds.recordCount);
    for (const l of lines.slice(0, 5)) assertContract(ref('records.v1.json', 'Record'), l);
    const tail = await catalog.exportRecords({ id: 'legal-persons', after: lines[9].id, limit: 3 }, hub);
    expect(
      (await readAll(tail.body))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id),
    ).toEqual(lines.slice(10, 13).map((l) => l.id));
    expect((await failure(catalog.exportRecords({ id: 'nope' }, hub))).code).toBe('NOT_FOUND');
    const byKey = await failure(catalog.exportRecords({ id: 'legal-persons', after: lines[9].key }, hub));
    expect(byKey).toMatchObject({ code: 'BAD_USER_INPUT', details: { rule: 'export-cursor' } });
  });

  it('manages grants: rules, the creator from the caller, revocation and the access view', async () => {
    const admin = asPerson('root', 'PSB', ['admin']);
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const body = {
      datasetId: 'social-insurance',
      granteeDept: 'NHC',
      fields: ['idNumber', 'status'],
      unmaskedFields: ['status'],
      purpose: '医保比对 / matching',
      expiresAt: future,
    };
    const created = await catalog.createGrant(body, admin);
    assertContract(ref('grant.v1.json'), created);
    expect(created.createdBy).toBe('root@PSB');
    // The creator is who calls, never a field of the input; and a grant is made for a person.
    expect((await failure(catalog.createGrant({ ...body, createdBy: 'someone' } as never, admin))).code).toBe(
      'BAD_USER_INPUT',
    );
    expect(await failure(catalog.createGrant(body, hub))).toMatchObject({
      code: 'FORBIDDEN',
      details: { rule: 'no-caller' },
    });
    const refusedRule = async (b: typeof body) => (await failure(catalog.createGrant(b, admin))).details.rule;
    expect(await refusedRule({ ...body, datasetId: 'legal-persons', fields: ['creditCode'], unmaskedFields: [] })).toBe(
      'tier-not-restricted',
    );
    expect(await refusedRule({ ...body, fields: ['idNumber', 'salary'] })).toBe('field-unknown');
    expect(await refusedRule({ ...body, unmaskedFields: ['name'] })).toBe('unmasked-not-granted');
    expect(await refusedRule({ ...body, expiresAt: new Date(Date.now() - 1000).toISOString() })).toBe('expiry-in-past');
    expect(await refusedRule({ ...body, granteeDept: 'NOPE' })).toBe('department-unknown');

    const access = await catalog.datasetAccess({ id: 'social-insurance', dept: 'NHC' }, hub);
    assertContract(ref('dataset.v1.json', 'AccessContext'), access);
    expect(access.grants.map((g) => g.id)).toEqual([created.id]);
    const mca = await catalog.datasetAccess({ id: 'social-insurance', dept: 'MCA' }, hub);
    expect(mca.grants).toEqual([
      expect.objectContaining({
        granteeDept: 'MCA',
        unmaskedFields: ['name'],
        purpose: '低保资格核查 / subsidy eligibility check',
      }),
    ]);
    expect((await catalog.datasetAccess({ id: 'subsidies', dept: 'NHC' }, hub)).grants).toEqual([]); // the demo grant expired
    expect((await catalog.listGrants({ datasetId: 'subsidies', active: false }, hub)).grants).toHaveLength(1);

    const revoked = await catalog.revokeGrant({ id: created.id }, admin);
    expect(revoked.revokedAt).not.toBeNull();
    // The access view asked right after the revocation no longer holds the grant.
    expect((await catalog.datasetAccess({ id: 'social-insurance', dept: 'NHC' }, hub)).grants).toEqual([]);
    const again = await catalog.revokeGrant({ id: created.id }, admin);
    expect(again).toEqual(revoked);
    const active = await catalog.listGrants({ active: true }, hub);
    assertContract(ref('grant.v1.json', 'List'), active);
    expect(active.grants.map((g) => [g.datasetId, g.granteeDept])).toEqual([['social-insurance', 'MCA']]);
    expect((await catalog.getGrant({ id: created.id }, hub)).revokedAt).toBe(revoked.revokedAt);
    expect((await failure(catalog.getGrant({ id: '00000000-0000-4000-8000-000000000000' }, hub))).code).toBe(
      'NOT_FOUND',
    );
    expect((await failure(catalog.datasetAccess({ id: 'nope', dept: 'MCA' }, hub))).code).toBe('NOT_FOUND');
  });
});
