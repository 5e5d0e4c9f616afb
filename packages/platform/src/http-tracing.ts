// The HTTP shell's part of tracing: a server span per request (but the health probes), child of the
// caller's `traceparent` when it sends one (the gateway's for an internal call, a department's app
// for /graphql), active while the route handler runs so that everything it calls nests under it.
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import {
  extractTraceContext,
  OUTCOME_ATTRIBUTE,
  SpanKind,
  SpanStatusCode,
  type Span,
  startSpan,
  type TraceContext,
  traceResponseOf,
  withContext,
} from './tracing.ts';

const UNTRACED = new Set(['/healthz', '/readyz']);
const traced = new WeakMap<FastifyRequest, { span: Span; context: TraceContext }>();

export function traceRequests(app: FastifyInstance): void {
  app.addHook('onRequest', async (req, reply) => {
    const route = req.routeOptions.url;
    if (route === undefined || UNTRACED.has(route)) return;
    const started = startSpan(`${req.method} ${route}`, {
      kind: SpanKind.SERVER,
      parent: extractTraceContext(req.headers),
      requestId: req.id,
      // The route's pattern, not the URL: a query string can carry record values.
      attributes: { 'http.request.method': req.method, 'http.route': route },
    });
    traced.set(req, started);
    // Which trace the caller's request joined (W3C trace-context level 2), for its own logs.
    const value = traceResponseOf(started.span);
    if (value) reply.header('traceresponse', value);
  });
  app.addHook('onResponse', async (req, reply) => endSpan(req, reply.statusCode));
  // A caller that leaves before its response: the span ends as what nginx calls it, 499.
  app.addHook('onRequestAbort', async (req) => endSpan(req, 499));
  // Routes are registered after this hook: each handler runs with its request's span active.
  app.addHook('onRoute', (route) => {
    const handler = route.handler as RouteHandlerMethod;
    route.handler = function (this: FastifyInstance, req: FastifyRequest, reply: FastifyReply) {
      const t = traced.get(req);
      return t ? withContext(t.context, handler, this, req, reply) : handler.call(this, req, reply);
    } as RouteHandlerMethod;
  });
}

function endSpan(req: FastifyRequest, status: number): void {
  const t = traced.get(req);
  if (!t) return;
  traced.delete(req);
  t.span.setAttribute('http.response.status_code', status);
  t.span.setAttribute(OUTCOME_ATTRIBUTE, status < 400 ? 'ok' : `HTTP_${status}`);
  if (status >= 500) t.span.setStatus({ code: SpanStatusCode.ERROR, message: String(status) });
  t.span.end();
}
