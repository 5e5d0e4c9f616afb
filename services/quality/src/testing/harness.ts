// Test harness: a quality service on PGlite (always) or Postgres (GOVSHARE_TEST_DATABASE_URL), fed by a memory source.
import { randomBytes } from 'node:crypto';
import { createLogger, createServiceTokenSigner, generateEd25519, openDatabase } from '@govshare/platform';
import { startQuality } from '../index.ts';
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
  const signer = createServiceTokenSigner(keys.privateJwk);
  async function call(method: string, path: string, body?: unknown, aud = 'quality') {
    const res = await fetch(started.url + path, {
      method,
      headers: {
        authorization: `Bearer ${await signer.tokenFor(aud)}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as any };
  }
  async function waitRun(id: string) {
    for (let i = 0; i < 1200; i++) {
      const r = await call('GET', `/runs/${id}`);
      if (r.body.run.status === 'succeeded' || r.body.run.status === 'failed') return r.body.run;
      await new Promise((res) => setTimeout(res, 25));
    }
    throw new Error('run did not finish');
  }
  return {
    ...started,
    maskKey,
    call,
    waitRun,
    close: async () => {
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
