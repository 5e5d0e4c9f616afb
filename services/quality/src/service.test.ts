import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset, StoredRecord } from '@govshare/contracts';
import { backends, startTestQuality, testClock } from './testing/harness.ts';
import { memorySource } from './source.ts';
import {
  DEFAULT_RATES,
  legalPersonSchema,
  mulberry32,
  randomUscc,
  residentBatches,
  residentDataset,
} from './testing/generate.ts';
import { scoreBatches } from './metrics/scorer.ts';
import { verifyPublication } from './signing.ts';
import { createHash } from 'node:crypto';
import { maskHash } from '../../../gateway/src/policy/masking.ts';
import { residentIdCheckChar } from './rules/check-chars.ts';

const N = 3000;
const clean = {
  ...DEFAULT_RATES,
  badCheck: 0,
  crossGender: 0,
  crossBirth: 0,
  keyDuplicate: 0,
  exactDuplicate: 0,
  missingName: 0,
  missingMobile: 0,
};

/** Insured persons whose ID is hash-masked (as in the demo's social insurance), every ID with a wrong check character. */
function insured(n: number): { dataset: Dataset; batches: () => Iterable<StoredRecord[]> } {
  const schema = {
    type: 'object' as const,
    properties: { idNumber: { type: 'string', 'x-key': true, 'x-mask': 'hash' as const, 'x-rule': 'cn-resident-id' } },
    required: ['idNumber'],
  };
  const recs: StoredRecord[] = [];
  for (let i = 0; i < n; i++) {
    const body = `11010519800101${String(100 + i).padStart(3, '0')}`;
    const wrong = residentIdCheckChar(body) === '0' ? '1' : '0';
    recs.push({ key: body + wrong, version: 1, ingestedAt: '2026-11-01T00:00:00Z', data: { idNumber: body + wrong } });
  }
  const dataset: Dataset = {
    id: 'insured',
    title: 'Insured',
    description: '',
    ownerDept: 'HRSS',
    tier: 'RESTRICTED',
    keyFields: ['idNumber'],
    version: 1,
    schema,
    recordCount: n,
    updatedAt: '2026-11-01T00:00:00Z',
  };
  return { dataset, batches: () => [recs] };
}

function legalPersons(n: number, bad: number, seed = 5): { dataset: Dataset; batches: () => Iterable<StoredRecord[]> } {
  const rnd = mulberry32(seed);
  const recs: StoredRecord[] = [];
  for (let i = 0; i < n; i++) {
    let code = randomUscc(rnd);
    if (i < bad) code = code.slice(0, 17) + (code[17] === '0' ? '1' : '0');
    recs.push({
      key: code,
      version: 1,
      ingestedAt: '2026-11-01T00:00:00Z',
      data: { creditCode: code, name: `公司${i}`, legalRepId: '11010519491231002X' },
    });
  }
  const dataset: Dataset = {
    id: 'legal-persons',
    title: 'Legal persons',
    description: '',
    ownerDept: 'SAMR',
    tier: 'INTERNAL',
    keyFields: ['creditCode'],
    version: 3,
    schema: legalPersonSchema,
    recordCount: n,
    updatedAt: '2026-11-01T00:00:00Z',
  };
  return { dataset, batches: () => [recs] };
}

for (const backend of backends) {
  describe(`quality service (${backend.name})`, () => {
    const clock = testClock('2026-11-20T00:00:00Z');
    const source = memorySource([
      {
        dataset: residentDataset('resident-registry', 'PSB', N),
        batches: () => residentBatches(N, 11, DEFAULT_RATES, 500),
      },
      legalPersons(200, 10),
      insured(3),
    ]);
    let q: Awaited<ReturnType<typeof startTestQuality>>;
    beforeAll(async () => {
      // A debounce long enough that two requests sent together land in it on a loaded machine.
      q = await startTestQuality({ databaseUrl: backend.databaseUrl, source, now: clock, debounceMs: 400 });
    });
    afterAll(async () => q?.close());

    it('accepts only service tokens for aud "quality"', async () => {
      const noToken = await fetch(q.url + '/alerts');
      expect(noToken.status).toBe(401);
      expect((await q.call('GET', '/alerts', undefined, 'catalog')).status).toBe(401);
      expect((await fetch(q.url + '/healthz')).status).toBe(200);
    });

    it('runs a dataset as a job and reports the same figures as the pure scorer', async () => {
      const bad = await q.call('POST', '/runs', { datasetId: 'no-such-dataset' });
      expect(bad.status).toBe(404);
      // Two requests at once (not one after the other: on a loaded machine the debounce could pass between them).
      const [a, b] = await Promise.all(
        [1, 2].map(() => q.call('POST', '/runs', { datasetId: 'resident-registry', reason: 'ingest' })),
      );
      expect(a.status).toBe(202);
      expect(b.body.run.id).toBe(a.body.run.id); // debounced: joined the queued run
      expect([a.body.coalesced, b.body.coalesced].sort()).toEqual([false, true]);
      const run = await q.waitRun(a.body.run.id);
      expect(run).toMatchObject({
        status: 'succeeded',
        datasetVersion: 1,
        ruleSetVersion: 0,
        progress: { processed: N, total: N, fraction: 1 },
      });
      // Every time the service stores comes from its clock, not the system's.
      for (const t of [run.createdAt, run.notBefore, run.startedAt, run.finishedAt])
        expect(t.slice(0, 10)).toBe('2026-11-20');

      const expected = await scoreBatches(
        {
          schema: residentDataset().schema,
          keyFields: ['idNumber'],
          ruleSet: {},
          asOf: clock().toISOString(),
          maskKey: q.maskKey,
        },
        residentBatches(N, 11, DEFAULT_RATES, 500),
      );
      const rep = await q.call('GET', '/datasets/resident-registry/report');
      expect(rep.status).toBe(200);
      const { examples, ...expectedMetrics } = expected;
      expect(rep.body.metrics).toEqual(JSON.parse(JSON.stringify(expectedMetrics)));
      expect(rep.body.score).toBe(expected.score.value);
      expect(rep.body.examples['idNumber:cn-resident-id']).toHaveLength(5);
      expect(rep.body.examples['idNumber:cn-resident-id'][0].key).toMatch(/^\d{6}\*{8}\d{3}[\dX]$/);
      expect(rep.body.rules.map((r: any) => r.id)).toContain('idNumber:cross-field');
    });

    it('never runs two at once for one dataset; a request during a run queues exactly one more', async () => {
      const a = await q.call('POST', '/runs', { datasetId: 'resident-registry' });
      while ((await q.call('GET', `/runs/${a.body.run.id}`)).body.run.status === 'queued')
        await new Promise((r) => setTimeout(r, 10));
      const [b, c] = await Promise.all([1, 2].map(() => q.call('POST', '/runs', { datasetId: 'resident-registry' })));
      expect(c.body.run.id).toBe(b.body.run.id);
      expect(b.body.run.id).not.toBe(a.body.run.id);
      await q.waitRun(a.body.run.id);
      await q.waitRun(b.body.run.id);
      const hist = await q.call('GET', '/datasets/resident-registry/history');
      const runs = hist.body.runs.filter((r: any) => r.status === 'succeeded');
      for (let i = 1; i < runs.length; i++) expect(runs[i - 1].startedAt >= runs[i].finishedAt).toBe(true); // newest first, no overlap
    });

    it('versions declared rules; runs record the version; reference rules read the other dataset', async () => {
      const v1 = await q.call('PUT', '/datasets/legal-persons/rules', {
        rules: [{ kind: 'regex', field: 'name', pattern: '^公司' }],
        updatedBy: 'steward-1',
      });
      expect(v1.body.version).toBe(1);
      expect(v1.body.createdAt.slice(0, 10)).toBe('2026-11-20');
      const v2 = await q.call('PUT', '/datasets/legal-persons/rules', {
        rules: [{ kind: 'regex', field: 'name', pattern: '^公司1' }],
        targets: { accuracy: 0.99 },
      });
      expect(v2.body.version).toBe(2);
      expect((await q.call('GET', '/datasets/legal-persons/rules?version=1')).body.body.rules[0].pattern).toBe('^公司');
      const cur = await q.call('GET', '/datasets/legal-persons/rules');
      expect(cur.body.effectiveRules.map((r: any) => r.id).sort()).toEqual([
        'creditCode:cn-uscc',
        'legalRepId:cn-resident-id',
        'name:regex',
      ]);
      expect(
        (await q.call('PUT', '/datasets/legal-persons/rules', { rules: [{ kind: 'bogus', field: 'x' }] })).status,
      ).toBe(400);

      const run = await q.waitRun((await q.call('POST', '/runs', { datasetId: 'legal-persons' })).body.run.id);
      expect(run.ruleSetVersion).toBe(2);
      expect(run.datasetVersion).toBe(3);
      const rep = (await q.call('GET', '/datasets/legal-persons/report')).body;
      const rules = Object.fromEntries(rep.metrics.accuracy.rules.map((r: any) => [r.id, r.failed]));
      expect(rules['creditCode:cn-uscc']).toBe(10);
      expect(rules['name:regex']).toBe(200 - 111); // 公司1, 公司10-19, 公司100-199
      expect(rep.status).toBe('red'); // accuracy far below the 0.99 target

      // A reference rule on the resident registry to the legal-persons credit codes: nobody's idNumber is a credit code.
      await q.call('PUT', '/datasets/resident-registry/rules', {
        rules: [
          { kind: 'reference', field: 'name', dataset: 'legal-persons', targetField: 'name', id: 'name-is-company' },
        ],
      });
      const r2 = await q.waitRun((await q.call('POST', '/runs', { datasetId: 'resident-registry' })).body.run.id);
      const rep2 = (await q.call('GET', '/datasets/resident-registry/report')).body;
      expect(r2.ruleSetVersion).toBe(1);
      const refRule = rep2.metrics.accuracy.rules.find((r: any) => r.id === 'name-is-company');
      expect(refRule.failed).toBe(rep2.metrics.records - rep2.metrics.completeness.fields.name.missing);
      await q.call('PUT', '/datasets/resident-registry/rules', { rules: [] });
      await q.waitRun((await q.call('POST', '/runs', { datasetId: 'resident-registry' })).body.run.id);
    });

    it('refuses rule sets naming fields or datasets the data dictionary does not have, and stores nothing', async () => {
      const before = (await q.call('GET', '/datasets/legal-persons/rules')).body.version;
      const refused = async (body: unknown) => {
        const res = await q.call('PUT', '/datasets/legal-persons/rules', body);
        expect(res.status).toBe(400);
        return res.body.error.message as string;
      };
      expect(await refused({ rules: [{ kind: 'regex', field: 'nmae', pattern: 'x' }] })).toBe(
        'rules[0].field: "nmae" is not a field of dataset "legal-persons" (field-unknown)',
      );
      expect(await refused({ rules: [{ kind: 'regex', field: 'name', pattern: '(' }] })).toMatch(
        /^rules\[0\]\.pattern: .* \(regex-invalid\)$/,
      );
      expect(
        await refused({
          rules: [
            { kind: 'enum', field: 'name', values: ['A'] },
            { kind: 'reference', field: 'name', dataset: 'no-such-dataset' },
          ],
        }),
      ).toBe('rules[1].dataset: dataset "no-such-dataset" does not exist (dataset-unknown)');
      expect(
        await refused({
          rules: [{ kind: 'reference', field: 'name', dataset: 'resident-registry', targetField: 'companyName' }],
        }),
      ).toBe('rules[0].targetField: "companyName" is not a field of dataset "resident-registry" (field-unknown)');
      expect(
        await refused({
          consistency: [
            {
              field: 'name',
              dataset: 'resident-registry',
              targetField: 'name',
              matchField: 'legalRepId',
              targetMatchField: 'idNo',
            },
          ],
        }),
      ).toBe('consistency[0].targetMatchField: "idNo" is not a field of dataset "resident-registry" (field-unknown)');
      expect(await refused({ expectedFields: ['name', 'phone'] })).toMatch(
        /^expectedFields\[1\]: "phone" is not a field/,
      );
      // Switching a schema rule off needs only its id; an unknown dataset is 404.
      expect((await q.call('PUT', '/datasets/no-such-dataset/rules', { rules: [] })).status).toBe(404);
      expect((await q.call('GET', '/datasets/legal-persons/rules')).body.version).toBe(before);
    });

    it('raises an alert when a metric drops more than 10% and resolves it on recovery; statuses per dataset and department', async () => {
      source.set(residentDataset('resident-registry', 'PSB', N), () =>
        residentBatches(N, 12, { ...DEFAULT_RATES, badCheck: 0.3 }, 500),
      );
      const bad = await q.waitRun((await q.call('POST', '/runs', { datasetId: 'resident-registry' })).body.run.id);
      const al = (await q.call('GET', '/alerts?datasetId=resident-registry')).body;
      const metrics = al.alerts.map((a: any) => `${a.metric}:${a.kind}`).sort();
      const hist = (await q.call('GET', '/datasets/resident-registry/history')).body.runs.filter(
        (r: any) => r.status === 'succeeded',
      );
      const [now, before] = hist;
      expect(now.id).toBe(bad.id);
      expect(before.metrics.accuracy - now.metrics.accuracy).toBeGreaterThan(0.1 * before.metrics.accuracy);
      const scoreDropped = now.metrics.score < 0.9 * before.metrics.score;
      expect(metrics).toEqual(['accuracy:drop', 'accuracy:target', ...(scoreDropped ? ['score:drop'] : [])]);
      expect(al.alerts.every((a: any) => a.runId === bad.id)).toBe(true);
      expect(al.datasets[0]).toMatchObject({
        datasetId: 'resident-registry',
        status: 'red',
        openAlerts: metrics.length,
      });
      expect(al.departments).toEqual([{ dept: 'PSB', status: 'red' }]);

      source.set(residentDataset('resident-registry', 'PSB', N), () => residentBatches(N, 11, clean, 500));
      await q.waitRun((await q.call('POST', '/runs', { datasetId: 'resident-registry' })).body.run.id);
      const after = (await q.call('GET', '/alerts?datasetId=resident-registry')).body;
      expect(after.alerts).toEqual([]);
      expect(after.datasets[0].status).toBe('green');
      const all = (await q.call('GET', '/alerts?status=all&datasetId=resident-registry')).body.alerts;
      expect(all.every((a: any) => a.resolvedAt !== null)).toBe(true);
    });

    it('department scores are record-weighted means; publications are signed and say why', async () => {
      const scores = (await q.call('GET', '/departments/scores?period=2026-11')).body;
      const psb = scores.departments.find((d: any) => d.dept === 'PSB');
      const samr = scores.departments.find((d: any) => d.dept === 'SAMR');
      expect(psb.datasets).toHaveLength(1);
      expect(psb.score).toBe(psb.datasets[0].score);
      expect(samr.records).toBe(200);
      expect((await q.call('GET', '/departments/scores?period=2026-13')).status).toBe(400);
      expect((await q.call('GET', '/departments/scores?period=2026-10')).body.departments).toEqual([]);

      const pub = await q.call('POST', '/publications', { period: '2026-11' });
      expect(pub.status).toBe(201);
      const key = (await q.call('GET', '/public-key')).body.jwk;
      expect(await verifyPublication(pub.body.publication, pub.body.jws, key)).toBe(true);
      const tampered = structuredClone(pub.body.publication);
      tampered.departments[0].list = tampered.departments[0].list === 'red' ? 'none' : 'red';
      expect(await verifyPublication(tampered, pub.body.jws, key)).toBe(false);
      const placements = Object.fromEntries(pub.body.publication.departments.map((d: any) => [d.dept, d]));
      expect(placements.PSB.list).toBe(psb.score >= 90 ? 'red' : 'none');
      expect(placements.SAMR.list).toBe('black');
      expect(placements.SAMR.reasons).toEqual([
        `dataset legal-persons accuracy 0.55 < 0.8 (run ${samr.datasets[0].runId})`,
      ]);
      expect(pub.body.publication.policy).toMatchObject({
        version: 1,
        rules: { redMinScore: 90, blackBelowScore: 60 },
      });
      expect((await q.call('POST', '/publications', { period: '2026-11' })).status).toBe(409);
      const stored = (await q.call('GET', `/publications/${pub.body.publication.id}`)).body;
      expect(await verifyPublication(stored.publication, stored.jws, key)).toBe(true);
    });

    it('masks hash-declared examples with the hub key: the gateway’s keyed HMAC, never an unkeyed SHA-256', async () => {
      expect((await q.waitRun((await q.call('POST', '/runs', { datasetId: 'insured' })).body.run.id)).status).toBe(
        'succeeded',
      );
      const examples = (await q.call('GET', '/datasets/insured/report')).body.examples['idNumber:cn-resident-id'];
      const ids = [...insured(3).batches()][0].map((r) => r.data.idNumber as string);
      expect(examples).toHaveLength(3);
      for (const [i, e] of examples.entries()) {
        const unkeyed = createHash('sha256').update(ids[i]).digest('hex');
        expect(e.key).toBe(maskHash(ids[i], Buffer.from(q.maskKey)));
        expect(e.values.idNumber).toBe(e.key);
        expect(e.key).not.toContain(unkeyed.slice(0, 16));
        expect(JSON.stringify(e)).not.toContain(ids[i]);
      }
    });
  });
}
