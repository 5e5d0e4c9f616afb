import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { assertContract, ref } from '@govshare/contracts';
import { fromHex, leafHash, toHex, verifyConsistency, verifyInclusion } from './merkle.ts';
import { verifyCheckpoint } from './checkpoints.ts';
import { subjectKeyOf } from './keys.ts';
import { backends, makeEvent, startTestAudit, type TestAudit } from './test-helpers.ts';
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
    expect((await a.call('POST', '/events', body, null)).status).toBe(401);
    expect((await a.call('POST', '/events', body, await a.token('catalog'))).status).toBe(401);
    expect((await a.call('GET', '/events', undefined, 'garbage')).status).toBe(401);
    expect((await a.call('GET', '/checkpoints/latest', undefined, null)).status).toBe(401);
    expect((await a.call('GET', '/healthz', undefined, null)).status).toBe(200);
  });

  it('appends, answers with seqs, and is idempotent on event id', async () => {
    const e1 = makeEvent();
    const e2 = makeEvent();
    const r = await a.call('POST', '/events', { events: [e1, e2] });
    expect(r.status).toBe(200);
    assertContract(ref('audit-event.v1.json', 'AppendResponse'), r.body);
    const [s1, s2] = r.body.accepted.map((x: any) => x.seq);
    expect(s2).toBe(s1 + 1);
    const again = await a.call('POST', '/events', { events: [e2, e1, e2] });
    expect(again.body.accepted).toEqual([
      { id: e2.id, seq: s2 },
      { id: e1.id, seq: s1 },
      { id: e2.id, seq: s2 },
    ]);
    expect(a.service.log.size).toBe(s2 + 1);
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
    const bad = await a.call('POST', '/events', { events: [{ ...makeEvent(), actor: undefined }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/actor/);
    const forged = await a.call('POST', '/events', { events: [makeEvent({ subjectKeys: ['00'] })] });
    expect(forged.status).toBe(400);
    expect(forged.body.error.message).toMatch(/subjectKeys/);
  });

  it('group commit: concurrent callers share transactions and each ack means committed', async () => {
    const before = a.service.log.stats.batches;
    const db = a.service.database.db;
    const results = await Promise.all(
      Array.from({ length: 64 }, async () => {
        const e = makeEvent();
        const r = await a.call('POST', '/events', { events: [e] });
        // Acknowledged => already in the table.
        const rows = await db.execute(sql`select seq from events where id = ${e.id}`);
        const list = (Array.isArray(rows) ? rows : (rows as any).rows) as any[];
        expect(list).toHaveLength(1);
        return r.body.accepted[0].seq as number;
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
    const r = await a.call('POST', '/events', { events: [makeEvent()] });
    Object.assign(db, original);
    log.runStatement = originalStatement;
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('UNAVAILABLE');
    expect(log.size).toBe(sizeBefore);
    const ok = await a.call('POST', '/events', { events: [makeEvent()] });
    expect(ok.body.accepted[0].seq).toBe(sizeBefore);
  });

  it('stays gap-free and verifiable under concurrent load with retries and a failed batch in the middle', async () => {
    const log = a.service.log;
    const db = log.db as any;
    const original = { execute: db.execute, transaction: db.transaction };
    let calls = 0;
    // The 4th batch write fails: never acknowledged, nothing committed.
    const failing = (name: 'execute' | 'transaction') =>
      function (this: any, ...args: any[]) {
        if (++calls === 4) return Promise.reject(new Error('disk full'));
        return (original[name] as any).apply(db, args);
      };
    db.execute = failing('execute');
    db.transaction = failing('transaction');
    const originalStatement = log.runStatement;
    log.runStatement = (...args) =>
      ++calls === 4 ? Promise.reject(new Error('disk full')) : originalStatement(...args);
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
      Object.assign(db, original);
      log.runStatement = originalStatement;
    }
    expect(failed.length).toBeGreaterThan(0);
    for (const e of failed) {
      const [x] = await log.append([e]);
      acked.set(x!.id, x!.seq);
    }
    const exported = (await a.call('GET', '/export')).text.trim().split('\n');
    const { verifyExport } = await import('./verify-export.ts');
    const jwk = (await a.call('GET', '/public-key')).body.keys[0];
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
    const r = await a.call('POST', '/events', { events: [e, other] });
    const seq = r.body.accepted[0].seq;
    const db = a.service.database.db;
    const dump = await db.execute(
      sql`select encode(leaf, 'escape') as leaf, array_to_string(subject_keys, ',') as keys from events`,
    );
    const text = JSON.stringify(Array.isArray(dump) ? dump : (dump as any).rows);
    expect(text).not.toContain(RESIDENT);
    expect(text).toContain(subjectKeyOf(Buffer.from('k'.repeat(40)), RESIDENT));

    const found = await a.call('POST', '/subjects/lookup', { identifier: RESIDENT });
    expect(found.status).toBe(200);
    assertContract(api('EventPage'), found.body);
    expect(found.body.events.map((x: any) => x.seq)).toEqual([seq]);
    expect(found.body.events[0]).not.toHaveProperty('subjects');
    expect(found.body.events[0].subjectKeys).toHaveLength(2);
    expect((await a.call('POST', '/subjects/lookup', { identifier: 'nobody' })).body.events).toEqual([]);
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
    await a.call('POST', '/events', { events: evs });
    const pages = async (order: string) => {
      const p1 = await a.call('GET', `/events?dept=${dept}&first=3${order}`);
      expect(p1.body.events).toHaveLength(3);
      expect(p1.body.hasNextPage).toBe(true);
      const p2 = await a.call('GET', `/events?dept=${dept}&first=3&after=${p1.body.endCursor}${order}`);
      const p3 = await a.call('GET', `/events?dept=${dept}&first=3&after=${p2.body.endCursor}${order}`);
      expect(p3.body.hasNextPage).toBe(false);
      return [...p1.body.events, ...p2.body.events, ...p3.body.events].map((x: any) => x.id);
    };
    // Newest first by default; oldest first when asked; the cursor walks either way without gaps.
    expect(await pages('')).toEqual(evs.map((e) => e.id).reverse());
    expect(await pages('&order=oldest')).toEqual(evs.map((e) => e.id));
    expect((await a.call('GET', `/events?order=sideways`)).status).toBe(400);
    expect((await a.call('GET', `/events?dept=${dept}&outcome=denied`)).body.events.map((x: any) => x.id)).toEqual([
      evs[3]!.id,
    ]);
    expect((await a.call('GET', `/events?dept=${dept}&sub=u1`)).body.events).toHaveLength(3);
    expect((await a.call('GET', `/events?requestId=rq-${dept}-5`)).body.events[0].id).toBe(evs[5]!.id);
    expect(
      (await a.call('GET', `/events?dept=${dept}&from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z`)).body.events,
    ).toEqual([]);
    expect((await a.call('GET', `/events?first=0`)).status).toBe(400);
  });

  it('signs checkpoints; inclusion and consistency proofs verify against them', async () => {
    const first = await a.call('GET', '/checkpoints/latest');
    assertContract(api('Checkpoint'), first.body);
    const jwks = (await a.call('GET', '/public-key')).body;
    const p1 = await verifyCheckpoint(first.body, jwks.keys[0]);
    expect(p1.treeSize).toBe(first.body.treeSize);

    const r = await a.call('POST', '/events', { events: Array.from({ length: 5 }, () => makeEvent()) });
    const seqs = r.body.accepted.map((x: any) => x.seq);
    await new Promise((res) => setTimeout(res, 150));
    const latest = (await a.call('GET', '/checkpoints/latest')).body;
    expect(latest.treeSize).toBeGreaterThan(seqs[4]);
    const payload = await verifyCheckpoint(latest, jwks.keys[0]);
    const root = Buffer.from(payload.rootHash, 'base64');

    for (const seq of [0, seqs[2], seqs[4]]) {
      const p = (await a.call('GET', `/proofs/inclusion?seq=${seq}`)).body;
      assertContract(api('InclusionProof'), p);
      expect(p.treeSize).toBe(latest.treeSize);
      expect(p.checkpoint.jws).toBe(latest.jws);
      const leaf = Buffer.from(p.leaf, 'base64');
      expect(JSON.parse(leaf.toString()).seq).toBe(seq);
      expect(toHex(leafHash(leaf))).toBe(p.leafHash);
      expect(verifyInclusion(seq, p.treeSize, leafHash(leaf), p.proof.map(fromHex), root)).toBe(true);
    }
    const c = (await a.call('GET', `/proofs/consistency?from=${first.body.treeSize}&to=${latest.treeSize}`)).body;
    assertContract(api('ConsistencyProof'), c);
    expect(c.fromRoot).toBe(Buffer.from(first.body.rootHash, 'base64').toString('hex'));
    expect(verifyConsistency(c.from, c.to, fromHex(c.fromRoot), root, c.proof.map(fromHex))).toBe(true);

    const all = (await a.call('GET', `/checkpoints?from=0&to=${latest.treeSize}`)).body.checkpoints;
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(all.map((x: any) => x.treeSize)).toEqual(
      [...all.map((x: any) => x.treeSize)].sort((x: number, y: number) => x - y),
    );
    expect((await a.call('GET', `/proofs/inclusion?seq=${latest.treeSize + 100}`)).status).toBe(404);
    expect((await a.call('GET', `/proofs/inclusion?seq=3&treeSize=2`)).status).toBe(400);
    expect((await a.call('GET', `/proofs/consistency?from=${latest.treeSize + 100}`)).status).toBe(400);
  });

  it('auditors review alerts: open until reviewed, reviews appended and the latest shown', async () => {
    const sub = `eve-${randomUUID().slice(0, 6)}`;
    const actor = { sub, dept: 'MCA', roles: ['consumer'] };
    await a.call('POST', '/events', {
      events: Array.from({ length: 5 }, () => makeEvent({ actor, outcome: 'denied', reason: 'no grant' })),
    });
    await a.service.alerts.idle();
    const open = await a.call('GET', `/alerts?sub=${sub}&status=open`);
    assertContract(api('AlertPage'), open.body);
    expect(open.body.alerts).toHaveLength(1);
    const alert = open.body.alerts[0];
    expect(alert).toMatchObject({ kind: 'repeated_denials', review: null });

    const reviewer = { sub: 'inspector-9', dept: 'NHC' };
    const first = await a.call('POST', `/alerts/${alert.id}/reviews`, {
      outcome: 'confirmed',
      note: 'caller warned',
      reviewer,
    });
    expect(first.status).toBe(201);
    assertContract(api('AlertReview'), first.body);
    const second = await a.call('POST', `/alerts/${alert.id}/reviews`, {
      outcome: 'false_positive',
      note: 'batch job with a stale token',
      reviewer,
    });
    expect((await a.call('GET', `/alerts?sub=${sub}&status=open`)).body.alerts).toEqual([]);
    const reviewed = (await a.call('GET', `/alerts?sub=${sub}&status=reviewed`)).body.alerts;
    expect(reviewed.map((x: any) => [x.id, x.review.id, x.review.outcome])).toEqual([
      [alert.id, second.body.id, 'false_positive'],
    ]);

    expect(
      (await a.call('POST', '/alerts/999999/reviews', { outcome: 'confirmed', note: 'nothing here', reviewer })).status,
    ).toBe(404);
    const bad = await a.call('POST', `/alerts/${alert.id}/reviews`, { outcome: 'maybe', note: 'x', reviewer });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/outcome/);
  });

  it('raises alerts: repeated denials, grant misuse and unusually large reads', async () => {
    const sub = `mallory-${randomUUID().slice(0, 6)}`;
    const actor = { sub, dept: 'PSB', roles: ['consumer'] };
    await a.call('POST', '/events', {
      events: Array.from({ length: 5 }, () => makeEvent({ actor, outcome: 'denied', reason: 'no grant' })),
    });
    await a.call('POST', '/events', { events: [makeEvent({ actor, outcome: 'denied' })] });
    const grantId = randomUUID();
    const steward = { sub: 'steward', dept: 'SAMR', roles: ['steward'] };
    const inAYear = new Date(Date.now() + 365 * 86_400_000).toISOString();
    await a.call('POST', '/events', {
      events: [
        makeEvent({ actor: steward, action: 'grants.created', grantId, purpose: 'tax audit', grantExpiresAt: inAYear }),
        ...Array.from({ length: 6 }, () => makeEvent({ actor, grantId, purpose: 'tax audit', recordCount: 20 })),
        makeEvent({ actor, grantId, purpose: 'marketing', recordCount: 20 }),
        makeEvent({ actor, grantId, purpose: 'tax audit', recordCount: 50_000 }),
        makeEvent({ actor: steward, action: 'access.grantRevoked', grantId }),
        makeEvent({ actor, grantId, purpose: 'tax audit', recordCount: 5 }),
      ],
    });
    // A grant from an approved request that expired an hour ago, used now; its creation is not a use.
    const expired = randomUUID();
    await a.call('POST', '/events', {
      events: [
        makeEvent({
          actor: steward,
          action: 'access.granted',
          grantId: expired,
          purpose: 'pension check',
          grantExpiresAt: new Date(Date.now() - 3_600_000).toISOString(),
        }),
      ],
    });
    await a.service.alerts.idle();
    await a.call('POST', '/events', {
      events: [makeEvent({ actor, grantId: expired, purpose: 'pension check', recordCount: 3 })],
    });
    // A grant whose creation and revocation were recorded late, by the gateway's sweep of the catalog.
    const swept = randomUUID();
    const sweeper = { sub: 'govshare-gateway', dept: 'HUB', roles: ['system'] };
    await a.call('POST', '/events', {
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
    });
    // Stored lifecycle events (expiry, access request) are what the StoredEvent contract says.
    const lifecycle = await a.call('GET', `/events?sub=govshare-gateway&action=grants.created`);
    assertContract(api('EventPage'), lifecycle.body);
    expect(lifecycle.body.events.at(-1)).toMatchObject({
      grantId: swept,
      grantExpiresAt: inAYear,
      accessRequestId: expect.any(String),
    });
    await a.call('POST', '/events', {
      events: [makeEvent({ actor, grantId: swept, purpose: 'licence check', recordCount: 4 })],
    });
    await a.service.alerts.idle();
    const res = await a.call('GET', `/alerts?sub=${sub}`);
    assertContract(api('AlertPage'), res.body);
    const kinds = res.body.alerts.map((x: any) => x.kind).sort();
    expect(kinds).toEqual([
      'grant_purpose_mismatch',
      'grant_used_after_expiry',
      'grant_used_after_revoke',
      'grant_used_after_revoke',
      'large_read',
      'repeated_denials',
    ]);
    expect(res.body.alerts.find((x: any) => x.kind === 'grant_used_after_expiry').details).toMatchObject({
      grantId: expired,
    });
    const revokedUses = res.body.alerts
      .filter((x: any) => x.kind === 'grant_used_after_revoke')
      .map((x: any) => x.details.grantId);
    expect(revokedUses.sort()).toEqual([grantId, swept].sort());
    expect((await a.call('GET', `/alerts?sub=${sub}&kind=large_read`)).body.alerts[0].details).toMatchObject({
      recordCount: 50_000,
      median: 20,
    });
  });
});

it('the alert rules look grants up with exactly the predicate of the partial index built for them', () => {
  const index = getTableConfig(events).indexes.find((i) => i.config.name === 'events_grant_lifecycle_idx')!;
  expect(new PgDialect().sqlToQuery(index.config.where!).sql).toBe(GRANT_LIFECYCLE_PREDICATE);
});
