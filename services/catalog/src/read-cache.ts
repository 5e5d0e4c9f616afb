import { randomBytes } from 'node:crypto';
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
  /** Bumped only by writes that may change what an access decision rests on (not by ingests). */
  private decisionGenerations = new Map<string, number>();
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

  /**
   * Changes whenever the part of the value under `key` that access decisions read may have changed:
   * any forget of it that says so, any forgetAll.
   */
  version(key: string): string {
    return `${this.decisionGenerations.get(key) ?? 0}.${this.epoch}`;
  }

  forget(key: string, affectsDecisions = true): void {
    this.values.delete(key);
    this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
    if (affectsDecisions) this.decisionGenerations.set(key, (this.decisionGenerations.get(key) ?? 0) + 1);
  }

  forgetAll(): void {
    this.values.clear();
    this.epoch++;
  }

  /**
   * Runs a write that may change the value under `key` (or, without a key, any value), forgetting it
   * before and after the write, whether the write commits or fails.
   */
  async aroundWrite<T>(write: () => Promise<T>, key?: string, opts: { affectsDecisions?: boolean } = {}): Promise<T> {
    const forget = () => (key === undefined ? this.forgetAll() : this.forget(key, opts.affectsDecisions ?? true));
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

// Distinguishes this process's versions from a previous run's (counters restart at 0).
const PROCESS_NONCE = randomBytes(6).toString('hex');

/**
 * A version of everything the gateway's access decision on a dataset rests on (its row and its
 * grants). The gateway may reuse an access context while this is unchanged: it sends the version
 * with each records query, and the catalog refuses a query whose version is stale. Read it before
 * loading the context, so a write that lands in between makes the version it hands out stale.
 */
export function accessVersion(db: object, datasetId: string): string {
  const c = cachesFor(db);
  return `${PROCESS_NONCE}.${c.datasets.version(datasetId)}.${c.grants.version(datasetId)}`;
}
