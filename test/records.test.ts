import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hubSetups, codes, startHub, type Hub } from './hub.ts';

const PAGE = `query P($d: ID!, $w: RecordFilter, $first: Int, $after: String, $f: [String!]) {
  records(dataset: $d, where: $w, first: $first, after: $after, fields: $f) { totalCount pageInfo { endCursor hasNextPage } nodes { key data } }
}`;

async function readAll(hub: Hub, token: string, dataset: string, where?: unknown, first = 100) {
  const rows: any[] = [];
  let after: string | undefined;
  let total = -1;
  for (let i = 0; i < 1000; i++) {
    const res = await hub.gql(token, PAGE, { d: dataset, w: where, first, after });
    if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
    const r = res.body.data.records;
    total = r.totalCount;
    rows.push(...r.nodes);
    if (!r.pageInfo.hasNextPage) break;
    after = r.pageInfo.endCursor;
  }
  return { rows, total };
}

type Leaf = { field: string; op: string; value: any };

// An independent evaluation of the filter semantics, to compare with the SQL the catalog runs.
function matches(data: Record<string, any>, f: any): boolean {
  if (f.and) return f.and.every((c: any) => matches(data, c));
  if (f.or) return f.or.some((c: any) => matches(data, c));
  const v = data[f.field];
  const present = v !== undefined && v !== null;
  switch (f.op) {
    case 'eq':
      return present && v === f.value;
    case 'ne':
      return !(present && v === f.value);
    case 'in':
      return present && f.value.includes(v);
    case 'lt':
      return present && v < f.value;
    case 'lte':
      return present && v <= f.value;
    case 'gt':
      return present && v > f.value;
    case 'gte':
      return present && v >= f.value;
    case 'prefix':
      return present && typeof v === 'string' && v.startsWith(f.value);
    case 'isNull':
      return f.value ? !present : present;
  }
  return false;
}

function toInput(f: any): any {
  if (f.and) return { and: f.and.map(toInput) };
  if (f.or) return { or: f.or.map(toInput) };
  return { field: f.field, [f.op]: f.value };
}

describe.each(hubSetups())('records: filters, pagination and ingest over HTTP (%s)', (backend) => {
  let hub: Hub;
  let owner: string;
  let all: any[];
  beforeAll(async () => {
    hub = await startHub(backend);
    owner = await hub.token('SAMR', ['consumer', 'steward']);
    all = (await readAll(hub, owner, 'legal-persons')).rows;
  });
  afterAll(() => hub?.close());

  it('pages through a dataset exactly once, in a stable order, with a true total', async () => {
    const small = await readAll(hub, owner, 'legal-persons', undefined, 37);
    expect(small.rows.length).toBe(small.total);
    expect(new Set(small.rows.map((r) => JSON.stringify(r))).size).toBe(small.rows.length);
    expect(small.rows.map((r) => r.key)).toEqual(all.map((r) => r.key));
  });

  it('filters return exactly the records an independent evaluation selects', async () => {
    const capitals = all.map((r) => r.data.registeredCapital).filter((v) => typeof v === 'number');
    const statuses = [...new Set(all.map((r) => r.data.status).filter(Boolean))];
    const names = all.map((r) => r.data.companyName).filter((v) => typeof v === 'string');
    const leaf: fc.Arbitrary<Leaf> = fc.oneof(
      fc.record({
        field: fc.constant('registeredCapital'),
        op: fc.constantFrom('lt', 'lte', 'gt', 'gte', 'eq', 'ne'),
        value: fc.constantFrom(...capitals),
      }),
      fc.record({ field: fc.constant('status'), op: fc.constantFrom('eq', 'ne'), value: fc.constantFrom(...statuses) }),
      fc.record({
        field: fc.constant('status'),
        op: fc.constant('in'),
        value: fc.subarray(statuses, { minLength: 1 }),
      }),
      fc.record({
        field: fc.constant('companyName'),
        op: fc.constant('prefix'),
        value: fc.constantFrom(...names).map((n: string) => [...n].slice(0, 2).join('')),
      }),
      fc.record({
        field: fc.constantFrom('legalRepresentative', 'address'),
        op: fc.constant('isNull'),
        value: fc.boolean(),
      }),
    );
    const filter = fc.oneof(
      leaf,
      fc.record({ and: fc.array(leaf, { minLength: 1, maxLength: 3 }) }),
      fc.record({ or: fc.array(leaf, { minLength: 1, maxLength: 3 }) }),
    );
    await fc.assert(
      fc.asyncProperty(filter, async (f) => {
        const got = await readAll(hub, owner, 'legal-persons', toInput(f));
        const want = all.filter((r) => matches(r.data, f)).map((r) => r.key);
        expect(got.rows.map((r) => r.key)).toEqual(want);
        expect(got.total).toBe(want.length);
      }),
      { numRuns: 25 },
    );
  });

  it('refuses a batch with one bad row as a whole, naming row, field and rule', async () => {
    const count = async () =>
      (await hub.gql(owner, `{ dataset(id: "legal-persons") { recordCount } }`)).body.data.dataset.recordCount;
    const before = await count();
    const good = { ...all[0].data, creditCode: '91110000MA00000001' };
    const bad = { ...all[1].data, registeredCapital: 'a lot', surprise: 1 };
    const res = await hub.gql(
      owner,
      `mutation I($r: [JSON!]!) { ingestRecords(dataset: "legal-persons", records: $r) { accepted } }`,
      { r: [good, good, bad] },
    );
    expect(codes(res.body)).toEqual(['BAD_USER_INPUT']);
    const errors = res.body.errors[0].extensions.details.errors;
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ row: 3, field: 'registeredCapital' }),
        expect.objectContaining({ row: 3, field: 'surprise' }),
      ]),
    );
    expect(await count()).toBe(before);

    const ok = await hub.gql(
      owner,
      `mutation I($r: [JSON!]!) { ingestRecords(dataset: "legal-persons", records: $r) { accepted recordCount } }`,
      { r: [good] },
    );
    expect(ok.body.data.ingestRecords).toEqual({ accepted: 1, recordCount: before + 1 });
  });

  it('uploads CSV over HTTP (dirty but well-shaped data goes in) and refuses other departments', async () => {
    const sample = (await hub.gql(owner, `{ records(dataset: "business-licences", first: 1) { nodes { data } } }`)).body
      .data.records.nodes[0].data;
    const header = 'licenceNo,creditCode,licenceType,issuedOn,expiresOn';
    // Check characters of these credit codes are wrong on purpose: quality's business, not ingest's.
    const rows = Array.from(
      { length: 50 },
      (_, i) => `LIC-T-${i},91110000MA0000000${i % 10},${sample.licenceType},2024-01-0${(i % 9) + 1},2029-01-01`,
    );
    const upload = (token: string, body: string) =>
      fetch(`${hub.gatewayUrl}/datasets/business-licences/records?mode=append`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
        body,
      });
    const res = await upload(owner, [header, ...rows].join('\n'));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 50 });

    const broken = await upload(
      owner,
      [header, ...rows.slice(0, 3), `LIC-X,123,${sample.licenceType},not-a-date,2029-01-01`].join('\n'),
    );
    expect(broken.status).toBe(400);
    const body = await broken.json();
    expect(body.error.details.errors[0]).toMatchObject({ row: 4, field: 'issuedOn' });

    const stranger = await upload(await hub.token('MCA', ['steward']), [header, rows[0]].join('\n'));
    expect(stranger.status).toBe(403);
  });
});
