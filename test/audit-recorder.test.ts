// The gateway's audit recorder against a real audit module, in process and over HTTP: one event the
// audit log refuses as invalid fails only its own caller, not the others coalesced into the same call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  createLogger,
  createServiceClient,
  createServiceTokenSigner,
  generateEd25519,
  remoteFace,
  type ServiceClient,
} from '@govshare/platform';
import { auditFaceSpec, startAudit, type AuditFace, type StartedAudit } from '@govshare/audit';
import type { AuditEvent } from '@govshare/contracts';
import { createAuditRecorder } from '../gateway/src/audit-recorder.ts';
import { backends } from './hub.ts';

describe.each(backends())('audit recorder: one invalid event among coalesced ones (%s)', (backend) => {
  let audit: StartedAudit;
  let keys: Awaited<ReturnType<typeof generateEd25519>>;
  let client: ServiceClient;
  beforeAll(async () => {
    keys = await generateEd25519('svc-test');
    audit = await startAudit({
      databaseUrl: backend === 'postgres' ? process.env.GOVSHARE_TEST_DATABASE_URL : undefined,
      dataDir: ':memory:',
      schemaPrefix: `t${process.pid}_${randomBytes(3).toString('hex')}`,
      servicePublicJwk: keys.publicJwk,
      port: 0,
      logger: createLogger('t', 'silent'),
    });
    client = createServiceClient({
      service: 'audit',
      baseUrl: audit.url,
      signer: createServiceTokenSigner(keys.privateJwk),
    });
  });
  afterAll(async () => {
    await client?.close();
    await audit?.close();
    if (backend === 'postgres') await audit.service.database.drop?.();
  });

  const faces: [string, () => AuditFace][] = [
    ['over HTTP', () => remoteFace(auditFaceSpec, client)],
    ['in process', () => audit.face],
  ];
  it.each(faces)('fails only the invalid event; the others of its call are committed (%s)', async (_, face) => {
    const recorder = createAuditRecorder(face().append, createLogger('t', 'silent'));
    const event = (subjects: string[]): AuditEvent => ({
      id: randomUUID(),
      at: new Date().toISOString(),
      requestId: randomUUID(),
      actor: { sub: 'reader', dept: 'SAMR', roles: ['consumer'] },
      action: 'records.read',
      outcome: 'allowed',
      subjects,
    });
    // The first call goes out alone; the next 20 (the invalid one among them) are coalesced into one.
    const events = [
      event(['a']),
      ...Array.from({ length: 20 }, (_, i) => event(i === 9 ? ['x'.repeat(101)] : [`s${i}`])),
    ];
    const before = audit.service.log.size;
    const settled = await Promise.allSettled(events.map((e) => recorder.record(e)));
    expect(settled.map((s) => s.status)).toEqual(events.map((_, i) => (i === 10 ? 'rejected' : 'fulfilled')));
    expect(audit.service.log.size - before).toBe(20);
  });
});
