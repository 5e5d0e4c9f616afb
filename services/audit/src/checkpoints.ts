// Signed checkpoints: {treeSize, rootHash (base64), timestamp} as an EdDSA JWS by the audit
// service's own key. Signed after commits, at most once per interval and at the latest one interval
// after a batch; every checkpoint is kept.
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CompactSign, compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { and, asc, desc, eq, gte, lte, sql } from 'drizzle-orm';
import { AppError, type Db, type Logger } from '@govshare/platform';
import type { AuditCheckpoint } from '@govshare/contracts';
import { checkpoints } from './schema.ts';
import type { AuditLog } from './append.ts';

export const CHECKPOINT_TYP = 'govshare-audit-checkpoint+jws';

export interface CheckpointPayload {
  treeSize: number;
  rootHash: string;
  timestamp: string;
}

export async function signCheckpoint(privateJwk: JWK, payload: CheckpointPayload): Promise<string> {
  const key = await importJWK(privateJwk, 'EdDSA');
  return new CompactSign(Buffer.from(JSON.stringify(payload), 'utf8'))
    .setProtectedHeader({ alg: 'EdDSA', kid: privateJwk.kid, typ: CHECKPOINT_TYP })
    .sign(key);
}

/**
 * Verifies a checkpoint's JWS with the audit public key it names (`kid`, among `keys`: the current
 * and the retired ones) and returns the signed payload. The plain fields next to the JWS are only
 * trusted if they equal the signed ones.
 */
export async function verifyCheckpoint(
  cp: Pick<AuditCheckpoint, 'jws'> & Partial<AuditCheckpoint>,
  keys: JWK | JWK[],
): Promise<CheckpointPayload> {
  let payload: CheckpointPayload;
  try {
    const set = Array.isArray(keys) ? keys : [keys];
    const { kid } = decodeProtectedHeader(cp.jws);
    // A lone key without a kid (an old export's key file) is used as it is.
    const publicJwk =
      set.find((k) => k.kid !== undefined && k.kid === kid) ??
      (set.length === 1 && set[0]!.kid === undefined ? set[0] : undefined);
    if (!publicJwk) throw new Error(`signed with key "${kid ?? '(none)'}", which is not among the audit public keys`);
    const key = await importJWK(publicJwk, 'EdDSA');
    const res = await compactVerify(cp.jws, key, { algorithms: ['EdDSA'] });
    if (res.protectedHeader.typ !== CHECKPOINT_TYP) throw new Error('wrong typ');
    payload = JSON.parse(Buffer.from(res.payload).toString('utf8'));
  } catch (err) {
    throw new Error(`checkpoint signature is not valid: ${(err as Error).message}`);
  }
  if (
    !Number.isInteger(payload.treeSize) ||
    typeof payload.rootHash !== 'string' ||
    Buffer.from(payload.rootHash, 'base64').length !== 32
  ) {
    throw new Error('checkpoint payload is malformed');
  }
  for (const k of ['treeSize', 'rootHash', 'timestamp'] as const) {
    if (cp[k] !== undefined && cp[k] !== payload[k])
      throw new Error(`checkpoint ${k} does not match its signed payload`);
  }
  return payload;
}

type Row = typeof checkpoints.$inferSelect;
export function toCheckpoint(r: Row): AuditCheckpoint {
  return {
    treeSize: Number(r.treeSize),
    rootHash: Buffer.from(r.rootHash).toString('base64'),
    timestamp: r.timestamp.toISOString(),
    jws: r.jws,
  };
}

export interface CheckpointerOptions {
  db: Db;
  log: AuditLog;
  privateJwk: JWK;
  intervalMs: number;
  logger: Logger;
  /** Where the latest checkpoint is also kept, outside the database (see keptCheckpointFile). */
  keptFile?: string;
  /**
   * Sequencer mode: checkpoints are written on the leader's lock session, in a transaction that first
   * checks the fence (AuditLogOptions.fence), so a deposed leader signs nothing into the table.
   */
  writer?: { db: Db; fence: string };
}

/** Checkpoints by tree size, oldest first (any instance may answer: a plain read). */
export async function listCheckpoints(
  db: Db,
  q: { from?: number; to?: number; first?: number },
): Promise<AuditCheckpoint[]> {
  const conds = [];
  if (q.from !== undefined) conds.push(gte(checkpoints.treeSize, q.from));
  if (q.to !== undefined) conds.push(lte(checkpoints.treeSize, q.to));
  const rows = await db
    .select()
    .from(checkpoints)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(asc(checkpoints.treeSize))
    .limit(q.first ?? 100);
  return rows.map(toCheckpoint);
}

/**
 * The file that keeps the latest signed checkpoint outside the database: one per data directory and
 * database schema, so pointing the service at another database is not mistaken for a rewrite.
 */
export const keptCheckpointFile = (dataDir: string, schema: string): string | undefined =>
  dataDir === ':memory:' ? undefined : join(dataDir, 'audit', `${schema}.latest-checkpoint.json`);

/** Writes the checkpoint to `file` atomically (temporary file, fsync, rename): a crash leaves the old or the new one. */
export async function writeKeptCheckpoint(file: string, cp: AuditCheckpoint): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await open(tmp, 'w', 0o644);
  try {
    await handle.writeFile(JSON.stringify(cp) + '\n');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
}

/** The kept checkpoint, or null when there is none yet. */
export async function readKeptCheckpoint(file: string): Promise<AuditCheckpoint | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as AuditCheckpoint;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`the kept checkpoint ${file} cannot be read: ${(err as Error).message}`);
  }
}

export class Checkpointer {
  latest: AuditCheckpoint | null = null;
  private lastSignedAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Checkpoints (or their known absence) by exact tree size, most recent lookups; bounded. */
  private bySize = new Map<number, AuditCheckpoint | null>();

  constructor(private readonly opts: CheckpointerOptions) {}

  /**
   * The checkpoint of exactly `size` leaves from memory: the checkpoint, null when none exists, or
   * undefined when only the database knows. Checkpoints are only ever signed at the current size,
   * above the latest one, so a size below the latest that has none will never get one.
   */
  cached(size: number): AuditCheckpoint | null | undefined {
    if (this.latest && this.latest.treeSize === size) return this.latest;
    const v = this.bySize.get(size);
    if (v !== undefined) return v;
    if (this.latest && size > this.latest.treeSize) return null;
    return undefined;
  }

  /** Records what the database said about `size` (from a proof's combined query). */
  remember(size: number, cp: AuditCheckpoint | null): void {
    if (cp === null && !(this.latest && size < this.latest.treeSize)) return;
    this.bySize.set(size, cp);
    if (this.bySize.size > 4096) this.bySize.delete(this.bySize.keys().next().value!);
  }

  /** Loads the latest checkpoint and signs one for the current tree if it is not covered. */
  async init(): Promise<void> {
    const [row] = await this.opts.db.select().from(checkpoints).orderBy(desc(checkpoints.treeSize)).limit(1);
    this.latest = row ? toCheckpoint(row) : null;
    if (!this.latest || this.latest.treeSize !== this.opts.log.size) await this.signNow();
  }

  /** Called after each commit: schedules a checkpoint, rate-limited to one per interval. */
  notify(): void {
    if (this.closed || this.timer) return;
    const wait = Math.max(0, this.lastSignedAt + this.opts.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.signNow().catch((err) => this.opts.logger.error({ err }, 'checkpoint signing failed'));
    }, wait);
    this.timer.unref?.();
  }

  /** Signs a checkpoint of the committed tree now (serialized; no-op if the latest already covers it). */
  signNow(): Promise<AuditCheckpoint> {
    const run = this.chain.then(async () => {
      const { size, root } = this.opts.log.head();
      if (this.latest && this.latest.treeSize === size) return this.latest;
      if (this.latest && this.latest.treeSize > size)
        throw new AppError('INTERNAL_SERVER_ERROR', 'tree is smaller than its latest checkpoint');
      const timestamp = new Date(
        Math.max(Date.now(), this.latest ? Date.parse(this.latest.timestamp) : 0),
      ).toISOString();
      const payload: CheckpointPayload = { treeSize: size, rootHash: Buffer.from(root).toString('base64'), timestamp };
      const jws = await signCheckpoint(this.opts.privateJwk, payload);
      const row = { treeSize: size, rootHash: root, timestamp: new Date(timestamp), jws };
      const writer = this.opts.writer;
      if (!writer) await this.opts.db.insert(checkpoints).values(row);
      else
        await writer.db.transaction(async (tx) => {
          const res: any = await tx.execute(sql.raw(`select (${writer.fence}) as ok`));
          if (!(Array.isArray(res) ? res : res.rows)[0]?.ok)
            throw new AppError('UNAVAILABLE', 'this audit instance is no longer the sequencer');
          await tx.insert(checkpoints).values(row);
        });
      this.latest = { ...payload, jws };
      // After the database commit, so the kept file is never ahead of the database.
      if (this.opts.keptFile)
        await writeKeptCheckpoint(this.opts.keptFile, this.latest).catch((err) =>
          this.opts.logger.error({ err }, 'could not keep the checkpoint outside the database'),
        );
      this.remember(size, this.latest);
      this.lastSignedAt = Date.now();
      return this.latest;
    });
    this.chain = run.catch(() => {});
    return run;
  }

  /** The latest checkpoint, signing a fresh one if it does not cover `size` leaves yet. */
  async covering(size: number): Promise<AuditCheckpoint> {
    if (this.latest && this.latest.treeSize >= size) return this.latest;
    const cp = await this.signNow();
    if (cp.treeSize < size)
      throw new AppError('BAD_USER_INPUT', `tree size ${size} is larger than the log (${cp.treeSize})`);
    return cp;
  }

  list(q: { from?: number; to?: number; first?: number }): Promise<AuditCheckpoint[]> {
    return listCheckpoints(this.opts.db, q);
  }

  async atSize(size: number): Promise<AuditCheckpoint | null> {
    const known = this.cached(size);
    if (known !== undefined) return known;
    const [row] = await this.opts.db.select().from(checkpoints).where(eq(checkpoints.treeSize, size)).limit(1);
    const cp = row ? toCheckpoint(row) : null;
    this.remember(size, cp);
    return cp;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.chain;
  }
}
