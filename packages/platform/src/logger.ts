import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** One structured logger per process; request handlers log through child loggers carrying reqId. */
export function createLogger(
  service: string,
  level = process.env.LOG_LEVEL ?? 'info',
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      name: service,
      level,
      base: { service },
      redact: ['req.headers.authorization'],
      serializers: { err: serializeError },
    },
    destination,
  );
}

/**
 * Error properties a log line may carry: identifiers of what failed, never the data. A failed query's
 * error holds its parameters (record values, personal fields included: drizzle's `params`, postgres'
 * `parameters`/`args`) and the database's message, detail and `where` quote the values it refused,
 * so only these fields are kept, and double-quoted text in messages is blanked.
 */
const SAFE_ERROR_FIELDS = [
  'code',
  'severity',
  'routine',
  'constraint',
  'constraint_name',
  'table',
  'table_name',
  'column',
  'column_name',
  'schema',
  'schema_name',
  'statusCode',
  'errno',
  'syscall',
];

const blankQuoted = (text: string) => text.replace(/"[^"]*"/g, '"…"');

export function serializeError(err: unknown, depth = 0): unknown {
  if (typeof err !== 'object' || err === null) return err; // a message logged as a string is the caller's choice
  const e = err as Error & Record<string, unknown>;
  const type = e.constructor?.name ?? 'Error';
  // DrizzleQueryError's message is "Failed query: <sql>\nparams: <values>"; its SQL text has placeholders only.
  const message =
    typeof e.query === 'string' && 'params' in e ? `Failed query: ${e.query}` : blankQuoted(String(e.message ?? ''));
  const out: Record<string, unknown> = { type, message };
  for (const k of SAFE_ERROR_FIELDS) if (typeof e[k] === 'string' || typeof e[k] === 'number') out[k] = e[k];
  // The stack's first line repeats the original message: keep only the frames.
  if (typeof e.stack === 'string')
    out.stack = [`${type}: ${message}`, ...e.stack.split('\n').filter((l) => /^\s+at /.test(l))].join('\n');
  if (e.cause !== undefined && depth < 4) out.cause = serializeError(e.cause, depth + 1);
  return out;
}
