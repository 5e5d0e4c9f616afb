// The audit module's face in both topologies: in process (openAuditModule's face, a direct call) and
// remote (the service's serveFace routes, called by remoteFace over real HTTP with a real service
// token) give the same answers; only the gateway's token is served; and the gateway's recorder over
// an in-process append that never settles fails closed after its own timeout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AppError,
  createLogger,
  createServiceClient,
  createServiceTokenSigner,
  generateEd25519,
  QUALITY_CALLER,
  remoteFace,
  type KeyPairJwk,
  type ServiceClient,
} from '@govshare/platform';
import type { AuditEvent } from '@govshare/contracts';
import { createAuditRecorder, mayHaveBeenRecorded } from '../../../gateway/src/audit-recorder.ts';
import { openAuditModule, type AuditModule } from './app.ts';
import { auditFaceSpec, type AuditFace } from './face.ts';
import { queryPrepared } from './raw-sql.ts';
import { backends, ctx, dropSchema, makeEvent, startTestAudit, uniquePrefix, type TestAudit } from './test-helpers.ts';

const SUBJECT_KEY = 's'.repeat(40);
const logger = createLogger('audit-face-test', process.env.TEST_LOG_LEVEL ?? 'silent');

describe.each(backends())('the audit face, in process and over HTTP (%s)', (backend) => {
  const databaseUrl = backend === 'postgres' ? process.env.GOVSHARE_TEST_DATABASE_URL : undefined;
  const localPrefix = uniquePrefix();
  /** The module alone, no HTTP: its face is called directly. */
  let local: AuditModule;
  /** The same module as a service on a real port: its face reached through serveFace. */
  let served: TestAudit;
  let gatewayKeys: KeyPairJwk;
  let client: ServiceClient;
  let remote: AuditFace;
  beforeAll(async () => {
    gatewayKeys = await generateEd25519('svc-test');
    local = await openAuditModule({
      databaseUrl,
      dataDir: ':memory:',
      schemaPrefix: localPrefix,
      logger,
      subjectKey: SUBJECT_KEY,
      checkpointIntervalMs: 50,
    });
    served = await startTestAudit(backend, { gatewayKeys, subjectKey: SUBJECT_KEY });
    client = createServiceClient({
      service: 'audit',
      baseUrl: served.url,
      signer: createServiceTokenSigner(gatewayKeys.privateJwk),
    });
    remote = remoteFace(auditFaceSpec, client);
  });
  afterAll(async () => {
    await client?.close();
    await served?.stop();
    await local?.close();
    await dropSchema({ databaseUrl, schemaPrefix: localPrefix });
  });

  /** Calls the same function with the same input on both sides; each answer, or each error's code and message. */
  async function both<K extends keyof AuditFace>(name: K, input: Parameters<AuditFace[K]>[0]) {
    const settle = (face: AuditFace) =>
      (face[name] as (i: unknown, c: typeof ctx) => Promise<unknown>)(structuredClone(input), ctx).then(
        (value) => ({ value }),
        (err) => ({ error: { code: (err as AppError).code, message: (err as AppError).message } }),
      );
    return { inProcess: await settle(local.face), overHttp: await settle(remote) };
  }

  const events = (): AuditEvent[] => [
    makeEvent({ subjects: ['110101199003077777', '91110000MA00000001'] }),
    makeEvent({
      action: 'records.read',
      filter: { and: [{ field: 'residentId', op: 'eq', value: '110101199003077777', subject: true }] },
      actor: { sub: 'bob', dept: 'PSB', roles: ['consumer'], jti: 'j-1' },
    }),
    makeEvent({ outcome: 'denied', reason: 'no grant', errorCode: 'FORBIDDEN', recordCount: 0 }),
  ];

  it('an append and a search give the same result in process and over HTTP', async () => {
    // Both logs are fresh: the same events get the same seqs on each side.
    const first = events();
    const appended = await both('append', { events: first });
    expect(appended.inProcess).toEqual({ value: { accepted: first.map((e, seq) => ({ id: e.id, seq })) } });
    expect(appended.overHttp).toEqual(appended.inProcess);
    // A retry is answered with the stored seqs, on both sides.
    expect(await both('append', { events: [first[2]!, first[0]!] })).toEqual({
      inProcess: { value: { accepted: [first[2], first[0]].map((e) => ({ id: e!.id, seq: first.indexOf(e!) })) } },
      overHttp: { value: { accepted: [first[2], first[0]].map((e) => ({ id: e!.id, seq: first.indexOf(e!) })) } },
    });

    const found = await both('searchEvents', {});
    expect(found.overHttp).toEqual(found.inProcess);
    const page = (found.inProcess as { value: Awaited<ReturnType<AuditFace['searchEvents']>> }).value;
    expect(page.events.map((e) => e.id)).toEqual(first.map((e) => e.id).reverse());
    expect(page.events[2]).not.toHaveProperty('subjects');
    expect(page.events[2]!.subjectKeys).toHaveLength(2);
    const filtered = await both('searchEvents', { dept: 'PSB', first: 1, order: 'oldest' });
    expect(filtered.overHttp).toEqual(filtered.inProcess);
    expect((filtered.inProcess as any).value.events.map((e: any) => e.id)).toEqual([first[1]!.id]);
    const subject = await both('lookupSubject', { identifier: '110101199003077777' });
    expect(subject.overHttp).toEqual(subject.inProcess);
    expect((subject.inProcess as any).value.events).toHaveLength(2);
  });

  it('an invalid input is refused alike: the same code and message, nothing stored', async () => {
    const sizes = () => [local.log.size, served.service.log.size];
    const before = sizes();
    const noActor = await both('append', { events: [{ ...makeEvent(), actor: undefined as any }] });
    expect(noActor.inProcess).toEqual({ error: { code: 'BAD_USER_INPUT', message: expect.stringMatching(/actor/) } });
    expect(noActor.overHttp).toEqual(noActor.inProcess);
    // JSON inputs are not coerced from text, in process or over HTTP.
    const textPage = await both('searchEvents', { first: '2' as any });
    expect(textPage.inProcess).toMatchObject({ error: { code: 'BAD_USER_INPUT' } });
    expect(textPage.overHttp).toEqual(textPage.inProcess);
    expect(sizes()).toEqual(before);
  });

  it('one event the database refuses fails alone, alike: the others are committed and it is in `rejected`', async () => {
    const poison = (m: AuditModule['log']) =>
      (m.runStatement = (db, text, params) =>
        String(params[1]).includes('POISON')
          ? Promise.reject(Object.assign(new Error('invalid byte sequence'), { code: '22021' }))
          : queryPrepared(db, text, params));
    poison(local.log);
    poison(served.service.log);
    try {
      const good = makeEvent();
      const bad = makeEvent({ purpose: 'POISON' });
      const sizeBefore = local.log.size;
      expect(served.service.log.size).toBe(sizeBefore);
      const mixed = await both('append', { events: [good, bad] });
      expect(mixed.inProcess).toEqual({
        value: {
          accepted: [{ id: good.id, seq: sizeBefore }],
          rejected: [{ id: bad.id, code: 'BAD_USER_INPUT', message: expect.stringContaining(bad.id) }],
        },
      });
      expect(mixed.overHttp).toEqual(mixed.inProcess);
      // Nothing committed: the whole call fails, with the refusal.
      const alone = await both('append', { events: [makeEvent({ purpose: 'POISON' })] });
      expect(alone.inProcess).toMatchObject({ error: { code: 'BAD_USER_INPUT' } });
      expect(alone.overHttp).toEqual(alone.inProcess);
    } finally {
      local.log.runStatement = queryPrepared;
      served.service.log.runStatement = queryPrepared;
    }
  });

  it("serves only the gateway's service token: a token of another issuer is refused", async () => {
    const before = served.service.log.size;
    const otherKeys = await generateEd25519('quality-test');
    const signers = {
      // Another service, with its own key and issuer.
      otherService: createServiceTokenSigner(otherKeys.privateJwk, QUALITY_CALLER),
      // The gateway's key naming another issuer: one caller's key never speaks for another.
      otherIssuer: createServiceTokenSigner(gatewayKeys.privateJwk, QUALITY_CALLER),
    };
    for (const signer of Object.values(signers)) {
      const token = await signer.tokenFor('audit');
      expect((await served.call('POST', '/rpc/append', { events: [makeEvent()] }, token)).status).toBe(401);
      expect((await served.call('POST', '/rpc/searchEvents', {}, token)).status).toBe(401);
      const other = createServiceClient({ service: 'audit', baseUrl: served.url, signer });
      try {
        const face = remoteFace(auditFaceSpec, other);
        await expect(face.append({ events: [makeEvent()] }, ctx)).rejects.toMatchObject({
          message: expect.stringMatching(/refused the gateway's credentials/),
        });
        await expect(face.publicKeys({}, ctx)).rejects.toBeInstanceOf(AppError);
      } finally {
        await other.close();
      }
    }
    expect(served.service.log.size).toBe(before);
    // The gateway's own token is served.
    expect((await remote.publicKeys({}, ctx)).keys).toEqual(served.service.publicKeys);
  });

  it('the recorder over an in-process append that never settles rejects UNAVAILABLE (maybe recorded) after its timeout', async () => {
    const log = local.log;
    const original = log.runStatement;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let held: Promise<unknown> | undefined;
    // The database "pauses": the first batch statement waits until released.
    log.runStatement = (db, text, params) => {
      if (held) return original(db, text, params);
      held = gate.then(() => original(db, text, params));
      return held;
    };
    const timeoutMs = 300;
    const recorder = createAuditRecorder(local.face.append, logger, { timeoutMs });
    const event = makeEvent({ requestId: `paused-${Date.now()}` });
    try {
      const started = performance.now();
      const err = await recorder.record(event).then(
        () => undefined,
        (e) => e,
      );
      const waited = performance.now() - started;
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ code: 'UNAVAILABLE', details: { maybeRecorded: true } });
      expect(mayHaveBeenRecorded(err)).toBe(true);
      // Not before the timeout (timers may fire a millisecond early).
      expect(waited).toBeGreaterThanOrEqual(timeoutMs - 2);
      expect(held).toBeDefined(); // the append really was stuck in the database, not refused
    } finally {
      log.runStatement = original;
      release();
    }
    // The acknowledgement only came too late: the event was committed after all.
    await held;
    const page = await local.face.searchEvents({ requestId: event.requestId }, ctx);
    expect(page.events.map((e) => e.id)).toEqual([event.id]);
    // And the recorder carries on once the database answers again.
    await expect(recorder.record(makeEvent())).resolves.toBeUndefined();
  });
});
