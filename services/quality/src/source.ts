import {
  AppError,
  createServiceClient,
  createServiceTokenSigner,
  QUALITY_CALLER,
  remoteFace,
  type CallContext,
  type ServiceTokenSigner,
} from '@govshare/platform';
import type { Dataset, StoredRecord } from '@govshare/contracts';
import { catalogFaceSpec, type CatalogFace } from '@govshare/catalog';
import type { JWK } from 'jose';
import { HashMap53, HashSet53 } from './metrics/hash-set.ts';
import { hash53, isMissing, normaliseValue } from './metrics/normalise.ts';
import type { ReferenceData } from './metrics/scorer.ts';
import type { RuleSetBody, RuleSpec } from './rules/rules.ts';

/** Where datasets and their records come from: the catalog over HTTP, or generated data in tests. */
export interface RecordSource {
  listDatasets(requestId?: string): Promise<Dataset[]>;
  getDataset(id: string, requestId?: string): Promise<Dataset | undefined>;
  /** Every current record of the dataset, in batches, in a stable order. */
  batches(datasetId: string, requestId?: string): AsyncIterable<StoredRecord[]>;
  /**
   * Optional: the same records as NDJSON text (complete lines, one StoredRecord each), unparsed, so
   * that parsing can happen where they are scored (a WorkerScorer's thread).
   */
  ndjson?(datasetId: string, requestId?: string): AsyncIterable<{ text: string; lines: number }>;
}

/** A RecordSource over data held in memory or produced by generators (re-iterable factories). */
export function memorySource(
  datasets: { dataset: Dataset; batches: () => Iterable<StoredRecord[]> | AsyncIterable<StoredRecord[]> }[],
): RecordSource & { set(d: Dataset, b: () => Iterable<StoredRecord[]>): void } {
  const byId = new Map(datasets.map((d) => [d.dataset.id, d]));
  return {
    async listDatasets() {
      return [...byId.values()].map((d) => d.dataset);
    },
    async getDataset(id) {
      return byId.get(id)?.dataset;
    },
    async *batches(id) {
      const d = byId.get(id);
      if (!d) throw new AppError('NOT_FOUND', `dataset ${id} not found`);
      yield* d.batches() as AsyncIterable<StoredRecord[]>;
    },
    set(dataset, batches) {
      byId.set(dataset.id, { dataset, batches });
    },
  };
}

export interface CatalogSourceOptions {
  baseUrl: string;
  /** Private JWK used to sign service tokens (aud "catalog"). */
  privateJwk?: JWK;
  signer?: ServiceTokenSigner;
  pageSize?: number;
  timeoutMs?: number;
}

/**
 * Reads the catalog through its face, with the quality service's own service token (which the
 * catalog accepts for these three only): listDatasets (paged), getDataset, and exportRecords
 * ({ id, after: <id of the last line>, limit }: NDJSON lines {id, key, version, ingestedAt, data}),
 * page by page until a short page.
 */
export function catalogSource(opts: CatalogSourceOptions): RecordSource & { close(): Promise<void> } {
  const signer = opts.signer ?? createServiceTokenSigner(opts.privateJwk!, QUALITY_CALLER);
  const client = createServiceClient({
    service: 'catalog',
    baseUrl: opts.baseUrl,
    signer,
    timeoutMs: opts.timeoutMs ?? 60_000,
    connections: 8,
  });
  const catalog: CatalogFace = remoteFace(catalogFaceSpec, client);
  const pageSize = opts.pageSize ?? 5000;
  // The quality service's own calls: no end user.
  const ctx = (requestId: string): CallContext => ({ requestId });

  const exportPage = async (id: string, after: string | undefined, requestId: string) =>
    (await catalog.exportRecords({ id, limit: pageSize, ...(after !== undefined ? { after } : {}) }, ctx(requestId)))
      .body;

  async function listDatasets(requestId = 'quality') {
    const out: Dataset[] = [];
    let after: string | null | undefined;
    for (;;) {
      const page = await catalog.listDatasets({ first: 100, ...(after ? { after } : {}) }, ctx(requestId));
      out.push(...page.datasets);
      if (!page.hasNextPage || !page.endCursor) return out;
      after = page.endCursor;
    }
  }

  return {
    listDatasets,
    async getDataset(id, requestId = 'quality') {
      try {
        return await catalog.getDataset({ id }, ctx(requestId));
      } catch (err) {
        if (err instanceof AppError && err.code === 'NOT_FOUND') return undefined;
        throw err;
      }
    },
    async *batches(id, requestId = 'quality') {
      let after: string | undefined;
      for (;;) {
        const body = await exportPage(id, after, requestId);
        let count = 0;
        let last: string | undefined;
        for await (const batch of ndjsonRecords(body)) {
          count += batch.length;
          last = batch[batch.length - 1].id;
          yield batch;
        }
        if (count < pageSize || last === undefined || last === after) return;
        after = last;
      }
    },
    async *ndjson(id, requestId = 'quality') {
      // Same pages as batches(), passed on as text: only the last line of a page is parsed (its id pages on).
      let after: string | undefined;
      for (;;) {
        const body = await exportPage(id, after, requestId);
        let count = 0;
        let lastLine = '';
        for await (const chunk of ndjsonText(body)) {
          count += chunk.lines;
          lastLine = lastNonBlankLine(chunk.text);
          yield chunk;
        }
        const last = lastLine ? (JSON.parse(lastLine) as StoredRecord).id : undefined;
        if (count < pageSize || last === undefined || last === after) return;
        after = last;
      }
    },
    close: () => client.close(),
  };
}

/**
 * The text of a byte stream decoded as one UTF-8 stream: a character whose bytes arrive in two
 * network chunks is decoded whole (decoding each chunk alone turned it into two U+FFFD and changed
 * the figures). Bytes that are not UTF-8 fail the read instead of being replaced.
 */
export async function* utf8Text(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of body) {
      const text = decoder.decode(chunk, { stream: true });
      if (text) yield text;
    }
    const rest = decoder.decode();
    if (rest) yield rest;
  } catch (err) {
    if (err instanceof TypeError && (err as { code?: string }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') {
      throw new AppError('INTERNAL_SERVER_ERROR', 'the catalog export is not valid UTF-8');
    }
    throw err;
  }
}

/** The records of an NDJSON byte stream, in batches of up to `batchSize`; blank lines are skipped. */
export async function* ndjsonRecords(
  body: AsyncIterable<Uint8Array>,
  batchSize = 1000,
): AsyncGenerator<StoredRecord[]> {
  let buf = '';
  let batch: StoredRecord[] = [];
  for await (const text of utf8Text(body)) {
    buf += text;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      batch.push(JSON.parse(line) as StoredRecord);
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
  }
  if (buf.trim()) batch.push(JSON.parse(buf) as StoredRecord);
  if (batch.length) yield batch;
}

/**
 * The same stream as text in pieces of whole lines (cut after a newline once `minChars` have
 * gathered), each with its count of non-blank lines; the last piece gets a closing newline.
 */
export async function* ndjsonText(
  body: AsyncIterable<Uint8Array>,
  minChars = 256 * 1024,
): AsyncGenerator<{ text: string; lines: number }> {
  let buf = '';
  const take = (text: string) => {
    const lines = countLines(text);
    return lines === 0 ? undefined : { text, lines };
  };
  for await (const text of utf8Text(body)) {
    buf += text;
    if (buf.length < minChars) continue;
    const nl = buf.lastIndexOf('\n');
    if (nl < 0) continue;
    const out = take(buf.slice(0, nl + 1));
    buf = buf.slice(nl + 1);
    if (out) yield out;
  }
  const out = take(buf.endsWith('\n') ? buf : buf + '\n');
  if (out) yield out;
}

/** Non-blank lines of NDJSON text. */
function countLines(text: string): number {
  let n = 0;
  let start = 0;
  while (start < text.length) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = text.length;
    if (text.slice(start, nl).trim()) n++;
    start = nl + 1;
  }
  return n;
}

function lastNonBlankLine(text: string): string {
  let end = text.length;
  while (end > 0) {
    const nl = text.lastIndexOf('\n', end - 1);
    const line = text.slice(nl + 1, end).trim();
    if (line) return line;
    end = nl < 0 ? 0 : nl;
  }
  return '';
}

/** Builds the key sets of reference rules and the value maps of consistency checks by reading the other datasets. */
export async function loadReferenceData(
  source: RecordSource,
  rules: RuleSpec[],
  ruleSet: RuleSetBody,
  requestId?: string,
): Promise<{ refs: ReferenceData; skipped: Record<string, string> }> {
  const refs: ReferenceData = { sets: new Map(), consistency: new Map() };
  const skipped: Record<string, string> = {};
  for (const r of rules) {
    if (r.kind !== 'reference') continue;
    if (!r.dataset) {
      skipped[r.id!] = 'no dataset named';
      continue;
    }
    const set = new HashSet53(1 << 14);
    const field = r.targetField ?? r.field;
    try {
      for await (const batch of source.batches(r.dataset, requestId)) {
        for (const rec of batch) if (!isMissing(rec.data?.[field])) set.add(hash53(normaliseValue(rec.data[field])));
      }
      refs.sets.set(r.id!, set);
    } catch (err) {
      skipped[r.id!] = `reference dataset ${r.dataset} unreadable: ${(err as Error).message}`;
    }
  }
  for (const [i, c] of (ruleSet.consistency ?? []).entries()) {
    const map = new HashMap53(1 << 14);
    const mf = c.targetMatchField ?? c.matchField,
      tf = c.targetField ?? c.field;
    try {
      for await (const batch of source.batches(c.dataset, requestId)) {
        for (const rec of batch) {
          const d = rec.data ?? {};
          if (isMissing(d[mf]) || isMissing(d[tf])) continue;
          map.setIfAbsent(hash53(normaliseValue(d[mf])), hash53(normaliseValue(d[tf])));
        }
      }
      refs.consistency.set(i, map);
    } catch (err) {
      skipped[`consistency:${i}`] = `dataset ${c.dataset} unreadable: ${(err as Error).message}`;
    }
  }
  return { refs, skipped };
}
