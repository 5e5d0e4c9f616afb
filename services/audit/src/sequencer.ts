// One writer per log on a Postgres server: every audit instance on the same schema competes for a
// session-level advisory lock; the holder is the sequencer (it appends and signs checkpoints), the
// others forward those calls to it. When the leader's process dies Postgres ends its session, the
// lock frees, and a standby takes it on its next try and reloads the tree from the committed rows.
// Fencing: the leader writes only through the session that holds the lock, and every batch and
// checkpoint re-checks, in its own statement or transaction, that this session still holds it.
import { createHash } from 'node:crypto';
import {
  AppError,
  createServiceClient,
  remoteFace,
  type Database,
  type Db,
  type Logger,
  type ServiceClient,
  type ServiceTokenSigner,
} from '@govshare/platform';
import { auditFaceSpec, type SequencedFace } from './face.ts';
import { queryPrepared } from './raw-sql.ts';
import type { tables } from './schema.ts';

/** First half of the lock key: this lock's namespace ("audt"); the second is the schema's. */
const LOCK_NAMESPACE = 0x61756474;

/** The advisory lock (two int4 keys) that elects the sequencer of one schema's log. */
export function sequencerLockKeys(schema: string): [number, number] {
  return [LOCK_NAMESPACE, createHash('sha256').update(schema).digest().readUInt32BE(0) & 0x7fffffff];
}

/** pg_locks row of the two-key advisory lock (objsubid 2 = the int4, int4 form). */
const lockRow = ([k1, k2]: [number, number]) =>
  `l.locktype = 'advisory' and l.granted and l.classid = ${k1} and l.objid = ${k2} and l.objsubid = 2`;

/** True only in the session that holds the lock: the fence every write of the leader carries. */
export const sequencerFence = (keys: [number, number]) =>
  `exists (select 1 from pg_locks l where ${lockRow(keys)} and l.pid = pg_backend_pid())`;

/** A leader's term: its log and checkpointer on the lock session, and the face over them. */
export interface Term {
  face: SequencedFace;
  /** Stops the term's log and checkpointer; `final` (a graceful stop) signs a last checkpoint first. */
  close(final?: boolean): Promise<void>;
}

export interface SequencerOptions {
  database: Database<typeof tables>;
  /** Where followers reach this instance's face while it leads; unset: it forwards nothing to itself. */
  advertiseUrl?: string;
  /** How often a standby tries the lock and a leader checks it still holds it. */
  retryMs: number;
  logger: Logger;
  /** Signs the calls forwarded to the leader (audience "audit"). */
  peerSigner: ServiceTokenSigner;
  /** Starts a term on the lock session: loads the tree from the database, starts the checkpointer. */
  startTerm(session: Db, fence: string, onFenced: () => void): Promise<Term>;
}

type LeaderView = { epoch: number; url: string; client: ServiceClient; face: SequencedFace };

export class Sequencer {
  private readonly keys: [number, number];
  private readonly fence: string;
  private session: { db: Db; end(): Promise<void>; closed: boolean } | null = null;
  private term: Term | null = null;
  private epoch = 0;
  private leader: LeaderView | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly opts: SequencerOptions) {
    this.keys = sequencerLockKeys(opts.database.schema);
    this.fence = sequencerFence(this.keys);
  }

  /** Whether this instance is the sequencer now. */
  get leading(): boolean {
    return this.term !== null;
  }

  /** The current term's epoch (leading) or the known leader's; 0 when none is known. */
  get knownEpoch(): number {
    return this.term ? this.epoch : (this.leader?.epoch ?? 0);
  }

  /** Tries once now (a lone instance leads before it listens), then keeps trying every retryMs. */
  async start(): Promise<void> {
    await this.tick();
    this.schedule();
  }

  /** Where the sequenced functions run now; UNAVAILABLE while no leader is known. */
  sequenced(): SequencedFace {
    if (this.term) return this.term.face;
    if (this.leader) return this.leader.face;
    throw new AppError('UNAVAILABLE', 'no audit sequencer is elected at the moment: retry shortly');
  }

  /** Ready to take appends: leading, or a leader is known to forward to. */
  hasLeader(): boolean {
    return this.term !== null || this.leader !== null;
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => this.schedule());
    }, this.opts.retryMs);
    this.timer.unref?.();
  }

  private openSession() {
    const s: { db: Db; end(): Promise<void>; closed: boolean } = {
      closed: false,
      ...this.opts.database.openSession!(() => {
        // The session is gone, and the lock with it: a leader stops at once (its fence fails too).
        if (s.closed) return;
        s.closed = true;
        if (this.session === s) this.session = null;
        s.end().catch(() => {});
        if (this.term) void this.depose('its lock session closed');
      }),
    };
    return s;
  }

  private async endSession(): Promise<void> {
    const s = this.session;
    this.session = null;
    if (s && !s.closed) {
      s.closed = true;
      await s.end().catch(() => {});
    }
  }

  private async tick(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.term) {
        // Heartbeat: the lock is still this session's (a reconnected session would not hold it).
        const [row] = await queryPrepared<{ ok: boolean }>(this.session!.db, `select (${this.fence}) as ok`, []);
        if (!row?.ok) await this.depose('its session no longer holds the lock');
        return;
      }
      this.session ??= this.openSession();
      const db = this.session.db;
      const [k1, k2] = this.keys;
      const [got] = await queryPrepared<{ won: boolean }>(db, `select pg_try_advisory_lock(${k1}, ${k2}) as won`, []);
      if (got?.won) return await this.lead(db);
      await this.followLeader(db);
    } catch (err) {
      this.opts.logger.warn({ err }, 'audit sequencer election: the database did not answer');
      if (this.term) await this.depose('the database did not answer its heartbeat');
      await this.endSession();
      this.forgetLeader();
    }
  }

  private async lead(db: Db): Promise<void> {
    try {
      const [row] = await queryPrepared<{ epoch: string | number }>(
        db,
        `insert into sequencer_terms (epoch, leader_url, backend_pid) ` +
          `select coalesce(max(epoch), 0) + 1, $1::text, pg_backend_pid() from sequencer_terms returning epoch`,
        [this.opts.advertiseUrl ?? null],
      );
      this.epoch = Number(row!.epoch);
      this.forgetLeader();
      this.term = await this.opts.startTerm(db, this.fence, () => void this.depose('a batch was fenced off'));
      this.opts.logger.info({ epoch: this.epoch, url: this.opts.advertiseUrl }, 'this instance is the audit sequencer');
    } catch (err) {
      // Not a leader after all: give the lock back by ending the session.
      this.term = null;
      await this.endSession();
      throw err;
    }
  }

  /** The latest term, if its session still holds the lock (a dead leader's row is ignored). */
  private async followLeader(db: Db): Promise<void> {
    const [row] = await queryPrepared<{ epoch: string | number; leader_url: string | null }>(
      db,
      `select t.epoch, t.leader_url from sequencer_terms t ` +
        `where t.epoch = (select max(epoch) from sequencer_terms) ` +
        `and exists (select 1 from pg_locks l where ${lockRow(this.keys)} and l.pid = t.backend_pid)`,
      [],
    );
    const url = row?.leader_url ?? null;
    if (!row || !url || url === this.opts.advertiseUrl) return this.forgetLeader();
    const epoch = Number(row.epoch);
    if (this.leader?.epoch === epoch && this.leader.url === url) return;
    this.forgetLeader();
    const client = createServiceClient({ service: 'audit', baseUrl: url, signer: this.opts.peerSigner });
    this.leader = { epoch, url, client, face: remoteFace(auditFaceSpec, client) };
    this.opts.logger.info({ epoch, url }, 'following the audit sequencer');
  }

  private forgetLeader(): void {
    const l = this.leader;
    this.leader = null;
    l?.client.close().catch(() => {});
  }

  private async depose(reason: string): Promise<void> {
    const term = this.term;
    if (!term) return;
    this.term = null;
    this.opts.logger.warn({ epoch: this.epoch, reason }, 'this instance is no longer the audit sequencer');
    await this.endSession();
    await term.close().catch((err) => this.opts.logger.error({ err }, 'closing the sequencer term failed'));
  }

  /** Ends the term (its queued appends commit first) and gives the lock back. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    const term = this.term;
    this.term = null;
    if (term) await term.close(true);
    await this.endSession();
    this.forgetLeader();
  }
}
