// A module's face: the plain functions other modules may call, each `(input, ctx) => Promise<output>`,
// described once by a spec (JSON Schemas of input and output). From that one description come the
// in-process face (input validated, then a direct call), the HTTP routes that serve a module when it
// runs remote, and the client that calls it there: the same function names, the same validation and
// the same errors in both topologies, and no URL written by hand.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { JWTPayload } from 'jose';
import { compileForHttp, describeErrors } from '@govshare/contracts';
import { AppError } from './errors.ts';
import type { ServiceClient } from './service-client.ts';
import { GATEWAY_CALLER } from './service-token.ts';
import { inSpan, SpanKind, tracingEnabled } from './tracing.ts';

/** The verified end user on whose behalf a module is asked (from the caller's token at the edge). */
export interface Principal {
  sub: string;
  dept: string;
  roles: string[];
}

export interface CallContext {
  /** Carried through every hop and log line. */
  requestId: string;
  /** The verified caller; absent for the hub's own calls (a relay, a sweep, a start-up job). */
  caller?: Principal;
}

/** A byte stream with its media type: an upload's body, a download's reply. */
export interface ByteStream {
  contentType: string;
  body: Readable;
}

export interface OpSpec {
  /** JSON Schema of the input; may $ref any contract. Checked in both topologies. */
  input?: object;
  /** JSON Schema of the output; checked on receipt when the module is remote. */
  output?: object;
  /** 'upload': the input's `upload` is a ByteStream sent as the body; 'download': the output is a ByteStream. */
  stream?: 'upload' | 'download';
}

// biome-ignore lint/suspicious/noExplicitAny: a face's inputs and outputs are each op's own types
export type Operation = (input: any, ctx: CallContext) => Promise<any>;
export type FaceShape<F> = { [K in keyof F]: Operation };
/** One spec per function of the face, no more and no fewer. */
export type FaceSpec<F> = { readonly [K in keyof F]-?: OpSpec };

export const CALLER_HEADER = 'x-govshare-caller';
const INPUT_HEADER = 'x-govshare-input';
export const RPC_PREFIX = '/rpc/';

const validators = new WeakMap<object, (data: unknown) => void>();
/** Compiles a spec's schema once; the returned check throws BAD_USER_INPUT naming the path and the rule. */
function checkerFor(schema: object, what: string, code: 'BAD_USER_INPUT' | 'INTERNAL_SERVER_ERROR') {
  let check = validators.get(schema);
  if (!check) {
    const validate = compileForHttp(schema, 'body');
    check = (data) => {
      if (validate(data)) return;
      const details = (validate.errors ?? []).map((e) => ({
        path: `${what}${e.instancePath}`,
        rule: e.keyword,
        message: e.message,
      }));
      throw new AppError(code, `${what}: ${describeErrors(validate.errors)}`, details);
    };
    validators.set(schema, check);
  }
  return check;
}

const withoutUpload = (input: Record<string, unknown>) => {
  const { upload: _u, ...rest } = input;
  return rest;
};

/**
 * A span around each call of a face when tracing is on: `<module>.<op>`, with the request id, the
 * caller's department and the outcome (no input: it holds filters and record values). Off, the
 * function itself is returned.
 */
function traced(module: string, name: string, kind: SpanKind, fn: Operation): Operation {
  return (input, ctx) =>
    tracingEnabled()
      ? inSpan(
          `${module}.${name}`,
          {
            kind,
            requestId: ctx.requestId,
            attributes: {
              'govshare.module': module,
              'govshare.operation': name,
              ...(ctx.caller ? { 'govshare.dept': ctx.caller.dept } : {}),
            },
          },
          () => fn(input, ctx),
        )
      : fn(input, ctx);
}

/**
 * The in-process face: each call's input is checked against its spec, then the function runs.
 * `module` names its spans (`catalog.queryRecords`).
 */
export function localFace<F extends FaceShape<F>>(spec: FaceSpec<F>, impl: F, module = 'module'): F {
  const face = {} as Record<string, Operation>;
  for (const name of Object.keys(spec) as (keyof F & string)[]) {
    const op = spec[name];
    const fn = impl[name] as Operation;
    if (typeof fn !== 'function') throw new Error(`face: no function for "${name}"`);
    const check = op.input ? checkerFor(op.input, 'input', 'BAD_USER_INPUT') : undefined;
    // async: a refused input is a rejected promise, as it is over HTTP, never a synchronous throw.
    const call: Operation = check
      ? async (input, ctx) => {
          check(op.stream === 'upload' ? withoutUpload(input ?? {}) : (input ?? {}));
          return fn(input ?? {}, ctx);
        }
      : async (input, ctx) => fn(input ?? {}, ctx);
    face[name] = traced(module, name, SpanKind.INTERNAL, call);
  }
  return face as F;
}

/** The op a face route serves, from its URL (for least-privilege rules per caller). */
export function rpcOperationOf(url: string): string | undefined {
  if (!url.startsWith(RPC_PREFIX)) return undefined;
  return url.slice(RPC_PREFIX.length).split('?')[0];
}

function principalFrom(req: FastifyRequest): Principal | undefined {
  const raw = req.headers[CALLER_HEADER];
  // Only the gateway speaks for end users; any other service's call is its own.
  const token = (req as FastifyRequest & { serviceCaller?: JWTPayload }).serviceCaller;
  if (typeof raw !== 'string' || token?.iss !== GATEWAY_CALLER.issuer) return undefined;
  try {
    const p = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (typeof p?.sub === 'string' && typeof p?.dept === 'string' && Array.isArray(p?.roles))
      return { sub: p.sub, dept: p.dept, roles: p.roles.map(String) };
  } catch {}
  throw new AppError('BAD_USER_INPUT', `${CALLER_HEADER}: must be base64url JSON { sub, dept, roles }`);
}

/**
 * Serves a face over HTTP: POST /rpc/<name> per function, JSON in and out (uploads: the body is the
 * stream and the other inputs travel in a header; downloads: the reply is the stream). The app is a
 * createServiceApp, whose service-token check runs before any of these routes.
 */
export function serveFace<F extends FaceShape<F>>(app: FastifyInstance, spec: FaceSpec<F>, face: F): void {
  const ctxOf = (req: FastifyRequest): CallContext => ({ requestId: req.id, caller: principalFrom(req) });
  const uploads: (keyof F & string)[] = [];
  for (const name of Object.keys(spec) as (keyof F & string)[]) {
    const op = spec[name];
    const fn = face[name] as Operation;
    if (op.stream === 'upload') {
      uploads.push(name);
      continue;
    }
    app.post(RPC_PREFIX + name, async (req, reply) => {
      const out = await fn(req.body ?? {}, ctxOf(req));
      if (op.stream === 'download') {
        const { contentType, body } = out as ByteStream;
        body.on('error', (err) => req.log.error({ err }, `${name}: stream failed midway`));
        return reply.type(contentType).send(body);
      }
      return reply.send(out === undefined ? null : out);
    });
  }
  if (uploads.length === 0) return;
  // Upload bodies reach the handler as the raw request stream, whatever their type.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    for (const name of uploads) {
      const fn = face[name] as Operation;
      scope.post(RPC_PREFIX + name, async (req) => {
        let params: Record<string, unknown> = {};
        const raw = req.headers[INPUT_HEADER];
        if (typeof raw === 'string') {
          try {
            params = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
          } catch {
            throw new AppError('BAD_USER_INPUT', `${INPUT_HEADER}: must be base64url JSON`);
          }
        }
        const upload: ByteStream = {
          contentType: String(req.headers['content-type'] ?? 'application/octet-stream'),
          body: req.body as Readable,
        };
        return (await fn({ ...params, upload }, ctxOf(req))) ?? null;
      });
    }
  });
}

/** A face whose functions call the module where it runs, over HTTP, with the client's service token. */
export function remoteFace<F extends FaceShape<F>>(spec: FaceSpec<F>, client: ServiceClient): F {
  const face = {} as Record<string, Operation>;
  const headersOf = (ctx: CallContext) =>
    ctx.caller ? { [CALLER_HEADER]: Buffer.from(JSON.stringify(ctx.caller)).toString('base64url') } : undefined;
  for (const name of Object.keys(spec) as (keyof F & string)[]) {
    const op = spec[name];
    const path = RPC_PREFIX + name;
    const checkOut = op.output ? checkerFor(op.output, `${name} reply`, 'INTERNAL_SERVER_ERROR') : undefined;
    if (op.stream === 'download') {
      face[name] = (input, ctx) =>
        client.stream({ method: 'POST', path, requestId: ctx.requestId, body: input ?? {}, headers: headersOf(ctx) });
    } else if (op.stream === 'upload') {
      face[name] = async (input, ctx) => {
        const { upload, ...params } = input as { upload: ByteStream };
        const out = await client.call({
          method: 'POST',
          path,
          requestId: ctx.requestId,
          raw: { body: upload.body, contentType: upload.contentType },
          headers: { ...headersOf(ctx), [INPUT_HEADER]: Buffer.from(JSON.stringify(params)).toString('base64url') },
        });
        checkOut?.(out);
        return out;
      };
    } else {
      face[name] = async (input, ctx) => {
        const out = await client.call({
          method: 'POST',
          path,
          requestId: ctx.requestId,
          body: input ?? {},
          headers: headersOf(ctx),
        });
        checkOut?.(out);
        return out === null ? undefined : out;
      };
    }
    // A client span: the service client sends its traceparent, the module's server span is its child.
    face[name] = traced(client.service, name, SpanKind.CLIENT, face[name]!);
  }
  return face as F;
}

/** Reads a whole byte stream (a download) as text; for tests and small exports. */
export async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString('utf8');
}

/** A byte stream from text or an async iterable of chunks (what an in-process download returns). */
export const byteStream = (contentType: string, source: Iterable<unknown> | AsyncIterable<unknown>): ByteStream => ({
  contentType,
  body: Readable.from(source as AsyncIterable<unknown>),
});
