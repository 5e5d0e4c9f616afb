// Inclusion and consistency proofs served from the stored subtree hashes.
import { eq } from 'drizzle-orm';
import { AppError, type Db } from '@govshare/platform';
import type { AuditConsistencyProof, AuditInclusionProof } from '@govshare/contracts';
import { consistencyProof, inclusionProof, leafHash, rootOf, toHex } from './merkle.ts';
import { events } from './schema.ts';
import { withStoredNodes } from './tree-store.ts';
import type { AuditLog } from './append.ts';
import type { Checkpointer } from './checkpoints.ts';

export async function getInclusionProof(db: Db, log: AuditLog, cps: Checkpointer, q: { seq: number; treeSize?: number }): Promise<AuditInclusionProof> {
  let treeSize = q.treeSize;
  if (treeSize === undefined) {
    if (q.seq >= log.size) throw new AppError('NOT_FOUND', `seq ${q.seq} is not in the log (size ${log.size})`);
    treeSize = (await cps.covering(q.seq + 1)).treeSize;
  }
  if (treeSize > log.size) throw new AppError('BAD_USER_INPUT', `treeSize ${treeSize} is larger than the log (${log.size})`);
  if (q.seq >= treeSize) throw new AppError('BAD_USER_INPUT', `seq ${q.seq} is not below treeSize ${treeSize}`);
  const [row] = await db.select({ leaf: events.leaf }).from(events).where(eq(events.seq, q.seq)).limit(1);
  if (!row) throw new AppError('NOT_FOUND', `seq ${q.seq} is not in the log`);
  const size = treeSize;
  const { proof, root } = await withStoredNodes(db, (src) => ({ proof: inclusionProof(src, q.seq, size), root: rootOf(src, size) }));
  const leaf = Buffer.from(row.leaf);
  return {
    leafIndex: q.seq,
    treeSize: size,
    leaf: leaf.toString('base64'),
    leafHash: toHex(leafHash(leaf)),
    proof: proof.map(toHex),
    rootHash: toHex(root),
    checkpoint: await cps.atSize(size),
  };
}

export async function getConsistencyProof(db: Db, log: AuditLog, cps: Checkpointer, q: { from: number; to?: number }): Promise<AuditConsistencyProof> {
  const to = q.to ?? (await cps.covering(q.from)).treeSize;
  if (to > log.size) throw new AppError('BAD_USER_INPUT', `to ${to} is larger than the log (${log.size})`);
  if (q.from > to) throw new AppError('BAD_USER_INPUT', `from ${q.from} is larger than to ${to}`);
  const r = await withStoredNodes(db, (src) => ({
    proof: consistencyProof(src, q.from, to),
    fromRoot: rootOf(src, q.from),
    toRoot: rootOf(src, to),
  }));
  return {
    from: q.from,
    to,
    proof: r.proof.map(toHex),
    fromRoot: toHex(r.fromRoot),
    toRoot: toHex(r.toRoot),
    fromCheckpoint: await cps.atSize(q.from),
    toCheckpoint: await cps.atSize(to),
  };
}
