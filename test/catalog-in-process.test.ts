// The gateway with the catalog in its own process (the modular monolith's first module): the same
// GraphQL reads, grants, access requests and uploads as through the catalog service, with the catalog's
// face called directly (input checked, then a direct call) and the caller passed along with each call.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, generateEd25519, readAll } from '@govshare/platform';
import { mintCallerToken, startGateway } from '@govshare/gateway';
import { openCatalogModule, type CatalogModule } from '@govshare/catalog';
import { startAudit, type StartedAudit } from '@govshare/audit';
import type { Role } from '@govshare/contracts';
import { AUDIENCE, backends, codes, ISSUER } from './hub.ts';

const RECORDS = `query R($d: ID!, $f: [String!]) { records(dataset: $d, fields: $f, first: 5) { grantId nodes { data } } }`;

describe.each(backends())('the gateway with the catalog in process (%s)', (backend) => {
  let catalog: CatalogModule;
  let audit: StartedAudit;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let issuer: Awaited<ReturnType<typeof generateEd25519>>;
  const schemaPrefix = `t${process.pid}_${Date.now().toString(36)}_${randomBytes(2).toString('hex')}`;
  const databaseUrl = backend === 'postgres' ? process.env.GOVSHARE_TEST_DATABASE_URL : undefined;

  const token = (dept: string, roles: Role[]) =>
    mintCallerToken(issuer.privateJwk, {
      sub: `${dept.toLowerCase()}-user`,
      dept,
      roles,
      issuer: ISSUER,
      audience: AUDIENCE,
    });
  const gql = async (dept: string, roles: Role[], query: string, variables?: Record<string, unknown>) => {
    const res = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token(dept, roles)}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as any;
  };

  beforeAll(async () => {
    const logger = createLogger('in-process-test', process.env.TEST_LOG_LEVEL ?? 'silent');
    const serviceKeys = await generateEd25519('svc-in-process');
    issuer = await generateEd25519('issuer-in-process');
    const common = { databaseUrl, dataDir: ':memory:', schemaPrefix, logger };
    catalog = await openCatalogModule({ ...common, demoData: { scale: 0.05 } });
    audit = await startAudit({ ...common, servicePublicJwk: serviceKeys.publicJwk, host: '127.0.0.1', port: 0 });
    gateway = await startGateway({
      ...common,
      catalog: catalog.face,
      catalogReady: catalog.ready,
      auditUrl: audit.url,
      servicePrivateJwk: serviceKeys.privateJwk,
      tokens: { issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [issuer.publicJwk] } },
      maskKey: randomBytes(32),
      grantFactSweepMs: 0,
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await audit?.close();
    await catalog?.close();
    if (backend !== 'postgres') return;
    const postgres = (await import('postgres')).default;
    const sql = postgres(databaseUrl!, { max: 1, onnotice: () => {} });
    const rows = await sql`select nspname from pg_namespace where nspname like ${`${schemaPrefix}_%`}`;
    for (const r of rows) await sql.unsafe(`drop schema if exists "${r.nspname}" cascade`);
    await sql.end();
  });

  it('is ready, reads, and decides every read afresh: a grant works at once and its revocation too', async () => {
    expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);
    const own = await gql('PSB', ['consumer'], RECORDS, { d: 'resident-registry' });
    expect(own.errors).toBeUndefined();
    expect(own.data.records.nodes).toHaveLength(5);

    expect(codes(await gql('HRSS', ['consumer'], RECORDS, { d: 'subsidies' }))).toEqual(['FORBIDDEN']);
    const created = await gql(
      'PSB',
      ['admin'],
      `mutation G($i: CreateGrantInput!) { createGrant(input: $i) { id createdBy } }`,
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
    expect(created.errors).toBeUndefined();
    // The creator is the caller the gateway verified, passed along with the call.
    expect(created.data.createGrant.createdBy).toBe('psb-user@PSB');
    const granted = await gql('HRSS', ['consumer'], RECORDS, { d: 'subsidies' });
    expect(granted.errors).toBeUndefined();
    expect(granted.data.records.grantId).toBe(created.data.createGrant.id);
    const revoked = await gql(
      'PSB',
      ['admin'],
      `mutation { revokeGrant(id: "${created.data.createGrant.id}") { id } }`,
    );
    expect(revoked.errors).toBeUndefined();
    expect(codes(await gql('HRSS', ['consumer'], RECORDS, { d: 'subsidies' }))).toEqual(['FORBIDDEN']);
  });

  it('files an access request for the caller, and ingests an upload streamed straight to the catalog', async () => {
    const filed = await gql(
      'NHC',
      ['consumer'],
      `mutation F($i: FileAccessRequestInput!) { fileAccessRequest(input: $i) { requesterDept requestedBy status } }`,
      {
        i: {
          datasetId: 'subsidies',
          purpose: 'a health check',
          legalBasis: 'a regulation, art. 1',
          fields: [{ name: 'recordNo' }],
          durationDays: 30,
        },
      },
    );
    expect(filed.errors).toBeUndefined();
    expect(filed.data.fileAccessRequest).toEqual({ requesterDept: 'NHC', requestedBy: 'nhc-user', status: 'PENDING' });

    const before = (await catalog.face.getDataset({ id: 'legal-persons' }, { requestId: 't' })).recordCount;
    const steward = await token('SAMR', ['steward']);
    const exported = await catalog.face.exportRecords({ id: 'legal-persons', limit: 2 }, { requestId: 't' });
    const again = (await readAll(exported.body))
      .trim()
      .split('\n')
      .map((l) => JSON.stringify(JSON.parse(l).data))
      .join('\n');
    const res = await fetch(`${gateway.url}/datasets/legal-persons/records?mode=append`, {
      method: 'POST',
      headers: { authorization: `Bearer ${steward}`, 'content-type': 'application/x-ndjson' },
      body: again,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 2, recordCount: before + 2 });
    // A refused upload is answered with its errors, not a reset connection, in process too.
    const bad = await fetch(`${gateway.url}/datasets/legal-persons/records?mode=append`, {
      method: 'POST',
      headers: { authorization: `Bearer ${steward}`, 'content-type': 'application/x-ndjson' },
      body: `${'{"nope":1}\n'.repeat(20_000)}`,
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.details.errors).toHaveLength(100);
  });
});
