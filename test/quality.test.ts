import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPublication } from '@govshare/quality';
import { hubSetups, codes, startHub, type Hub } from './hub.ts';
import { pollUntil } from './support/poll.ts';

describe.each(hubSetups())('data quality through the gateway (%s)', (backend) => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub(backend, { quality: true });
  });
  afterAll(() => hub?.close());

  it('a steward scores a dataset; its owner sees the detail, other departments only score and status', async () => {
    const steward = await hub.token('PSB', ['steward']);
    const run = await hub.gql(steward, `mutation { runQuality(dataset: "resident-registry") { id status } }`);
    expect(run.body.errors).toBeUndefined();
    const report = await pollUntil(
      () =>
        hub.gql(steward, `{ qualityReport(dataset: "resident-registry") { score status detailed metrics examples } }`),
      (r) => r.body.data?.qualityReport?.score != null,
    );
    const own = report.body.data.qualityReport;
    expect(own.detailed).toBe(true);
    // The demo registry is dirty on purpose: a realistic, non-trivial score.
    expect(own.score).toBeGreaterThan(40);
    expect(own.score).toBeLessThan(100);
    expect(own.metrics).toBeTruthy();
    expect(JSON.stringify(own.examples)).not.toMatch(/\d{17}[\dX]/); // examples are masked

    const other = await hub.gql(
      await hub.token('MCA', ['steward']),
      `{ qualityReport(dataset: "resident-registry") { score status detailed metrics } }`,
    );
    expect(other.body.data.qualityReport).toMatchObject({ score: own.score, detailed: false, metrics: null });
    const notOwner = await hub.gql(
      await hub.token('MCA', ['steward']),
      `mutation { runQuality(dataset: "resident-registry") { id } }`,
    );
    expect(codes(notOwner.body)).toEqual(['FORBIDDEN']);
  });

  it('a steward’s rule set naming a field the data dictionary lacks is refused with the place and the rule', async () => {
    const steward = await hub.token('PSB', ['steward']);
    const set = `mutation S($r: JSON!) { setQualityRules(dataset: "resident-registry", rules: $r) }`;
    const bad = await hub.gql(steward, set, {
      r: { rules: [{ kind: 'reference', field: 'name', dataset: 'legal-persons', targetField: 'companyNam' }] },
    });
    expect(codes(bad.body)).toEqual(['BAD_USER_INPUT']);
    expect(bad.body.errors[0].message).toBe(
      'rules[0].targetField: "companyNam" is not a field of dataset "legal-persons" (field-unknown)',
    );
    const ok = await hub.gql(steward, set, {
      r: { rules: [{ kind: 'reference', field: 'name', dataset: 'legal-persons', targetField: 'companyName' }] },
    });
    expect(ok.body.errors).toBeUndefined();
    expect((await hub.gql(steward, set, { r: { rules: [] } })).body.errors).toBeUndefined();
  });

  it('an admin publishes a signed red/black list that every department can read and verify', async () => {
    const admin = await hub.token('PSB', ['admin']);
    for (const d of ['legal-persons', 'business-licences'])
      await hub.gql(admin, `mutation { runQuality(dataset: "${d}") { id } }`);
    await pollUntil(
      () => hub.gql(admin, `{ qualityReport(dataset: "business-licences") { score } }`),
      (r) => r.body.data?.qualityReport?.score != null,
    );
    const period = new Date().toISOString().slice(0, 7);
    const consumerTry = await hub.gql(
      await hub.token('MCA', ['consumer']),
      `mutation { publishRedBlackList(period: "${period}") { id } }`,
    );
    expect(codes(consumerTry.body)).toEqual(['FORBIDDEN']);
    const pub = await hub.gql(
      admin,
      `mutation { publishRedBlackList(period: "${period}") { id period jws departments { dept list score reasons } } }`,
    );
    expect(pub.body.errors).toBeUndefined();
    const list = pub.body.data.publishRedBlackList;
    expect(list.departments.map((d: any) => d.dept)).toEqual(expect.arrayContaining(['PSB', 'SAMR']));
    for (const d of list.departments) expect(['red', 'black', 'none']).toContain(d.list);

    const nhc = await hub.token('NHC', ['consumer']);
    const seen = await hub.gql(nhc, `query P($id: ID!) { redBlackList(id: $id) { jws body } redBlackListPublicKey }`, {
      id: list.id,
    });
    expect(seen.body.data.redBlackList.jws).toBe(list.jws);
    const { body, jws } = seen.body.data.redBlackList;
    const key = seen.body.data.redBlackListPublicKey.jwk;
    expect(await verifyPublication(body, jws, key)).toBe(true);
    const forged = {
      ...body,
      departments: body.departments.map((d: any) => ({ ...d, list: d.list === 'black' ? 'none' : 'black' })),
    };
    expect(await verifyPublication(forged, jws, key)).toBe(false);
    const scores = await hub.gql(
      await hub.token('NHC', ['consumer']),
      `{ departmentScores(period: "${period}") { dept score records } }`,
    );
    expect(scores.body.data.departmentScores.find((d: any) => d.dept === 'SAMR').records).toBeGreaterThan(0);

    // An appeal is decided by an admin of another department than the appellant's (separation of duties).
    const filed = await hub.gql(
      await hub.token('PSB', ['steward']),
      `mutation { fileQualityAppeal(publicationId: "${list.id}", reason: "re-scored") { id } }`,
    );
    expect(filed.body.errors).toBeUndefined();
    const decide = `mutation D($id: ID!) { decideQualityAppeal(id: $id, accept: true, reason: "figures re-checked") }`;
    const own = await hub.gql(admin, decide, { id: filed.body.data.fileQualityAppeal.id }); // an admin of PSB
    expect(codes(own.body)).toEqual(['FORBIDDEN']);
    expect(own.body.errors[0].message).toMatch(
      /^separation of duties: appeal .* of PSB must be decided by an admin of another department, not of PSB$/,
    );
    const other = await hub.gql(await hub.token('NHC', ['admin']), decide, {
      id: filed.body.data.fileQualityAppeal.id,
    });
    expect(other.body.errors).toBeUndefined();
    expect(other.body.data.decideQualityAppeal.appeal).toMatchObject({
      status: 'accepted',
      decidedBy: expect.stringMatching(/@NHC$/),
    });
    // redBlackLists: newest first, the correction before the list it superseded.
    const lists = await hub.gql(nhc, `{ redBlackLists(period: "${period}") { id supersededBy } }`);
    const corrected = other.body.data.decideQualityAppeal.publication.id;
    expect(lists.body.data.redBlackLists).toEqual([
      { id: corrected, supersededBy: null },
      { id: list.id, supersededBy: corrected },
    ]);
  });
});
