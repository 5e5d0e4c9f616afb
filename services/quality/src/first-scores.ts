import type { Dataset } from '@govshare/contracts';
import type { Logger } from '@govshare/platform';
import type { RecordSource } from './source.ts';
import { latestRun, type RunManager } from './runs.ts';
import type { QualityDb } from './rule-sets.ts';

/**
 * Why a dataset needs scoring, or null when its last successful run scored it as the catalog holds it
 * now. The catalog's `version` counts schema versions only; an ingest changes its `updatedAt`, so a
 * run keeps the `updatedAt` it read and any other value means the data changed since (the catalog's
 * clock, compared only with itself).
 */
export function rescoreReason(
  dataset: Dataset,
  last: { datasetVersion: number | null; datasetUpdatedAt: string | null } | undefined,
): string | null {
  if (!last) return 'first score of a dataset never scored';
  if (last.datasetVersion === null || dataset.version > last.datasetVersion)
    return `dataset version ${dataset.version} is newer than the last run's (${last.datasetVersion})`;
  if (last.datasetUpdatedAt !== dataset.updatedAt)
    return `dataset changed at ${dataset.updatedAt}, after the last run read it (${last.datasetUpdatedAt ?? 'unknown'})`;
  return null;
}

/**
 * On start: queues a run for every catalog dataset never scored or changed since its last
 * successful run, so a fresh hub shows real scores without a steward asking and a rescore requested
 * while this service was down (an ingest) is not lost. The catalog may still be starting: retry
 * for a while. Returns the datasets queued.
 */
export async function scoreChangedDatasets(
  deps: { db: QualityDb; runs: RunManager; source: RecordSource; logger: Logger },
  opts: { attempts?: number; delayMs?: number } = {},
): Promise<string[]> {
  const attempts = opts.attempts ?? 30;
  for (let i = 1; ; i++) {
    try {
      const datasets = await deps.source.listDatasets('quality-start-scores');
      const queued: string[] = [];
      for (const d of datasets) {
        const reason = rescoreReason(d, await latestRun(deps.db, d.id));
        if (!reason) continue;
        await deps.runs.request(d.id, 'quality', reason, 'quality-start-scores');
        queued.push(d.id);
      }
      if (queued.length)
        deps.logger.info({ datasets: queued }, 'queued quality runs for datasets never scored or changed');
      return queued;
    } catch (err) {
      if (i >= attempts) {
        deps.logger.warn({ err: (err as Error).message }, 'could not queue quality runs at start');
        return [];
      }
      await new Promise((r) => setTimeout(r, opts.delayMs ?? 2000));
    }
  }
}
