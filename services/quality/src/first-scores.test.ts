import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger, generateEd25519 } from '@govshare/platform';
import { buildQuality } from './app.ts';
import { scoreUnscoredDatasets } from './first-scores.ts';
import { memorySource } from './source.ts';
import { residentBatches, residentDataset } from './testing/generate.ts';

let q: Awaited<ReturnType<typeof buildQuality>>;
beforeAll(async () => {
  const keys = await generateEd25519('t');
  const source = memorySource([
    { dataset: residentDataset('people-a', 'PSB', 200), batches: () => residentBatches(200, 1) },
    { dataset: residentDataset('people-b', 'MCA', 100), batches: () => residentBatches(100, 2) },
  ]);
  q = await buildQuality({ dataDir: ':memory:', servicePublicJwk: keys.publicJwk, logger: createLogger('t', 'silent'), debounceMs: 0, source });
});
afterAll(() => q?.close());

it('scores every never-scored dataset once, and not again', async () => {
  const deps = { db: q.db, runs: q.runs, source: q.source, logger: createLogger('t', 'silent') };
  expect((await scoreUnscoredDatasets(deps)).sort()).toEqual(['people-a', 'people-b']);
  await q.runs.idle();
  expect(await scoreUnscoredDatasets(deps)).toEqual([]);
});
