import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * One structured logger per process; request handlers log through child loggers carrying reqId.
 * destination: where the JSON lines go (stdout by default; tests collect them to check what is logged).
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info', destination?: { write(line: string): void }): Logger {
  const options = { name: service, level, base: { service }, redact: ['req.headers.authorization'] };
  return destination ? pino(options, destination) : pino(options);
}
