// End to end with the real catalog service (its demo data), no stand-ins: the quality service reads
// the catalog's export over HTTP with a service token and scores what it finds.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, generateEd25519, readAll } from '@govshare/platform';
import { startCatalog } from '../../catalog/src/index.ts';
import { isValidResidentId, isValidCreditCode } from '../../catalog/src/demo-data.ts';
import { startQuality, verifyPublication } from './index.ts';
import type { QualityFace } from './face.ts';
import { as, backends, hubCall, testClock, uniquePrefix } from './testing/harness.ts';

for (const backend of backends.slice(0, 1)) {
  describe('quality over the catalog export (HTTP)', () => {
    let catalog: Awaited<ReturnType<typeof startCatalog>>;
    let quality: Awaited<ReturnType<typeof startQuality>>;
    let face: QualityFace;
    let exportLines: (id: string) => Promise<any[]>;
    beforeAll(async () => {
      const keys = await generateEd25519('svc');
      const own = await generateEd25519('quality');
      catalog = await startCatalog({
        dataDir: ':memory:',
        servicePublicJwk: keys.publicJwk,
        qualityPublicJwk: own.publicJwk,
        port: 0,
        logger: createLogger('catalog', 'silent'),
        demoData: { scale: 0.2 },
      });
      quality = await startQuality({
        dataDir: ':memory:',
        databaseUrl: backend.databaseUrl,
        schemaPrefix: uniquePrefix(),
        servicePublicJwk: keys.publicJwk,
        qualityPrivateJwk: own.privateJwk,
        catalogUrl: catalog.url,
        catalogPageSize: 97,
        debounceMs: 10,
        logger: createLogger('quality', 'silent'),
        now: testClock('2026-11-20T00:00:00Z'),
        maskKey: randomBytes(32),
      });
      face = quality.quality.face;
      exportLines = async (id) => {
        const { body } = await catalog.face.exportRecords({ id }, { requestId: 'e2e' });
        return (await readAll(body))
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l));
      };
    });
    afterAll(async () => {
      await quality?.close();
      await catalog?.close();
    });

    async function run(datasetId: string) {
      const { run: queued } = await face.requestRun({ datasetId }, hubCall());
      for (let i = 0; i < 600; i++) {
        const r = (await face.getRun({ id: queued.id }, hubCall())).run;
        if (r.status === 'succeeded' || r.status === 'failed') return r;
        await new Promise((res) => setTimeout(res, 50));
      }
      throw new Error('run did not finish');
    }

    it('scores the resident registry: check characters, cross-field, blanks and variant addresses', async () => {
      const r = await run('resident-registry');
      expect(r.status).toBe('succeeded');
      const lines = await exportLines('resident-registry');
      const rep = await face.report({ datasetId: 'resident-registry' }, hubCall());
      expect(rep.metrics.records).toBe(lines.length);
      const rules = Object.fromEntries(rep.metrics.accuracy.rules.map((x: any) => [x.id, x]));
      // Independent check: the catalog's own check-character function over the raw export.
      expect(rules['idNumber:cn-resident-id'].failed).toBe(
        lines.filter((l) => !isValidResidentId(l.data.idNumber)).length,
      );
      expect(rules['idNumber:cn-resident-id'].failureRate).toBeGreaterThan(0.01);
      expect(rules['idNumber:cross-field'].failed).toBeGreaterThan(0);
      const blank = (v: unknown) => v == null || (typeof v === 'string' && v.trim() === '');
      expect(rep.metrics.completeness.fields.mobile.missing).toBe(lines.filter((l) => blank(l.data.mobile)).length);
      expect(rep.metrics.nearDuplicates.address.rate).toBeGreaterThan(0.08);
      expect(rep.examples['idNumber:cn-resident-id'][0].key).toMatch(/^\d{6}\*{8}\d{3}[\dX]$/);
    });

    it('reference rules read the other dataset; USCC check characters', async () => {
      expect((await run('legal-persons')).status).toBe('succeeded');
      expect((await run('business-licences')).status).toBe('succeeded');
      const lp = await exportLines('legal-persons');
      const bl = await exportLines('business-licences');
      const lpRep = await face.report({ datasetId: 'legal-persons' }, hubCall());
      const uscc = lpRep.metrics.accuracy.rules.find((x: any) => x.id === 'creditCode:cn-uscc');
      expect(uscc.failed).toBe(lp.filter((l) => !isValidCreditCode(l.data.creditCode)).length);
      const codes = new Set(lp.map((l) => String(l.data.creditCode).trim().toUpperCase()));
      const blRep = await face.report({ datasetId: 'business-licences' }, hubCall());
      const ref = blRep.metrics.accuracy.rules.find((x: any) => x.kind === 'reference');
      expect(ref).toMatchObject({ id: 'creditCode:reference' });
      expect(ref.failed).toBe(
        bl.filter(
          (l) =>
            l.data.creditCode != null &&
            String(l.data.creditCode).trim() !== '' &&
            !codes.has(String(l.data.creditCode).trim().toUpperCase()),
        ).length,
      );
    });

    it('scores every demo dataset and publishes a verifiable list for all five departments', async () => {
      for (const id of ['social-insurance', 'subsidies', 'medical-insurance'])
        expect((await run(id)).status).toBe('succeeded');
      const period = '2026-11'; // the quality service's clock
      const scores = await face.departmentScores({ period }, hubCall());
      expect(scores.departments.map((d: any) => d.dept)).toEqual(['HRSS', 'MCA', 'NHC', 'PSB', 'SAMR']);
      for (const d of scores.departments) {
        const expected = d.datasets.reduce((s: number, x: any) => s + x.score * x.records, 0) / d.records;
        expect(d.score).toBeCloseTo(expected, 2);
      }
      const pub = await face.publish({ period }, as('board', 'NHC', ['admin']));
      const key = (await face.publicKey({}, hubCall())).jwk;
      expect(await verifyPublication(pub.publication, pub.jws, key)).toBe(true);
      expect(pub.publication.departments).toHaveLength(5);
    });
  });
}
