import type { DatasetRow } from './datasets.ts';
import type { grants } from './schema.ts';

type GrantRow = typeof grants.$inferSelect;

/**
 * Rows read on every gateway request (the dataset for the access check and the query, the caller's
 * grants) but changed only through this process's own writes. They are kept in memory and
 * forgotten when a write starts and again after it commits. A generation counter per key stops a
 * read that began before a write from caching the old value after the write forgot it. One catalog
 * process owns its database; a second writer process would need a notification (LISTEN/NOTIFY) to
 * share these caches.
 */
export class WriteInvalidatedCache<V> {
  private values = new Map<string, V>();
  private generations = new Map<string, number>();
  private epoch = 0;

  async get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const hit = this.values.get(key);
    if (hit !== undefined) return hit;
    const generation = this.generations.get(key) ?? 0;
    const epoch = this.epoch;
    const value = await load();
    if (value !== undefined && (this.generations.get(key) ?? 0) === generation && this.epoch === epoch)
      this.values.set(key, value);
    return value;
  }

  forget(key: string): void {
    this.values.delete(key);
    this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
  }

  forgetAll(): void {
    this.values.clear();
    this.epoch++;
  }

  /**
   * Runs a write that may change the value under `key` (or, without a key, any value), forgetting it
   * before and after the write, whether the write commits or fails.
   */
  async aroundWrite<T>(write: () => Promise<T>, key?: string): Promise<T> {
    const forget = () => (key === undefined ? this.forgetAll() : this.forget(key));
    forget();
    try {
      return await write();
    } finally {
      forget();
    }
  }
}

interface Caches {
  datasets: WriteInvalidatedCache<DatasetRow>;
  /** Key: dataset id; value: its grants that are not revoked (expiry is checked at read time). */
  grants: WriteInvalidatedCache<GrantRow[]>;
}

const byDb = new WeakMap<object, Caches>();

/** One set of caches per database handle (tests run several catalogs in one process). */
function cachesFor(db: object): Caches {
  let c = byDb.get(db);
  if (!c) byDb.set(db, (c = { datasets: new WriteInvalidatedCache(), grants: new WriteInvalidatedCache() }));
  return c;
}

export const datasetCacheFor = (db: object) => cachesFor(db).datasets;
export const grantCacheFor = (db: object) => cachesFor(db).grants;
