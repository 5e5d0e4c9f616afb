// Worker-thread side of WorkerScorer: owns one DatasetScorer, takes record batches (structured
// clones) or NDJSON text (parsed here, off the reading thread) and acknowledges each message.
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import type { StoredRecord } from '@govshare/contracts';
import { DatasetScorer } from './scorer.ts';
import { inputFromWorkerData, type RecordColumns, type WorkerMessage, type WorkerReply } from './worker-scorer.ts';

const port = parentPort!;
let scorer: DatasetScorer;
try {
  scorer = new DatasetScorer(inputFromWorkerData(workerData));
} catch (err) {
  port.postMessage({ kind: 'error', message: (err as Error).message } satisfies WorkerReply);
}

function parseLines(text: string): StoredRecord[] {
  const out: StoredRecord[] = [];
  let start = 0;
  while (start < text.length) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = text.length;
    const line = text.slice(start, nl);
    // JSON.parse ignores surrounding blanks; only blank lines are skipped.
    if (line.length > 0 && (line.charCodeAt(0) > 32 || line.trim() !== '')) out.push(JSON.parse(line) as StoredRecord);
    start = nl + 1;
  }
  return out;
}

function fromColumns(c: RecordColumns): StoredRecord[] {
  const out = new Array<StoredRecord>(c.keys.length);
  for (let i = 0; i < out.length; i++)
    out[i] = { key: c.keys[i], version: c.versions[i], ingestedAt: c.ingestedAt[i], data: JSON.parse(c.data[i]) };
  return out;
}

port.on('message', (m: WorkerMessage) => {
  try {
    if (m.kind === 'finish') {
      port.postMessage({ kind: 'done', metrics: scorer.finish() } satisfies WorkerReply);
      return;
    }
    scorer.add(m.kind === 'records' ? m.records : m.kind === 'columns' ? fromColumns(m) : parseLines(m.text));
    port.postMessage({
      kind: 'ack',
      processed: scorer.processed,
      heapUsed: getHeapStatistics().used_heap_size,
    } satisfies WorkerReply);
  } catch (err) {
    port.postMessage({ kind: 'error', message: (err as Error).message } satisfies WorkerReply);
  }
});
