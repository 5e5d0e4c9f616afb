// Offline verification of an export (see export.ts): every leaf, the recomputed roots against every
// signed checkpoint in the file, the consistency proof to the export's checkpoint, and optionally
// consistency with an earlier checkpoint the verifier kept. Stops at the FIRST problem.
import { canonicalJson } from './canonical.ts';
import type { JWK } from 'jose';
import type { AuditCheckpoint } from '@govshare/contracts';
import { Frontier, frontierRefs, fromHex, leafHash, toHex, verifyConsistency } from './merkle.ts';
import { verifyCheckpoint } from './checkpoints.ts';
import { EXPORT_FORMAT } from './export.ts';

export interface VerifyReport {
  ok: boolean;
  fromSeq?: number;
  toSeq?: number;
  leaves: number;
  /** Size and root of the export's checkpoint, when verified. */
  treeSize?: number;
  rootHash?: string;
  checkpointsVerified: number;
  /** The first event that does not match, when it can be pinned to one event. */
  firstBadSeq?: number;
  error?: string;
}

class Failure extends Error {
  constructor(
    message: string,
    readonly seq?: number,
  ) {
    super(message);
  }
}

export async function verifyExport(
  input: AsyncIterable<string> | Iterable<string>,
  publicKeys: JWK | JWK[],
  previous?: Pick<AuditCheckpoint, 'jws'> & Partial<AuditCheckpoint>,
): Promise<VerifyReport> {
  const report: VerifyReport = { ok: false, leaves: 0, checkpointsVerified: 0 };
  const lines = iterateNow(input);
  try {
    await run(lines, publicKeys, previous, report);
    report.ok = true;
  } catch (err) {
    report.error = (err as Error).message;
    if (err instanceof Failure && err.seq !== undefined) report.firstBadSeq = err.seq;
  }
  return report;
}

/**
 * The input's iterator, taken before anything is awaited: a readline interface emits its lines from
 * the moment it exists, and the lines emitted before an iterator is attached are lost (verify.ts with
 * --previous awaited the previous checkpoint's signature first and then saw no header, in 5 of 31 runs).
 */
function iterateNow(input: AsyncIterable<string> | Iterable<string>): AsyncIterable<string> {
  const it =
    Symbol.asyncIterator in input
      ? (input as AsyncIterable<string>)[Symbol.asyncIterator]()
      : (input as Iterable<string>)[Symbol.iterator]();
  return { [Symbol.asyncIterator]: () => it as AsyncIterator<string> };
}

async function run(
  input: AsyncIterable<string>,
  publicKeys: JWK | JWK[],
  previous: (Pick<AuditCheckpoint, 'jws'> & Partial<AuditCheckpoint>) | undefined,
  report: VerifyReport,
) {
  const prev = previous
    ? await verifyCheckpoint(previous, publicKeys).catch((e) => {
        throw new Failure(`previous checkpoint: ${e.message}`);
      })
    : undefined;
  let header: { fromSeq: number; toSeq: number } | undefined;
  let frontier: Frontier | undefined;
  let expected = 0;
  let lastGood = 0; // largest size whose root matched a signed checkpoint
  let final: { treeSize: number; root: Buffer } | undefined;
  let leavesDone = false;
  let consistencyToFinal = false;
  let prevChecked = !prev || prev.treeSize === 0;
  const rootsAt = new Map<number, Buffer>();
  let lineNo = 0;

  const checkPrevAt = () => {
    if (prev && !prevChecked && frontier && frontier.size === prev.treeSize) {
      if (!Buffer.from(frontier.root()).equals(Buffer.from(prev.rootHash, 'base64'))) {
        const from = Math.max(lastGood, header!.fromSeq);
        throw new Failure(
          `the log at tree size ${prev.treeSize} does not match the previous checkpoint: history was rewritten (an event with seq in [${from}, ${prev.treeSize - 1}])`,
          prev.treeSize - from === 1 ? from : undefined,
        );
      }
      prevChecked = true;
      lastGood = Math.max(lastGood, prev.treeSize);
    }
  };

  for await (const raw of input) {
    lineNo++;
    const text = raw.trim();
    if (!text) continue;
    let line: any;
    try {
      line = JSON.parse(text);
    } catch {
      throw new Failure(`line ${lineNo} is not JSON`, header ? expected : undefined);
    }
    if (!header) {
      if (line.type !== 'header' || line.format !== EXPORT_FORMAT)
        throw new Failure(`line ${lineNo}: expected a ${EXPORT_FORMAT} header`);
      header = { fromSeq: line.fromSeq, toSeq: line.toSeq };
      if (!Number.isInteger(header.fromSeq) || !Number.isInteger(header.toSeq) || header.fromSeq > header.toSeq)
        throw new Failure('header has a bad seq range');
      const refs = frontierRefs(header.fromSeq);
      if (!Array.isArray(line.leftFrontier) || line.leftFrontier.length !== refs.length)
        throw new Failure('header leftFrontier does not fit fromSeq');
      frontier = new Frontier(
        header.fromSeq,
        refs.map((r, i) => ({ level: r.level, hash: fromHex(line.leftFrontier[i]) })),
      );
      expected = header.fromSeq;
      report.fromSeq = header.fromSeq;
      report.toSeq = header.toSeq;
      checkPrevAt();
      continue;
    }
    const f = frontier!;
    if (line.type === 'leaf') {
      if (leavesDone) throw new Failure(`line ${lineNo}: leaf seq ${line.seq} after the export's checkpoint`, line.seq);
      if (line.seq !== expected) {
        if (typeof line.seq === 'number' && line.seq > expected)
          throw new Failure(
            `event seq ${expected} is missing (deleted): the next event in the export is seq ${line.seq}`,
            expected,
          );
        throw new Failure(
          `event seq ${line.seq} appears where seq ${expected} was expected (reordered or duplicated)`,
          expected,
        );
      }
      if (expected > header.toSeq)
        throw new Failure(`event seq ${expected} is beyond the header's toSeq ${header.toSeq}`, expected);
      const bytes = Buffer.from(String(line.leaf), 'base64');
      let parsed: any;
      try {
        parsed = JSON.parse(bytes.toString('utf8'));
      } catch {
        throw new Failure(`event seq ${expected} is not valid JSON: it was altered`, expected);
      }
      if (canonicalJson(parsed) !== bytes.toString('utf8'))
        throw new Failure(`event seq ${expected} is not in canonical form: it was altered`, expected);
      if (parsed.seq !== expected)
        throw new Failure(`event at position ${expected} carries seq ${parsed.seq}: it was moved or altered`, expected);
      const h = leafHash(bytes);
      if (line.leafHash && line.leafHash !== toHex(h))
        throw new Failure(
          `event seq ${expected} does not match the hash the log recorded for it: it was altered`,
          expected,
        );
      f.append(h);
      expected++;
      report.leaves++;
      checkPrevAt();
      continue;
    }
    if (line.type === 'checkpoint') {
      let payload: Awaited<ReturnType<typeof verifyCheckpoint>>;
      try {
        payload = await verifyCheckpoint(line, publicKeys);
      } catch (e) {
        throw new Failure(`checkpoint at tree size ${line.treeSize} is forged or altered: ${(e as Error).message}`);
      }
      report.checkpointsVerified++;
      const root = Buffer.from(payload.rootHash, 'base64');
      if (payload.treeSize === f.size) {
        if (!Buffer.from(f.root()).equals(root)) {
          const single = f.size - lastGood === 1 ? f.size - 1 : undefined;
          throw new Failure(
            `the events do not match the signed checkpoint at tree size ${payload.treeSize}: an event with seq in [${Math.max(lastGood, header.fromSeq)}, ${payload.treeSize - 1}] was altered, inserted or removed`,
            single,
          );
        }
        lastGood = f.size;
        rootsAt.set(f.size, root);
      } else if (payload.treeSize < f.size) {
        throw new Failure(
          `checkpoint at tree size ${payload.treeSize} appears after seq ${f.size - 1}: the export was reordered`,
        );
      } else if (f.size !== header.toSeq + 1) {
        // Only the export's own checkpoint may be larger than the leaves read so far, and it comes
        // after all of them. One that comes earlier closed a stretch of leaves that is now shorter:
        // events between the last matching checkpoint and this one were removed (renumbered or not).
        const from = Math.max(lastGood, header.fromSeq);
        throw new Failure(
          `events are missing: checkpoint at tree size ${payload.treeSize} appears after only ${f.size} events, so an event with seq in [${from}, ${payload.treeSize - 1}] was removed (or the export truncated)`,
          from === f.size ? from : undefined,
        );
      }
      if (final && payload.treeSize < final.treeSize)
        throw new Failure(`checkpoints go backwards (${final.treeSize} then ${payload.treeSize})`);
      if (prev && payload.treeSize === prev.treeSize) {
        if (!root.equals(Buffer.from(prev.rootHash, 'base64'))) {
          throw new Failure(
            `checkpoint at tree size ${payload.treeSize} contradicts the previous checkpoint of the same size: the log forked`,
          );
        }
        prevChecked = true;
      }
      final = { treeSize: payload.treeSize, root };
      if (payload.treeSize > f.size) leavesDone = true;
      continue;
    }
    if (line.type === 'consistency') {
      if (!final) throw new Failure('consistency proof before the checkpoint');
      if (line.to !== final.treeSize)
        throw new Failure(`consistency proof ends at ${line.to}, not at the checkpoint's size ${final.treeSize}`);
      const proof = (line.proof as string[]).map(fromHex);
      if (line.from === f.size) {
        if (f.size !== header.toSeq + 1)
          throw new Failure(
            `the export is truncated: it ends at seq ${f.size - 1}, the header promised seq ${header.toSeq}`,
            f.size,
          );
        if (!verifyConsistency(f.size, final.treeSize, f.root(), final.root, proof)) {
          throw new Failure(
            `the exported events (sizes up to ${f.size}) are not a prefix of the checkpointed log of size ${final.treeSize}: events were altered, removed or the log truncated`,
          );
        }
        consistencyToFinal = true;
        leavesDone = true;
      } else if (prev && line.from === prev.treeSize) {
        if (
          !verifyConsistency(prev.treeSize, final.treeSize, Buffer.from(prev.rootHash, 'base64'), final.root, proof)
        ) {
          throw new Failure(
            `the log is not consistent with the previous checkpoint (size ${prev.treeSize}): history was rewritten`,
          );
        }
        prevChecked = true;
      }
      continue;
    }
    throw new Failure(`line ${lineNo}: unknown line type ${JSON.stringify(line.type)}`);
  }
  if (!header) throw new Failure('the export is empty');
  if (expected !== header.toSeq + 1)
    throw new Failure(
      `the export is truncated: events end at seq ${expected - 1}, the header promised seq ${header.toSeq}`,
      expected,
    );
  if (!final) throw new Failure('the export is truncated: no signed checkpoint');
  if (!consistencyToFinal) throw new Failure('the export is truncated: no consistency proof to its checkpoint');
  if (prev && prev.treeSize > final.treeSize)
    throw new Failure(
      `the previous checkpoint (size ${prev.treeSize}) is newer than the export's (size ${final.treeSize}): the log was truncated`,
    );
  if (!prevChecked)
    throw new Failure(
      `cannot check the previous checkpoint (size ${prev!.treeSize}): export with consistencyFrom=${prev!.treeSize} or a range covering it`,
    );
  report.treeSize = final.treeSize;
  report.rootHash = final.root.toString('base64');
}
