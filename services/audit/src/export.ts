// NDJSON export of a seq range with everything needed to verify it offline (see verify-export.ts):
//   {"type":"header","format":"govshare-audit-export/1","fromSeq","toSeq","leftFrontier":[hex]}
//   {"type":"leaf","seq","leaf":base64,"leafHash":hex}             one per event, in seq order
//   {"type":"checkpoint","treeSize","rootHash","timestamp","jws"}  every checkpoint whose size ends inside
//                                                                  the range, right after its last leaf;
//                                                                  then the export's (latest) checkpoint
//   {"type":"consistency","from","to","proof":[hex]}                from toSeq+1 (and consistencyFrom) to
//                                                                  the export checkpoint's size
// leftFrontier = hashes of the perfect subtrees covering [0, fromSeq), so the verifier can compute
// the root at every size from fromSeq to toSeq+1 from the exported leaves alone.
import { and, asc, eq, gt, gte, lte } from 'drizzle-orm';
import { AppError, type Db } from '@govshare/platform';
import type { AuditCheckpoint } from '@govshare/contracts';
import { consistencyProof, frontierRefs, toHex } from './merkle.ts';
import { checkpoints, events, treeNodes } from './schema.ts';
import { fetchNodes, mapSource, withStoredNodes } from './tree-store.ts';
import { toCheckpoint, type Checkpointer } from './checkpoints.ts';
import type { AuditLog } from './append.ts';

export const EXPORT_FORMAT = 'govshare-audit-export/1';

export interface ExportQuery {
  fromSeq?: number;
  toSeq?: number;
  consistencyFrom?: number;
}

/** Checks the range and signs a fresh checkpoint if needed; returns the line generator. */
export async function prepareExport(
  db: Db,
  log: AuditLog,
  cps: Checkpointer,
  q: ExportQuery,
): Promise<AsyncGenerator<string>> {
  const cp = await cps.covering(log.size);
  const fromSeq = q.fromSeq ?? 0;
  const toSeq = q.toSeq ?? cp.treeSize - 1;
  if (cp.treeSize === 0) throw new AppError('NOT_FOUND', 'the audit log is empty');
  if (fromSeq > toSeq) throw new AppError('BAD_USER_INPUT', `fromSeq ${fromSeq} is larger than toSeq ${toSeq}`);
  if (toSeq >= cp.treeSize)
    throw new AppError('BAD_USER_INPUT', `toSeq ${toSeq} is beyond the log (size ${cp.treeSize})`);
  if (q.consistencyFrom !== undefined && q.consistencyFrom > cp.treeSize) {
    throw new AppError(
      'BAD_USER_INPUT',
      `consistencyFrom ${q.consistencyFrom} is beyond the log (size ${cp.treeSize})`,
    );
  }
  return lines(db, cp, fromSeq, toSeq, q.consistencyFrom);
}

async function* lines(
  db: Db,
  cp: AuditCheckpoint,
  fromSeq: number,
  toSeq: number,
  consistencyFrom?: number,
): AsyncGenerator<string> {
  const refs = frontierRefs(fromSeq);
  const left = mapSource(await fetchNodes(db, refs));
  yield JSON.stringify({
    type: 'header',
    format: EXPORT_FORMAT,
    fromSeq,
    toSeq,
    leftFrontier: refs.map((r) => toHex(left.node(r.level, r.index))),
  }) + '\n';

  let lastEmitted = -1;
  const CHUNK = 2000;
  for (let start = fromSeq; start <= toSeq; start += CHUNK) {
    const end = Math.min(toSeq, start + CHUNK - 1);
    // The leaves of the chunk and the checkpoints ending inside it: memory stays bounded by the
    // chunk whatever the range (a day of checkpoints every second is ~86,400 of them).
    const [rows, inRange] = await Promise.all([
      db
        .select({ seq: events.seq, leaf: events.leaf, hash: treeNodes.hash })
        .from(events)
        .leftJoin(treeNodes, and(eq(treeNodes.level, 0), eq(treeNodes.idx, events.seq)))
        .where(and(gte(events.seq, start), lte(events.seq, end)))
        .orderBy(asc(events.seq)),
      db
        .select()
        .from(checkpoints)
        .where(and(gt(checkpoints.treeSize, start), lte(checkpoints.treeSize, end + 1)))
        .orderBy(asc(checkpoints.treeSize)),
    ]);
    let ci = 0;
    let out = '';
    for (const r of rows) {
      const seq = Number(r.seq);
      out +=
        JSON.stringify({
          type: 'leaf',
          seq,
          leaf: Buffer.from(r.leaf).toString('base64'),
          leafHash: r.hash ? toHex(r.hash) : null,
        }) + '\n';
      while (ci < inRange.length && Number(inRange[ci]!.treeSize) <= seq + 1) {
        const c = toCheckpoint(inRange[ci++]!);
        if (c.treeSize === seq + 1) {
          out += JSON.stringify({ type: 'checkpoint', ...c }) + '\n';
          lastEmitted = c.treeSize;
        }
      }
    }
    yield out;
  }
  if (lastEmitted !== cp.treeSize) yield JSON.stringify({ type: 'checkpoint', ...cp }) + '\n';
  const froms = [toSeq + 1];
  if (consistencyFrom !== undefined && consistencyFrom !== toSeq + 1) froms.push(consistencyFrom);
  for (const from of froms) {
    const proof = await withStoredNodes(db, (src) => consistencyProof(src, from, cp.treeSize));
    yield JSON.stringify({ type: 'consistency', from, to: cp.treeSize, proof: proof.map(toHex) }) + '\n';
  }
}
