// Test harness: a quality service on PGlite (always) or Postgres (GOVSHARE_TEST_DATABASE_URL), fed by a memory source.
import { randomBytes, randomUUID } from 'node:crypto';
import {
  AppError,
  createLogger,
  createServiceClient,
  createServiceTokenSigner,
  generateEd25519,
  openDatabase,
  remoteFace,
  type CallContext,
} from '@govshare/platform';
import { startQuality } from '../index.ts';
import { qualityFaceSpec, type QualityFace } from '../face.ts';
import { migrationsFolder } from '../app.ts';
import { tables } from '../schema.ts';
import type { RecordSource } from '../source.ts';

export const backends: { name: string; databaseUrl?: string }[] = [
  { name: 'pglite' },
  ...(process.env.GOVSHARE_TEST_DATABASE_URL
    ? [{ name: 'postgres', databaseUrl: process.env.GOVSHARE_TEST_DATABASE_URL }]
    : []),
];

/**
 * A test's clock: starts at `iso` and runs at the real pace (so runs, publications and appeals made
 * one after another get times in that order); `set` moves it to another instant.
 */
export function testClock(iso: string): (() => Date) & { set(iso: string): void } {
  let base = Date.parse(iso);
  let startedAt = performance.now();
  const clock = () => new Date(base + Math.floor(performance.now() - startedAt));
  return Object.assign(clock, {
    set(next: string) {
      base = Date.parse(next);
      startedAt = performance.now();
    },
  });
}

/** A call on behalf of a verified end caller (as the gateway makes them). */
export const as = (sub: string, dept: string, roles: string[] = ['steward']): CallContext => ({
  requestId: randomUUID(),
  caller: { sub, dept, roles },
});
/** A call the hub makes for itself: no end caller. */
export const hubCall = (): CallContext => ({ requestId: randomUUID() });

/** The AppError a call is refused with (fails the test when the call succeeds or throws anything else). */
export async function refusal(call: Promise<unknown>): Promise<AppError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected the call to be refused');
}

export const uniquePrefix = () => `t_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;

export async function startTestQuality(opts: {
  databaseUrl?: string;
  source: RecordSource;
  now?: () => Date;
  debounceMs?: number;
  maskKey?: Uint8Array;
}) {
  const keys = await generateEd25519('test-service');
  const maskKey = opts.maskKey ?? randomBytes(32);
  const schemaPrefix = uniquePrefix();
  const logger = createLogger('quality', 'silent');
  const started = await startQuality({
    dataDir: ':memory:',
    databaseUrl: opts.databaseUrl,
    schemaPrefix,
    servicePublicJwk: keys.publicJwk,
    source: opts.source,
    logger,
    debounceMs: opts.debounceMs ?? 50,
    now: opts.now,
    maskKey,
  });
  // The quality service as the gateway calls it when it runs as its own process: over HTTP, with
  // the gateway's service token.
  const client = createServiceClient({
    service: 'quality',
    baseUrl: started.url,
    signer: createServiceTokenSigner(keys.privateJwk),
  });
  const remote = remoteFace(qualityFaceSpec, client);
  async function waitRun(id: string, face: QualityFace = started.quality.face) {
    for (let i = 0; i < 1200; i++) {
      const { run } = await face.getRun({ id }, hubCall());
      if (run.status === 'succeeded' || run.status === 'failed') return run;
      await new Promise((res) => setTimeout(res, 25));
    }
    throw new Error('run did not finish');
  }
  return {
    ...started,
    /** The module's face in this process. */
    face: started.quality.face,
    /** The same face served by the quality service and called over HTTP (serveFace, remoteFace). */
    remote,
    /** The gateway's service-signing key (the only one the service trusts). */
    gatewayKeys: keys,
    maskKey,
    waitRun,
    close: async () => {
      await client.close();
      await started.close();
      if (opts.databaseUrl) {
        const d = await openDatabase({
          service: 'quality',
          tables,
          migrationsFolder,
          databaseUrl: opts.databaseUrl,
          schemaPrefix,
        });
        await d.drop();
        await d.close();
      }
    },
  };
}
