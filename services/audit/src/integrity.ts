// Start-up check: the stored leaves, subtree hashes and checkpoints must agree. Small logs are
// recomputed completely (every leaf, every stored node, every checkpoint root); large logs get the
// latest checkpoint's root from stored nodes, a full check of the tail and of a random sample of
// leaves with their inclusion paths.
import { and, asc, count, desc, eq, gte, inArray, lt, max } from 'drizzle-orm';
import type { JWK } from 'jose';
import type { Db } from '@govshare/platform';
import { canonicalJson } from './canonical.ts';
import { Frontier, inclusionProof, leafHash, rootOf, toHex, verifyInclusion } from './merkle.ts';
import { checkpoints, events, treeNodes } from './schema.ts';
import { MissingNodeError, withStoredNodes } from './tree-store.ts';
import { verifyCheckpoint } from './checkpoints.ts';
import { searchColumns } from './append.ts';
import { storableText } from './stored-text.ts';
import type { AuditCheckpoint, AuditStoredEvent } from '@govshare/contracts';

export class IntegrityError extends Error {
  constructor(
    readonly seq: number | null,
    reason: string,
  ) {
    super(
      seq === null
        ? `audit log integrity check failed: ${reason}`
        : `audit log integrity check failed at seq ${seq}: ${reason}`,
    );
    this.name = 'IntegrityError';
  }
}

export interface IntegrityOptions {
  /** The audit public keys (current and retired); each checkpoint is checked with the one it names. */
  publicKeys: JWK[];
  /** Logs up to this many events are recomputed completely (default 200,000). */
  fullCheckLimit?: number;
  /** Large logs: how many trailing and random leaves to check (default 5,000 and 1,000). */
  tail?: number;
  sample?: number;
}

export interface IntegrityResult {
  size: number;
  mode: 'full' | 'sampled';
  checkpointsChecked: number;
}

type EventRow = typeof events.$inferSelect;

const sameColumn = (a: unknown, b: unknown): boolean =>
  a instanceof Date || b instanceof Date
    ? a instanceof Date && b instanceof Date && a.getTime() === b.getTime()
    : JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * The search columns must be what the leaf says (append.ts derives them with searchColumns): an owner
 * who edits only a column (say dataset or subject_keys) would otherwise hide the event from auditors'
 * searches while the tree still verifies.
 */
function checkColumns(seq: number, row: EventRow, parsed: AuditStoredEvent): void {
  const want = searchColumns(parsed);
  for (const [name, value] of Object.entries(want)) {
    if (!sameColumn((row as Record<string, unknown>)[name], value)) {
      throw new IntegrityError(
        seq,
        `search column ${name} differs from the stored event: the row was edited (auditors' searches would miss or misplace it)`,
      );
    }
  }
}

/** Parses and checks a leaf row; its search columns are checked (checkColumns) once its hash is. */
function checkLeafRow(seq: number, row: EventRow): { hash: Buffer; parsed: AuditStoredEvent } {
  const { id, leaf } = row;
  const bytes = Buffer.from(leaf);
  let parsed: any;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new IntegrityError(seq, 'stored event is not valid JSON');
  }
  if (canonicalJson(parsed) !== bytes.toString('utf8'))
    throw new IntegrityError(seq, 'stored event is not canonical JSON');
  if (parsed.seq !== seq) throw new IntegrityError(seq, `stored event carries seq ${parsed.seq}`);
  if (storableText(parsed.id) !== id)
    throw new IntegrityError(seq, `stored event id ${parsed.id} differs from its row id ${id}`);
  return { hash: leafHash(bytes), parsed };
}

async function firstGap(db: Db, size: number): Promise<number> {
  // Binary search for the first seq s with count(seq < s+1) < s+1.
  let lo = 0;
  let hi = size - 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const [r] = await db
      .select({ n: count() })
      .from(events)
      .where(lt(events.seq, mid + 1));
    if (Number(r!.n) < mid + 1) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export async function checkIntegrity(db: Db, opts: IntegrityOptions): Promise<IntegrityResult> {
  const [row] = await db.select({ n: count(), top: max(events.seq) }).from(events);
  const size = row?.top == null ? 0 : Number(row.top) + 1;
  if (Number(row?.n ?? 0) !== size) throw new IntegrityError(await firstGap(db, size), 'event is missing (deleted)');
  const full = size <= (opts.fullCheckLimit ?? 200_000);
  // Full mode compares every checkpoint; sampled mode only the most recent ones.
  const cps = full
    ? await db.select().from(checkpoints).orderBy(asc(checkpoints.treeSize))
    : (await db.select().from(checkpoints).orderBy(desc(checkpoints.treeSize)).limit(20)).reverse();
  const latestCp = cps[cps.length - 1];
  if (latestCp && Number(latestCp.treeSize) > size) {
    throw new IntegrityError(
      size,
      `the log has ${size} events but checkpoint ${latestCp.treeSize} was signed: events were removed`,
    );
  }
  for (const c of cps.slice(-1)) {
    try {
      await verifyCheckpoint(
        { jws: c.jws, treeSize: Number(c.treeSize), rootHash: Buffer.from(c.rootHash).toString('base64') },
        opts.publicKeys,
      );
    } catch (e) {
      throw new IntegrityError(null, `checkpoint at size ${c.treeSize}: ${(e as Error).message}`);
    }
  }
  try {
    if (full) {
      await fullCheck(db, size, cps);
      return { size, mode: 'full', checkpointsChecked: cps.length };
    }
    const checked = await sampledCheck(db, size, cps, opts);
    return { size, mode: 'sampled', checkpointsChecked: checked };
  } catch (e) {
    if (e instanceof MissingNodeError)
      throw new IntegrityError(
        e.ref.index * 2 ** e.ref.level,
        `stored tree node (level ${e.ref.level}, index ${e.ref.index}) is missing`,
      );
    throw e;
  }
}

type CpRow = typeof checkpoints.$inferSelect;

async function fullCheck(db: Db, size: number, cps: CpRow[]): Promise<void> {
  const f = new Frontier();
  const cpAt = new Map(cps.map((c) => [Number(c.treeSize), Buffer.from(c.rootHash)]));
  const checkCp = () => {
    const want = cpAt.get(f.size);
    if (want && !want.equals(Buffer.from(f.root())))
      throw new IntegrityError(f.size - 1, `root at tree size ${f.size} differs from its signed checkpoint`);
  };
  checkCp();
  const CHUNK = 5000;
  for (let start = 0; start < size; start += CHUNK) {
    const end = Math.min(size, start + CHUNK);
    const rows = await db
      .select()
      .from(events)
      .where(and(gte(events.seq, start), lt(events.seq, end)))
      .orderBy(asc(events.seq));
    const leafNodes = await db
      .select({ idx: treeNodes.idx, hash: treeNodes.hash })
      .from(treeNodes)
      .where(and(eq(treeNodes.level, 0), gte(treeNodes.idx, start), lt(treeNodes.idx, end)));
    const storedLeaf = new Map(leafNodes.map((s) => [Number(s.idx), Buffer.from(s.hash)]));
    const made: { level: number; index: number; hash: Uint8Array }[] = [];
    for (const r of rows) {
      const seq = Number(r.seq);
      if (seq !== f.size) throw new IntegrityError(f.size, 'event is missing');
      const { hash: h, parsed } = checkLeafRow(seq, r);
      const stored = storedLeaf.get(seq);
      if (!stored) throw new IntegrityError(seq, 'stored leaf hash is missing');
      if (!stored.equals(h)) throw new IntegrityError(seq, 'stored event does not match its stored leaf hash');
      checkColumns(seq, r, parsed);
      for (const d of f.append(h)) if (d.level > 0) made.push(d);
      checkCp();
    }
    // Compare every subtree finished in this chunk with the stored one, level by level.
    const byLevel = new Map<number, typeof made>();
    for (const d of made) (byLevel.get(d.level) ?? byLevel.set(d.level, []).get(d.level)!).push(d);
    for (const [level, list] of byLevel) {
      const lo = list[0]!.index;
      const hi = list[list.length - 1]!.index;
      const stored = await db
        .select({ idx: treeNodes.idx, hash: treeNodes.hash })
        .from(treeNodes)
        .where(and(eq(treeNodes.level, level), gte(treeNodes.idx, lo), lt(treeNodes.idx, hi + 1)));
      const map = new Map(stored.map((s) => [Number(s.idx), Buffer.from(s.hash)]));
      for (const d of list) {
        const s = map.get(d.index);
        const first = d.index * 2 ** level;
        if (!s) throw new IntegrityError(first, `stored tree node (level ${level}, index ${d.index}) is missing`);
        if (!s.equals(Buffer.from(d.hash))) {
          throw new IntegrityError(
            first,
            level === 0
              ? 'stored event does not match its stored leaf hash'
              : `stored tree node (level ${level}, index ${d.index}) covering seq ${first}..${first + 2 ** level - 1} does not match the events`,
          );
        }
      }
    }
  }
}

async function sampledCheck(db: Db, size: number, cps: CpRow[], opts: IntegrityOptions): Promise<number> {
  const recent = cps.slice(-20);
  for (const c of recent) {
    const n = Number(c.treeSize);
    const root = await withStoredNodes(db, (src) => rootOf(src, n));
    if (!Buffer.from(root).equals(Buffer.from(c.rootHash)))
      throw new IntegrityError(n - 1, `stored tree at size ${n} differs from its signed checkpoint`);
  }
  const root = await withStoredNodes(db, (src) => rootOf(src, size));
  const seqs = new Set<number>();
  for (let s = Math.max(0, size - (opts.tail ?? 5000)); s < size; s++) seqs.add(s);
  for (let i = 0; i < (opts.sample ?? 1000); i++) seqs.add(Math.floor(Math.random() * size));
  const list = [...seqs].sort((a, b) => a - b);
  for (let i = 0; i < list.length; i += 1000) {
    const chunk = list.slice(i, i + 1000);
    const rows = await db.select().from(events).where(inArray(events.seq, chunk)).orderBy(asc(events.seq));
    if (rows.length !== chunk.length)
      throw new IntegrityError(chunk.find((s, j) => Number(rows[j]?.seq) !== s) ?? chunk[0]!, 'event is missing');
    for (const r of rows) {
      const seq = Number(r.seq);
      const { hash: h, parsed } = checkLeafRow(seq, r);
      // The leaf must hash to the stored leaf node and its stored path must lead to the root.
      const ok = await withStoredNodes(db, (src) => {
        // Read every node unconditionally: the first (recording) pass must see all of them.
        const stored = src.node(0, seq);
        const proof = inclusionProof(src, seq, size);
        return Buffer.from(stored).equals(h) && verifyInclusion(seq, size, h, proof, root);
      });
      if (!ok)
        throw new IntegrityError(seq, `stored event or its tree path does not match the tree (leaf hash ${toHex(h)})`);
      checkColumns(seq, r, parsed);
    }
  }
  return recent.length;
}

/**
 * The stored log must contain the checkpoint kept outside the database (the latest one signed): at
 * least as many events, and the same root at that size. Deleting the newest events (and their
 * checkpoint rows) or rewriting history is then refused at start instead of being signed over.
 */
export async function checkKeptCheckpoint(
  db: Db,
  size: number,
  kept: AuditCheckpoint | null,
  file: string,
  publicKeys: JWK[],
): Promise<void> {
  if (!kept) return;
  let payload: Awaited<ReturnType<typeof verifyCheckpoint>>;
  try {
    payload = await verifyCheckpoint(kept, publicKeys);
  } catch (e) {
    throw new IntegrityError(null, `the checkpoint kept in ${file}: ${(e as Error).message}`);
  }
  if (payload.treeSize > size) {
    throw new IntegrityError(
      size,
      `the log has ${size} events but the checkpoint kept in ${file} covers ${payload.treeSize}: events were removed`,
    );
  }
  const root = await withStoredNodes(db, (src) => rootOf(src, payload.treeSize));
  if (!Buffer.from(root).equals(Buffer.from(payload.rootHash, 'base64'))) {
    throw new IntegrityError(
      null,
      `the stored log at tree size ${payload.treeSize} differs from the checkpoint kept in ${file}: history was rewritten`,
    );
  }
}
