import type { DatasetRow } from './datasets.ts';

/**
 * Dataset rows are read on every gateway request (access check, then the query) but change only
 * through this process's own writes (create, schema change, ingest). They are kept in memory and
 * forgotten after each write commits. A generation counter per dataset stops a read that began
 * before a write from caching the old row after the write forgot it. One catalog process owns its
 * database; a second writer process would need a notification (LISTEN/NOTIFY) to share this cache.
 */
export class DatasetRowCache {
  private rows = new Map<string, DatasetRow>();
  private generations = new Map<string, number>();

  async get(id: string, load: () => Promise<DatasetRow | undefined>): Promise<DatasetRow | undefined> {
    const hit = this.rows.get(id);
    if (hit) return hit;
    const generation = this.generations.get(id) ?? 0;
    const row = await load();
    if (row && (this.generations.get(id) ?? 0) === generation) this.rows.set(id, row);
    return row;
  }

  /** Call after a write to the dataset's row has committed (and, to be safe, when it starts). */
  forget(id: string): void {
    this.rows.delete(id);
    this.generations.set(id, (this.generations.get(id) ?? 0) + 1);
  }
}

const caches = new WeakMap<object, DatasetRowCache>();

/** One cache per database handle (tests run several catalogs in one process). */
export function datasetCacheFor(db: object): DatasetRowCache {
  let c = caches.get(db);
  if (!c) caches.set(db, (c = new DatasetRowCache()));
  return c;
}
