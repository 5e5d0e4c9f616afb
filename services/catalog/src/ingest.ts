import { Transform, type Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { eq, sql } from 'drizzle-orm';
import { parse as parseCsv } from 'csv-parse';
import type { ErrorObject } from 'ajv';
import { AppError } from '@govshare/platform';
import type { IngestResult, RowError } from '@govshare/contracts';
import { recordKey, type CompiledDatasetSchema, type FieldInfo } from './data-dictionary.ts';
import { compiledFor, type CatalogDb } from './datasets.ts';
import { datasets, records } from './schema.ts';
import { datasetCacheFor } from './read-cache.ts';

export type IngestMode = 'append' | 'replace';
export const MAX_ROW_ERRORS = 100;
export const INSERT_CHUNK = 1000;
export const STREAM_BODY_LIMIT = 256 * 1024 * 1024;

/** One row of input: parsed data, or an error found while parsing it. */
export type IngestItem = { row: number; data: unknown } | { row: number; error: RowError };

/** Structural check of one row against the dataset's data dictionary. Empty array = well-shaped. */
export function validateRow(compiled: CompiledDatasetSchema, row: number, data: unknown): RowError[] {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return [{ row, field: '', rule: 'type', message: 'a record must be a JSON object' }];
  }
  if (compiled.validate(data)) return [];
  const byName = new Map(compiled.fields.map((f) => [f.name, f]));
  return (compiled.validate.errors ?? []).map((e) => rowError(row, e, byName, data as Record<string, unknown>));
}

function rowError(row: number, e: ErrorObject, fields: Map<string, FieldInfo>, data: Record<string, unknown>): RowError {
  if (e.keyword === 'additionalProperties') {
    const field = String(e.params.additionalProperty);
    return { row, field, rule: 'unknown-field', message: `field "${field}" is not in the dataset schema` };
  }
  if (e.keyword === 'required') {
    const field = String(e.params.missingProperty);
    const key = fields.get(field)?.key;
    return { row, field, rule: key ? 'key-missing' : 'required', message: `${key ? 'key ' : ''}field "${field}" is missing` };
  }
  const field = e.instancePath.replace(/^\//, '').replace(/~1/g, '/').replace(/~0/g, '~');
  const info = fields.get(field);
  const value = data[field];
  if (e.keyword === 'type' && value === null) {
    return { row, field, rule: info?.key ? 'key-missing' : 'not-null', message: `field "${field}" must not be null` };
  }
  const shown = JSON.stringify(value);
  const rule = e.keyword === 'type' ? 'type' : e.keyword;
  const message =
    e.keyword === 'enum'
      ? `${shown} is not one of ${JSON.stringify(e.params.allowedValues)}`
      : e.keyword === 'format'
        ? `${shown} is not a valid ${e.params.format}`
        : `${shown} ${e.message}`;
  return { row, field, rule, message: `field "${field}": ${message}` };
}

/**
 * Writes a batch all-or-nothing. Rows are validated and inserted in chunks inside ONE transaction;
 * the first bad row stops inserting, up to MAX_ROW_ERRORS errors are collected, then the
 * transaction rolls back and BAD_USER_INPUT carries { errors, errorCount }. Replace deletes the
 * dataset's records in the same transaction. Semantic quality (duplicates, check digits, blank
 * optional values) is not checked here: dirty but well-shaped rows go in.
 */
export async function ingest(db: CatalogDb, datasetId: string, mode: IngestMode, items: Iterable<IngestItem> | AsyncIterable<IngestItem>): Promise<IngestResult> {
  // The dataset row (record count, updatedAt) changes: the cached copy must not outlive the write.
  return datasetCacheFor(db).aroundWrite(() => ingestInTransaction(db, datasetId, mode, items), datasetId);
}

function ingestInTransaction(db: CatalogDb, datasetId: string, mode: IngestMode, items: Iterable<IngestItem> | AsyncIterable<IngestItem>): Promise<IngestResult> {
  return db.transaction(async (tx) => {
    // Row lock (FOR NO KEY UPDATE): ingests and schema changes of one dataset run one at a time, while
    // inserts that merely reference the dataset (grants, records' foreign keys) are not blocked.
    const [ds] = await tx.select().from(datasets).where(eq(datasets.id, datasetId)).for('no key update');
    if (!ds) throw new AppError('NOT_FOUND', `dataset "${datasetId}" not found`);
    const compiled = compiledFor(ds);
    if (mode === 'replace') await tx.delete(records).where(eq(records.datasetId, datasetId));

    const errors: RowError[] = [];
    let errorCount = 0;
    let accepted = 0;
    let chunk: (typeof records.$inferInsert)[] = [];
    const flush = async () => {
      if (!chunk.length) return;
      await tx.insert(records).values(chunk);
      chunk = [];
    };
    for await (const item of items) {
      const rowErrors = 'error' in item ? [item.error] : validateRow(compiled, item.row, item.data);
      if (rowErrors.length) {
        errorCount += rowErrors.length;
        for (const e of rowErrors) if (errors.length < MAX_ROW_ERRORS) errors.push(e);
        if (errors.length >= MAX_ROW_ERRORS) break;
        chunk = [];
        continue;
      }
      if (errorCount) continue; // keep validating to report errors, but write nothing more
      const data = { ...(item as { data: Record<string, unknown> }).data }; // a plain object whatever the source
      chunk.push({ datasetId, key: recordKey(compiled.keyFields, data), data, version: ds.version });
      accepted++;
      if (chunk.length >= INSERT_CHUNK) await flush();
    }
    if (errorCount) {
      const first = errors[0];
      throw new AppError('BAD_USER_INPUT', `batch refused, nothing written: ${errorCount}${errors.length >= MAX_ROW_ERRORS ? '+' : ''} error(s); first: row ${first.row} ${first.message} (${first.rule})`, {
        errors,
        errorCount,
      });
    }
    await flush();
    const [updated] = await tx
      .update(datasets)
      .set({ recordCount: mode === 'replace' ? accepted : sql`${datasets.recordCount} + ${accepted}`, updatedAt: sql`now()` })
      .where(eq(datasets.id, datasetId))
      .returning({ recordCount: datasets.recordCount });
    return { datasetId, mode, accepted, recordCount: updated.recordCount };
  });
}

export function* batchItems(rows: unknown[]): Iterable<IngestItem> {
  for (let i = 0; i < rows.length; i++) yield { row: i + 1, data: rows[i] };
}

/** Refuses a stream once it passed `limit` bytes. */
export function limitBytes(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > limit) cb(new AppError('BAD_USER_INPUT', `request body exceeds ${limit} bytes (body-limit)`));
      else cb(null, chunk);
    },
  });
}

/** NDJSON: one JSON object per line; row = line number; blank lines are skipped. */
export async function* ndjsonItems(stream: AsyncIterable<Buffer | string>, maxLineBytes = 8 * 1024 * 1024): AsyncIterable<IngestItem> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let row = 0;
  const item = (line: string): IngestItem | undefined => {
    row++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (!line.trim()) return undefined;
    try {
      return { row, data: JSON.parse(line) };
    } catch {
      return { row, error: { row, field: '', rule: 'json', message: `line ${row} is not valid JSON` } };
    }
  };
  for await (const chunk of stream) {
    rest += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    const lines = rest.split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      const it = item(line);
      if (it) yield it;
    }
    if (rest.length > maxLineBytes) throw new AppError('BAD_USER_INPUT', `line ${row + 1} is longer than ${maxLineBytes} bytes (line-too-long)`);
  }
  rest += decoder.end();
  const it = item(rest);
  if (it) yield it;
}

/** Converts a CSV cell to the field's declared type; unconvertible text is kept so validation names it. */
export function convertCell(field: FieldInfo | undefined, cell: string): unknown {
  if (!field) return cell;
  switch (field.type) {
    case 'integer':
      return /^\s*[-+]?\d+\s*$/.test(cell) ? Number(cell) : cell;
    case 'number': {
      const t = cell.trim();
      return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t) ? Number(t) : cell;
    }
    case 'boolean': {
      const t = cell.trim().toLowerCase();
      return t === 'true' ? true : t === 'false' ? false : cell;
    }
    default:
      return cell;
  }
}

/**
 * CSV: the header row names the fields; each later record is one row (row 1 = first data row).
 * Empty cells are absent fields; values are converted per the field's declared type.
 */
export async function* csvItems(stream: Readable, compiled: CompiledDatasetSchema): AsyncIterable<IngestItem> {
  const parser = stream.pipe(parseCsv({ bom: true, skip_empty_lines: true, relax_column_count: false }));
  const byName = new Map(compiled.fields.map((f) => [f.name, f]));
  let header: string[] | undefined;
  let row = 0;
  try {
    for await (const rec of parser as AsyncIterable<string[]>) {
      if (!header) {
        header = rec.map((h) => h.trim());
        continue;
      }
      row++;
      const data: Record<string, unknown> = {};
      header.forEach((h, i) => {
        const cell = rec[i];
        if (cell === undefined || cell === '') return;
        data[h] = convertCell(byName.get(h), cell);
      });
      yield { row, data };
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    // csv-parse counts records (header included) parsed before the failing one.
    const parsed = (err as { records?: number }).records;
    const r = Math.max(1, typeof parsed === 'number' ? parsed : row + 1);
    yield { row: r, error: { row: r, field: '', rule: 'csv', message: `CSV could not be parsed: ${(err as Error).message}` } };
  } finally {
    parser.destroy();
  }
}
