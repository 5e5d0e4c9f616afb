// What the console's pages ask of the GraphQL API beyond what other suites cover (docs/console-api.md):
// catalog search by field, the data dictionary's version history, enum values and formats for filter
// builders, the steward's inbox by deadline, and the departments' accuracy against the 95% target.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, hubSetups, startHub, type Hub } from './hub.ts';

describe.each(hubSetups())('the API the console pages use (%s)', (setup) => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub(setup, { quality: true });
  });
  afterAll(() => hub?.close());

  it('the catalog is searched by a field’s name or title, beside tier and department', async () => {
    const mca = await hub.token('MCA', ['consumer']);
    const ids = async (filter: Record<string, unknown>) => {
      const r = await hub.gql(mca, 'query C($f: DatasetFilter) { datasets(filter: $f, first: 100) { nodes { id } } }', {
        f: filter,
      });
      expect(r.body.errors).toBeUndefined();
      return (r.body.data.datasets.nodes as { id: string }[]).map((d) => d.id);
    };
    const all = await hub.gql(mca, '{ datasets(first: 100) { nodes { id fields { name title } } } }');
    const catalog = all.body.data.datasets.nodes as { id: string; fields: { name: string; title: string | null }[] }[];
    const having = (match: (f: { name: string; title: string | null }) => boolean) =>
      catalog.filter((d) => d.fields.some(match)).map((d) => d.id);

    const byName = await ids({ field: 'idnumber' }); // case-insensitive
    expect(byName).toEqual(having((f) => f.name.toLowerCase().includes('idnumber')));
    expect(byName).toContain('resident-registry');
    expect(byName).not.toContain('legal-persons');
    // By the title people know the field by (the data dictionary's Chinese title).
    const byTitle = await ids({ field: '信用代码' });
    expect(byTitle).toEqual(having((f) => (f.title ?? '').includes('信用代码')));
    expect(byTitle).toContain('legal-persons');
    expect(byTitle).not.toContain('resident-registry');
    // LIKE's own characters are text, not wildcards.
    expect(await ids({ field: '%' })).toEqual([]);
    // Filters combine: a field and a tier.
    const restricted = await ids({ field: 'idNumber', tier: 'RESTRICTED' });
    expect(restricted.length).toBeGreaterThan(0);
    expect(restricted.every((id) => byName.includes(id))).toBe(true);
    expect(restricted.length).toBeLessThan(byName.length);

    const tooLong = await hub.gql(mca, `{ datasets(filter: { field: "${'x'.repeat(101)}" }) { totalCount } }`);
    expect(codes(tooLong.body)).toEqual(['BAD_USER_INPUT']);
  });

  it('a dataset’s dictionary has its version history, readable by every department; the read is audited', async () => {
    const steward = await hub.token('PSB', ['steward']);
    const schema = {
      type: 'object',
      required: ['code'],
      properties: {
        code: { type: 'string', 'x-key': true, title: '编码 / Code' },
        kind: { type: 'string', enum: ['a', 'b'], title: '类别 / Kind' },
      },
    };
    const created = await hub.gql(
      steward,
      `mutation C($s: JSON!) { createDataset(input: { id: "console-versions", title: "Versions",
        ownerDept: "PSB", tier: INTERNAL, schema: $s }) { version } }`,
      { s: schema },
    );
    expect(created.body.errors).toBeUndefined();
    const v2 = { ...schema, properties: { ...schema.properties, since: { type: 'string', format: 'date' } } };
    const changed = await hub.gql(
      steward,
      'mutation U($s: JSON!) { updateDatasetSchema(id: "console-versions", schema: $s) { version } }',
      { s: v2 },
    );
    expect(changed.body.data.updateDatasetSchema.version).toBe(2);

    const auditor = await hub.token('NHC', ['auditor']);
    const other = await hub.token('MCA', ['consumer'], { sub: 'mca-console-reader' });
    const read = await hub.gql(
      other,
      `{ dataset(id: "console-versions") { version versions { version createdAt schema
          fields { name isKey required format enumValues } } } }`,
    );
    expect(read.body.errors).toBeUndefined();
    const d = read.body.data.dataset;
    expect(d.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect(d.versions[d.versions.length - 1].version).toBe(d.version);
    expect(d.versions[0].fields.map((f: { name: string }) => f.name)).toEqual(['code', 'kind']);
    expect(d.versions[1].fields).toEqual([
      { name: 'code', isKey: true, required: true, format: null, enumValues: null },
      { name: 'kind', isKey: false, required: false, format: null, enumValues: ['a', 'b'] },
      { name: 'since', isKey: false, required: false, format: 'date', enumValues: null },
    ]);
    expect(Date.parse(d.versions[1].createdAt)).toBeGreaterThanOrEqual(Date.parse(d.versions[0].createdAt));
    expect(Object.keys(d.versions[1].schema.properties)).toEqual(['code', 'kind', 'since']);

    const events = await hub.gql(
      auditor,
      `{ auditEvents(filter: { action: "datasets.versions", sub: "mca-console-reader" }) {
        nodes { dataset outcome recordCount } } }`,
    );
    expect(events.body.data.auditEvents.nodes).toEqual([
      { dataset: 'console-versions', outcome: 'allowed', recordCount: 2 },
    ]);
    const missing = await hub.gql(other, '{ dataset(id: "no-such-dataset") { versions { version } } }');
    expect(missing.body.data.dataset).toBeNull();
  });

  it('the steward’s inbox comes earliest deadline first, so a short page keeps the most urgent', async () => {
    const steward = await hub.token('HRSS', ['steward'], { sub: 'hrss-steward-li' });
    const inbox = (order: string, first: number) =>
      hub.gql(
        steward,
        `{ accessRequests(box: RECEIVED, status: PENDING, order: ${order}, first: ${first}) {
          id deadline filedAt deadlineStatus } }`,
      );
    const all = (await inbox('DEADLINE_FIRST', 100)).body.data.accessRequests as { id: string; deadline: string }[];
    expect(all.length).toBeGreaterThan(1);
    const deadlines = all.map((r) => Date.parse(r.deadline));
    expect(deadlines).toEqual([...deadlines].sort((a, b) => a - b));
    // One row: the most urgent one, not the newest filed.
    const top = (await inbox('DEADLINE_FIRST', 1)).body.data.accessRequests;
    expect(top.map((r: { id: string }) => r.id)).toEqual([all[0].id]);
    const newest = (await inbox('NEWEST_FIRST', 100)).body.data.accessRequests as { filedAt: string }[];
    const filed = newest.map((r) => Date.parse(r.filedAt));
    expect(filed).toEqual([...filed].sort((a, b) => b - a));
    expect(new Set(newest.map((r: any) => r.id))).toEqual(new Set(all.map((r) => r.id)));
  });

  it('a rule set’s disagreements with the data dictionary come back all at once, each with its path', async () => {
    const steward = await hub.token('SAMR', ['steward']);
    const set = 'mutation S($r: JSON!) { setQualityRules(dataset: "legal-persons", rules: $r) }';
    const bad = await hub.gql(steward, set, {
      r: {
        rules: [
          { kind: 'regex', field: 'nmae', pattern: 'x' },
          { kind: 'reference', field: 'companyName', dataset: 'no-such-dataset' },
        ],
        expectedFields: ['companyName', 'phone'],
      },
    });
    expect(codes(bad.body)).toEqual(['BAD_USER_INPUT']);
    const { details } = bad.body.errors[0].extensions;
    expect(details.problems.map((p: { path: string; rule: string }) => [p.path, p.rule])).toEqual([
      ['rules[0].field', 'field-unknown'],
      ['rules[1].dataset', 'dataset-unknown'],
      ['expectedFields[1]', 'field-unknown'],
    ]);
    expect(details).toMatchObject({ path: 'rules[0].field', rule: 'field-unknown' });
    expect(bad.body.errors[0].message).toBe(
      'rules[0].field: "nmae" is not a field of dataset "legal-persons" (field-unknown); ' +
        'and 2 more problem(s), see details.problems',
    );
    // Nothing was stored: the rule set is the one before.
    const rules = await hub.gql(steward, '{ qualityRules(dataset: "legal-persons") }');
    expect(JSON.stringify(rules.body.data.qualityRules)).not.toContain('nmae');
  });

  it('department scores carry accuracy against the 95% target, with a warning past 10% short', async () => {
    const admin = await hub.token('NHC', ['admin']);
    for (const d of ['resident-registry', 'legal-persons'])
      expect((await hub.gql(admin, `mutation { runQuality(dataset: "${d}") { id } }`)).body.errors).toBeUndefined();
    const period = new Date().toISOString().slice(0, 7);
    const ask = () =>
      hub.gql(
        admin,
        `{ departmentScores(period: "${period}") { dept score accuracy accuracyTarget records datasets
            warnings { figure value target message } } }`,
      );
    const deadline = Date.now() + 60_000;
    let scores: any[] = [];
    // Runs are queued: wait until both departments are scored (readiness, not a fixed sleep).
    while (Date.now() < deadline) {
      scores = (await ask()).body.data?.departmentScores ?? [];
      if (['PSB', 'SAMR'].every((dept) => scores.some((s) => s.dept === dept))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const dept of ['PSB', 'SAMR']) {
      const s = scores.find((x) => x.dept === dept);
      expect(s, dept).toBeDefined();
      expect(s.accuracyTarget).toBe(0.95);
      const rows = s.datasets as { records: number; accuracy: number }[];
      const n = rows.reduce((a, d) => a + d.records, 0);
      expect(s.accuracy).toBeCloseTo(rows.reduce((a, d) => a + d.accuracy * d.records, 0) / n, 4);
      if (s.accuracy < 0.95 * 0.9)
        expect(s.warnings).toEqual([expect.objectContaining({ figure: 'accuracy', value: s.accuracy, target: 0.95 })]);
      else expect(s.warnings).toEqual([]);
    }
  });
});
