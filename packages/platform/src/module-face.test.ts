import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from './errors.ts';
import { createServiceApp } from './http.ts';
import { createLogger } from './logger.ts';
import {
  byteStream,
  type ByteStream,
  type CallContext,
  type FaceSpec,
  localFace,
  readAll,
  remoteFace,
  serveFace,
} from './module-face.ts';
import { createServiceClient } from './service-client.ts';
import {
  createServiceTokenSigner,
  createServiceTokenVerifier,
  generateEd25519,
  QUALITY_CALLER,
} from './service-token.ts';

// A small module: what its functions do matters less than that both topologies agree on it.
interface EchoFace {
  add(input: { a: number; b: number }, ctx: CallContext): Promise<{ sum: number; who: string | null }>;
  fail(input: { code: 'NOT_FOUND' | 'CONFLICT' }, ctx: CallContext): Promise<never>;
  upper(input: { prefix: string; upload: ByteStream }, ctx: CallContext): Promise<{ text: string }>;
  lines(input: { n: number }, ctx: CallContext): Promise<ByteStream>;
}
const spec: FaceSpec<EchoFace> = {
  add: {
    input: {
      type: 'object',
      required: ['a', 'b'],
      additionalProperties: false,
      properties: { a: { type: 'integer' }, b: { type: 'integer', maximum: 1000 } },
    },
    output: { type: 'object', required: ['sum'], properties: { sum: { type: 'integer' } } },
  },
  fail: { input: { type: 'object', required: ['code'], properties: { code: { enum: ['NOT_FOUND', 'CONFLICT'] } } } },
  upper: {
    stream: 'upload',
    input: { type: 'object', required: ['prefix'], properties: { prefix: { type: 'string', maxLength: 5 } } },
  },
  lines: { stream: 'download', input: { type: 'object', properties: { n: { type: 'integer', minimum: 0 } } } },
};
const impl: EchoFace = {
  add: async ({ a, b }, ctx) => ({ sum: a + b, who: ctx.caller ? `${ctx.caller.sub}@${ctx.caller.dept}` : null }),
  fail: async ({ code }) => {
    throw new AppError(code, `failed with ${code}`, { rule: 'test' });
  },
  upper: async ({ prefix, upload }) => ({ text: prefix + (await readAll(upload.body)).toUpperCase() }),
  lines: async ({ n }) =>
    byteStream(
      'application/x-ndjson',
      (function* () {
        for (let i = 0; i < n; i++) yield `${JSON.stringify({ i })}\n`;
      })(),
    ),
};

const outcome = (p: Promise<unknown>) =>
  p.then(
    (value) => ({ value }),
    (e) => ({ error: { code: (e as AppError).code, message: (e as Error).message } }),
  );

describe('module faces: the same functions, results and errors in-process and over HTTP', () => {
  const local = localFace(spec, impl);
  let remote: EchoFace;
  let asQuality: EchoFace;
  let close: () => Promise<void>;
  const ctx: CallContext = { requestId: 'req-1', caller: { sub: 'li', dept: 'MCA', roles: ['consumer'] } };

  beforeAll(async () => {
    const gateway = await generateEd25519('gw');
    const quality = await generateEd25519('q');
    const app = createServiceApp({
      logger: createLogger('t', 'silent'),
      verifyServiceToken: createServiceTokenVerifier(
        [
          { publicJwk: gateway.publicJwk, issuer: 'govshare-gateway' },
          { publicJwk: quality.publicJwk, issuer: QUALITY_CALLER.issuer },
        ],
        'echo',
      ),
    });
    serveFace(app, spec, local);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    const client = (jwk: typeof gateway.privateJwk, caller?: typeof QUALITY_CALLER) =>
      createServiceClient({
        service: 'echo',
        baseUrl: `http://127.0.0.1:${port}`,
        signer: createServiceTokenSigner(jwk, caller),
      });
    const gw = client(gateway.privateJwk);
    const q = client(quality.privateJwk, QUALITY_CALLER);
    remote = remoteFace(spec, gw);
    asQuality = remoteFace(spec, q);
    close = async () => {
      await Promise.all([gw.close(), q.close()]);
      await app.close();
    };
  });
  afterAll(() => close());

  it('agree on every input, valid or not (checked against the spec on both sides)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ a: fc.oneof(fc.integer(), fc.double(), fc.string()), b: fc.integer({ min: 990, max: 1010 }) }),
        async (input) => {
          const here = await outcome(local.add(input as never, ctx));
          const there = await outcome(remote.add(input as never, ctx));
          expect(there).toEqual(here);
          if (Number.isInteger(input.a) && input.b <= 1000)
            expect(here).toEqual({ value: { sum: (input.a as number) + input.b, who: 'li@MCA' } });
          else expect((here as { error: { code: string } }).error.code).toBe('BAD_USER_INPUT');
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keep error codes and messages', async () => {
    for (const code of ['NOT_FOUND', 'CONFLICT'] as const)
      expect(await outcome(remote.fail({ code }, ctx))).toEqual(await outcome(local.fail({ code }, ctx)));
  });

  it('stream uploads and downloads', async () => {
    const upload = () => ({ contentType: 'text/plain', body: Readable.from(['ab', 'c']) });
    expect(await remote.upper({ prefix: '>', upload: upload() }, ctx)).toEqual({ text: '>ABC' });
    expect((await outcome(remote.upper({ prefix: 'toolong', upload: upload() }, ctx))) as unknown).toEqual(
      await outcome(local.upper({ prefix: 'toolong', upload: upload() }, ctx)),
    );
    const there = await remote.lines({ n: 3 }, ctx);
    expect(there.contentType).toContain('application/x-ndjson');
    expect(await readAll(there.body)).toBe(await readAll((await local.lines({ n: 3 }, ctx)).body));
  });

  it('take the end caller only from the gateway: another service speaks for itself', async () => {
    expect((await asQuality.add({ a: 1, b: 2 }, ctx)).who).toBeNull();
    expect((await remote.add({ a: 1, b: 2 }, { requestId: 'r' })).who).toBeNull();
  });
});
