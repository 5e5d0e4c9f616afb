// OpenTelemetry traces, by hand at the hub's own seams (HTTP shell, face calls, service client,
// GraphQL operation, a few database and batch steps) rather than by auto-instrumenting every library.
// Off unless an OTLP endpoint is configured: then no SDK is even loaded, and inSpan runs its function
// directly (no span, no context switch). On: W3C traceparent in and out, spans batched to OTLP/HTTP
// as JSON, each span carrying the request id (never record values or subject identifiers).
import {
  type Attributes,
  type Context,
  context,
  createContextKey,
  INVALID_SPAN_CONTEXT,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { loadEnv } from './env.ts';

export { SpanKind, SpanStatusCode };

/** The attribute every span carries: the request id of x-request-id (carried through every hop). */
export const REQUEST_ID_ATTRIBUTE = 'govshare.request_id';
/** What a span's work ended as: 'ok', or the AppError code (never the message: it may echo input). */
export const OUTCOME_ATTRIBUTE = 'govshare.outcome';

export const tracingEnvSpec = {
  OTEL_EXPORTER_OTLP_ENDPOINT: {
    type: 'string',
    pattern: '^https?://',
    description: 'OTLP/HTTP collector base URL (traces go to <url>/v1/traces); unset with the next: tracing off',
  },
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: {
    type: 'string',
    pattern: '^https?://',
    description: 'Full OTLP/HTTP traces URL (overrides OTEL_EXPORTER_OTLP_ENDPOINT for traces)',
  },
  OTEL_EXPORTER_OTLP_PROTOCOL: {
    enum: ['http/json'],
    default: 'http/json',
    description: 'OTLP transport: only http/json is built in (no gRPC, no protobuf)',
  },
  OTEL_SERVICE_NAME: {
    type: 'string',
    minLength: 1,
    description: 'service.name of this process’s spans (default govshare-hub, -catalog, -audit, -quality)',
  },
  OTEL_TRACES_SAMPLER: {
    enum: [
      'always_on',
      'always_off',
      'traceidratio',
      'parentbased_always_on',
      'parentbased_always_off',
      'parentbased_traceidratio',
    ],
    default: 'parentbased_always_on',
    description:
      'Which traces are recorded (OpenTelemetry’s names); parentbased_* follow the caller’s traceparent flag',
  },
  OTEL_TRACES_SAMPLER_ARG: {
    type: 'number',
    minimum: 0,
    maximum: 1,
    default: 1,
    description: 'Share of traces kept by the traceidratio samplers (0..1)',
  },
  OTEL_SDK_DISABLED: {
    type: 'boolean',
    default: false,
    description: 'true: no tracing even with an endpoint set',
  },
} as const;

export interface TracingEnv {
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json';
  OTEL_SERVICE_NAME?: string;
  OTEL_TRACES_SAMPLER: string;
  OTEL_TRACES_SAMPLER_ARG: number;
  OTEL_SDK_DISABLED: boolean;
}

export interface Tracing {
  /** Where spans go; undefined when tracing is off. */
  endpoint?: string;
  serviceName: string;
  /** Exports every finished span now (tests wait on the receiver after this). */
  forceFlush(): Promise<void>;
  /** Flushes and stops; call last on shutdown. */
  shutdown(): Promise<void>;
}

let enabled = false;
/** Whether this process records spans (startTracing found an endpoint). Seams skip all work when not. */
export const tracingEnabled = (): boolean => enabled;

const tracer = trace.getTracer('govshare');
const REQUEST_ID_KEY = createContextKey('govshare.request_id');

/** The traces URL the env names, or undefined: tracing off. */
export function tracesEndpoint(env: TracingEnv): string | undefined {
  if (env.OTEL_SDK_DISABLED) return undefined;
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) return `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
  return undefined;
}

/**
 * Starts tracing for this process when the env configures an OTLP endpoint (validated like every
 * variable: a bad value is a ConfigError naming it). The SDK is imported only then, so a process
 * without tracing loads and runs none of it. Call before building the apps (their HTTP hooks are
 * added only when tracing is on).
 */
export async function startTracing(
  defaultServiceName: string,
  source: Record<string, string | undefined> = process.env,
): Promise<Tracing> {
  const env = loadEnv<TracingEnv>(tracingEnvSpec, source);
  const serviceName = env.OTEL_SERVICE_NAME ?? defaultServiceName;
  const endpoint = tracesEndpoint(env);
  if (!endpoint) return { serviceName, forceFlush: async () => {}, shutdown: async () => {} };
  if (enabled) throw new Error('tracing: already started in this process');
  const [{ AsyncLocalStorageContextManager }, { W3CTraceContextPropagator }, sdk, { OTLPTraceExporter }, res, sem] =
    await Promise.all([
      import('@opentelemetry/context-async-hooks'),
      import('@opentelemetry/core'),
      import('@opentelemetry/sdk-trace'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/semantic-conventions'),
    ]);
  const ratio = new sdk.TraceIdRatioBasedSampler(env.OTEL_TRACES_SAMPLER_ARG);
  const root = {
    always_on: new sdk.AlwaysOnSampler(),
    always_off: new sdk.AlwaysOffSampler(),
    traceidratio: ratio,
  }[env.OTEL_TRACES_SAMPLER.replace(/^parentbased_/, '') as 'always_on' | 'always_off' | 'traceidratio'];
  const sampler = env.OTEL_TRACES_SAMPLER.startsWith('parentbased_') ? new sdk.ParentBasedSampler({ root }) : root;
  const provider = new sdk.TracerProvider({
    sampler,
    resource: res.resourceFromAttributes({ [sem.ATTR_SERVICE_NAME]: serviceName }),
    spanProcessors: [new sdk.BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: endpoint }) })],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  enabled = true;
  return {
    endpoint,
    serviceName,
    forceFlush: () => provider.forceFlush(),
    async shutdown() {
      if (!enabled) return;
      enabled = false;
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

const NO_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

export interface SpanOptions {
  kind?: SpanKind;
  /** Ids, names, codes, counts: never a record value or a subject identifier. */
  attributes?: Attributes;
  /** The request this work is for; by default the one of the enclosing span. */
  requestId?: string;
  /** Parent context (an extracted traceparent, a queued caller's); by default the active one. */
  parent?: Context;
  /** Other requests' contexts this work also serves (a group commit's other callers): span links. */
  links?: Context[];
}

const linksOf = (contexts: Context[] | undefined) =>
  contexts?.flatMap((c) => {
    const sc = trace.getSpanContext(c);
    return sc && trace.isSpanContextValid(sc) ? [{ context: sc }] : [];
  });

/** The code an error ended a span with: an AppError's code, else the error's class name. */
function outcomeOf(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code) ? code : ((err as Error)?.name ?? 'Error');
}

/**
 * Runs fn inside a span (active for everything fn awaits), ended when fn settles, with the request
 * id and the outcome. The error's message is not recorded: it may echo the input.
 */
export function inSpan<T>(name: string, opts: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  if (!enabled) return fn(NO_SPAN);
  const parent = opts.parent ?? context.active();
  const requestId = opts.requestId ?? (parent.getValue(REQUEST_ID_KEY) as string | undefined);
  const attributes: Attributes = { ...opts.attributes };
  if (requestId) attributes[REQUEST_ID_ATTRIBUTE] = requestId;
  const span = tracer.startSpan(
    name,
    { kind: opts.kind ?? SpanKind.INTERNAL, attributes, links: linksOf(opts.links) },
    parent,
  );
  const active = trace.setSpan(requestId ? parent.setValue(REQUEST_ID_KEY, requestId) : parent, span);
  return context.with(active, async () => {
    try {
      const out = await fn(span);
      span.setAttribute(OUTCOME_ATTRIBUTE, 'ok');
      return out;
    } catch (err) {
      const outcome = outcomeOf(err);
      span.setAttribute(OUTCOME_ATTRIBUTE, outcome);
      span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** A span started here and ended by the caller (an HTTP request's, ended when its response is sent). */
export function startSpan(name: string, opts: SpanOptions): { span: Span; context: Context } {
  const parent = opts.parent ?? context.active();
  const attributes: Attributes = { ...opts.attributes };
  if (opts.requestId) attributes[REQUEST_ID_ATTRIBUTE] = opts.requestId;
  const span = tracer.startSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes }, parent);
  const ctx = trace.setSpan(opts.requestId ? parent.setValue(REQUEST_ID_KEY, opts.requestId) : parent, span);
  return { span, context: ctx };
}

/** The context carried by incoming headers (traceparent, tracestate); the active one when none. */
export function extractTraceContext(headers: Record<string, string | string[] | undefined>): Context {
  return propagation.extract(context.active(), headers);
}

/** Writes the active span's traceparent (and tracestate) into outgoing headers. */
export function injectTraceContext(headers: Record<string, string>): void {
  if (enabled) propagation.inject(context.active(), headers);
}

/** No parent: work that starts a trace of its own (a batch job). */
export const ROOT_TRACE_CONTEXT: Context = ROOT_CONTEXT;

/** The active context, to resume later work (a queued batch) under it. */
export const activeContext = (): Context => context.active();

/** Runs fn with ctx active (a handler under its request's span). */
export const withContext = <A extends unknown[], R>(
  ctx: Context,
  fn: (...args: A) => R,
  thisArg: unknown,
  ...args: A
): R => context.with(ctx, fn, thisArg, ...args);

/** W3C trace-context level 2 `traceresponse` value of a span: which trace the caller's request joined. */
export function traceResponseOf(span: Span): string | undefined {
  const c = span.spanContext();
  if (!trace.isSpanContextValid(c)) return undefined;
  return `00-${c.traceId}-${c.spanId}-${(c.traceFlags & 1).toString(16).padStart(2, '0')}`;
}

export type { Context as TraceContext, Span };
