import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset, StoredRecord } from '@govshare/contracts';
import {
  createServiceClient,
  createServiceTokenSigner,
  generateEd25519,
  QUALITY_CALLER,
  remoteFace,
} from '@govshare/platform';
import { as, backends, hubCall, refusal, startTestQuality, testClock } from './testing/harness.ts';
import { qualityFaceSpec } from './face.ts';
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
import { maskHash } from '@govshare/platform/policy';
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
  const schema: Dataset['schema'] = {
    type: 'object',
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
    // Every call below goes over HTTP, as the gateway's calls do when quality is its own process:
    // remoteFace -> POST /rpc/<name> with the gateway's service token -> serveFace -> the module.
    const face = () => q.remote;
    const steward = () => as('psb-steward', 'PSB');

    it('serves its face to the gateway’s service token for aud "quality" only', async () => {
      const post = async (path: string, signer?: { tokenFor(aud: string): Promise<string> }, aud = 'quality') =>
        (
          await fetch(q.url + path, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...(signer ? { authorization: `Bearer ${await signer.tokenFor(aud)}` } : {}),
            },
            body: '{}',
          })
        ).status;
      const gateway = createServiceTokenSigner(q.gatewayKeys.privateJwk);
      expect(await post('/rpc/alerts', gateway)).toBe(200);
      expect(await post('/rpc/alerts')).toBe(401);
      expect(await post('/rpc/alerts', gateway, 'catalog')).toBe(401);
      // Another issuer's token: the quality service's own kind (it signs its catalog reads so), with
      // a key of its own or even with the gateway's key: the issuer must be the key's caller.
      const own = await generateEd25519('quality-own');
      const otherIssuer = createServiceTokenSigner(own.privateJwk, QUALITY_CALLER);
      expect(await post('/rpc/alerts', otherIssuer)).toBe(401);
      expect(await post('/rpc/alerts', createServiceTokenSigner(q.gatewayKeys.privateJwk, QUALITY_CALLER))).toBe(401);
      // The generated client with that token is refused too (a refused service token is the caller's bug).
      const client = createServiceClient({ service: 'quality', baseUrl: q.url, signer: otherIssuer });
      try {
        const refused = await refusal(remoteFace(qualityFaceSpec, client).alerts({}, hubCall()));
        expect(refused).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', message: expect.stringMatching(/refused/) });
      } finally {
        await client.close();
      }
      // The hand-written routes are gone; health stays open.
      const old = await fetch(q.url + '/alerts', {
        headers: { authorization: `Bearer ${await gateway.tokenFor('quality')}` },
      });
      expect(old.status).toBe(404);
      expect((await fetch(q.url + '/healthz')).status).toBe(200);
    });

    it('checks inputs against the spec; the person recorded is the verified caller, never a name in the input', async () => {
      const bad = (input: unknown) => refusal(face().requestRun(input as any, steward()));
      expect((await bad({ datasetId: 'Not An Id' })).code).toBe('BAD_USER_INPUT');
      expect((await bad({})).message).toMatch(/datasetId/);
      expect((await bad({ datasetId: 'insured', requestedBy: 'someone-else' })).code).toBe('BAD_USER_INPUT');
      // The same checks in this process (localFace), before the module's function runs.
      expect((await refusal(q.face.requestRun({ datasetId: 'Not An Id' }, steward()))).code).toBe('BAD_USER_INPUT');
      const v = await face().setRules(
        { datasetId: 'insured', ruleSet: { rules: [], updatedBy: 'someone-else' } },
        as('hrss-steward', 'HRSS'),
      );
      expect(v.createdBy).toBe('hrss-steward@HRSS');
      expect((await face().setRules({ datasetId: 'insured', ruleSet: {} }, hubCall())).createdBy).toBe('service');
    });

    it('runs a dataset as a job and reports the same figures as the pure scorer', async () => {
      const bad = await refusal(face().requestRun({ datasetId: 'no-such-dataset' }, steward()));
      expect(bad.code).toBe('NOT_FOUND');
      // Two requests at once (not one after the other: on a loaded machine the debounce could pass between them).
      const [a, b] = await Promise.all(
        [1, 2].map(() => face().requestRun({ datasetId: 'resident-registry', reason: 'ingest' }, steward())),
      );
      expect(a.run.status).toBe('queued');
      expect(b.run.id).toBe(a.run.id); // debounced: joined the queued run
      expect([a.coalesced, b.coalesced].sort()).toEqual([false, true]);
      const run = await q.waitRun(a.run.id, face());
      expect(run).toMatchObject({
        status: 'succeeded',
        requestedBy: 'psb-steward@PSB', // the end caller, carried over HTTP from the gateway's call
        datasetVersion: 1,
        ruleSetVersion: 0,
        progress: { processed: N, total: N, fraction: 1 },
      });
      // Every time the service stores comes from its clock, not the system's.
      for (const t of [run.createdAt, run.notBefore, run.startedAt, run.finishedAt])
        expect(t?.slice(0, 10)).toBe('2026-11-20');
      // The run's duration, on the service's own /metrics (open, no service token: see docs/operations.md).
      const metrics = await (await fetch(`${q.url}/metrics`)).text();
      const count = /^govshare_quality_run_duration_seconds_count\{status="succeeded"\} (\d+)$/m.exec(metrics);
      expect(Number(count?.[1])).toBeGreaterThanOrEqual(1);
      expect(metrics).toMatch(/^govshare_db_pool_max_connections\{service="quality"\} \d+$/m);

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
      const rep = await face().report({ datasetId: 'resident-registry' }, steward());
      const { examples, ...expectedMetrics } = expected;
      expect(rep.metrics).toEqual(JSON.parse(JSON.stringify(expectedMetrics)));
      expect(rep.score).toBe(expected.score.value);
      expect(rep.examples['idNumber:cn-resident-id']).toHaveLength(5);
      expect(rep.examples['idNumber:cn-resident-id'][0].key).toMatch(/^\d{6}\*{8}\d{3}[\dX]$/);
      expect(rep.rules.map((r: any) => r.id)).toContain('idNumber:cross-field');
    });

    it('never runs two at once for one dataset; a request during a run queues exactly one more', async () => {
      const a = await face().requestRun({ datasetId: 'resident-registry' }, hubCall());
      while ((await face().getRun({ id: a.run.id }, hubCall())).run.status === 'queued')
        await new Promise((r) => setTimeout(r, 10));
      const [b, c] = await Promise.all(
        [1, 2].map(() => face().requestRun({ datasetId: 'resident-registry' }, hubCall())),
      );
      expect(c.run.id).toBe(b.run.id);
      expect(b.run.id).not.toBe(a.run.id);
      await q.waitRun(a.run.id, face());
      await q.waitRun(b.run.id, face());
      const hist = await face().history({ datasetId: 'resident-registry' }, steward());
      const runs = hist.runs.filter((r: any) => r.status === 'succeeded');
      for (let i = 1; i < runs.length; i++) expect(runs[i - 1].startedAt! >= runs[i].finishedAt!).toBe(true); // newest first, no overlap
    });

    it('versions declared rules; runs record the version; reference rules read the other dataset', async () => {
      const samr = as('steward-1', 'SAMR');
      const setRules = (datasetId: string, ruleSet: object) => face().setRules({ datasetId, ruleSet }, samr);
      const v1 = await setRules('legal-persons', { rules: [{ kind: 'regex', field: 'name', pattern: '^公司' }] });
      expect(v1.version).toBe(1);
      expect(v1.createdAt.slice(0, 10)).toBe('2026-11-20');
      expect(v1.createdBy).toBe('steward-1@SAMR');
      const v2 = await setRules('legal-persons', {
        rules: [{ kind: 'regex', field: 'name', pattern: '^公司1' }],
        targets: { accuracy: 0.99 },
      });
      expect(v2.version).toBe(2);
      expect((await face().getRules({ datasetId: 'legal-persons', version: 1 }, samr)).body.rules![0].pattern).toBe(
        '^公司',
      );
      const cur = await face().getRules({ datasetId: 'legal-persons' }, samr);
      expect(cur.effectiveRules!.map((r: any) => r.id).sort()).toEqual([
        'creditCode:cn-uscc',
        'legalRepId:cn-resident-id',
        'name:regex',
      ]);
      expect((await refusal(setRules('legal-persons', { rules: [{ kind: 'bogus', field: 'x' }] }))).code).toBe(
        'BAD_USER_INPUT',
      );

      const run = await q.waitRun((await face().requestRun({ datasetId: 'legal-persons' }, samr)).run.id, face());
      expect(run.ruleSetVersion).toBe(2);
      expect(run.datasetVersion).toBe(3);
      const rep = await face().report({ datasetId: 'legal-persons' }, samr);
      const rules = Object.fromEntries(rep.metrics.accuracy.rules.map((r: any) => [r.id, r.failed]));
      expect(rules['creditCode:cn-uscc']).toBe(10);
      expect(rules['name:regex']).toBe(200 - 111); // 公司1, 公司10-19, 公司100-199
      expect(rep.status).toBe('red'); // accuracy far below the 0.99 target

      // A reference rule on the resident registry to the legal-persons credit codes: nobody's idNumber is a credit code.
      await setRules('resident-registry', {
        rules: [
          { kind: 'reference', field: 'name', dataset: 'legal-persons', targetField: 'name', id: 'name-is-company' },
        ],
      });
      const r2 = await q.waitRun((await face().requestRun({ datasetId: 'resident-registry' }, samr)).run.id, face());
      const rep2 = await face().report({ datasetId: 'resident-registry' }, samr);
      expect(r2.ruleSetVersion).toBe(1);
      const refRule = rep2.metrics.accuracy.rules.find((r: any) => r.id === 'name-is-company');
      expect(refRule.failed).toBe(rep2.metrics.records - rep2.metrics.completeness.fields.name.missing);
      await setRules('resident-registry', { rules: [] });
      await q.waitRun((await face().requestRun({ datasetId: 'resident-registry' }, samr)).run.id, face());
    });

    it('refuses rule sets naming fields or datasets the data dictionary does not have, and stores nothing', async () => {
      const samr = as('steward-1', 'SAMR');
      const before = (await face().getRules({ datasetId: 'legal-persons' }, samr)).version;
      const refused = async (ruleSet: unknown) => {
        const err = await refusal(face().setRules({ datasetId: 'legal-persons', ruleSet: ruleSet as any }, samr));
        expect(err.code).toBe('BAD_USER_INPUT');
        return err.message;
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
      expect(
        (await refusal(face().setRules({ datasetId: 'no-such-dataset', ruleSet: { rules: [] } }, samr))).code,
      ).toBe('NOT_FOUND');
      expect((await face().getRules({ datasetId: 'legal-persons' }, samr)).version).toBe(before);
    });

    it('raises an alert when a metric drops more than 10% and resolves it on recovery; statuses per dataset and department', async () => {
      source.set(residentDataset('resident-registry', 'PSB', N), () =>
        residentBatches(N, 12, { ...DEFAULT_RATES, badCheck: 0.3 }, 500),
      );
      const bad = await q.waitRun(
        (await face().requestRun({ datasetId: 'resident-registry' }, steward())).run.id,
        face(),
      );
      const al = await face().alerts({ datasetId: 'resident-registry' }, steward());
      const metrics = al.alerts.map((a: any) => `${a.metric}:${a.kind}`).sort();
      const hist = (await face().history({ datasetId: 'resident-registry' }, steward())).runs.filter(
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
      await q.waitRun((await face().requestRun({ datasetId: 'resident-registry' }, steward())).run.id, face());
      const after = await face().alerts({ datasetId: 'resident-registry' }, steward());
      expect(after.alerts).toEqual([]);
      expect(after.datasets[0].status).toBe('green');
      const all = (await face().alerts({ status: 'all', datasetId: 'resident-registry' }, steward())).alerts;
      expect(all.every((a: any) => a.resolvedAt !== null)).toBe(true);
    });

    it('department scores are record-weighted means; publications are signed and say why', async () => {
      const admin = as('board', 'NHC', ['admin']);
      const scores = await face().departmentScores({ period: '2026-11' }, admin);
      const psb = scores.departments.find((d: any) => d.dept === 'PSB')!;
      const samr = scores.departments.find((d: any) => d.dept === 'SAMR')!;
      expect(psb.datasets).toHaveLength(1);
      expect(psb.score).toBe(psb.datasets[0].score);
      expect(samr.records).toBe(200);
      expect((await refusal(face().departmentScores({ period: '2026-13' }, admin))).code).toBe('BAD_USER_INPUT');
      expect((await face().departmentScores({ period: '2026-10' }, admin)).departments).toEqual([]);

      const pub = await face().publish({ period: '2026-11' }, admin);
      const key = (await face().publicKey({}, hubCall())).jwk;
      expect(await verifyPublication(pub.publication, pub.jws, key)).toBe(true);
      const tampered = structuredClone(pub.publication);
      tampered.departments[0].list = tampered.departments[0].list === 'red' ? 'none' : 'red';
      expect(await verifyPublication(tampered, pub.jws, key)).toBe(false);
      const placements = Object.fromEntries(pub.publication.departments.map((d: any) => [d.dept, d]));
      expect(placements.PSB.list).toBe(psb.score! >= 90 ? 'red' : 'none');
      expect(placements.SAMR.list).toBe('black');
      expect(placements.SAMR.reasons).toEqual([
        `dataset legal-persons accuracy 0.55 < 0.8 (run ${samr.datasets[0].runId})`,
      ]);
      expect(pub.publication.policy).toMatchObject({
        version: 1,
        rules: { redMinScore: 90, blackBelowScore: 60 },
      });
      expect((await refusal(face().publish({ period: '2026-11' }, admin))).code).toBe('CONFLICT');
      const stored = await face().getPublication({ id: pub.publication.id }, admin);
      expect(await verifyPublication(stored.publication, stored.jws, key)).toBe(true);
    });

    it('masks hash-declared examples with the hub key: the gateway’s keyed HMAC, never an unkeyed SHA-256', async () => {
      const hrss = as('hrss-steward', 'HRSS');
      expect((await q.waitRun((await face().requestRun({ datasetId: 'insured' }, hrss)).run.id, face())).status).toBe(
        'succeeded',
      );
      const examples = (await face().report({ datasetId: 'insured' }, hrss)).examples['idNumber:cn-resident-id'];
      const ids = [...insured(3).batches()][0].map((r) => r.data.idNumber as string);
      expect(examples).toHaveLength(3);
      for (const [i, e] of examples.entries()) {
        const unkeyed = createHash('sha256').update(ids[i]).digest('hex');
        expect(e.key).toBe(maskHash(ids[i], Buffer.from(q.maskKey)));
        expect((e.values as Record<string, unknown>).idNumber).toBe(e.key);
        expect(e.key).not.toContain(unkeyed.slice(0, 16));
        expect(JSON.stringify(e)).not.toContain(ids[i]);
      }
    });
  });
}
