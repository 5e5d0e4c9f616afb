// Durable append with group commit. One writer per log: concurrent append() calls queue up; while a
// batch is being committed the next one gathers, and each batch is ONE transaction that writes the
// events (leaves) and every complete subtree hash they finish. Callers are answered only after
// their batch has committed.
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.ts';
import { count, inArray, max, sql } from 'drizzle-orm';
import {
  activeContext,
  AppError,
  type Db,
  inSpan,
  type Logger,
  type TraceContext,
  tracingEnabled,
} from '@govshare/platform';
import type { AuditEvent, AuditStoredEvent } from '@govshare/contracts';
import { Frontier, frontierRefs, leafHash } from './merkle.ts';
import { events, treeNodes } from './schema.ts';
import { fetchNodes, mapSource } from './tree-store.ts';
import { subjectKeyOf } from './keys.ts';
import { pgArray, pgArrayElement, queryPrepared } from './raw-sql.ts';
import { storableText } from './stored-text.ts';

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
  /** Called when a commit fails for another reason than its content (the pool may need replacing). */
  onStoreError?: (err: unknown) => void;
  /**
   * Sequencer mode (sequencer.ts): an SQL boolean that is true only while the session running it holds
   * the sequencer lock. Every batch is written only if it holds, checked by the server in the same
   * statement (or transaction) that writes it, so a deposed leader can never commit a batch.
   */
  fence?: string;
  /** Called when a batch was refused because the fence did not hold (this instance no longer leads). */
  onFenced?: () => void;
}

/** A batch refused because this instance's session no longer holds the sequencer lock. */
export class FencedError extends Error {
  constructor() {
    super('this audit instance is no longer the sequencer: the batch was not written');
  }
}

type Prepared = Omit<AuditStoredEvent, 'seq'>;

const RECENT_IDS = 100_000;

function sqlState(err: unknown): string | undefined {
  for (let e: any = err; e; e = e.cause) if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  return undefined;
}

const isUniqueViolation = (err: unknown) => sqlState(err) === '23505';

/**
 * The database refused what a statement carried (data exception, constraint, size limit: SQLSTATE
 * classes 22, 23, 54), as opposed to being unable to commit anything (connection, read-only, outage).
 * Only the former is worth splitting a batch for: the same events alone would fail the same way.
 */
const isContentError = (err: unknown) => /^(22|23|54)/.test(sqlState(err) ?? '');

/** What became of one appended event: its seq, or why it was not stored. */
export type Outcome = Accepted | { id: string; error: AppError };
export const isAccepted = (o: Outcome): o is Accepted => !('error' in o);

/**
 * An event ready to be written: everything but its seq is computed when it is appended (HMACs,
 * canonical JSON, column values), so a flush only splices in the seq, hashes and sends.
 */
export interface Ready {
  event: Prepared;
  /** Canonical JSON (UTF-8) of the stored event up to and including `"seq":`, and after the seq value. */
  head: Buffer;
  tail: Buffer;
  /** The same as elements of a bytea[] literal: escape format (printable ASCII) or hex. */
  headLit: string;
  tailLit: string;
  /** The literal is hex: the seq digits go in as hex too. */
  hexLit: boolean;
  /** Array-literal elements of the search columns, in CELL_COLUMNS order. */
  cells: string[];
}

const CELL_COLUMNS = [
  'id',
  'at',
  'request_id',
  'actor_sub',
  'actor_dept',
  'action',
  'dataset',
  'outcome',
  'record_count',
  'grant_id',
  'purpose',
  'access_request_id',
  'subject_keys',
] as const;
const CELL_TYPES = [
  'text',
  'timestamptz',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'bigint',
  'text',
  'text',
  'text',
  'text',
] as const;

/**
 * The whole batch as ONE statement with one array parameter per column (fixed text, so it is
 * prepared once per connection): the leaves and every complete subtree they finish, atomically.
 */
export const APPEND_SQL = (() => {
  const u = CELL_COLUMNS.map((c) => `u.${c}`);
  const sel = u.map((c, i) => (CELL_COLUMNS[i] === 'subject_keys' ? `${c}::text[]` : c));
  const unnests = CELL_COLUMNS.map((_, i) => `$${i + 3}::${CELL_TYPES[i]}[]`);
  const n = CELL_COLUMNS.length + 3;
  return (
    `with ev as (insert into events (seq, leaf, ${CELL_COLUMNS.join(', ')}) ` +
    `select u.seq, u.leaf, ${sel.join(', ')} ` +
    `from unnest($1::bigint[], $2::bytea[], ${unnests.join(', ')}) as u(seq, leaf, ${CELL_COLUMNS.join(', ')})) ` +
    `insert into tree_nodes (level, idx, hash) select n.level, n.idx, decode(n.hash, 'hex') ` +
    `from unnest($${n}::int[], $${n + 1}::bigint[], $${n + 2}::text[]) as n(level, idx, hash)`
  );
})();

/**
 * APPEND_SQL guarded by a fence: both inserts write nothing unless the fence holds (evaluated once, by
 * the server, in the same statement), and the statement answers how many tree nodes it wrote (every
 * leaf writes at least its own, so 0 means fenced off).
 */
export function fencedAppendSql(fence: string): string {
  const [, ev, nodes] = /^with ev as \((.*)\) (insert into tree_nodes .*)$/.exec(APPEND_SQL)!;
  return (
    `with held as (select (${fence}) as ok), ev as (${ev} where (select ok from held)), ` +
    `nodes as (${nodes} where (select ok from held) returning 1) select count(*)::int as n from nodes`
  );
}

const SEQ_KEY = '"seq":';
/** Hex of the UTF-8 bytes of a string of ASCII digits ('0'..'9' are 0x30..0x39). */
const digitsHex = (digits: string): string => {
  let out = '';
  for (let i = 0; i < digits.length; i++) out += '3' + digits[i];
  return out;
};
const LEAF_PREFIX = Buffer.from([0x00]);

/**
 * Splits the RFC 8785 canonical JSON of `{...event, seq}` around the seq value: JCS sorts the
 * top-level members by key (UTF-16 code units, as Array.prototype.sort), so the seq member sits
 * between the members whose keys sort before and after "seq". head + String(seq) + tail equals
 * canonicalJson({...event, seq}) exactly (property-tested).
 */
export function splitCanonical(event: object): { head: string; tail: string } {
  const before: string[] = [];
  const after: string[] = [];
  const obj = event as Record<string, unknown>;
  for (const k of Object.keys(obj).sort()) {
    const v = obj[k];
    if (k === 'seq' || v === undefined || typeof v === 'symbol') continue;
    (k < 'seq' ? before : after).push(`${canonicalJson(k)}:${canonicalJson(v)}`);
  }
  return {
    head: `{${before.join(',')}${before.length ? ',' : ''}${SEQ_KEY}`,
    tail: `${after.length ? ',' : ''}${after.join(',')}}`,
  };
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * The leaf as an element of a bytea[] array literal, split around the seq digits. Printable ASCII
 * JSON (the usual case) goes in bytea escape format, about half the size of hex: each backslash is
 * doubled for bytea and again for the array literal, quotes are escaped for the array literal. Any
 * other byte (non-ASCII text) falls back to hex (`\x…`), which is exact whatever the encodings.
 */
function leafLiteral(
  head: string,
  tail: string,
  headBuf: Buffer,
  tailBuf: Buffer,
): { headLit: string; tailLit: string; hexLit: boolean } {
  if (PRINTABLE_ASCII.test(head) && PRINTABLE_ASCII.test(tail)) {
    const esc = (x: string) => x.replace(/\\/g, '\\\\\\\\').replace(/"/g, '\\"');
    return { headLit: `"${esc(head)}`, tailLit: `${esc(tail)}"`, hexLit: false };
  }
  return { headLit: `"\\\\x${headBuf.toString('hex')}`, tailLit: `${tailBuf.toString('hex')}"`, hexLit: true };
}

/**
 * The search columns of an event, derived from it alone (integrity.ts recomputes them from each leaf
 * and compares). Text goes in its storable form (stored-text.ts), so any string fits.
 */
export function searchColumns(e: Prepared): Omit<typeof events.$inferInsert, 'seq' | 'leaf'> {
  const t = (v: string | undefined) => (v === undefined ? null : storableText(v));
  return {
    id: storableText(e.id),
    at: new Date(e.at),
    requestId: storableText(e.requestId),
    actorSub: storableText(e.actor.sub),
    actorDept: storableText(e.actor.dept),
    action: storableText(e.action),
    dataset: t(e.dataset),
    outcome: storableText(e.outcome),
    recordCount: e.recordCount ?? null,
    grantId: t(e.grantId),
    purpose: t(e.purpose),
    accessRequestId: t(e.accessRequestId),
    // Subject lookup finds the records returned (subjectKeys) and the subjects a filter asked about.
    subjectKeys: lookupKeys(e),
  };
}

function lookupKeys(e: Prepared): string[] | null {
  const keys = new Set([...(e.subjectKeys ?? []), ...filterSubjectKeys(e.filter)]);
  return keys.size ? [...keys] : null;
}

/** Everything about an event that does not depend on its seq. */
export function readyEvent(e: Prepared, index = 0): Ready {
  const { head, tail } = splitCanonical(e);
  const atMs = Date.parse(e.at);
  if (!Number.isFinite(atMs)) throw new AppError('BAD_USER_INPUT', `events/${index}/at: not a valid date-time`);
  const headBuf = Buffer.from(head, 'utf8');
  const tailBuf = Buffer.from(tail, 'utf8');
  const c = searchColumns(e);
  const cell = pgArrayElement;
  return {
    event: e,
    head: headBuf,
    tail: tailBuf,
    ...leafLiteral(head, tail, headBuf, tailBuf),
    cells: [
      cell(c.id),
      cell(c.at!.toISOString()),
      cell(c.requestId),
      cell(c.actorSub),
      cell(c.actorDept),
      cell(c.action),
      cell(c.dataset),
      cell(c.outcome),
      cell(c.recordCount),
      cell(c.grantId),
      cell(c.purpose),
      cell(c.accessRequestId),
      c.subjectKeys ? cell(pgArray(c.subjectKeys)) : 'NULL',
    ],
  };
}

interface Pending {
  events: Ready[];
  resolve: (a: Outcome[]) => void;
  reject: (e: unknown) => void;
  /** The appending request's trace context (tracing on only): its batch's commit span joins it. */
  trace?: TraceContext;
}

/** RFC 8785 canonical JSON bytes of a stored event: the Merkle leaf. */
export function leafBytes(event: AuditStoredEvent): Buffer {
  return Buffer.from(canonicalJson(event), 'utf8');
}

export function parseLeaf(bytes: Uint8Array): AuditStoredEvent {
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as AuditStoredEvent;
}

/**
 * A filter as stored: every condition the gateway marked `subject: true` (its field is an x-subject
 * field of the dataset) has its value replaced by the keyed HMAC of that value (`valueKey`, or
 * `valueKeys` for a list), so a probe for a resident ID is logged without the ID and found by a
 * subject lookup. Other conditions are kept as they are. Marked conditions are found at any depth
 * (a sandbox query nests its filter inside the aggregate).
 */
function hashFilterSubjects(filter: unknown, key: Uint8Array): unknown {
  if (Array.isArray(filter)) return filter.map((f) => hashFilterSubjects(f, key));
  if (!filter || typeof filter !== 'object') return filter;
  const { subject, value, ...rest } = filter as Record<string, unknown>;
  if (subject === true && value !== undefined && value !== null) {
    const hash = (v: unknown) => subjectKeyOf(key, String(v));
    return Array.isArray(value) ? { ...rest, valueKeys: value.map(hash) } : { ...rest, valueKey: hash(value) };
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(filter)) out[k] = hashFilterSubjects(v, key);
  return out;
}

/** The subject keys a stored filter names (its conditions' valueKey / valueKeys). */
export function filterSubjectKeys(filter: unknown, out: string[] = []): string[] {
  if (Array.isArray(filter)) for (const f of filter) filterSubjectKeys(f, out);
  else if (filter && typeof filter === 'object') {
    const f = filter as Record<string, unknown>;
    if (typeof f.valueKey === 'string') out.push(f.valueKey);
    if (Array.isArray(f.valueKeys)) for (const k of f.valueKeys) if (typeof k === 'string') out.push(k);
    for (const v of Object.values(f)) if (v && typeof v === 'object') filterSubjectKeys(v, out);
  }
  return out;
}

/** Replaces clear subjects (and subject values in the filter) by keyed HMACs; nothing clear survives this function. */
export function prepareEvent(e: AuditEvent, key: Uint8Array, index = 0): Prepared {
  if (e.subjectKeys !== undefined) {
    throw new AppError(
      'BAD_USER_INPUT',
      `events/${index}/subjectKeys: computed by the audit service; send clear identifiers in subjects`,
    );
  }
  const { subjects, subjectKeys: _ignored, ...rest } = e;
  const out: Prepared = { ...rest };
  if (e.filter !== undefined) out.filter = hashFilterSubjects(e.filter, key);
  if (subjects && subjects.length > 0) out.subjectKeys = [...new Set(subjects.map((s) => subjectKeyOf(key, s)))];
  return out;
}

export class AuditLog {
  private frontier = new Frontier();
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private closed = false;
  /** Recently committed ids -> seq: most retries are answered without a database lookup. */
  private recent = new Map<string, number>();
  readonly maxBatch: number;
  private readonly appendSql: string;
  /** Runs the batch statement (prepared on the Postgres server); tests replace it to inject failures. */
  runStatement: (db: Db, text: string, params: unknown[]) => Promise<unknown> = queryPrepared;
  /** Batches committed / events committed since start (for tests and metrics). */
  stats = { batches: 0, events: 0 };
  /** Told of every committed batch: its events and how long its commit took (the metrics, see metrics.ts). */
  onBatchCommitted?: (events: number, seconds: number) => void;

  constructor(private readonly opts: AuditLogOptions) {
    this.maxBatch = opts.maxBatch ?? 2000;
    this.appendSql = opts.fence ? fencedAppendSql(opts.fence) : APPEND_SQL;
  }

  get db(): Db {
    return this.opts.db;
  }

  /** Events waiting for a batch (not yet being committed): the group commit's queue depth. */
  get queued(): number {
    let n = 0;
    for (const p of this.queue) n += p.events.length;
    return n;
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
      throw new AppError(
        'INTERNAL_SERVER_ERROR',
        `audit log has ${row?.n} events but its highest seq is ${size - 1}: events are missing`,
      );
    }
    const refs = frontierRefs(size);
    const src = mapSource(await fetchNodes(this.db, refs));
    this.frontier = new Frontier(
      size,
      refs.map((r) => ({ level: r.level, hash: src.node(r.level, r.index) })),
    );
  }

  /** Appends events; resolves with their seqs once they are durably committed, rejects if any was not. */
  async append(input: AuditEvent[]): Promise<Accepted[]> {
    const outcomes = await this.appendEach(input);
    for (const o of outcomes) if (!isAccepted(o)) throw o.error;
    return outcomes as Accepted[];
  }

  /**
   * Appends events and tells, per event, whether it was committed (its seq) or why not. One event the
   * database refuses fails alone: the others of its request and of its batch are still committed.
   */
  appendEach(input: AuditEvent[]): Promise<Outcome[]> {
    if (this.closed) return Promise.reject(new AppError('UNAVAILABLE', 'audit log is closing'));
    let prepared: Ready[];
    try {
      prepared = input.map((e, i) => readyEvent(prepareEvent(e, this.opts.subjectKey, i), i));
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<Outcome[]>((resolve, reject) => {
      this.queue.push({ events: prepared, resolve, reject, trace: tracingEnabled() ? activeContext() : undefined });
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  /** Takes the next batch off the queue: at most maxBatch events, a request's events always together. */
  private takeBatch(): Pending[] | null {
    if (this.queue.length === 0) return null;
    const batch: Pending[] = [];
    let n = 0;
    while (this.queue.length > 0 && (batch.length === 0 || n + this.queue[0]!.events.length <= this.maxBatch)) {
      const p = this.queue.shift()!;
      batch.push(p);
      n += p.events.length;
    }
    return batch;
  }

  private startBatch(batch: Pending[] | null): Promise<Outcome[]> | null {
    if (!batch) return null;
    const events = batch.flatMap((p) => p.events);
    if (!batch[0]!.trace) return this.commitIsolated(events);
    // One commit serves many requests: a child of the first one's trace, linked to the others'.
    return inSpan(
      'audit.commit',
      {
        parent: batch[0]!.trace,
        links: batch.slice(1).flatMap((p) => (p.trace ? [p.trace] : [])),
        attributes: { 'govshare.audit.batch_events': events.length, 'govshare.audit.batch_requests': batch.length },
      },
      async (span) => {
        const outcomes = await this.commitIsolated(events);
        const failed = outcomes.filter((o) => !isAccepted(o)).length;
        if (failed) span.setAttribute('govshare.audit.failed_events', failed);
        return outcomes;
      },
    );
  }

  /**
   * Commits a batch; if the database refuses its content, splits it in halves and commits each
   * (recursively, in order, so seqs stay gap-free), so only the refused events fail. If it cannot
   * commit at all, every event not yet committed fails UNAVAILABLE (the gateway then fails closed).
   */
  private async commitIsolated(batch: Ready[]): Promise<Outcome[]> {
    try {
      return await this.commit(batch);
    } catch (err) {
      if (err instanceof FencedError) this.opts.onFenced?.();
      else if (!isContentError(err)) this.opts.onStoreError?.(err);
      // The database is the truth: reload the tree edge before anything else is written.
      await this.load().catch((e) => this.opts.logger.error({ err: e }, 'audit log reload failed'));
      if (!isContentError(err)) {
        this.opts.logger.error({ err }, 'audit batch commit failed');
        const failure = new AppError('UNAVAILABLE', 'audit events could not be committed');
        return batch.map((r) => ({ id: r.event.id, error: failure }));
      }
      if (batch.length === 1) {
        const code = sqlState(err);
        this.opts.logger.warn({ sqlState: code, eventId: batch[0]!.event.id }, 'audit event refused by the database');
        const refused = new AppError(
          'BAD_USER_INPUT',
          `event ${batch[0]!.event.id}: the database refused to store it (SQLSTATE ${code}); other events were not affected`,
        );
        return [{ id: batch[0]!.event.id, error: refused }];
      }
      const mid = batch.length >> 1;
      const left = await this.commitIsolated(batch.slice(0, mid));
      const down = left.find((o) => !isAccepted(o) && o.error.code === 'UNAVAILABLE');
      if (down && !isAccepted(down))
        return [...left, ...batch.slice(mid).map((r) => ({ id: r.event.id, error: down.error }))];
      return [...left, ...(await this.commitIsolated(batch.slice(mid)))];
    }
  }

  private async flushLoop(): Promise<void> {
    try {
      let batch = this.takeBatch();
      let running = this.startBatch(batch);
      while (batch && running) {
        const results = await running;
        // Answer the callers, then let them act before the next batch is cut. In-process callers
        // (and requests that arrived meanwhile) append again within this turn of the event loop, so
        // closed-loop callers form ONE group per commit instead of two alternating halves (64
        // callers: ~64 events per statement instead of ~32, less fixed cost per event).
        let i = 0;
        for (const p of batch) {
          p.resolve(results.slice(i, i + p.events.length));
          i += p.events.length;
        }
        await new Promise<void>((r) => setImmediate(r));
        batch = this.takeBatch();
        running = this.startBatch(batch);
      }
    } finally {
      this.flushing = null;
    }
  }

  /**
   * Commits one batch atomically: dedupe by id, assign seqs, write the leaves and every subtree hash
   * they finish. Fast path: ids are checked against recently committed ones in memory and the whole
   * batch is ONE autocommit statement (two INSERTs in a CTE: one round trip, one WAL flush). If the
   * database still finds a duplicate id (a retry of an older event), the batch is redone in a
   * transaction that looks the ids up first.
   */
  private async commit(batch: Ready[]): Promise<Accepted[]> {
    const started = performance.now();
    const committed = (accepted: Accepted[]) => {
      this.onBatchCommitted?.(batch.length, (performance.now() - started) / 1000);
      return accepted;
    };
    try {
      return committed(await this.write(batch, false));
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    return committed(await this.write(batch, true));
  }

  private async write(batch: Ready[], lookup: boolean): Promise<Accepted[]> {
    const next = this.frontier.clone();
    const committed: CommittedLeaf[] = [];
    const run = async (db: Db) => {
      const known = new Map<string, number>();
      for (const r of batch) {
        const seq = this.recent.get(r.event.id);
        if (seq !== undefined) known.set(r.event.id, seq);
      }
      if (lookup) {
        const ids = [...new Set(batch.map((r) => r.event.id))].filter((id) => !known.has(id));
        for (let i = 0; i < ids.length; i += 1000) {
          const rows = await db
            .select({ id: events.id, seq: events.seq })
            .from(events)
            .where(inArray(events.id, ids.slice(i, i + 1000)));
          for (const r of rows) known.set(r.id, Number(r.seq));
        }
      }
      const seqs: number[] = [];
      const leaves: string[] = [];
      const cells: string[][] = CELL_COLUMNS.map(() => []);
      const nodeLevels: number[] = [];
      const nodeIdx: number[] = [];
      const nodeHashes: string[] = [];
      const eventRows: (typeof events.$inferInsert)[] = [];
      const accepted: Accepted[] = [];
      for (const r of batch) {
        const id = r.event.id;
        const existing = known.get(id);
        if (existing !== undefined) {
          accepted.push({ id, seq: existing });
          continue;
        }
        const seq = next.size;
        const seqText = String(seq);
        const h = createHash('sha256')
          .update(LEAF_PREFIX)
          .update(r.head)
          .update(seqText, 'latin1')
          .update(r.tail)
          .digest();
        for (const d of next.append(h)) {
          nodeLevels.push(d.level);
          nodeIdx.push(d.index);
          nodeHashes.push(Buffer.from(d.hash).toString('hex'));
        }
        const stored = { ...r.event, seq } as AuditStoredEvent;
        if (lookup) {
          eventRows.push(eventRow(stored, Buffer.concat([r.head, Buffer.from(seqText, 'latin1'), r.tail])));
        } else {
          seqs.push(seq);
          leaves.push(r.headLit + (r.hexLit ? digitsHex(seqText) : seqText) + r.tailLit);
          for (let c = 0; c < cells.length; c++) cells[c]!.push(r.cells[c]!);
        }
        known.set(id, seq);
        accepted.push({ id, seq });
        committed.push({ seq, event: stored });
      }
      if (committed.length === 0) return accepted;
      if (lookup && this.opts.fence) {
        // In the transaction (a drizzle tx has no $client for queryPrepared): the fence holds now, or nothing is written.
        const res = (await db.execute(sql.raw(`select (${this.opts.fence}) as ok`))) as unknown;
        const [row] = (Array.isArray(res) ? res : (res as { rows: unknown[] }).rows) as { ok: boolean }[];
        if (!row?.ok) throw new FencedError();
      }
      if (!lookup) {
        // One statement = one atomic autocommit transaction; one parameter per column.
        const rows = await this.runStatement(db, this.appendSql, [
          `{${seqs.join(',')}}`,
          `{${leaves.join(',')}}`,
          ...cells.map((col) => `{${col.join(',')}}`),
          `{${nodeLevels.join(',')}}`,
          `{${nodeIdx.join(',')}}`,
          `{${nodeHashes.join(',')}}`,
        ]);
        if (this.opts.fence && Number((rows as { n: number }[])[0]?.n ?? 0) === 0) throw new FencedError();
      } else {
        const nodeRows = nodeLevels.map((level, i) => ({
          level,
          idx: nodeIdx[i]!,
          hash: Buffer.from(nodeHashes[i]!, 'hex'),
        }));
        for (let i = 0; i < eventRows.length; i += 1000) await db.insert(events).values(eventRows.slice(i, i + 1000));
        for (let i = 0; i < nodeRows.length; i += 5000) await db.insert(treeNodes).values(nodeRows.slice(i, i + 5000));
      }
      return accepted;
    };
    const result = lookup ? await this.db.transaction((tx) => run(tx as unknown as Db)) : await run(this.db);
    this.frontier = next;
    this.stats.batches++;
    this.stats.events += committed.length;
    for (const c of committed) this.remember(c.event.id, c.seq);
    if (committed.length > 0) {
      try {
        this.opts.onCommitted?.(committed);
      } catch (err) {
        this.opts.logger.error({ err }, 'post-commit hook failed');
      }
    }
    return result;
  }

  private remember(id: string, seq: number): void {
    this.recent.set(id, seq);
    if (this.recent.size > RECENT_IDS) this.recent.delete(this.recent.keys().next().value!);
  }

  /** Stops accepting events and waits for queued ones to commit. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing) await this.flushing;
  }
}

export function eventRow(e: AuditStoredEvent, leaf: Uint8Array): typeof events.$inferInsert {
  return { seq: e.seq, leaf, ...searchColumns(e) };
}
