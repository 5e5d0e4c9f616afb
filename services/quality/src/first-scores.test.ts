// Scoring at start, against the real catalog (its demo data over HTTP): datasets never scored, and
// those that changed while the quality service was down (an ingest whose rescore request was lost,
// a schema change), are scored; nothing else.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, generateEd25519, openDatabase } from '@govshare/platform';
import { startCatalog } from '../../catalog/src/index.ts';
import { DEMO_DATASETS, generateDemoRows } from '../../catalog/src/demo-data.ts';
import { startQuality } from './index.ts';
import { migrationsFolder } from './app.ts';
import { tables } from './schema.ts';
import { scoreChangedDatasets } from './first-scores.ts';
import { latestRun } from './runs.ts';
import { backends, testClock, uniquePrefix } from './testing/harness.ts';

const SCALE = 0.02;
const logger = createLogger('quality', 'silent');
const maskKey = randomBytes(32);

for (const backend of backends) {
  describe(`scoring at start over the real catalog (${backend.name})`, () => {
    let catalog: Awaited<ReturnType<typeof startCatalog>>;
    let keys: {
      gateway: Awaited<ReturnType<typeof generateEd25519>>;
      quality: Awaited<ReturnType<typeof generateEd25519>>;
    };
    const dataDir = mkdtempSync(join(tmpdir(), 'quality-start-'));
    const schemaPrefix = uniquePrefix();
    const clock = testClock('2026-11-20T00:00:00Z');
    let running: Awaited<ReturnType<typeof startQuality>> | undefined;

    beforeAll(async () => {
      keys = { gateway: await generateEd25519('svc'), quality: await generateEd25519('quality') };
      catalog = await startCatalog({
        dataDir: ':memory:',
        servicePublicJwk: keys.gateway.publicJwk,
        qualityPublicJwk: keys.quality.publicJwk,
        port: 0,
        logger,
        demoData: { scale: SCALE },
      });
    });
    afterAll(async () => {
      await running?.close();
      await catalog?.close();
      if (backend.databaseUrl) {
        const d = await openDatabase({
          service: 'quality',
          tables,
          migrationsFolder,
          databaseUrl: backend.databaseUrl,
          schemaPrefix,
        });
        await d.drop();
        await d.close();
      }
      rmSync(dataDir, { recursive: true, force: true });
    });

    /** A quality service on the same database each time (PGlite in dataDir, or the same Postgres schema). */
    async function startQ() {
      running = await startQuality({
        dataDir,
        databaseUrl: backend.databaseUrl,
        schemaPrefix,
        servicePublicJwk: keys.gateway.publicJwk,
        qualityPrivateJwk: keys.quality.privateJwk,
        catalogUrl: catalog.url,
        debounceMs: 0,
        logger,
        now: clock,
        maskKey,
      });
      const q = running.quality;
      return {
        q,
        scoreAtStart: async () =>
          (await scoreChangedDatasets({ db: q.db, runs: q.runs, source: q.source, logger }, { attempts: 1 })).sort(),
      };
    }
    // Changes as the gateway makes them, through the catalog's face (here in this process).
    const steward = { requestId: 'first-scores', caller: { sub: 'steward', dept: 'PSB', roles: ['steward'] } };

    it('scores what was never scored, then what changed while it was down, then nothing', async () => {
      let { q, scoreAtStart } = await startQ();
      expect(await scoreAtStart()).toEqual(DEMO_DATASETS.map((d) => d.id).sort());
      await q.runs.idle(200_000);
      for (const d of DEMO_DATASETS) expect((await latestRun(q.db, d.id))?.status, d.id).toBe('succeeded');
      expect(await scoreAtStart()).toEqual([]);
      await running!.close();
      running = undefined;

      // While the quality service is down: an ingest (the gateway's rescore request fails) and a schema change.
      const subsidy = { ...generateDemoRows(SCALE).subsidies[0], recordNo: 'MZ20269999999' };
      const ingested = await catalog.face.ingestBatch({ id: 'subsidies', mode: 'append', records: [subsidy] }, steward);
      const legal = await catalog.face.getDataset({ id: 'legal-persons' }, steward);
      const schema = {
        ...legal.schema,
        properties: { ...legal.schema.properties, website: { type: 'string' as const, title: '网址 / Website' } },
      };
      expect((await catalog.face.changeSchema({ id: 'legal-persons', schema }, steward)).version).toBe(2);

      ({ q, scoreAtStart } = await startQ());
      expect(await scoreAtStart()).toEqual(['legal-persons', 'subsidies']);
      await q.runs.idle(200_000);
      const subsidies = await latestRun(q.db, 'subsidies');
      expect(subsidies).toMatchObject({ status: 'succeeded', records: ingested.recordCount });
      expect((await latestRun(q.db, 'legal-persons'))?.datasetVersion).toBe(2);
      expect(await scoreAtStart()).toEqual([]);
    }, 240_000); // eight runs, each on a fresh worker thread: minutes on a loaded 2-core machine
  });
}
