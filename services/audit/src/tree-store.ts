// Reads stored complete-subtree hashes so proofs need O(log n) node lookups in one query (and one round trip).
import { sql } from 'drizzle-orm';
import type { Db } from '@govshare/platform';
import type { AuditCheckpoint } from '@govshare/contracts';
import { bytesOf, queryPrepared } from './raw-sql.ts';
import { nodesNeeded, type NodeRef, type NodeSource } from './merkle.ts';
import { treeNodes } from './schema.ts';

export class MissingNodeError extends Error {
  constructor(readonly ref: NodeRef) {
    super(`stored tree has no node (level ${ref.level}, index ${ref.index})`);
  }
}

export async function fetchNodes(db: Db, refs: NodeRef[]): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (let i = 0; i < refs.length; i += 500) {
    const chunk = refs.slice(i, i + 500);
    const list = sql.join(
      chunk.map((r) => sql`(${r.level}::int, ${r.index}::bigint)`),
      sql`, `,
    );
    const rows = await db
      .select({ level: treeNodes.level, idx: treeNodes.idx, hash: treeNodes.hash })
      .from(treeNodes)
      .where(sql`(${treeNodes.level}, ${treeNodes.idx}) in (${list})`);
    for (const r of rows) out.set(`${r.level}:${Number(r.idx)}`, Buffer.from(r.hash));
  }
  return out;
}

export function mapSource(nodes: Map<string, Uint8Array>): NodeSource {
  return {
    node(level, index) {
      const h = nodes.get(`${level}:${index}`);
      if (!h) throw new MissingNodeError({ level, index });
      return h;
    },
  };
}

/** Runs a pure tree computation against the stored nodes, fetching exactly the nodes it reads. */
export async function withStoredNodes<T>(db: Db, fn: (src: NodeSource) => T): Promise<T> {
  const refs = nodesNeeded(fn);
  const nodes = await fetchNodes(db, refs);
  return fn(mapSource(nodes));
}

/**
 * Everything a proof needs in ONE round trip (a prepared statement with array parameters): the
 * stored nodes, optionally one leaf, and the checkpoints of the given sizes.
 */
const PROOF_SQL =
  `select 0 as kind, n.level as level, n.idx::float8 as num, n.hash as bytes, null::text as jws, null::text as ts ` +
  `from unnest($1::int[], $2::bigint[]) as r(level, idx) join tree_nodes n on n.level = r.level and n.idx = r.idx ` +
  `union all select 1, 0, e.seq::float8, e.leaf, null, null from events e where e.seq = $3 ` +
  `union all select 2, 0, c.tree_size::float8, c.root_hash, c.jws, ` +
  `to_char(c.timestamp at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') from checkpoints c where c.tree_size = any($4::bigint[])`;

export interface ProofData {
  src: NodeSource;
  /** The leaf bytes at the asked seq, if it is stored. */
  leaf: Buffer | null;
  /** Checkpoints found, by tree size. */
  checkpoints: Map<number, AuditCheckpoint>;
}

export async function fetchProofData(
  db: Db,
  refs: NodeRef[],
  leafSeq: number | null,
  checkpointSizes: number[],
): Promise<ProofData> {
  const rows = await queryPrepared<{
    kind: number;
    level: number;
    num: number;
    bytes: Uint8Array;
    jws: string | null;
    ts: string | null;
  }>(db, PROOF_SQL, [
    `{${refs.map((r) => r.level).join(',')}}`,
    `{${refs.map((r) => r.index).join(',')}}`,
    leafSeq ?? -1,
    `{${checkpointSizes.join(',')}}`,
  ]);
  const nodes = new Map<string, Uint8Array>();
  let leaf: Buffer | null = null;
  const checkpoints = new Map<number, AuditCheckpoint>();
  for (const r of rows) {
    const kind = Number(r.kind);
    const num = Number(r.num);
    if (kind === 0) nodes.set(`${Number(r.level)}:${num}`, bytesOf(r.bytes));
    else if (kind === 1) leaf = bytesOf(r.bytes);
    else
      checkpoints.set(num, {
        treeSize: num,
        rootHash: bytesOf(r.bytes).toString('base64'),
        timestamp: r.ts!,
        jws: r.jws!,
      });
  }
  return { src: mapSource(nodes), leaf, checkpoints };
}
