// DatasetScorer on a worker thread: the reading thread (HTTP / database I/O, and with NDJSON input
// not even JSON parsing) runs in parallel with scoring. Same metrics as DatasetScorer, bit for bit:
// the worker runs the same DatasetScorer over the same records in the same order.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { StoredRecord } from '@govshare/contracts';
import { HashMap53, HashSet53 } from './hash-set.ts';
import type { QualityMetrics, ReferenceData, ScoringInput } from './scorer.ts';

/** Records as columns, `data` as JSON text (parsed on the worker), e.g. rows read from a database. */
export interface RecordColumns {
  keys: string[];
  versions: number[];
  ingestedAt: string[];
  data: string[];
}
export type WorkerMessage =
  | { kind: 'records'; records: StoredRecord[] }
  | { kind: 'ndjson'; text: string }
  | ({ kind: 'columns' } & RecordColumns)
  | { kind: 'finish' };
export type WorkerReply =
  | { kind: 'ack'; processed: number; heapUsed: number }
  | { kind: 'done'; metrics: QualityMetrics }
  | { kind: 'error'; message: string };

interface InputData extends Omit<ScoringInput, 'refs'> {
  refs?: { sets: [string, ReturnType<HashSet53['state']>][]; consistency: [number, ReturnType<HashMap53['state']>][] };
}

function inputToWorkerData(input: ScoringInput): InputData {
  const { refs, ...rest } = input;
  if (!refs) return rest;
  return {
    ...rest,
    refs: {
      sets: [...refs.sets].map(([k, s]) => [k, s.state()]),
      consistency: [...refs.consistency].map(([k, m]) => [k, m.state()]),
    },
  };
}

export function inputFromWorkerData(data: InputData): ScoringInput {
  const { refs, ...rest } = data;
  if (!refs) return rest;
  const r: ReferenceData = {
    sets: new Map(refs.sets.map(([k, s]) => [k, HashSet53.from(s)])),
    consistency: new Map(refs.consistency.map(([k, m]) => [k, HashMap53.from(m)])),
  };
  return { ...rest, refs: r };
}

/**
 * Starts the worker module. This package runs as TypeScript through tsx: the worker registers tsx's
 * loader first (a worker's entry module is loaded before --import hooks would apply).
 */
function startWorker(workerData: InputData): Worker {
  const entry = new URL('./scoring-worker.ts', import.meta.url);
  // The ESM build of tsx's API (require.resolve finds the CommonJS one next to it).
  const api =
    typeof import.meta.resolve === 'function'
      ? import.meta.resolve('tsx/esm/api')
      : pathToFileURL(
          createRequire(import.meta.url)
            .resolve('tsx/esm/api')
            .replace(/\.cjs$/, '.mjs'),
        ).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

/**
 * Scores on a worker thread. `add` / `addNdjson` resolve once the batch is queued (at most
 * `maxInFlight` batches wait in the worker, which bounds memory); `finish` resolves with the metrics
 * and ends the worker; `close` ends it early. A worker failure rejects the pending and later calls.
 */
export class WorkerScorer {
  private worker: Worker;
  private inFlight = 0;
  private sent = 0;
  private acked = 0;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private done: { resolve: (m: QualityMetrics) => void; reject: (e: Error) => void } | undefined;
  private readonly maxInFlight: number;
  /** Highest V8 heap use the worker reported (bytes; its own isolate, not in the caller's heapUsed). */
  peakHeap = 0;

  constructor(input: ScoringInput, opts: { maxInFlight?: number } = {}) {
    this.maxInFlight = opts.maxInFlight ?? 4;
    this.worker = startWorker(inputToWorkerData(input));
    this.worker.on('message', (m: WorkerReply) => {
      if (m.kind === 'ack') {
        this.inFlight--;
        this.acked = m.processed;
        this.peakHeap = Math.max(this.peakHeap, m.heapUsed);
        this.wakeUp();
      } else if (m.kind === 'done') {
        this.done?.resolve(m.metrics);
        this.done = undefined;
      } else this.fail(new Error(`quality scoring worker: ${m.message}`));
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`quality scoring worker exited (${code})`)));
  }

  /** Records the worker has scored so far. */
  get processed(): number {
    return this.acked;
  }

  /** Records handed to the worker so far (scored or queued). */
  get queued(): number {
    return this.sent;
  }

  private fail(err: Error) {
    this.failure ??= err;
    this.done?.reject(this.failure);
    this.done = undefined;
    this.wakeUp();
  }

  private wakeUp() {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private async send(m: WorkerMessage, records: number): Promise<void> {
    while (!this.failure && this.inFlight >= this.maxInFlight) await new Promise<void>((r) => (this.wake = r));
    if (this.failure) throw this.failure;
    this.inFlight++;
    this.sent += records;
    this.worker.postMessage(m);
  }

  add(records: StoredRecord[]): Promise<void> {
    return this.send({ kind: 'records', records }, records.length);
  }

  /** Complete NDJSON lines, one StoredRecord each (the catalog's export format); parsed on the worker. */
  addNdjson(text: string, lines: number): Promise<void> {
    return this.send({ kind: 'ndjson', text }, lines);
  }

  /** Records as columns with `data` as JSON text; parsed on the worker. */
  addColumns(columns: RecordColumns): Promise<void> {
    return this.send({ kind: 'columns', ...columns }, columns.keys.length);
  }

  async finish(): Promise<QualityMetrics> {
    if (this.failure) throw this.failure;
    try {
      return await new Promise<QualityMetrics>((resolve, reject) => {
        this.done = { resolve, reject };
        this.worker.postMessage({ kind: 'finish' } satisfies WorkerMessage);
      });
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    this.failure ??= new Error('quality scoring worker closed');
    await this.worker.terminate();
  }
}
