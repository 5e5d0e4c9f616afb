// Fixed-text statements with array parameters, executed as prepared statements (Postgres) so the
// server parses and plans them once per connection. One parameter per column, whatever the row count.
import type { Db } from '@govshare/platform';

/** A Postgres array literal (`{"a","b",NULL}`) of text or numbers; pass it as one `$n::<type>[]` parameter. */
export function pgArray(values: readonly (string | number | null | undefined)[]): string {
  return `{${values.map(pgArrayElement).join(',')}}`;
}

const NEEDS_ESCAPE = /[\\"]/;

/** One element of a Postgres array literal: NULL, a number, or a double-quoted string. */
export function pgArrayElement(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') return String(v);
  return NEEDS_ESCAPE.test(v) ? `"${v.replace(/[\\"]/g, '\\$&')}"` : `"${v}"`;
}

/**
 * Runs one statement with positional parameters and returns its rows. On the Postgres server the
 * statement is prepared (named, cached per connection by postgres.js); PGlite runs it directly.
 */
export async function queryPrepared<T = Record<string, unknown>>(
  db: Db,
  text: string,
  params: unknown[],
): Promise<T[]> {
  const client = (db as any).$client;
  if (client && typeof client.unsafe === 'function')
    return (await client.unsafe(text, params, { prepare: true })) as T[];
  if (client && typeof client.query === 'function') return (await client.query(text, params)).rows as T[];
  throw new Error('unsupported database client');
}

/** Bytes from a bytea column (Buffer from postgres.js, Uint8Array from PGlite). */
export const bytesOf = (v: Uint8Array): Buffer =>
  Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
