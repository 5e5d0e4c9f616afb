// Reads stored complete-subtree hashes so proofs need O(log n) node lookups in one query.
import { sql } from 'drizzle-orm';
import type { Db } from '@govshare/platform';
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
