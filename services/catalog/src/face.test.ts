// One face, two topologies: the same call gives the same result and the same error (code and
// message) in this process (createCatalogFace) and through serveFace / remoteFace over real HTTP
// with a real service token; and the quality service's token is refused outside its three ops.
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLogger,
  createServiceTokenSigner,
  generateEd25519,
  openDatabase,
  QUALITY_CALLER,
  readAll,
  type CallContext,
} from '@govshare/platform';
import { catalogFaceSpec, manualClock, startCatalog, type CatalogFace } from './index.ts';
import { asHub, asPerson, dropCatalogSchema, freshSchemaPrefix, remoteCatalog, testTargets } from './test-support.ts';

type Outcome = { ok: unknown } | { code: string; message: string };
const outcome = (p: Promise<unknown>): Promise<Outcome> =>
  p.then(
    (ok) => ({ ok }),
    (e) => ({ code: e.code, message: e.message }),
  );

describe.each(testTargets)('the catalog face in process and over HTTP on $name', ({ url: databaseUrl }) => {
  let local: CatalogFace;
  let remote: CatalogFace;
  let base: string;
  let quality: ReturnType<typeof remoteCatalog>;
  let qualitySigner: ReturnType<typeof createServiceTokenSigner>;
  let close: () => Promise<void>;
  const prefix = freshSchemaPrefix();
  const hub = asHub('face-test');
  const admin = asPerson('root', 'PSB', ['admin'], 'face-test');

  beforeAll(async () => {
    const gateway = await generateEd25519('face-gateway');
    const qualityKeys = await generateEd25519('face-quality');
    const started = await startCatalog({
      databaseUrl,
      dataDir: ':memory:',
      schemaPrefix: prefix,
      servicePublicJwk: gateway.publicJwk,
      qualityPublicJwk: qualityKeys.publicJwk,
      port: 0,
      demoData: { scale: 0.05 },
      // One "now" for both calls: deadlines and working days left are computed from it.
      clock: manualClock(new Date('2026-11-20T02:00:00Z')),
      logger: createLogger('catalog-face-test', 'silent'),
    });
    base = started.url;
    local = started.face;
    const viaHttp = remoteCatalog(started.url, createServiceTokenSigner(gateway.privateJwk));
    remote = viaHttp.face;
    qualitySigner = createServiceTokenSigner(qualityKeys.privateJwk, QUALITY_CALLER);
    quality = remoteCatalog(started.url, qualitySigner);
    close = async () => {
      await viaHttp.close();
      await quality.close();
      await started.close();
      await dropCatalogSchema(databaseUrl, prefix);
    };
  });
  afterAll(async () => close?.());

  /** The same call on both faces: equal outcomes (the whole result, or the error's code and message). */
  async function same<K extends keyof CatalogFace>(op: K, input: Parameters<CatalogFace[K]>[0], ctx: CallContext) {
    const call = (face: CatalogFace) => (face[op] as (i: unknown, c: CallContext) => Promise<unknown>)(input, ctx);
    // Inputs are copied: the in-process check fills in defaults on the object it is given.
    const inProcess = await outcome(call(local).then((v) => structuredClone(v)));
    const overHttp = await outcome(call(remote));
    expect(overHttp, op).toEqual(inProcess);
    return inProcess;
  }

  it('reads give the same results', async () => {
    const list = await same('listDatasets', { first: 3 }, hub);
    expect((list as { ok: { datasets: unknown[] } }).ok.datasets).toHaveLength(3);
    await same('listDepartments', {}, hub);
    await same('getDataset', { id: 'resident-registry' }, hub);
    await same('datasetAccess', { id: 'social-insurance', dept: 'MCA' }, hub);
    const page = await same(
      'queryRecords',
      {
        id: 'resident-registry',
        fields: ['idNumber', 'name'],
        where: { field: 'gender', op: 'eq', value: '女' },
        first: 5,
      },
      hub,
    );
    expect((page as { ok: { records: unknown[] } }).ok.records).toHaveLength(5);
    await same('listGrants', { datasetId: 'social-insurance' }, hub);
    await same('getAccessSettings', { dept: 'PSB' }, hub);
    await same('listAccessRequests', { ownerDept: 'HRSS', first: 5 }, hub);
    await same('governanceFigures', { dept: 'HRSS', from: '2020-01-01T00:00:00Z' }, hub);
    await same('listVersions', { id: 'legal-persons' }, hub);
    await same('getSandboxBudget', { id: 'social-insurance' }, hub);
  });

  it('refusals give the same error, code and message', async () => {
    const cases: [keyof CatalogFace, unknown, CallContext, string][] = [
      ['getDataset', { id: 'no-such-dataset' }, hub, 'NOT_FOUND'],
      // Input checked against the spec in both topologies (the served route runs the same check).
      ['listDatasets', { first: 1000 }, hub, 'BAD_USER_INPUT'],
      ['getDataset', { id: 'resident-registry', extra: 1 }, hub, 'BAD_USER_INPUT'],
      ['queryRecords', { id: 'resident-registry', fields: ['nope'] }, hub, 'BAD_USER_INPUT'],
      ['queryRecords', { id: 'resident-registry', fields: ['name'], access: { version: '1' } }, hub, 'BAD_USER_INPUT'],
      ['exportRecords', { id: 'resident-registry', after: 'abc' }, hub, 'BAD_USER_INPUT'],
      ['getAccessRequest', { id: 'not-a-uuid' }, hub, 'NOT_FOUND'],
      // An op done for a person, called without one.
      [
        'createGrant',
        {
          datasetId: 'social-insurance',
          granteeDept: 'NHC',
          fields: ['status'],
          purpose: 'a check',
          expiresAt: '2099-01-01T00:00:00Z',
        },
        hub,
        'FORBIDDEN',
      ],
      ['sandboxAggregate', { dataset: 'resident-registry', measures: [{ fn: 'count' }] }, hub, 'FORBIDDEN'],
      ['setAccessSettings', { dept: 'PSB', deadlineWorkingDays: 7 }, hub, 'FORBIDDEN'],
      // An actor in the input is not taken: the contract has no such field.
      [
        'withdrawAccessRequest',
        { id: '00000000-0000-4000-8000-000000000000', actor: { sub: 'x', dept: 'PSB', roles: ['admin'] } },
        admin,
        'BAD_USER_INPUT',
      ],
      ['withdrawAccessRequest', { id: '00000000-0000-4000-8000-000000000000' }, admin, 'NOT_FOUND'],
      ['changeSchema', { id: 'legal-persons', schema: { type: 'object', properties: {} } }, admin, 'BAD_USER_INPUT'],
    ];
    for (const [op, input, ctx, code] of cases) {
      const got = await same(op, input as never, ctx);
      expect(got, `${op} ${JSON.stringify(input)}`).toMatchObject({ code });
      expect((got as { message: string }).message.length).toBeGreaterThan(0);
    }
  });

  it('writes made for a person take who from the caller, the same way in both topologies', async () => {
    const grant = (purpose: string) => ({
      datasetId: 'social-insurance',
      granteeDept: 'NHC',
      fields: ['status'],
      purpose,
      expiresAt: '2099-01-01T00:00:00Z',
    });
    const here = await local.createGrant(grant('in process'), admin);
    const there = await remote.createGrant(grant('over http'), asPerson('other-admin', 'MCA', ['admin']));
    expect(here.createdBy).toBe('root@PSB');
    expect(there.createdBy).toBe('other-admin@MCA');
    const q = { dataset: 'resident-registry', groupBy: ['gender'], measures: [{ fn: 'count' as const }] };
    const a = await local.sandboxAggregate(q, asPerson('a', 'PSB', ['steward']));
    const b = await remote.sandboxAggregate(q, asPerson('b', 'PSB', ['steward']));
    expect(b).toEqual(a); // the owner's exact answer, asked by the same department
  });

  it('uploads and downloads are streams in both topologies', async () => {
    const csv = 'idNumber,name\n110101199003071234,\n';
    const upload = () => ({ contentType: 'text/csv', body: Readable.from([Buffer.from(csv)]) });
    // An upload refused the same way (its one row lacks what the data dictionary requires).
    const refusedHere = await outcome(local.ingestUpload({ id: 'resident-registry', upload: upload() }, admin));
    const refusedThere = await outcome(remote.ingestUpload({ id: 'resident-registry', upload: upload() }, admin));
    expect(refusedThere).toEqual(refusedHere);
    expect(refusedHere).toMatchObject({ code: 'BAD_USER_INPUT' });
    const text = async (face: CatalogFace) => {
      const out = await face.exportRecords({ id: 'legal-persons', limit: 4 }, hub);
      return { contentType: out.contentType.split(';')[0], text: await readAll(out.body) };
    };
    const [here, there] = [await text(local), await text(remote)];
    expect(there).toEqual(here);
    expect(here.text.trim().split('\n')).toHaveLength(4);
  });

  it("the quality service's token is refused (403) outside its three ops", async () => {
    expect((await quality.face.getDataset({ id: 'legal-persons' }, hub)).id).toBe('legal-persons');
    const err = await quality.face.datasetAccess({ id: 'legal-persons', dept: 'PSB' }, hub).catch((e) => e);
    expect(err).toMatchObject({ code: 'FORBIDDEN', message: 'service "quality" may not call POST /rpc/datasetAccess' });
    // Over the wire: the status is 403, for every op but the three.
    for (const op of Object.keys(catalogFaceSpec)) {
      const res = await fetch(`${base}/rpc/${op}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await qualitySigner.tokenFor('catalog')}`,
          'content-type': 'application/json',
        },
        body: '{}',
      });
      await res.text();
      if (['listDatasets', 'getDataset', 'exportRecords'].includes(op)) expect(res.status, op).not.toBe(403);
      else expect(res.status, op).toBe(403);
    }
  });
});
