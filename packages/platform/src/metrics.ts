// Prometheus metrics every govshare process shares: one prom-client Registry per process part (a
// test opens several hubs in one process, so nothing goes to prom-client's global registry), the
// /metrics route, the HTTP latency histogram and the database pool gauges.
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from './logger.ts';

export { Counter, Gauge, Histogram, Registry };

/** Latency buckets (seconds): a read is budgeted 0.5 s end to end, so the fine buckets sit below it. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * A registry of its own (never prom-client's global one), with the Node process metrics (CPU,
 * memory, event loop lag, GC) unless `processMetrics` is false (a registry nobody scrapes).
 */
export function createMetricsRegistry(o: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (o.processMetrics !== false) collectDefaultMetrics({ register: registry });
  return registry;
}

/** Where a process serves /metrics: on its own app, on a separate listener, or not at all. */
export type MetricsExposure = 'public' | 'internal' | 'off';

/** GET /metrics on `app`, answering the registry's text exposition format. */
export function registerMetricsRoute(app: FastifyInstance, registry: Registry): void {
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}

/**
 * A listener of its own for /metrics (the hub's public port should not tell anyone which
 * departments read which datasets): bound to `host`, by default 127.0.0.1, where Prometheus or its
 * agent scrapes.
 */
export async function serveMetrics(o: {
  registry: Registry;
  host: string;
  port: number;
  logger: Logger;
}): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify({
    loggerInstance: o.logger.child({ listener: 'metrics' }),
    logController: new LogController({ disableRequestLogging: true }),
  });
  registerMetricsRoute(app as unknown as FastifyInstance, o.registry);
  app.get('/healthz', async () => ({ ok: true }));
  const address = await app.listen({ host: o.host, port: o.port });
  return { url: address, close: () => app.close() };
}

/**
 * The request latency of every route of a service app, by route pattern (never the URL: paths and
 * query strings can carry identifiers) and status code.
 */
export function instrumentHttp(app: FastifyInstance, registry: Registry): void {
  const duration = new Histogram({
    name: 'govshare_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  app.addHook('onResponse', async (req, reply) => {
    if (req.routeOptions.url === '/metrics') return;
    duration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
}

/** What a database knows of its pool right now (see Database.poolState in db.ts). */
export interface PoolState {
  /** Most connections the pool opens (PGlite: 1). */
  max: number;
  /** Statements and transactions started and not yet settled (each holds or waits for a connection). */
  inFlight: number;
}

const poolsOf = new WeakMap<Registry, Map<string, () => PoolState>>();

/**
 * Adds a service's pool to the registry's pool gauges, read at scrape time: connections in use
 * (work in flight, at most max), available (max minus in use: idle, or not opened yet), max, and
 * work waiting for a connection. The hub adds one pool per module it holds.
 */
export function addPoolMetrics(registry: Registry, service: string, state: () => PoolState): void {
  let pools = poolsOf.get(registry);
  if (!pools) {
    pools = new Map();
    poolsOf.set(registry, pools);
    const all = pools;
    const each = (set: (service: string, s: PoolState) => void) => {
      for (const [name, read] of all) set(name, read());
    };
    new Gauge({
      name: 'govshare_db_pool_connections',
      help: 'Database connections of the pool by state: in_use (running work) or available (idle or not opened)',
      labelNames: ['service', 'state'] as const,
      registers: [registry],
      collect() {
        each((name, s) => {
          const inUse = Math.min(s.inFlight, s.max);
          this.set({ service: name, state: 'in_use' }, inUse);
          this.set({ service: name, state: 'available' }, s.max - inUse);
        });
      },
    });
    new Gauge({
      name: 'govshare_db_pool_max_connections',
      help: 'Most connections the pool opens',
      labelNames: ['service'] as const,
      registers: [registry],
      collect() {
        each((name, s) => this.set({ service: name }, s.max));
      },
    });
    new Gauge({
      name: 'govshare_db_pool_waiting',
      help: 'Statements and transactions waiting for a connection (in flight beyond the pool size)',
      labelNames: ['service'] as const,
      registers: [registry],
      collect() {
        each((name, s) => this.set({ service: name }, Math.max(0, s.inFlight - s.max)));
      },
    });
  }
  pools.set(service, state);
}

/**
 * A label whose values come from outside the code (a department code): the first `max` distinct
 * values are kept, any further one is 'other', so no input can grow the series without bound.
 */
export function boundedLabel(max: number): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= max) return 'other';
    seen.add(value);
    return value;
  };
}
