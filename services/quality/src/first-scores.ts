import type { Logger } from '@govshare/platform';
import type { RecordSource } from './source.ts';
import { latestRun, type RunManager } from './runs.ts';
import type { QualityDb } from './rule-sets.ts';

/**
 * Queues a run for every catalog dataset that has never been scored, so a fresh hub shows real
 * scores without a steward asking. The catalog may still be starting: retry for a while.
 */
export async function scoreUnscoredDatasets(
  deps: { db: QualityDb; runs: RunManager; source: RecordSource; logger: Logger },
  opts: { attempts?: number; delayMs?: number } = {},
): Promise<string[]> {
  const attempts = opts.attempts ?? 30;
  for (let i = 1; ; i++) {
    try {
      const datasets = await deps.source.listDatasets('quality-first-scores');
      const queued: string[] = [];
      for (const d of datasets) {
        if (await latestRun(deps.db, d.id)) continue;
        await deps.runs.request(d.id, 'quality', 'first score of a dataset never scored', 'quality-first-scores');
        queued.push(d.id);
      }
      if (queued.length) deps.logger.info({ datasets: queued }, 'queued first quality runs');
      return queued;
    } catch (err) {
      if (i >= attempts) {
        deps.logger.warn({ err: (err as Error).message }, 'could not queue first quality runs');
        return [];
      }
      await new Promise((r) => setTimeout(r, opts.delayMs ?? 2000));
    }
  }
}
