// Inclusion and consistency proofs served from the stored subtree hashes. Each proof is ONE prepared
// query (nodes + leaf + checkpoints not already known in memory).
import { AppError, type Db } from '@govshare/platform';
import type { AuditCheckpoint, AuditConsistencyProof, AuditInclusionProof } from '@govshare/contracts';
import { consistencyProof, inclusionProof, leafHash, nodesNeeded, rootOf, toHex, type NodeSource } from './merkle.ts';
import { fetchProofData, type ProofData } from './tree-store.ts';
import type { AuditLog } from './append.ts';
import type { Checkpointer } from './checkpoints.ts';

/** Fetches the nodes `fn` reads, the leaf and the checkpoints of `sizes` not known in memory, in one query. */
async function load<T>(
  db: Db,
  cps: Checkpointer,
  fn: (src: NodeSource) => T,
  leafSeq: number | null,
  sizes: number[],
): Promise<{ value: T; data: ProofData; checkpoint: (size: number) => AuditCheckpoint | null }> {
  const unknown = [...new Set(sizes)].filter((s) => cps.cached(s) === undefined);
  const data = await fetchProofData(db, nodesNeeded(fn), leafSeq, unknown);
  for (const s of unknown) cps.remember(s, data.checkpoints.get(s) ?? null);
  const checkpoint = (size: number) => {
    const c = cps.cached(size);
    return c !== undefined ? c : (data.checkpoints.get(size) ?? null);
  };
  return { value: fn(data.src), data, checkpoint };
}

export async function getInclusionProof(
  db: Db,
  log: AuditLog,
  cps: Checkpointer,
  q: { seq: number; treeSize?: number },
): Promise<AuditInclusionProof> {
  let treeSize = q.treeSize;
  if (treeSize === undefined) {
    if (q.seq >= log.size) throw new AppError('NOT_FOUND', `seq ${q.seq} is not in the log (size ${log.size})`);
    treeSize = (await cps.covering(q.seq + 1)).treeSize;
  }
  if (treeSize > log.size)
    throw new AppError('BAD_USER_INPUT', `treeSize ${treeSize} is larger than the log (${log.size})`);
  if (q.seq >= treeSize) throw new AppError('BAD_USER_INPUT', `seq ${q.seq} is not below treeSize ${treeSize}`);
  const size = treeSize;
  const { value, data, checkpoint } = await load(
    db,
    cps,
    (src) => ({ proof: inclusionProof(src, q.seq, size), root: rootOf(src, size) }),
    q.seq,
    [size],
  );
  if (!data.leaf) throw new AppError('NOT_FOUND', `seq ${q.seq} is not in the log`);
  return {
    leafIndex: q.seq,
    treeSize: size,
    leaf: data.leaf.toString('base64'),
    leafHash: toHex(leafHash(data.leaf)),
    proof: value.proof.map(toHex),
    rootHash: toHex(value.root),
    checkpoint: checkpoint(size),
  };
}

export async function getConsistencyProof(
  db: Db,
  log: AuditLog,
  cps: Checkpointer,
  q: { from: number; to?: number },
): Promise<AuditConsistencyProof> {
  const to = q.to ?? (await cps.covering(q.from)).treeSize;
  if (to > log.size) throw new AppError('BAD_USER_INPUT', `to ${to} is larger than the log (${log.size})`);
  if (q.from > to) throw new AppError('BAD_USER_INPUT', `from ${q.from} is larger than to ${to}`);
  const { value: r, checkpoint } = await load(
    db,
    cps,
    (src) => ({ proof: consistencyProof(src, q.from, to), fromRoot: rootOf(src, q.from), toRoot: rootOf(src, to) }),
    null,
    [q.from, to],
  );
  return {
    from: q.from,
    to,
    proof: r.proof.map(toHex),
    fromRoot: toHex(r.fromRoot),
    toRoot: toHex(r.toRoot),
    fromCheckpoint: checkpoint(q.from),
    toCheckpoint: checkpoint(to),
  };
}
