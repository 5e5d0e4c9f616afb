import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { assertContract, ref } from '@govshare/contracts';
import { fromHex, leafHash, toHex, verifyConsistency, verifyInclusion } from './merkle.ts';
import { verifyCheckpoint } from './checkpoints.ts';
import { subjectKeyOf } from './keys.ts';
import { backends, ctx, makeEvent, startTestAudit, text, type TestAudit } from './test-helpers.ts';
import { getTableConfig, PgDialect } from 'drizzle-orm/pg-core';
import { GRANT_LIFECYCLE_PREDICATE } from './alerts.ts';
import { AUDIT_RUNTIME_ROLE } from './app.ts';
import { events } from './schema.ts';

const RESIDENT = '110101199003077777';
const api = (def: string) => ref('audit-api.v1.json', def);

describe.each(backends())('audit service (%s)', (backend) => {
  let a: TestAudit;
  beforeAll(async () => {
    a = await startTestAudit(backend, { subjectKey: 'k'.repeat(40) });
  });
  afterAll(() => a?.stop());

  it('accepts only service tokens with audience "audit"', async () => {
    const body = { events: [makeEvent()] };
    expect((await a.call('POST', '/rpc/append', body, null)).status).toBe(401);
    expect((await a.call('POST', '/rpc/append', body, await a.token('catalog'))).status).toBe(401);
    expect((await a.call('POST', '/rpc/searchEvents', {}, 'garbage')).status).toBe(401);
    expect((await a.call('POST', '/rpc/latestCheckpoint', {}, null)).status).toBe(401);
    expect((await a.call('GET', '/healthz', undefined, null)).status).toBe(200);
    // The hand-written routes are gone: the face is all there is.
    expect((await a.call('POST', '/events', body)).status).toBe(404);
    expect((await a.call('POST', '/rpc/append', body)).status).toBe(200);
  });

  it('appends, answers with seqs, and is idempotent on event id', async () => {
    const e1 = makeEvent();
    const e2 = makeEvent();
    const r = await a.remote.append({ events: [e1, e2] }, ctx);
    assertContract(ref('audit-event.v1.json', 'AppendResponse'), r);
    const [s1, s2] = r.accepted.map((x) => x.seq);
    expect(s2).toBe(s1! + 1);
    const again = await a.remote.append({ events: [e2, e1, e2] }, ctx);
    expect(again.accepted).toEqual([
      { id: e2.id, seq: s2 },
      { id: e1.id, seq: s1 },
      { id: e2.id, seq: s2 },
    ]);
    expect(a.service.log.size).toBe(s2! + 1);
  });

  it('a retry the process no longer remembers is still answered with the stored seq', async () => {
    const e = makeEvent();
    const [first] = await a.service.log.append([e]);
    (a.service.log as any).recent.clear();
    const fresh = makeEvent();
    const again = await a.service.log.append([fresh, e]);
    expect(again[1]).toEqual(first);
    expect(again[0]!.seq).toBe(first!.seq + 1);
  });

  it('rejects invalid events and caller-supplied subjectKeys', async () => {
    const bad = { events: [{ ...makeEvent(), actor: undefined }] } as any;
    for (const face of [a.remote, a.face])
      await expect(face.append(bad, ctx)).rejects.toMatchObject({
        code: 'BAD_USER_INPUT',
        message: expect.stringMatching(/actor/),
      });
    const forged = { events: [makeEvent({ subjectKeys: ['00'] })] };
    for (const face of [a.remote, a.face])
      await expect(face.append(forged, ctx)).rejects.toMatchObject({
        code: 'BAD_USER_INPUT',
        message: expect.stringMatching(/subjectKeys/),
      });
  });

  it('group commit: concurrent callers share transactions and each ack means committed', async () => {
    const before = a.service.log.stats.batches;
    const db = a.service.database.db;
    const results = await Promise.all(
      Array.from({ length: 64 }, async () => {
        const e = makeEvent();
        const r = await a.remote.append({ events: [e] }, ctx);
        // Acknowledged => already in the table.
        const rows = await db.execute(sql`select seq from events where id = ${e.id}`);
        const list = (Array.isArray(rows) ? rows : (rows as any).rows) as any[];
        expect(list).toHaveLength(1);
        return r.accepted[0]!.seq;
      }),
    );
    expect(a.service.log.stats.batches - before).toBeLessThanOrEqual(64);
    const sorted = [...results].sort((x, y) => x - y);
    expect(new Set(sorted).size).toBe(64);
    expect(sorted[63]! - sorted[0]!).toBe(63);

    // 200 callers arriving together: the first flush takes what is queued, the rest gather behind it.
    const mid = a.service.log.stats.batches;
    const acks = await Promise.all(Array.from({ length: 200 }, () => a.service.log.append([makeEvent()])));
    expect(a.service.log.stats.batches - mid).toBeLessThanOrEqual(3);
    expect(new Set(acks.map((x) => x[0]!.seq)).size).toBe(200);
  });

  it('a failed batch is not acknowledged, and the log carries on without a gap', async () => {
    const log = a.service.log;
    const db = log.db as any;
    const original = { execute: db.execute, transaction: db.transaction };
    const originalStatement = log.runStatement;
    // Every write fails: the drizzle calls and the prepared batch statement.
    db.execute =
      db.transaction =
      log.runStatement =
        async () => {
          throw new Error('disk full');
        };
    const sizeBefore = log.size;
    const r = await a.remote.append({ events: [makeEvent()] }, ctx).catch((e) => e);
    Object.assign(db, original);
    log.runStatement = originalStatement;
    expect(r).toMatchObject({ code: 'UNAVAILABLE' });
    expect(log.size).toBe(sizeBefore);
    const ok = await a.remote.append({ events: [makeEvent()] }, ctx);
    expect(ok.accepted[0]!.seq).toBe(sizeBefore);
  });

  it('stays gap-free and verifiable under concurrent load with retries and a failed batch in the middle', async () => {
    const log = a.service.log;
    // The 4th batch commit fails (the store refuses it): never acknowledged, nothing committed. The
    // log's own commits only: the checkpointer shares the database handle (on a Postgres server the
    // sequencer's session) and its writes must not take the failure in a batch's place.
    const originalCommit = (log as any).commit;
    let commits = 0;
    (log as any).commit = function (this: unknown, ...args: unknown[]) {
      if (++commits === 4) return Promise.reject(new Error('disk full'));
      return originalCommit.apply(this, args);
    };
    const acked = new Map<string, number>();
    const failed: any[] = [];
    const sent: any[] = [];
    try {
      await Promise.all(
        Array.from({ length: 32 }, async (_, w) => {
          for (let i = 0; i < 8; i++) {
            const evs = [makeEvent(), ...(i % 3 === 0 && sent.length ? [sent[(w * 7 + i) % sent.length]] : [])];
            sent.push(evs[0]);
            try {
              const res = await log.append(evs);
              for (const x of res) {
                if (acked.has(x.id)) expect(acked.get(x.id)).toBe(x.seq);
                acked.set(x.id, x.seq);
              }
            } catch {
              failed.push(evs[0]);
            }
          }
        }),
      );
    } finally {
      (log as any).commit = originalCommit;
    }
    expect(failed.length).toBeGreaterThan(0);
    for (const e of failed) {
      const [x] = await log.append([e]);
      acked.set(x!.id, x!.seq);
    }
    const exported = (await text(a.remote.exportLog({}, ctx))).trim().split('\n');
    const { verifyExport } = await import('./verify-export.ts');
    const jwk = (await a.remote.publicKeys({}, ctx)).keys[0]!;
    const report = await verifyExport(exported, jwk);
    expect(report.error).toBeUndefined();
    const seqOf = new Map<string, number>();
    for (const l of exported) {
      const line = JSON.parse(l);
      if (line.type === 'leaf') seqOf.set(JSON.parse(Buffer.from(line.leaf, 'base64').toString()).id, line.seq);
    }
    for (const [id, seq] of acked) expect(seqOf.get(id)).toBe(seq);
    expect(seqOf.size).toBe(report.leaves);
  });

  it('is append-only: direct UPDATE, DELETE and TRUNCATE fail', async () => {
    const db = a.service.database.db;
    const refused = async (q: ReturnType<typeof sql>) => {
      const err: any = await db.execute(q).then(
        () => null,
        (e) => e,
      );
      expect(err).not.toBeNull();
      // Server mode: the service's role lacks the privilege; embedded (and as owner): the triggers refuse.
      expect(String(err.cause?.message ?? err.message)).toMatch(/append-only|permission denied|must be owner/);
    };
    await refused(sql`update events set action = 'records.nothing' where seq = 0`);
    await refused(sql`delete from events where seq = 0`);
    await refused(sql`truncate events`);
    await refused(sql`update tree_nodes set hash = '\\x00' where level = 0 and idx = 0`);
    await refused(sql`delete from checkpoints`);
    const [row] = await db
      .execute(sql`select count(*)::int as n from events where action = 'records.nothing'`)
      .then((r: any) => (Array.isArray(r) ? r : r.rows));
    expect(Number(row.n)).toBe(0);
    if (a.service.database.kind === 'postgres') {
      // Not the owner either: it cannot switch the triggers off.
      expect(a.service.database.role).toBe(AUDIT_RUNTIME_ROLE);
      await refused(sql`alter table events disable trigger events_append_only`);
      await refused(sql`drop table checkpoints`);
    }
  });

  it('hashes subjects with its own key, never stores them in clear, and finds events by identifier', async () => {
    const e = makeEvent({ subjects: [RESIDENT, '91110000MA00000001'] });
    const other = makeEvent({ subjects: ['somebody-else'] });
    const r = await a.remote.append({ events: [e, other] }, ctx);
    const seq = r.accepted[0]!.seq;
    const db = a.service.database.db;
    const dump = await db.execute(
      sql`select encode(leaf, 'escape') as leaf, array_to_string(subject_keys, ',') as keys from events`,
    );
    const text = JSON.stringify(Array.isArray(dump) ? dump : (dump as any).rows);
    expect(text).not.toContain(RESIDENT);
    expect(text).toContain(subjectKeyOf(Buffer.from('k'.repeat(40)), RESIDENT));

    const found = await a.remote.lookupSubject({ identifier: RESIDENT }, ctx);
    assertContract(api('EventPage'), found);
    expect(found.events.map((x) => x.seq)).toEqual([seq]);
    expect(found.events[0]).not.toHaveProperty('subjects');
    expect(found.events[0]!.subjectKeys).toHaveLength(2);
    expect((await a.remote.lookupSubject({ identifier: 'nobody' }, ctx)).events).toEqual([]);
  });

  it('searches with filters and cursor pagination', async () => {
    const dept = `D${randomUUID().slice(0, 6).toUpperCase()}`;
    const evs = Array.from({ length: 7 }, (_, i) =>
      makeEvent({
        actor: { sub: `u${i % 2}`, dept, roles: ['consumer'] },
        outcome: i === 3 ? 'denied' : 'allowed',
        requestId: `rq-${dept}-${i}`,
      }),
    );
    await a.remote.append({ events: evs }, ctx);
    const search = a.remote.searchEvents;
    const pages = async (order?: 'oldest') => {
      const p1 = await search({ dept, first: 3, order }, ctx);
      expect(p1.events).toHaveLength(3);
      expect(p1.hasNextPage).toBe(true);
      const p2 = await search({ dept, first: 3, after: p1.endCursor!, order }, ctx);
      const p3 = await search({ dept, first: 3, after: p2.endCursor!, order }, ctx);
      expect(p3.hasNextPage).toBe(false);
      return [...p1.events, ...p2.events, ...p3.events].map((x) => x.id);
    };
    // Newest first by default; oldest first when asked; the cursor walks either way without gaps.
    expect(await pages()).toEqual(evs.map((e) => e.id).reverse());
    expect(await pages('oldest')).toEqual(evs.map((e) => e.id));
    await expect(search({ order: 'sideways' } as any, ctx)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect((await search({ dept, outcome: 'denied' }, ctx)).events.map((x) => x.id)).toEqual([evs[3]!.id]);
    expect((await search({ dept, sub: 'u1' }, ctx)).events).toHaveLength(3);
    expect((await search({ requestId: `rq-${dept}-5` }, ctx)).events[0]!.id).toBe(evs[5]!.id);
    expect((await search({ dept, from: '2000-01-01T00:00:00Z', to: '2000-01-02T00:00:00Z' }, ctx)).events).toEqual([]);
    await expect(search({ first: 0 }, ctx)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    // A JSON input is not coerced from text: a page size must be a number.
    await expect(search({ first: '3' } as any, ctx)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('signs checkpoints; inclusion and consistency proofs verify against them', async () => {
    const first = await a.remote.latestCheckpoint({}, ctx);
    assertContract(api('Checkpoint'), first);
    const jwks = await a.remote.publicKeys({}, ctx);
    const p1 = await verifyCheckpoint(first, jwks.keys[0]!);
    expect(p1.treeSize).toBe(first.treeSize);

    const r = await a.remote.append({ events: Array.from({ length: 5 }, () => makeEvent()) }, ctx);
    const seqs = r.accepted.map((x) => x.seq);
    await new Promise((res) => setTimeout(res, 150));
    const latest = await a.remote.latestCheckpoint({}, ctx);
    expect(latest.treeSize).toBeGreaterThan(seqs[4]!);
    const payload = await verifyCheckpoint(latest, jwks.keys[0]!);
    const root = Buffer.from(payload.rootHash, 'base64');

    for (const seq of [0, seqs[2]!, seqs[4]!]) {
      const p = await a.remote.inclusionProof({ seq }, ctx);
      assertContract(api('InclusionProof'), p);
      expect(p.treeSize).toBe(latest.treeSize);
      expect(p.checkpoint!.jws).toBe(latest.jws);
      const leaf = Buffer.from(p.leaf, 'base64');
      expect(JSON.parse(leaf.toString()).seq).toBe(seq);
      expect(toHex(leafHash(leaf))).toBe(p.leafHash);
      expect(verifyInclusion(seq, p.treeSize, leafHash(leaf), p.proof.map(fromHex), root)).toBe(true);
    }
    const c = await a.remote.consistencyProof({ from: first.treeSize, to: latest.treeSize }, ctx);
    assertContract(api('ConsistencyProof'), c);
    expect(c.fromRoot).toBe(Buffer.from(first.rootHash, 'base64').toString('hex'));
    expect(verifyConsistency(c.from, c.to, fromHex(c.fromRoot), root, c.proof.map(fromHex))).toBe(true);

    const all = (await a.remote.listCheckpoints({ from: 0, to: latest.treeSize }, ctx)).checkpoints;
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(all.map((x) => x.treeSize)).toEqual([...all.map((x) => x.treeSize)].sort((x, y) => x - y));
    await expect(a.remote.inclusionProof({ seq: latest.treeSize + 100 }, ctx)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(a.remote.inclusionProof({ seq: 3, treeSize: 2 }, ctx)).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
    await expect(a.remote.consistencyProof({ from: latest.treeSize + 100 }, ctx)).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
  });

  it('auditors review alerts: open until reviewed, reviews appended and the latest shown', async () => {
    const sub = `eve-${randomUUID().slice(0, 6)}`;
    const actor = { sub, dept: 'MCA', roles: ['consumer'] };
    await a.remote.append(
      { events: Array.from({ length: 5 }, () => makeEvent({ actor, outcome: 'denied', reason: 'no grant' })) },
      ctx,
    );
    await a.service.alerts.idle();
    const open = await a.remote.listAlerts({ sub, status: 'open' }, ctx);
    assertContract(api('AlertPage'), open);
    expect(open.alerts).toHaveLength(1);
    const alert = open.alerts[0]!;
    expect(alert).toMatchObject({ kind: 'repeated_denials', review: null });

    const reviewer = { sub: 'inspector-9', dept: 'NHC' };
    const first = await a.remote.reviewAlert(
      { alertId: alert.id, review: { outcome: 'confirmed', note: 'caller warned', reviewer } },
      ctx,
    );
    assertContract(api('AlertReview'), first);
    expect(first).toMatchObject({ alertId: alert.id, outcome: 'confirmed', reviewer });
    const second = await a.remote.reviewAlert(
      { alertId: alert.id, review: { outcome: 'false_positive', note: 'batch job with a stale token', reviewer } },
      ctx,
    );
    expect((await a.remote.listAlerts({ sub, status: 'open' }, ctx)).alerts).toEqual([]);
    const reviewed = (await a.remote.listAlerts({ sub, status: 'reviewed' }, ctx)).alerts;
    expect(reviewed.map((x) => [x.id, x.review!.id, x.review!.outcome])).toEqual([
      [alert.id, second.id, 'false_positive'],
    ]);

    await expect(
      a.remote.reviewAlert({ alertId: 999999, review: { outcome: 'confirmed', note: 'nothing here', reviewer } }, ctx),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const bad = { alertId: alert.id, review: { outcome: 'maybe', note: 'x', reviewer } } as any;
    await expect(a.remote.reviewAlert(bad, ctx)).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringMatching(/outcome/),
    });
    await expect(
      a.remote.reviewAlert({ alertId: 0, review: { outcome: 'confirmed', note: 'not an alert', reviewer } }, ctx),
    ).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('raises alerts: repeated denials, grant misuse and unusually large reads', async () => {
    const sub = `mallory-${randomUUID().slice(0, 6)}`;
    const actor = { sub, dept: 'PSB', roles: ['consumer'] };
    await a.remote.append(
      {
        events: Array.from({ length: 5 }, () => makeEvent({ actor, outcome: 'denied', reason: 'no grant' })),
      },
      ctx,
    );
    await a.remote.append({ events: [makeEvent({ actor, outcome: 'denied' })] }, ctx);
    const grantId = randomUUID();
    const steward = { sub: 'steward', dept: 'SAMR', roles: ['steward'] };
    const inAYear = new Date(Date.now() + 365 * 86_400_000).toISOString();
    await a.remote.append(
      {
        events: [
          makeEvent({
            actor: steward,
            action: 'grants.created',
            grantId,
            purpose: 'tax audit',
            grantExpiresAt: inAYear,
          }),
          ...Array.from({ length: 6 }, () => makeEvent({ actor, grantId, purpose: 'tax audit', recordCount: 20 })),
          makeEvent({ actor, grantId, purpose: 'marketing', recordCount: 20 }),
          makeEvent({ actor, grantId, purpose: 'tax audit', recordCount: 50_000 }),
          makeEvent({ actor: steward, action: 'access.grantRevoked', grantId }),
          makeEvent({ actor, grantId, purpose: 'tax audit', recordCount: 5 }),
        ],
      },
      ctx,
    );
    // A grant from an approved request that expired an hour ago, used now; its creation is not a use.
    const expired = randomUUID();
    await a.remote.append(
      {
        events: [
          makeEvent({
            actor: steward,
            action: 'access.granted',
            grantId: expired,
            purpose: 'pension check',
            grantExpiresAt: new Date(Date.now() - 3_600_000).toISOString(),
          }),
        ],
      },
      ctx,
    );
    await a.service.alerts.idle();
    await a.remote.append(
      {
        events: [makeEvent({ actor, grantId: expired, purpose: 'pension check', recordCount: 3 })],
      },
      ctx,
    );
    // A grant whose creation and revocation were recorded late, by the gateway's sweep of the catalog.
    const swept = randomUUID();
    const sweeper = { sub: 'govshare-gateway', dept: 'HUB', roles: ['system'] };
    await a.remote.append(
      {
        events: [
          makeEvent({
            actor: sweeper,
            action: 'grants.created',
            grantId: swept,
            purpose: 'licence check',
            grantExpiresAt: inAYear,
            accessRequestId: randomUUID(),
          }),
          makeEvent({ actor: sweeper, action: 'grants.revoked', grantId: swept }),
        ],
      },
      ctx,
    );
    // Stored lifecycle events (expiry, access request) are what the StoredEvent contract says.
    const lifecycle = await a.remote.searchEvents({ sub: 'govshare-gateway', action: 'grants.created' }, ctx);
    assertContract(api('EventPage'), lifecycle);
    expect(lifecycle.events.at(-1)).toMatchObject({
      grantId: swept,
      grantExpiresAt: inAYear,
      accessRequestId: expect.any(String),
    });
    await a.remote.append(
      {
        events: [makeEvent({ actor, grantId: swept, purpose: 'licence check', recordCount: 4 })],
      },
      ctx,
    );
    await a.service.alerts.idle();
    const res = await a.remote.listAlerts({ sub }, ctx);
    assertContract(api('AlertPage'), res);
    const kinds = res.alerts.map((x) => x.kind).sort();
    expect(kinds).toEqual([
      'grant_purpose_mismatch',
      'grant_used_after_expiry',
      'grant_used_after_revoke',
      'grant_used_after_revoke',
      'large_read',
      'repeated_denials',
    ]);
    expect(res.alerts.find((x) => x.kind === 'grant_used_after_expiry')!.details).toMatchObject({
      grantId: expired,
    });
    const revokedUses = res.alerts.filter((x) => x.kind === 'grant_used_after_revoke').map((x) => x.details.grantId);
    expect(revokedUses.sort()).toEqual([grantId, swept].sort());
    expect((await a.remote.listAlerts({ sub, kind: 'large_read' }, ctx)).alerts[0]!.details).toMatchObject({
      recordCount: 50_000,
      median: 20,
    });
  });
});

it('the alert rules look grants up with exactly the predicate of the partial index built for them', () => {
  const index = getTableConfig(events).indexes.find((i) => i.config.name === 'events_grant_lifecycle_idx')!;
  expect(new PgDialect().sqlToQuery(index.config.where!).sql).toBe(GRANT_LIFECYCLE_PREDICATE);
});
