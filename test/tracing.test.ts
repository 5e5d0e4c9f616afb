// Traces through every module, local or remote: a department's app sends a W3C traceparent with a
// read; the hub's spans (exported over OTLP/HTTP JSON to a receiver started here) continue the
// caller's trace, nest gateway -> GraphQL operation -> catalog face -> records query and -> audit
// append -> commit (across HTTP in the split topology), carry the response's request id, and hold
// no record value nor subject identifier. Once with a real child process (the audit service) to
// prove the traceparent crosses processes and that its shutdown flushes its spans.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditFaceSpec } from '@govshare/audit';
import {
  createServiceClient,
  createServiceTokenSigner,
  inSpan,
  loadServiceSigningKeys,
  REQUEST_ID_ATTRIBUTE,
  remoteFace,
  SpanKind,
  startTracing,
  type Tracing,
} from '@govshare/platform';
import { freePort, type HubSetup, startHub } from './hub.ts';

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}
// OTLP's SpanKind numbers (SPAN_KIND_INTERNAL = 1, ...).
const KIND = { internal: 1, server: 2, client: 3 };

const otlpValue = (v: any): unknown =>
  v?.stringValue ??
  (v?.intValue !== undefined ? Number(v.intValue) : undefined) ??
  v?.doubleValue ??
  v?.boolValue ??
  v?.arrayValue?.values?.map(otlpValue);
const attributesOf = (list: any[] | undefined) =>
  Object.fromEntries((list ?? []).map((a: any) => [a.key, otlpValue(a.value)]));

/** A minimal OTLP/HTTP JSON traces receiver: POST /v1/traces, spans kept in arrival order. */
async function startReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; server: Server }> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.url !== '/v1/traces' || !String(req.headers['content-type']).startsWith('application/json')) {
        res.writeHead(415).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const rs of body.resourceSpans ?? []) {
        const service = String(attributesOf(rs.resource?.attributes)['service.name']);
        for (const ss of rs.scopeSpans ?? [])
          for (const s of ss.spans ?? [])
            spans.push({
              service,
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId || undefined,
              name: s.name,
              kind: s.kind,
              attributes: attributesOf(s.attributes),
            });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, spans, server };
}

/** Polls until `probe` answers (flushing this process's spans each time); the test timeout is the cap. */
async function until<T>(probe: () => T | undefined, flush: () => Promise<void>): Promise<T> {
  for (;;) {
    await flush();
    const found = probe();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** Every string a span exports (name and attribute values), to search for what must not be there. */
const exported = (spans: ReceivedSpan[]) =>
  spans
    .flatMap((s) => [s.name, ...Object.values(s.attributes).flatMap((v) => (Array.isArray(v) ? v : [v]))])
    .map(String);

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let tracing: Tracing;
beforeAll(async () => {
  receiver = await startReceiver();
  // The in-process hubs export from this process (as `govshare-test`); the child exports on its own.
  tracing = await startTracing('govshare-test', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
});
afterAll(async () => {
  await tracing?.shutdown();
  await new Promise((r) => receiver?.server.close(r));
});

const LOOKUP = `query ResidentLookup($id: JSON!) {
  records(dataset: "resident-registry", where: { field: "idNumber", eq: $id }, first: 5) { nodes { key data } }
}`;

describe.each(['pglite', 'pglite split'] as HubSetup[])('traces (%s)', (setup) => {
  let hub: Awaited<ReturnType<typeof startHub>>;
  beforeAll(async () => {
    hub = await startHub(setup);
  });
  afterAll(async () => {
    await hub?.close();
  });

  it("continues the caller's traceparent through every module, each span with the request id and no record value", async () => {
    const owner = await hub.token('PSB', ['consumer'], { sub: 'psb-tracing-officer' });
    // Some records (their values and subject ids are what must not be exported), read untraced.
    const sample = await hub.gql(owner, '{ records(dataset: "resident-registry", first: 3) { nodes { data } } }');
    const rows = sample.body.data.records.nodes.map((n: any) => n.data as Record<string, unknown>);
    const subjectId = String(rows[0].idNumber);

    const traceId = hex(16);
    const callerSpanId = hex(8);
    const res = await fetch(`${hub.gatewayUrl}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        authorization: `Bearer ${owner}`,
        traceparent: `00-${traceId}-${callerSpanId}-01`,
      },
      body: JSON.stringify({ query: LOOKUP, variables: { id: subjectId } }),
    });
    const body = await res.json();
    expect(body.errors).toBeUndefined();
    expect(body.data.records.nodes).toHaveLength(1);
    const requestId = res.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    // The caller learns which trace its request joined (W3C trace-context level 2).
    expect(res.headers.get('traceresponse')).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

    const split = hub.topology === 'split';
    const inTrace = () => receiver.spans.filter((s) => s.traceId === traceId);
    const has = (name: string, kind: number) => inTrace().some((s) => s.name === name && s.kind === kind);
    // The last spans to end: the server span (after its response), the audit commit, and in split the remote ones.
    const spans = await until(
      () =>
        has('POST /graphql', KIND.server) &&
        has('audit.commit', KIND.internal) &&
        (!split || (has('POST /rpc/append', KIND.server) && has('POST /rpc/queryRecords', KIND.server)))
          ? inTrace()
          : undefined,
      tracing.forceFlush,
    );

    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const one = (name: string, kind: number) => {
      const found = spans.filter((s) => s.name === name && s.kind === kind);
      expect(found, `${name} (kind ${kind}) in ${spans.map((s) => `${s.name}/${s.kind}`).join(', ')}`).toHaveLength(1);
      return found[0]!;
    };
    const ancestorsOf = (s: ReceivedSpan) => {
      const chain: ReceivedSpan[] = [];
      for (let p = s.parentSpanId && byId.get(s.parentSpanId); p; p = p.parentSpanId && byId.get(p.parentSpanId))
        chain.push(p);
      return chain;
    };
    const childOf = (child: ReceivedSpan, parent: ReceivedSpan) => expect(child.parentSpanId).toBe(parent.spanId);
    const under = (child: ReceivedSpan, ancestor: ReceivedSpan) => expect(ancestorsOf(child)).toContain(ancestor);

    // gateway: the server span continues the caller's span; the operation is its child.
    const server = one('POST /graphql', KIND.server);
    expect(server.parentSpanId).toBe(callerSpanId);
    expect(server.attributes['http.response.status_code']).toBe(200);
    const operation = one('query ResidentLookup', KIND.internal);
    childOf(operation, server);
    expect(operation.attributes['graphql.operation.name']).toBe('ResidentLookup');

    // catalog: the access decision and the page, then the records query itself.
    const facesKind = split ? KIND.client : KIND.internal;
    const access = one('catalog.datasetAccess', facesKind);
    const page = one('catalog.queryRecords', facesKind);
    const append = one('audit.append', facesKind);
    for (const face of [access, page, append]) under(face, operation);
    // The catalog is asked for the caller (its department is on the span); the audit append is the hub's own call.
    for (const face of [access, page]) expect(face.attributes['govshare.dept']).toBe('PSB');
    const query = one('catalog.db.queryRecords', KIND.internal);
    expect(query.attributes['govshare.dataset_id']).toBe('resident-registry');
    const commit = one('audit.commit', KIND.internal);
    if (split) {
      // Across HTTP: the module's server span is the child of the gateway's client span, and the
      // module's own face span is the child of its server span.
      for (const [client, route] of [
        [page, 'POST /rpc/queryRecords'],
        [append, 'POST /rpc/append'],
        [access, 'POST /rpc/datasetAccess'],
      ] as const) {
        const remote = one(route, KIND.server);
        childOf(remote, client);
        const local = one(client.name, KIND.internal);
        childOf(local, remote);
      }
      under(query, one('catalog.queryRecords', KIND.internal));
      under(commit, one('audit.append', KIND.internal));
    } else {
      under(query, page);
      under(commit, append);
    }
    expect(new Set(spans.map((s) => s.attributes['govshare.outcome']))).toEqual(new Set(['ok']));

    // The request id on every span of the trace is the one the response carries.
    for (const s of spans) expect(s.attributes[REQUEST_ID_ATTRIBUTE], s.name).toBe(requestId);
    // No record value, no subject id, in anything exported (every span received so far).
    const texts = exported(receiver.spans);
    const values = rows.flatMap((r: Record<string, unknown>) =>
      Object.values(r).filter(
        (v): v is string | number => typeof v === 'number' || (typeof v === 'string' && v.length >= 4),
      ),
    );
    expect(values).toContain(subjectId);
    for (const v of values)
      expect(
        texts.filter((t) => t.includes(String(v))),
        `value ${v}`,
      ).toEqual([]);
  });
});

describe('traces across processes (the audit service as its own process)', () => {
  const root = resolve(import.meta.dirname, '..');
  const tsxLoader = createRequire(join(root, 'package.json')).resolve('tsx');
  const dir = mkdtempSync(join(tmpdir(), 'govshare-tracing-'));
  let child: ChildProcess | undefined;
  let closeClient: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await closeClient?.();
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('the remote module joins the caller’s trace through traceparent, and flushes its spans on shutdown', async () => {
    const keys = await loadServiceSigningKeys(dir);
    const port = await freePort();
    let stderr = '';
    child = spawn(process.execPath, ['--import', tsxLoader, join(root, 'services/audit/src/main.ts')], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        GOVSHARE_DATA_DIR: dir,
        AUDIT_PORT: String(port),
        LOG_LEVEL: 'error',
        // No OTEL_SERVICE_NAME: the process's default name.
        OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.url}/`,
      },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child!.once('exit', r));
    await new Promise<void>((ok, fail) => {
      child!.on('message', (m: any) => m?.type === 'listening' && ok());
      void exited.then((code) => fail(new Error(`audit exited ${code} before listening: ${stderr}`)));
    });

    const client = createServiceClient({
      service: 'audit',
      baseUrl: `http://127.0.0.1:${port}`,
      signer: createServiceTokenSigner(keys.privateJwk),
    });
    closeClient = () => client.close();
    const audit = remoteFace(auditFaceSpec, client);
    const requestId = `tracing-${randomUUID()}`;
    const subject = '110101199003077777';
    const callerSpan = await inSpan('test.read', { requestId, kind: SpanKind.SERVER }, async (span) => {
      const ctx = { requestId, caller: { sub: 'psb-tracing-officer', dept: 'PSB', roles: ['consumer'] } };
      const event = {
        id: randomUUID(),
        at: new Date().toISOString(),
        requestId,
        actor: ctx.caller,
        action: 'records.read',
        dataset: 'resident-registry',
        outcome: 'allowed' as const,
        recordCount: 1,
        subjects: [subject],
      };
      const out = await audit.append({ events: [event] }, ctx);
      expect(out.accepted).toHaveLength(1);
      return span.spanContext();
    });

    // SIGTERM: the service closes, then its tracing shutdown exports what is left.
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const spans = await until(() => {
      const all = receiver.spans.filter((s) => s.traceId === callerSpan.traceId);
      return all.some((s) => s.service === 'govshare-audit' && s.name === 'audit.commit') ? all : undefined;
    }, tracing.forceFlush);

    const one = (service: string, name: string) => {
      const found = spans.filter((s) => s.service === service && s.name === name);
      expect(found, `${service} ${name}`).toHaveLength(1);
      return found[0]!;
    };
    const clientSpan = one('govshare-test', 'audit.append');
    expect(clientSpan.kind).toBe(KIND.client);
    expect(clientSpan.parentSpanId).toBe(callerSpan.spanId);
    const server = one('govshare-audit', 'POST /rpc/append');
    expect(server.kind).toBe(KIND.server);
    expect(server.parentSpanId).toBe(clientSpan.spanId);
    const local = one('govshare-audit', 'audit.append');
    expect(local.parentSpanId).toBe(server.spanId);
    expect(one('govshare-audit', 'audit.commit').parentSpanId).toBe(local.spanId);
    for (const s of spans) expect(s.attributes[REQUEST_ID_ATTRIBUTE], `${s.service} ${s.name}`).toBe(requestId);
    expect(exported(receiver.spans).filter((t) => t.includes(subject))).toEqual([]);
  });
});
