import { describe, expect, it } from 'vitest';
import { ConfigError } from './env.ts';
import { createServiceApp } from './http.ts';
import { createLogger } from './logger.ts';
import {
  injectTraceContext,
  inSpan,
  startTracing,
  tracesEndpoint,
  tracingEnabled,
  type TracingEnv,
} from './tracing.ts';

const env = (over: Partial<TracingEnv>): TracingEnv => ({
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_TRACES_SAMPLER: 'parentbased_always_on',
  OTEL_TRACES_SAMPLER_ARG: 1,
  OTEL_SDK_DISABLED: false,
  ...over,
});

describe('tracing configuration', () => {
  it('is off without an endpoint: no span, no traceparent sent, no trace header served', async () => {
    const tracing = await startTracing('govshare-test', {});
    expect(tracing.endpoint).toBeUndefined();
    expect(tracing.serviceName).toBe('govshare-test');
    expect(tracingEnabled()).toBe(false);
    const recording = await inSpan('x', { requestId: 'r1' }, async (span) => span.isRecording());
    expect(recording).toBe(false);
    const headers: Record<string, string> = {};
    injectTraceContext(headers);
    expect(headers).toEqual({});
    const app = createServiceApp({ logger: createLogger('test', 'silent') });
    app.get('/x', async () => ({ ok: true }));
    const res = await app.inject({ url: '/x', headers: { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers.traceresponse).toBeUndefined();
    await app.close();
    await tracing.shutdown();
  });

  it('names the variable and the rule of a bad setting', async () => {
    for (const [name, value] of [
      ['OTEL_EXPORTER_OTLP_ENDPOINT', 'localhost:4318'],
      ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'collector/v1/traces'],
      ['OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc'],
      ['OTEL_TRACES_SAMPLER', 'sometimes'],
      ['OTEL_TRACES_SAMPLER_ARG', '2'],
    ]) {
      const err = await startTracing('govshare-test', { [name!]: value }).catch((e) => e);
      expect(err, name).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.join('\n')).toContain(`${name}=${JSON.stringify(value)}`);
    }
  });

  it('sends traces to <endpoint>/v1/traces, or to the traces endpoint as given', () => {
    expect(tracesEndpoint(env({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/' }))).toBe(
      'http://127.0.0.1:4318/v1/traces',
    );
    expect(
      tracesEndpoint(
        env({
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/otlp/traces',
        }),
      ),
    ).toBe('https://b/otlp/traces');
    expect(
      tracesEndpoint(env({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_SDK_DISABLED: true })),
    ).toBeUndefined();
    expect(tracesEndpoint(env({}))).toBeUndefined();
  });
});
