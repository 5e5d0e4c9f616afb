import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubSetups, codes, startHub, type Hub } from './hub.ts';

describe.each(hubSetups())('audit is required: no audit, no data (%s)', (backend) => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub(backend);
  });
  afterAll(() => hub?.close());

  it('serves data while the audit service takes events, and nothing once it is gone', async () => {
    const token = await hub.token('SAMR', ['consumer']);
    const q = `{ records(dataset: "legal-persons", first: 5) { nodes { key data } } }`;
    const before = await hub.gql(token, q);
    expect(before.body.errors).toBeUndefined();
    expect(before.body.data.records.nodes).toHaveLength(5);

    // The gateway is ready only while the catalog and the audit log are.
    expect((await fetch(`${hub.gatewayUrl}/readyz`)).status).toBe(200);
    await hub.stopAudit();
    expect((await fetch(`${hub.gatewayUrl}/readyz`)).status).toBe(503);
    const after = await hub.gql(token, q);
    expect(codes(after.body)).toEqual(['UNAVAILABLE']);
    expect(after.body.data?.records ?? null).toBeNull();
    expect(JSON.stringify(after.body)).not.toContain(before.body.data.records.nodes[0].key);

    const ingest = await hub.gql(
      await hub.token('SAMR', ['steward']),
      `mutation { ingestRecords(dataset: "legal-persons", records: []) { accepted } }`,
    );
    expect(codes(ingest.body)).toEqual(['UNAVAILABLE']);
  });
});
