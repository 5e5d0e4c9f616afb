// Durable append with group commit. One writer per log: concurrent append() calls queue up; while a
// batch is being committed the next one gathers, and each batch is ONE transaction that writes the
// events (leaves) and every complete subtree hash they finish. Callers are answered only after
// their batch has committed.
import { canonicalJson } from './canonical.ts';
import { count, inArray, max } from 'drizzle-orm';
import { AppError, type Db, type Logger } from '@govshare/platform';
import type { AuditEvent, AuditStoredEvent } from '@govshare/contracts';
import { Frontier, frontierRefs, leafHash } from './merkle.ts';
import { events, treeNodes } from './schema.ts';
import { fetchNodes, mapSource } from './tree-store.ts';
import { subjectKeyOf } from './keys.ts';

export interface Accepted {
  id: string;
  seq: number;
}

/** A freshly committed leaf, handed to the post-commit hooks (checkpoints, alerts). */
export interface CommittedLeaf {
  seq: number;
  event: AuditStoredEvent;
}

export interface AuditLogOptions {
  db: Db;
  subjectKey: Uint8Array;
  logger: Logger;
  /** Most events per transaction (default 2000). One request's events always share a transaction. */
  maxBatch?: number;
  /** Called after each commit, outside the acknowledgement path. */
  onCommitted?: (leaves: CommittedLeaf[]) => void;
}

type Prepared = Omit<AuditStoredEvent, 'seq'>;

interface Pending {
  events: Prepared[];
  resolve: (a: Accepted[]) => void;
  reject: (e: unknown) => void;
}

/** RFC 8785 canonical JSON bytes of a stored event: the Merkle leaf. */
export function leafBytes(event: AuditStoredEvent): Buffer {
  return Buffer.from(canonicalJson(event), 'utf8');
}

export function parseLeaf(bytes: Uint8Array): AuditStoredEvent {
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as AuditStoredEvent;
}

/** Replaces clear subjects by keyed HMACs; nothing clear survives this function. */
export function prepareEvent(e: AuditEvent, key: Uint8Array, index = 0): Prepared {
  if (e.subjectKeys !== undefined) {
    throw new AppError('BAD_USER_INPUT', `events/${index}/subjectKeys: computed by the audit service; send clear identifiers in subjects`);
  }
  const { subjects, subjectKeys: _ignored, ...rest } = e;
  const out: Prepared = { ...rest };
  if (subjects && subjects.length > 0) out.subjectKeys = [...new Set(subjects.map((s) => subjectKeyOf(key, s)))];
  return out;
}

export class AuditLog {
  private frontier = new Frontier();
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private closed = false;
  readonly maxBatch: number;
  /** Batches committed / events committed since start (for tests and metrics). */
  stats = { batches: 0, events: 0 };

  constructor(private readonly opts: AuditLogOptions) {
    this.maxBatch = opts.maxBatch ?? 2000;
  }

  get db(): Db {
    return this.opts.db;
  }

  /** Committed tree size (= next seq). */
  get size(): number {
    return this.frontier.size;
  }

  /** Root of the committed tree. */
  root(): Uint8Array {
    return this.frontier.root();
  }

  /** Committed size and root, read together. */
  head(): { size: number; root: Uint8Array } {
    return { size: this.frontier.size, root: this.frontier.root() };
  }

  /** Loads the committed size and right edge of the tree from the database. */
  async load(): Promise<void> {
    const [row] = await this.db.select({ n: count(), top: max(events.seq) }).from(events);
    const size = row?.top == null ? 0 : Number(row.top) + 1;
    if (Number(row?.n ?? 0) !== size) {
      throw new AppError('INTERNAL_SERVER_ERROR', `audit log has ${row?.n} events but its highest seq is ${size - 1}: events are missing`);
    }
    const refs = frontierRefs(size);
    const src = mapSource(await fetchNodes(this.db, refs));
    this.frontier = new Frontier(
      size,
      refs.map((r) => ({ level: r.level, hash: src.node(r.level, r.index) })),
    );
  }

  /** Appends events; resolves with their seqs once they are durably committed. */
  append(input: AuditEvent[]): Promise<Accepted[]> {
    if (this.closed) return Promise.reject(new AppError('UNAVAILABLE', 'audit log is closing'));
    let prepared: Prepared[];
    try {
      prepared = input.map((e, i) => prepareEvent(e, this.opts.subjectKey, i));
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<Accepted[]>((resolve, reject) => {
      this.queue.push({ events: prepared, resolve, reject });
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch: Pending[] = [];
        let n = 0;
        while (this.queue.length > 0 && (batch.length === 0 || n + this.queue[0]!.events.length <= this.maxBatch)) {
          const p = this.queue.shift()!;
          batch.push(p);
          n += p.events.length;
        }
        try {
          const results = await this.commit(batch.flatMap((p) => p.events));
          let i = 0;
          for (const p of batch) {
            p.resolve(results.slice(i, i + p.events.length));
            i += p.events.length;
          }
        } catch (err) {
          this.opts.logger.error({ err }, 'audit batch commit failed');
          const failure = new AppError('UNAVAILABLE', 'audit events could not be committed');
          for (const p of batch) p.reject(failure);
          // The database is the truth: reload the tree edge before the next batch.
          await this.load().catch((e) => this.opts.logger.error({ err: e }, 'audit log reload failed'));
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  /** One transaction: dedupe by id, assign seqs, write leaves and finished subtree hashes. */
  private async commit(batch: Prepared[]): Promise<Accepted[]> {
    const ids = [...new Set(batch.map((e) => e.id))];
    const next = this.frontier.clone();
    const committed: CommittedLeaf[] = [];
    const result = await this.db.transaction(async (tx) => {
      const known = new Map<string, number>();
      for (let i = 0; i < ids.length; i += 1000) {
        const rows = await tx.select({ id: events.id, seq: events.seq }).from(events).where(inArray(events.id, ids.slice(i, i + 1000)));
        for (const r of rows) known.set(r.id, Number(r.seq));
      }
      const eventRows: (typeof events.$inferInsert)[] = [];
      const nodeRows: (typeof treeNodes.$inferInsert)[] = [];
      const accepted: Accepted[] = [];
      for (const e of batch) {
        const existing = known.get(e.id);
        if (existing !== undefined) {
          accepted.push({ id: e.id, seq: existing });
          continue;
        }
        const seq = next.size;
        const stored = { ...e, seq } as AuditStoredEvent;
        const leaf = leafBytes(stored);
        for (const d of next.append(leafHash(leaf))) nodeRows.push({ level: d.level, idx: d.index, hash: d.hash });
        eventRows.push(eventRow(stored, leaf));
        known.set(e.id, seq);
        accepted.push({ id: e.id, seq });
        committed.push({ seq, event: stored });
      }
      for (let i = 0; i < eventRows.length; i += 1000) await tx.insert(events).values(eventRows.slice(i, i + 1000));
      for (let i = 0; i < nodeRows.length; i += 5000) await tx.insert(treeNodes).values(nodeRows.slice(i, i + 5000));
      return accepted;
    });
    this.frontier = next;
    this.stats.batches++;
    this.stats.events += committed.length;
    if (committed.length > 0) {
      try {
        this.opts.onCommitted?.(committed);
      } catch (err) {
        this.opts.logger.error({ err }, 'post-commit hook failed');
      }
    }
    return result;
  }

  /** Stops accepting events and waits for queued ones to commit. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing) await this.flushing;
  }
}

export function eventRow(e: AuditStoredEvent, leaf: Uint8Array): typeof events.$inferInsert {
  return {
    seq: e.seq,
    id: e.id,
    leaf,
    at: new Date(e.at),
    requestId: e.requestId,
    actorSub: e.actor.sub,
    actorDept: e.actor.dept,
    action: e.action,
    dataset: e.dataset ?? null,
    outcome: e.outcome,
    recordCount: e.recordCount ?? null,
    grantId: e.grantId ?? null,
    purpose: e.purpose ?? null,
    subjectKeys: e.subjectKeys ?? null,
  };
}
