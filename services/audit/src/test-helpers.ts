// Shared by this service's tests: a real audit service on a real port, called through its remote
// face (the gateway's client) with real service tokens, or by raw HTTP for what only HTTP shows.
import { randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import {
  createLogger,
  createServiceClient,
  createServiceTokenSigner,
  generateEd25519,
  openDatabase,
  readAll,
  remoteFace,
  type ByteStream,
  type CallContext,
  type KeyPairJwk,
} from '@govshare/platform';
import type { AuditEvent } from '@govshare/contracts';
import { startAudit, type StartAuditOptions, type StartedAudit } from './index.ts';
import { migrationsFolder } from './app.ts';
import { auditFaceSpec, type AuditFace } from './face.ts';
import { tables } from './schema.ts';

/** The call context of the tests' calls (the hub's own calls carry no caller). */
export const ctx: CallContext = { requestId: 'audit-test' };

/** A download's whole text. */
export const text = async (download: Promise<ByteStream>): Promise<string> => readAll((await download).body);

export type Backend = 'pglite' | 'postgres';
export const backends = (): Backend[] => (process.env.GOVSHARE_TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite']);

export interface TestAudit extends StartedAudit {
  backend: Backend;
  gatewayKeys: KeyPairJwk;
  token(aud?: string): Promise<string>;
  /** The face as the gateway calls it: over HTTP (POST /rpc/<name>) with the gateway's service token. */
  remote: AuditFace;
  /** Raw HTTP, for what only HTTP shows (status codes, service tokens). */
  call(
    method: string,
    path: string,
    body?: unknown,
    token?: string | null,
  ): Promise<{ status: number; body: any; text: string }>;
  /** Closes and (Postgres) drops the schema. */
  stop(): Promise<void>;
  options: StartAuditOptions;
}

export function uniquePrefix(): string {
  return `t${process.pid}_${Date.now().toString(36)}_${randomBytes(2).toString('hex')}`;
}

export async function startTestAudit(
  backend: Backend,
  extra: Partial<StartAuditOptions> & { gatewayKeys?: KeyPairJwk } = {},
): Promise<TestAudit> {
  const gatewayKeys = extra.gatewayKeys ?? (await generateEd25519('svc-test'));
  const options: StartAuditOptions = {
    databaseUrl: backend === 'postgres' ? process.env.GOVSHARE_TEST_DATABASE_URL : undefined,
    dataDir: ':memory:',
    schemaPrefix: uniquePrefix(),
    servicePublicJwk: gatewayKeys.publicJwk,
    host: '127.0.0.1',
    port: 0,
    logger: createLogger('audit-test', process.env.TEST_LOG_LEVEL ?? 'silent'),
    checkpointIntervalMs: 50,
    ...extra,
  };
  const started = await startAudit(options);
  const signer = createServiceTokenSigner(gatewayKeys.privateJwk);
  const token = (aud = 'audit') => signer.tokenFor(aud);
  const client = createServiceClient({ service: 'audit', baseUrl: started.url, signer });
  return {
    ...started,
    backend,
    gatewayKeys,
    options,
    token,
    remote: remoteFace(auditFaceSpec, client),
    async call(method, path, body, tok) {
      const headers: Record<string, string> = {};
      const t = tok === undefined ? await token() : tok;
      if (t) headers.authorization = `Bearer ${t}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(started.url + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: any;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: res.status, body: parsed, text };
    },
    async stop() {
      await client.close();
      await started.close();
      await dropSchema(options);
    },
  };
}

export async function dropSchema(options: Pick<StartAuditOptions, 'databaseUrl' | 'schemaPrefix'>): Promise<void> {
  if (!options.databaseUrl) return;
  const db = await openDatabase({
    service: 'audit',
    tables,
    migrationsFolder,
    databaseUrl: options.databaseUrl,
    schemaPrefix: options.schemaPrefix,
    poolSize: 1,
  });
  await db.drop();
  await db.close();
}

let counter = 0;
export function makeEvent(over: Partial<AuditEvent> = {}): AuditEvent {
  counter++;
  return {
    id: randomUUID(),
    at: new Date().toISOString(),
    requestId: `req-${counter}`,
    actor: { sub: 'alice', dept: 'SAMR', roles: ['consumer'] },
    action: 'records.read',
    dataset: 'legal-persons',
    outcome: 'allowed',
    recordCount: 10,
    ...over,
  };
}

/** `node --import tsx src/main.ts`: node itself with tsx as a loader, so the child IS the service and SIGKILL kills it (the tsx CLI would be a wrapper whose child survives its death). */
export const auditServiceCommand: [string, string[]] = [
  process.execPath,
  [
    '--import',
    createRequire(join(resolve(import.meta.dirname, '../../..'), 'package.json')).resolve('tsx'),
    join(import.meta.dirname, 'main.ts'),
  ],
];

/** A port free on 127.0.0.1 now (for a service whose URL must be known before it starts). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
    s.on('error', rej);
  });
}
