import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLogger,
  createServiceTokenSigner,
  GATEWAY_CALLER,
  generateEd25519,
  QUALITY_CALLER,
  type KeyPairJwk,
} from '@govshare/platform';
import { assertContract, ref } from '@govshare/contracts';
import { startCatalog } from './index.ts';
import { seedDemoData, DEMO_DATASETS, DEMO_SCHEMAS } from './demo-data.ts';
import { freshSchemaPrefix, testTargets } from './test-support.ts';
import { openDatabase } from '@govshare/platform';

const schema = {
  type: 'object',
  properties: {
    code: { type: 'string', 'x-key': true },
    label: { type: 'string' },
    size: { type: 'integer' },
  },
  required: ['code', 'label'],
  additionalProperties: false,
};

describe.each(testTargets)('catalog over HTTP on $name', ({ url: databaseUrl }) => {
  let base: string;
  let close: () => Promise<void>;
  // Service tokens live 60 s; the signer renews them, so a slow run on a loaded machine keeps calling.
  let signer: ReturnType<typeof createServiceTokenSigner>;
  let seedAgain: () => Promise<unknown>;
  let gatewayKeys: KeyPairJwk;
  let qualityKeys: KeyPairJwk;
  const prefix = freshSchemaPrefix();

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const init: RequestInit = {
      method,
      headers: { authorization: `Bearer ${await signer.tokenFor('catalog')}`, ...headers },
    };
    if (body !== undefined) {
      if (typeof body === 'string') init.body = body;
      else {
        init.body = JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] = 'application/json';
      }
    }
    const res = await fetch(base + path, init);
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, body: json, type: res.headers.get('content-type') ?? '' };
  };

  beforeAll(async () => {
    const keys = (gatewayKeys = await generateEd25519('test-key'));
    qualityKeys = await generateEd25519('test-quality-key');
    signer = createServiceTokenSigner(keys.privateJwk);
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
    seedAgain = () => seedDemoData(started.db, { scale: 0.1 });
    close = async () => {
      await started.close();
      if (databaseUrl) {
        const d = await openDatabase({
          service: 'catalog',
          tables: {},
          migrationsFolder: new URL('../migrations', import.meta.url).pathname,
          databaseUrl,
          schemaPrefix: prefix,
        });
        await d.drop();
        await d.close();
      }
    };
  });
  afterAll(async () => close?.());

  it('refuses calls without a valid service token for the catalog, and accepts one', async () => {
    expect((await fetch(`${base}/departments`)).status).toBe(401);
    const other = await generateEd25519('other');
    const forged = await createServiceTokenSigner(other.privateJwk).tokenFor('catalog');
    const res = await fetch(`${base}/departments`, { headers: { authorization: `Bearer ${forged}` } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ok = await call('GET', '/departments');
    expect(ok.status).toBe(200);
    assertContract(ref('department.v1.json', 'List'), ok.body);
    expect(ok.body.departments.map((d: any) => d.code)).toEqual(['HRSS', 'MCA', 'NHC', 'PSB', 'SAMR']);
  });

  it('the quality service, with its own key, may only read datasets and exports, and cannot speak for the gateway', async () => {
    const quality = await createServiceTokenSigner(qualityKeys.privateJwk, QUALITY_CALLER).tokenFor('catalog');
    const as = (t: string, method: string, path: string, body?: unknown) =>
      fetch(base + path, {
        method,
        headers: { authorization: `Bearer ${t}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
    for (const path of [
      '/datasets?first=5',
      '/datasets/resident-registry',
      '/datasets/resident-registry/records/export?limit=2',
    ]) {
      expect((await as(quality, 'GET', path)).status, path).toBe(200);
    }
    const refused: [string, string, unknown?][] = [
      ['GET', '/departments'],
      ['GET', '/datasets/resident-registry/access?dept=PSB'],
      ['GET', '/grants'],
      ['POST', '/datasets/resident-registry/records/query', { fields: ['name'] }],
      [
        'POST',
        '/grants',
        {
          datasetId: 'subsidies',
          granteeDept: 'PSB',
          fields: ['recordNo'],
          purpose: 'x',
          expiresAt: '2099-01-01T00:00:00Z',
          createdBy: 'q',
        },
      ],
    ];
    for (const [method, path, body] of refused) {
      const res = await as(quality, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect((await res.json()).error.message).toContain('service "quality" may not call');
    }
    // A key only signs for its own caller: quality's key claiming to be the gateway, and the other way round.
    expect(
      (
        await as(
          await createServiceTokenSigner(qualityKeys.privateJwk, GATEWAY_CALLER).tokenFor('catalog'),
          'GET',
          '/departments',
        )
      ).status,
    ).toBe(401);
    expect(
      (
        await as(
          await createServiceTokenSigner(gatewayKeys.privateJwk, QUALITY_CALLER).tokenFor('catalog'),
          'GET',
          '/datasets',
        )
      ).status,
    ).toBe(401);
  });

  it('lists the demo datasets with cursor paging and filters', async () => {
    expect(await seedAgain()).toBeNull(); // seeding is once only
    const ids: string[] = [];
    let after = '';
    for (;;) {
      const page = await call('GET', `/datasets?first=4${after ? `&after=${after}` : ''}`);
      expect(page.status).toBe(200);
      assertContract(ref('dataset.v1.json', 'Page'), page.body);
      ids.push(...page.body.datasets.map((d: any) => d.id));
      if (!page.body.hasNextPage) break;
      after = page.body.endCursor;
    }
    expect(ids.sort()).toEqual(DEMO_DATASETS.map((d) => d.id).sort());
    const restricted = await call('GET', '/datasets?tier=RESTRICTED');
    expect(restricted.body.datasets.map((d: any) => d.id)).toEqual(['social-insurance', 'subsidies']);
    expect(restricted.body.totalCount).toBe(2);
    expect((await call('GET', '/datasets?search=Resident')).body.datasets.map((d: any) => d.id)).toEqual([
      'resident-registry',
    ]);
    const one = await call('GET', '/datasets/resident-registry');
    assertContract(ref('dataset.v1.json'), one.body);
    expect(one.body).toMatchObject({ ownerDept: 'PSB', tier: 'INTERNAL', keyFields: ['idNumber'], version: 1 });
    // Declared field order survives the JSONB round trip.
    expect(Object.keys(one.body.schema.properties)).toEqual(
      Object.keys(DEMO_SCHEMAS['resident-registry'].schema.properties),
    );
    expect(one.body.recordCount).toBeGreaterThan(450);
    expect((await call('GET', '/datasets/nope')).status).toBe(404);
  });

  it('creates datasets, ingests JSON / NDJSON / CSV all-or-nothing, and evolves the schema', async () => {
    const created = await call('POST', '/datasets', {
      id: 'widgets',
      title: 'Widgets',
      ownerDept: 'SAMR',
      tier: 'INTERNAL',
      schema,
    });
    expect(created.status).toBe(201);
    assertContract(ref('dataset.v1.json'), created.body);
    expect(
      (await call('POST', '/datasets', { id: 'widgets', title: 'W', ownerDept: 'SAMR', tier: 'INTERNAL', schema }))
        .status,
    ).toBe(409);
    const unknownDept = await call('POST', '/datasets', {
      id: 'w2',
      title: 'W',
      ownerDept: 'XYZ',
      tier: 'INTERNAL',
      schema,
    });
    expect(unknownDept).toMatchObject({
      status: 400,
      body: { error: { code: 'BAD_USER_INPUT', details: { rule: 'department-unknown' } } },
    });
    const badSchema = await call('POST', '/datasets', {
      id: 'w3',
      title: 'W',
      ownerDept: 'SAMR',
      tier: 'INTERNAL',
      schema: { ...schema, required: ['label'] },
    });
    expect(badSchema.status).toBe(400);
    expect(badSchema.body.error.message).toContain('schema/properties/code/x-key');

    const json = await call('POST', '/datasets/widgets/records', {
      mode: 'append',
      records: [
        { code: 'a', label: 'A', size: 1 },
        { code: 'a', label: 'dup' },
      ],
    });
    expect(json.status).toBe(200);
    assertContract(ref('records.v1.json', 'IngestResult'), json.body);
    expect(json.body).toEqual({ datasetId: 'widgets', mode: 'append', accepted: 2, recordCount: 2 });

    const ndjson = await call(
      'POST',
      '/datasets/widgets/records',
      '{"code":"b","label":"B"}\n{"code":"c","label":"C","size":3}\n',
      { 'content-type': 'application/x-ndjson' },
    );
    expect(ndjson.body).toMatchObject({ accepted: 2, recordCount: 4 });

    const badCsv = await call('POST', '/datasets/widgets/records?mode=replace', 'code,label,size\nx,X,1\ny,Y,big\n', {
      'content-type': 'text/csv; charset=utf-8',
    });
    expect(badCsv.status).toBe(400);
    expect(badCsv.body.error.details).toEqual({
      errors: [{ row: 2, field: 'size', rule: 'type', message: expect.any(String) }],
      errorCount: 1,
    });
    expect((await call('GET', '/datasets/widgets')).body.recordCount).toBe(4);

    const csv = await call('POST', '/datasets/widgets/records?mode=replace', 'code,label,size\nx,X,1\ny,Y,\n', {
      'content-type': 'text/csv',
    });
    expect(csv.body).toEqual({ datasetId: 'widgets', mode: 'replace', accepted: 2, recordCount: 2 });

    // Compatible change: a new optional field -> version 2; incompatible -> 409 with problems.
    const v2 = { ...schema, properties: { ...schema.properties, colour: { type: 'string', enum: ['red', 'blue'] } } };
    const changed = await call('PUT', '/datasets/widgets/schema', { schema: v2 });
    expect(changed.status).toBe(200);
    expect(changed.body.version).toBe(2);
    expect((await call('PUT', '/datasets/widgets/schema', { schema: v2 })).body.version).toBe(2); // same schema: no new version
    const broken = await call('PUT', '/datasets/widgets/schema', {
      schema: { ...v2, properties: { code: v2.properties.code, label: v2.properties.label } },
    });
    expect(broken.status).toBe(409);
    expect(broken.body.error.details.problems.map((p: any) => [p.field, p.rule]).sort()).toEqual([
      ['colour', 'field-removed'],
      ['size', 'field-removed'],
    ]);
    const versions = await call('GET', '/datasets/widgets/versions');
    expect(versions.body.versions.map((v: any) => v.version)).toEqual([1, 2]);
    expect(Object.keys(versions.body.versions[1].schema.properties)).toEqual(['code', 'label', 'size', 'colour']);

    await call('POST', '/datasets/widgets/records', {
      mode: 'append',
      records: [{ code: 'z', label: 'Z', colour: 'red' }],
    });
    const q = await call('POST', '/datasets/widgets/records/query', {
      fields: ['code', 'colour'],
      where: {
        or: [
          { field: 'colour', op: 'eq', value: 'red' },
          { field: 'code', op: 'in', value: ['x'] },
        ],
      },
    });
    expect(q.status).toBe(200);
    assertContract(ref('records.v1.json', 'Page'), q.body);
    expect(q.body.records.map((r: any) => [r.data, r.version])).toEqual([
      [{ code: 'x' }, 1],
      [{ code: 'z', colour: 'red' }, 2],
    ]);
    expect(q.body).toMatchObject({ totalCount: 2, hasNextPage: false, datasetVersion: 2 });
    const badQuery = await call('POST', '/datasets/widgets/records/query', {
      fields: ['code'],
      where: { field: 'size', op: 'gt', value: 'big' },
    });
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.error.message).toContain('"size"');
  });

  it('answers a refused large stream with the row errors, not a reset connection', async () => {
    await call('POST', '/datasets', { id: 'bulk', title: 'Bulk', ownerDept: 'SAMR', tier: 'INTERNAL', schema });
    const lines: string[] = [];
    for (let i = 0; i < 60_000; i++)
      lines.push(
        JSON.stringify(
          i < 200 ? { code: `c${i}`, label: 'x', size: 'big' } : { code: `c${i}`, label: 'y'.repeat(60), size: i },
        ),
      );
    const res = await call('POST', '/datasets/bulk/records', lines.join('\n'), {
      'content-type': 'application/x-ndjson',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.errors).toHaveLength(100);
    expect(res.body.error.details.errors[0]).toMatchObject({ row: 1, field: 'size', rule: 'type' });
    expect((await call('GET', '/datasets/bulk')).body.recordCount).toBe(0);
    const ok = await call('POST', '/datasets/bulk/records', lines.slice(200).join('\n'), {
      'content-type': 'application/x-ndjson',
    });
    expect(ok.body).toMatchObject({ accepted: 59_800, recordCount: 59_800 });
  });

  it('exports a dataset as NDJSON', async () => {
    const res = await call('GET', '/datasets/legal-persons/records/export');
    expect(res.status).toBe(200);
    expect(res.type).toContain('application/x-ndjson');
    const lines = (res.body as string)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const ds = await call('GET', '/datasets/legal-persons');
    expect(lines).toHaveLength(ds.body.recordCount);
    for (const l of lines.slice(0, 5)) assertContract(ref('records.v1.json', 'Record'), l);
    const tail = await call('GET', `/datasets/legal-persons/records/export?after=${lines[9].id}&limit=3`);
    expect(
      (tail.body as string)
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id),
    ).toEqual(lines.slice(10, 13).map((l) => l.id));
    expect((await call('GET', '/datasets/nope/records/export')).status).toBe(404);
    const byKey = await call('GET', `/datasets/legal-persons/records/export?after=${lines[9].key}`);
    expect(byKey).toMatchObject({ status: 400, body: { error: { details: { rule: 'export-cursor' } } } });
  });

  it('manages grants: rules, revocation and the access view', async () => {
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const body = {
      datasetId: 'social-insurance',
      granteeDept: 'NHC',
      fields: ['idNumber', 'status'],
      unmaskedFields: ['status'],
      purpose: '医保比对 / matching',
      expiresAt: future,
      createdBy: 'steward-1',
    };
    const created = await call('POST', '/grants', body);
    expect(created.status).toBe(201);
    assertContract(ref('grant.v1.json'), created.body);
    const refusedRule = async (b: unknown) => (await call('POST', '/grants', b)).body.error.details.rule;
    expect(await refusedRule({ ...body, datasetId: 'legal-persons', fields: ['creditCode'], unmaskedFields: [] })).toBe(
      'tier-not-restricted',
    );
    expect(await refusedRule({ ...body, fields: ['idNumber', 'salary'] })).toBe('field-unknown');
    expect(await refusedRule({ ...body, unmaskedFields: ['name'] })).toBe('unmasked-not-granted');
    expect(await refusedRule({ ...body, expiresAt: new Date(Date.now() - 1000).toISOString() })).toBe('expiry-in-past');
    expect(await refusedRule({ ...body, granteeDept: 'NOPE' })).toBe('department-unknown');

    const access = await call('GET', '/datasets/social-insurance/access?dept=NHC');
    expect(access.status).toBe(200);
    assertContract(ref('dataset.v1.json'), access.body.dataset);
    expect(access.body.grants.map((g: any) => g.id)).toEqual([created.body.id]);
    const mca = await call('GET', '/datasets/social-insurance/access?dept=MCA');
    expect(mca.body.grants).toEqual([
      expect.objectContaining({
        granteeDept: 'MCA',
        unmaskedFields: ['name'],
        purpose: '低保资格核查 / subsidy eligibility check',
      }),
    ]);
    expect((await call('GET', '/datasets/subsidies/access?dept=NHC')).body.grants).toEqual([]); // the demo grant expired
    expect((await call('GET', '/grants?datasetId=subsidies&active=false')).body.grants).toHaveLength(1);

    // A records query decided on this context goes through while it is current...
    assertContract(ref('dataset.v1.json', 'AccessContext'), access.body);
    const decided = (version: string, grantId?: string) =>
      call('POST', '/datasets/social-insurance/records/query', {
        fields: ['status'],
        first: 1,
        withTotal: false,
        access: { version, ...(grantId ? { grantId } : {}) },
      });
    expect((await decided(access.body.version, created.body.id)).status).toBe(200);
    expect((await decided('not-the-version')).body.error).toMatchObject({
      code: 'CONFLICT',
      details: { rule: 'access-stale' },
    });
    expect((await decided(access.body.version, '00000000-0000-4000-8000-000000000000')).body.error.details.rule).toBe(
      'access-stale',
    );

    const revoked = await call('POST', `/grants/${created.body.id}/revoke`);
    expect(revoked.body.revokedAt).not.toBeNull();
    // ...and is refused once a grant write has changed it, or when the grant it relies on is revoked.
    expect((await decided(access.body.version, created.body.id)).status).toBe(409);
    const after = (await call('GET', '/datasets/social-insurance/access?dept=NHC')).body;
    expect(after.version).not.toBe(access.body.version);
    expect((await decided(after.version)).status).toBe(200);
    expect((await decided(after.version, created.body.id)).body.error.details.rule).toBe('access-stale');
    const again = await call('POST', `/grants/${created.body.id}/revoke`);
    expect(again.body).toEqual(revoked.body);
    expect((await call('GET', '/datasets/social-insurance/access?dept=NHC')).body.grants).toEqual([]);
    const active = await call('GET', '/grants?active=true');
    assertContract(ref('grant.v1.json', 'List'), active.body);
    expect(active.body.grants.map((g: any) => [g.datasetId, g.granteeDept])).toEqual([['social-insurance', 'MCA']]);
    expect((await call('GET', `/grants/${created.body.id}`)).body.revokedAt).toBe(revoked.body.revokedAt);
    expect((await call('GET', '/grants/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await call('GET', '/datasets/nope/access?dept=MCA')).status).toBe(404);
  });
});
