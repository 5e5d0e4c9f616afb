// Reads while the same dataset is being ingested: every read is answered (no CONFLICT from a
// remembered access decision gone stale), because records arriving change nothing a decision rests on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubSetups, startHub, type Hub } from './hub.ts';

const SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string', 'x-key': true },
    name: { type: 'string', 'x-sensitivity': 'personal', 'x-mask': 'partial' },
    region: { type: 'string', 'x-dimension': true },
  },
  required: ['id', 'name', 'region'],
  additionalProperties: false,
};
const READ = `query R { records(dataset: "ingest-race", first: 5, fields: ["id", "name"]) { totalCount nodes { data } } }`;

describe.each(hubSetups())('reads during ingest (%s)', (backend) => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub(backend);
  });
  afterAll(() => hub?.close());

  it('no read fails while batches are appended to the dataset it reads', async () => {
    const steward = await hub.token('SAMR', ['steward']);
    const created = await hub.gql(steward, `mutation C($i: CreateDatasetInput!) { createDataset(input: $i) { id } }`, {
      i: { id: 'ingest-race', title: 'ingest race', ownerDept: 'SAMR', tier: 'INTERNAL', schema: SCHEMA },
    });
    expect(created.body.errors).toBeUndefined();
    const readers = [await hub.token('MCA', ['consumer']), await hub.token('SAMR', ['consumer'])];
    let ingesting = true;
    const failures: string[] = [];
    let reads = 0;
    const totals: number[] = [];
    const reader = async (token: string) => {
      while (ingesting) {
        const res = await hub.gql(token, READ);
        reads++;
        if (res.body.errors)
          failures.push(res.body.errors.map((e: any) => `${e.extensions?.code}: ${e.message}`).join('; '));
        else totals.push(res.body.data.records.totalCount);
      }
    };
    const ingest = async () => {
      try {
        for (let b = 0; b < 25; b++) {
          const records = Array.from({ length: 40 }, (_, i) => ({
            id: `r${b}-${i}`,
            name: `名${b}${i}`,
            region: `R${i % 4}`,
          }));
          const res = await hub.gql(
            steward,
            `mutation I($r: [JSON!]!) { ingestRecords(dataset: "ingest-race", records: $r) { accepted } }`,
            { r: records },
          );
          expect(res.body.errors).toBeUndefined();
        }
      } finally {
        ingesting = false;
      }
    };
    await Promise.all([ingest(), ...readers.flatMap((t) => [reader(t), reader(t)])]);
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThanOrEqual(10);
    // The reads saw the dataset grow (they ran during the ingest, not after it).
    expect(new Set(totals).size).toBeGreaterThan(1);
  });
});
