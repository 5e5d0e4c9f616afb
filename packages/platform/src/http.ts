import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { JWTPayload } from 'jose';
import { compileForHttp } from '@govshare/contracts';
import { AppError } from './errors.ts';
import type { Logger } from './logger.ts';
import type { ServiceTokenVerifier } from './service-token.ts';
import { isDatabaseUnavailable, recycleBrokenPools } from './db.ts';
import { instrumentHttp, registerMetricsRoute, type Registry } from './metrics.ts';
import { traceRequests } from './http-tracing.ts';
import { tracingEnabled } from './tracing.ts';

const READY_TIMEOUT_MS = 1000;

export const REQUEST_ID_HEADER = 'x-request-id';
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export interface ServiceAppOptions {
  logger: Logger;
  /** Internal services pass the verifier for their audience; the gateway authenticates its own way. */
  verifyServiceToken?: ServiceTokenVerifier;
  /** Which verified callers may make which calls (least privilege); absent = any verified caller. */
  mayCall?: (caller: JWTPayload, req: FastifyRequest) => boolean;
  bodyLimit?: number;
  /** Readiness probe, e.g. a database ping. */
  ready?: () => Promise<void>;
  fastify?: Partial<FastifyServerOptions>;
  /**
   * The process's metrics registry: every request's latency is recorded in it; with `serve`, GET
   * /metrics answers it on this app, open like /healthz (internal services listen on internal
   * addresses; the hub serves it on a listener of its own unless told otherwise, see serveMetrics).
   */
  metrics?: { registry: Registry; serve: boolean };
}

const OPEN_ROUTES = new Set(['/healthz', '/readyz']);

/**
 * The HTTP shell every govshare process shares: request ids taken from (or given to) x-request-id and
 * carried by every log line, health and readiness routes, service-token check, contract-schema
 * validation, and errors as { error: { code, message } } that never leak internals.
 */
export function createServiceApp(opts: ServiceAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.logger,
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    genReqId: (req) => {
      const given = req.headers[REQUEST_ID_HEADER];
      return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
    },
    // One line per request comes from our onResponse hook instead.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    ...opts.fastify,
  }) as unknown as FastifyInstance;

  app.setValidatorCompiler(({ schema, httpPart }) => compileForHttp(schema as object, httpPart) as any);

  app.addHook('onRequest', async (req, reply) => {
    reply.header(REQUEST_ID_HEADER, req.id);
  });
  if (opts.metrics) instrumentHttp(app, opts.metrics.registry);
  const open = new Set(OPEN_ROUTES);
  if (opts.metrics?.serve) {
    registerMetricsRoute(app, opts.metrics.registry);
    open.add('/metrics');
  }
  // A server span per request, continuing the caller's traceparent; only when tracing is on.
  if (tracingEnabled()) traceRequests(app);
  app.addHook('onResponse', async (req, reply) => {
    // The path only: a query string can carry record values (a GraphQL GET's variables, a filter).
    req.log.info(
      { method: req.method, url: req.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });

  if (opts.verifyServiceToken) {
    const verify = opts.verifyServiceToken;
    const mayCall = opts.mayCall;
    app.addHook('onRequest', async (req) => {
      if (open.has(req.url)) return;
      const caller = await verify(req.headers.authorization);
      (req as FastifyRequest & { serviceCaller?: JWTPayload }).serviceCaller = caller;
      if (mayCall && !mayCall(caller, req))
        throw new AppError('FORBIDDEN', `service "${caller.sub}" may not call ${req.method} ${req.url.split('?')[0]}`);
    });
  }

  app.get('/healthz', async () => ({ ok: true }));
  // Readiness answers within a second: a probe that hangs (a paused database) counts as not ready.
  app.get('/readyz', async (_req, reply) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        opts.ready?.(),
        new Promise(
          (_r, reject) => (timer = setTimeout(() => reject(new Error('readiness timed out')), READY_TIMEOUT_MS)),
        ),
      ]);
      return { ready: true };
    } catch {
      return reply.code(503).send({ ready: false });
    } finally {
      clearTimeout(timer);
    }
  });

  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(new AppError('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`).toBody());
  });

  app.setErrorHandler((err: any, req, reply) => {
    if (err instanceof AppError) {
      if (err.code === 'INTERNAL_SERVER_ERROR') req.log.error({ err }, 'internal error');
      return reply.code(err.status).send(err.toBody());
    }
    if (err.validation) {
      const where = err.validationContext ?? 'body';
      const details = err.validation.map((v: any) => ({
        path: `${where}${v.instancePath}`,
        rule: v.keyword,
        message: v.message,
      }));
      const message = details
        .map((d: any) => `${d.path} ${d.message}`)
        .slice(0, 5)
        .join('; ');
      return reply.code(400).send(new AppError('BAD_USER_INPUT', message, details).toBody());
    }
    if (err.statusCode === 413)
      return reply.code(413).send(new AppError('BAD_USER_INPUT', 'request body too large').toBody());
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send(new AppError('BAD_USER_INPUT', err.message).toBody());
    }
    if (isDatabaseUnavailable(err)) {
      // An outage or a broken connection is not the caller's fault nor a bug: 503, and a fresh pool.
      recycleBrokenPools(err);
      req.log.warn({ code: err.code ?? err.cause?.code }, 'database unavailable');
      return reply.code(503).send(new AppError('UNAVAILABLE', 'database unavailable').toBody());
    }
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send(new AppError('INTERNAL_SERVER_ERROR', 'internal error').toBody());
  });

  return app;
}

/**
 * Stops the app on SIGINT/SIGTERM, letting in-flight requests finish; and, when a parent started it
 * with an IPC channel (the hub's launcher does), when that channel closes: the parent is gone, by any
 * means including SIGKILL, and a service left without it would run on unsupervised.
 */
export function closeOnSignals(close: () => Promise<void>, logger: Logger): void {
  let closing = false;
  const onSignal = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    close()
      .then(() => process.exit(0))
      .catch((err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  if (process.send) {
    process.once('disconnect', () => onSignal('parent exited'));
    if (!process.connected) onSignal('parent exited');
  }
}

/** What every service's start function takes (plus its own options). */
export interface ServiceStartOptions {
  /** Postgres server URL; unset = embedded PGlite. */
  databaseUrl?: string;
  /** Parent of the embedded database directory and dev keys; ':memory:' for a throwaway database. */
  dataDir: string;
  schemaPrefix?: string;
  /** Public half of the gateway's service-signing key: verifies incoming service tokens. */
  servicePublicJwk: import('jose').JWK;
  host?: string;
  /** 0 = any free port. */
  port?: number;
  logger?: Logger;
  /** 'off': no /metrics route; otherwise GET /metrics on the service's (internal) port. Default 'internal'. */
  metrics?: import('./metrics.ts').MetricsExposure;
}
