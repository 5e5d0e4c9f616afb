import pino, { type Logger } from 'pino';

export type { Logger };

/** One structured logger per process; request handlers log through child loggers carrying reqId. */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: service, level, base: { service }, redact: ['req.headers.authorization'] });
}
