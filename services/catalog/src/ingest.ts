import { pipeline, Transform, type Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { MIMEType } from 'node:util';
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
/** Default limit of one value: a CSV cell, a string in a JSON batch, a whole NDJSON line (UTF-8 bytes). */
export const DEFAULT_MAX_CELL_BYTES = 64 * 1024;

export interface IngestOptions {
  /** `replace` with no records empties the dataset: only done when asked for explicitly. */
  confirmEmpty?: boolean;
  maxCellBytes?: number;
}

/** One row of input: parsed data, or an error found while parsing it. */
export type IngestItem = { row: number; data: unknown } | { row: number; error: RowError };

/** Structural check of one row against the dataset's data dictionary. Empty array = well-shaped. */
export function validateRow(
  compiled: CompiledDatasetSchema,
  row: number,
  data: unknown,
  maxCellBytes = DEFAULT_MAX_CELL_BYTES,
): RowError[] {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return [{ row, field: '', rule: 'type', message: 'a record must be a JSON object' }];
  }
  const problems = valueProblems(row, data as Record<string, unknown>, maxCellBytes);
  if (compiled.validate(data)) return problems;
  const byName = new Map(compiled.fields.map((f) => [f.name, f]));
  return [
    ...(compiled.validate.errors ?? []).map((e) => rowError(row, e, byName, data as Record<string, unknown>)),
    ...problems,
  ];
}

/**
 * What the data dictionary cannot say: no text may hold U+0000 (Postgres text and JSONB cannot store
 * it) and no value may pass the size limit.
 */
function valueProblems(row: number, data: Record<string, unknown>, maxCellBytes: number): RowError[] {
  const problems: RowError[] = [];
  for (const [field, value] of Object.entries(data)) {
    if (typeof value !== 'string') continue;
    if (value.includes('\0'))
      problems.push({
        row,
        field,
        rule: 'nul-character',
        message: `field "${field}" contains a NUL character (U+0000), which cannot be stored`,
      });
    const tooLarge = cellTooLarge(row, field, value, maxCellBytes);
    if (tooLarge) problems.push(tooLarge);
  }
  return problems;
}

/** The size rule of one value (a CSV cell, a string), in UTF-8 bytes. */
export function cellTooLarge(row: number, field: string, text: string, maxCellBytes: number): RowError | undefined {
  // Cheap test first: a string of n UTF-16 units takes at most 3n UTF-8 bytes.
  if (text.length * 3 <= maxCellBytes || Buffer.byteLength(text) <= maxCellBytes) return undefined;
  return tooLargeError(row, field, maxCellBytes);
}

const tooLargeError = (row: number, field: string, maxCellBytes: number): RowError => ({
  row,
  field,
  rule: 'size-limit',
  message: `row ${row}${field ? ` field "${field}"` : ''}: ${field ? 'value' : 'line'} is larger than ${maxCellBytes} bytes`,
});

function rowError(
  row: number,
  e: ErrorObject,
  fields: Map<string, FieldInfo>,
  data: Record<string, unknown>,
): RowError {
  if (e.keyword === 'additionalProperties') {
    const field = String(e.params.additionalProperty);
    return { row, field, rule: 'unknown-field', message: `field "${field}" is not in the dataset schema` };
  }
  if (e.keyword === 'required') {
    const field = String(e.params.missingProperty);
    const key = fields.get(field)?.key;
    return {
      row,
      field,
      rule: key ? 'key-missing' : 'required',
      message: `${key ? 'key ' : ''}field "${field}" is missing`,
    };
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
export async function ingest(
  db: CatalogDb,
  datasetId: string,
  mode: IngestMode,
  items: Iterable<IngestItem> | AsyncIterable<IngestItem>,
  opts: IngestOptions = {},
): Promise<IngestResult> {
  // The dataset row (record count, updatedAt) changes: the cached copy must not outlive the write.
  return datasetCacheFor(db).aroundWrite(() => ingestInTransaction(db, datasetId, mode, items, opts), datasetId);
}

function ingestInTransaction(
  db: CatalogDb,
  datasetId: string,
  mode: IngestMode,
  items: Iterable<IngestItem> | AsyncIterable<IngestItem>,
  opts: IngestOptions,
): Promise<IngestResult> {
  const maxCellBytes = opts.maxCellBytes ?? DEFAULT_MAX_CELL_BYTES;
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
      const rowErrors = 'error' in item ? [item.error] : validateRow(compiled, item.row, item.data, maxCellBytes);
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
      // The message names where, not what: it is copied into the audit log, which holds no record values
      // (the per-row messages in details, for the uploader, quote them).
      const where = `row ${first.row}${first.field ? ` field "${first.field}"` : ''}`;
      throw new AppError(
        'BAD_USER_INPUT',
        `batch refused, nothing written: ${errorCount}${errors.length >= MAX_ROW_ERRORS ? '+' : ''} error(s); first: ${where} (${first.rule})`,
        {
          errors,
          errorCount,
        },
      );
    }
    if (mode === 'replace' && accepted === 0 && !opts.confirmEmpty) {
      throw new AppError(
        'BAD_USER_INPUT',
        'replace with no records would empty the dataset, nothing written; to empty it on purpose, confirm with confirmEmpty=true (empty-replace)',
        { rule: 'empty-replace' },
      );
    }
    await flush();
    const [updated] = await tx
      .update(datasets)
      .set({
        recordCount: mode === 'replace' ? accepted : sql`${datasets.recordCount} + ${accepted}`,
        updatedAt: sql`now()`,
      })
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

/** The text encodings an upload may declare (WHATWG names); GB18030/GBK is what most Chinese government systems export. */
const CHARSETS = new Set(['utf-8', 'gb18030', 'gbk']);

export interface StreamUpload {
  format: 'csv' | 'ndjson';
  /** WHATWG encoding name, e.g. utf-8, gb18030. */
  charset: string;
}

/**
 * Reads a stream upload's format and charset from its content-type: `text/csv` or
 * `application/x-ndjson`, `charset` UTF-8 by default.
 */
export function streamUpload(contentType: string | undefined): StreamUpload {
  let mime: MIMEType | undefined;
  try {
    mime = new MIMEType(contentType ?? '');
  } catch {
    mime = undefined; // not a media type at all
  }
  const format = mime?.essence === 'text/csv' ? 'csv' : mime?.essence === 'application/x-ndjson' ? 'ndjson' : undefined;
  if (!mime || !format) {
    throw new AppError(
      'BAD_USER_INPUT',
      'content-type: must be text/csv or application/x-ndjson, optionally with a charset (content-type)',
      { field: 'content-type', rule: 'content-type' },
    );
  }
  const label = mime.params.get('charset') ?? 'utf-8';
  let charset: string | undefined;
  try {
    charset = new TextDecoder(label).encoding;
  } catch {
    charset = undefined; // not an encoding label at all
  }
  if (!charset || !CHARSETS.has(charset)) {
    throw new AppError(
      'BAD_USER_INPUT',
      `content-type: charset "${label}" is not supported; declare utf-8, gb18030 or gbk (charset)`,
      { field: 'charset', rule: 'charset' },
    );
  }
  return { format, charset };
}

/**
 * Items of a stream upload: at most STREAM_BODY_LIMIT bytes, decoded in the declared charset, parsed.
 * The request is piped, not pipelined: a refusal must not destroy it, so the route can still read
 * the rest and answer.
 */
export function streamItems(
  request: Readable,
  upload: StreamUpload,
  compiled: CompiledDatasetSchema,
  maxCellBytes = DEFAULT_MAX_CELL_BYTES,
): AsyncIterable<IngestItem> {
  const text = pipeline(request.pipe(limitBytes(STREAM_BODY_LIMIT)), decodeText(upload.charset), () => {});
  return upload.format === 'csv' ? csvItems(text, compiled, maxCellBytes) : ndjsonItems(text, maxCellBytes);
}

/**
 * Bytes to text in the given charset, refusing bytes that are not valid in it (WHATWG fatal decoding,
 * streamed: a character split across chunks is joined, never turned into U+FFFD or mojibake).
 */
export function decodeText(charset: string): Transform {
  const decoder = new TextDecoder(charset, { fatal: true });
  let lines = 0;
  let bytes = 0;
  const refusal = (chunkBytes: number) =>
    new AppError(
      'BAD_USER_INPUT',
      `body: bytes ${bytes}–${bytes + chunkBytes} (from line ${lines + 1}) are not valid ${charset}; declare the file's encoding in content-type, e.g. text/csv; charset=gb18030 (encoding)`,
      {
        rule: 'encoding',
        charset,
        line: lines + 1,
      },
    );
  return new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _enc, cb) {
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        return cb(refusal(chunk.length));
      }
      bytes += chunk.length;
      for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines++;
      cb(null, text);
    },
    flush(cb) {
      try {
        const rest = decoder.decode(); // an incomplete sequence at the very end is refused here
        cb(null, rest || undefined);
      } catch {
        cb(refusal(0));
      }
    },
  });
}

/**
 * NDJSON: one JSON object per line; row = line number; blank lines are skipped. A line longer than
 * `maxLineBytes` (UTF-8) is refused as soon as it crosses the limit, without reading the rest of it.
 */
export async function* ndjsonItems(
  stream: AsyncIterable<Buffer | string>,
  maxLineBytes = DEFAULT_MAX_CELL_BYTES,
): AsyncIterable<IngestItem> {
  const decoder = new StringDecoder('utf8');
  let parts: string[] = []; // the current line, as it arrived
  let lineBytes = 0;
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
  /** Adds text to the current line; false once the line is over the limit. */
  const grow = (text: string) => {
    lineBytes += Buffer.byteLength(text);
    parts.push(text);
    return lineBytes <= maxLineBytes;
  };
  const tooLong = (): IngestItem => ({ row: row + 1, error: tooLargeError(row + 1, '', maxLineBytes) });
  for await (const chunk of stream) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      if (!grow(text.slice(start, nl))) return yield tooLong();
      const it = item(parts.join(''));
      parts = [];
      lineBytes = 0;
      if (it) yield it;
      start = nl + 1;
    }
    if (!grow(text.slice(start))) return yield tooLong();
  }
  if (!grow(decoder.end())) return yield tooLong();
  const it = item(parts.join(''));
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

/** Column names that would reach or shadow Object.prototype when used as keys of a record. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const headerError = (field: string, rule: string, message: string) =>
  new AppError('BAD_USER_INPUT', `CSV header: ${message}, nothing written (${rule})`, { field, rule });

/** Refuses a header whose columns could not each become one field of a record. */
function checkHeader(names: string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (PROTOTYPE_KEYS.has(name)) throw headerError(name, 'reserved-name', `column "${name}" is a reserved name`);
    if (seen.has(name)) throw headerError(name, 'duplicate-column', `column "${name}" appears more than once`);
    seen.add(name);
  }
}

/**
 * CSV: the header row names the fields; each later record is one row (row 1 = first data row).
 * Empty cells are absent fields; values are converted per the field's declared type. A cell over
 * `maxCellBytes` is refused with its row and field; the parser's record limit (one full-size cell
 * per schema field, and one more) stops a huge cell while it streams instead of after it is read.
 */
export async function* csvItems(
  stream: Readable,
  compiled: CompiledDatasetSchema,
  maxCellBytes = DEFAULT_MAX_CELL_BYTES,
): AsyncIterable<IngestItem> {
  const recordLimit = maxCellBytes * (compiled.fields.length + 1);
  // The parser reads the header itself (`columns`), so its errors can name the column, and the checks
  // run before any record is built from the names.
  const columns = (names: string[]) => {
    const header = names.map((h) => h.trim());
    checkHeader(header);
    return header;
  };
  const options = {
    bom: true,
    skip_empty_lines: true,
    relax_column_count: false,
    max_record_size: recordLimit,
    columns,
  };
  const parser = pipeline(stream, parseCsv(options), () => {});
  const byName = new Map(compiled.fields.map((f) => [f.name, f]));
  let row = 0;
  try {
    for await (const rec of parser as AsyncIterable<Record<string, string>>) {
      row++;
      const data: Record<string, unknown> = {};
      for (const [name, cell] of Object.entries(rec)) {
        if (cell === undefined || cell === '') continue;
        const tooLarge = cellTooLarge(row, name, cell, maxCellBytes);
        if (tooLarge) return yield { row, error: tooLarge };
        data[name] = convertCell(byName.get(name), cell);
      }
      yield { row, data };
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    const e = err as { code?: string; records?: number; column?: unknown; header?: boolean };
    // csv-parse counts the data records parsed before the failing one (the header is not one).
    const r = (typeof e.records === 'number' ? e.records : row) + 1;
    if (e.code === 'CSV_MAX_RECORD_SIZE') {
      if (e.header) throw headerError('', 'size-limit', `the header is larger than ${recordLimit} bytes`);
      yield { row: r, error: tooLargeError(r, typeof e.column === 'string' ? e.column : '', maxCellBytes) };
      return;
    }
    yield {
      row: r,
      error: { row: r, field: '', rule: 'csv', message: `CSV could not be parsed: ${(err as Error).message}` },
    };
  } finally {
    parser.destroy();
  }
}
