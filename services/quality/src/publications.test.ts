import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { as, backends, hubCall, refusal, startTestQuality, testClock } from './testing/harness.ts';
import { memorySource } from './source.ts';
import { alerts, runs } from './schema.ts';
import { verifyPublication } from './signing.ts';

/** A finished run with chosen figures (the policy only reads headline figures). */
async function fakeRun(
  db: any,
  o: { datasetId: string; dept: string; score: number; accuracy?: number; records?: number; finishedAt: string },
) {
  const id = randomUUID();
  const at = new Date(o.finishedAt);
  const metrics = {
    records: o.records ?? 100,
    completeness: { value: 1 },
    uniqueness: { value: 1 },
    accuracy: { value: o.accuracy ?? 1 },
    score: { value: o.score },
  };
  await db.insert(runs).values({
    id,
    datasetId: o.datasetId,
    dept: o.dept,
    status: 'succeeded',
    requestedBy: 'test',
    notBefore: at,
    processed: o.records ?? 100,
    total: o.records ?? 100,
    datasetVersion: 1,
    ruleSetVersion: 0,
    records: o.records ?? 100,
    score: o.score,
    metrics,
    createdAt: at,
    startedAt: at,
    finishedAt: at,
  });
  return id;
}

for (const backend of backends) {
  describe(`red/black list policy and appeals (${backend.name})`, () => {
    const clock = testClock('2026-11-30T12:00:00Z');
    let q: Awaited<ReturnType<typeof startTestQuality>>;
    beforeAll(async () => {
      q = await startTestQuality({ databaseUrl: backend.databaseUrl, source: memorySource([]), now: clock });
      const db = q.quality.db;
      const nov = '2026-11-15T00:00:00Z';
      await fakeRun(db, { datasetId: 'a-1', dept: 'AAA', score: 90, finishedAt: nov });
      await fakeRun(db, { datasetId: 'a-2', dept: 'AAA', score: 90, records: 300, finishedAt: nov });
      await fakeRun(db, { datasetId: 'b-1', dept: 'BBB', score: 95, records: 900, finishedAt: nov });
      await fakeRun(db, { datasetId: 'b-2', dept: 'BBB', score: 74.99, records: 100, finishedAt: nov });
      await fakeRun(db, { datasetId: 'c-1', dept: 'CCC', score: 60, accuracy: 0.8, finishedAt: nov });
      await fakeRun(db, { datasetId: 'd-1', dept: 'DDD', score: 59.99, finishedAt: nov });
      await fakeRun(db, { datasetId: 'e-1', dept: 'EEE', score: 80, accuracy: 0.7999, finishedAt: nov });
      const f1 = await fakeRun(db, { datasetId: 'f-1', dept: 'FFF', score: 95, finishedAt: nov });
      const g1 = await fakeRun(db, { datasetId: 'g-1', dept: 'GGG', score: 95, finishedAt: nov });
      await fakeRun(db, { datasetId: 'z-1', dept: 'ZZZ', score: 0, records: 0, finishedAt: nov });
      // Alerts: FFF's open 31 days at the period end (beyond the 30 allowed), GGG's exactly 30.
      const end = new Date('2026-12-01T00:00:00Z').getTime();
      await db.insert(alerts).values({
        id: randomUUID(),
        datasetId: 'f-1',
        dept: 'FFF',
        runId: f1,
        metric: 'accuracy',
        kind: 'drop',
        reference: 0.99,
        value: 0.8,
        raisedAt: new Date(end - 31 * 86_400_000),
      });
      await db.insert(alerts).values({
        id: randomUUID(),
        datasetId: 'g-1',
        dept: 'GGG',
        runId: g1,
        metric: 'accuracy',
        kind: 'drop',
        reference: 0.99,
        value: 0.8,
        raisedAt: new Date(end - 30 * 86_400_000),
      });
      // HHH: black in October (score 50), recovering from November on.
      await fakeRun(db, { datasetId: 'h-1', dept: 'HHH', score: 50, finishedAt: '2026-10-10T00:00:00Z' });
    });
    afterAll(async () => q?.close());
    // The module's face in this process, as a gateway in the same process would call it.
    const face = () => q.face;
    const admin = as('board', 'SAMR', ['admin']);

    let nov: any;
    it('places departments at the policy boundaries', async () => {
      clock.set('2026-10-31T23:00:00Z');
      const oct = await face().publish({ period: '2026-10' }, admin);
      expect(oct.publication.departments.map((d: any) => [d.dept, d.list])).toEqual([['HHH', 'black']]);
      await fakeRun(q.quality.db, { datasetId: 'h-1', dept: 'HHH', score: 70, finishedAt: '2026-11-10T00:00:00Z' });
      clock.set('2026-12-02T00:00:00Z');
      nov = await face().publish({ period: '2026-11' }, admin);
      const p = Object.fromEntries(nov.publication.departments.map((d: any) => [d.dept, d]));
      expect(nov.publication.asOf).toBe('2026-12-01T00:00:00.000Z');
      expect(p.AAA).toMatchObject({ list: 'red', score: 90, records: 400 });
      expect(p.BBB).toMatchObject({ list: 'none', score: 93 });
      expect(p.BBB.reasons[0]).toMatch(/not red: b-2 74.99 < 75/);
      expect(p.CCC).toMatchObject({ list: 'none', score: 60 });
      expect(p.DDD).toMatchObject({ list: 'black', reasons: ['department score 59.99 < 60'] });
      expect(p.EEE.list).toBe('black');
      expect(p.EEE.reasons[0]).toMatch(/e-1 accuracy 0.7999 < 0.8/);
      expect(p.FFF.list).toBe('black');
      expect(p.FFF.reasons[0]).toMatch(/unresolved 31 days > 30/);
      expect(p.GGG).toMatchObject({ list: 'red' });
      expect(p.GGG.unresolvedAlerts[0].ageDays).toBe(30);
      expect(p.ZZZ).toMatchObject({ list: 'none', score: null });
      // Remediation: 70 in November is not enough after a black October (two periods >= 60 needed).
      expect(p.HHH.list).toBe('black');
      expect(p.HHH.history).toEqual([
        { period: '2026-10', score: 50 },
        { period: '2026-11', score: 70 },
      ]);
      expect(p.HHH.reasons[0]).toMatch(/^remediation/);
      expect(p.AAA.datasets.map((d: any) => d.runId)).toHaveLength(2);
    });

    it('leaves the black list once the score stayed above the threshold for the policy period', async () => {
      await fakeRun(q.quality.db, { datasetId: 'h-1', dept: 'HHH', score: 71, finishedAt: '2026-12-05T00:00:00Z' });
      clock.set('2027-01-01T01:00:00Z');
      const dec = (await face().publish({ period: '2026-12' }, admin)).publication;
      const h = dec.departments.find((d: any) => d.dept === 'HHH');
      expect(h).toMatchObject({
        list: 'none',
        score: 71,
        history: [
          { period: '2026-11', score: 70 },
          { period: '2026-12', score: 71 },
        ],
      });
    });

    it('policy changes are versioned and named by later publications', async () => {
      const v = await face().setPolicy({ redMinScore: 85 }, admin);
      expect(v).toMatchObject({ version: 2, body: { redMinScore: 85, blackBelowScore: 60 }, createdBy: 'board@SAMR' });
      expect(v.createdAt.slice(0, 10)).toBe('2027-01-01');
      expect((await face().getPolicy({}, hubCall())).version).toBe(2);
      expect((await refusal(face().setPolicy({ redMinScore: 120 }, admin))).code).toBe('BAD_USER_INPUT');
      expect((await face().getPolicy({}, hubCall())).version).toBe(2);
    });

    it('appeals: rejected leaves the publication; accepted issues a signed correction that supersedes it', async () => {
      const key = (await face().publicKey({}, hubCall())).jwk;
      const pubId = nov.publication.id;
      const dddHead = as('ddd-head', 'DDD');
      // The appellant is the caller's own department, which must be on the publication.
      expect((await refusal(face().fileAppeal({ publicationId: pubId, reason: 'r' }, as('x', 'XXX')))).code).toBe(
        'BAD_USER_INPUT',
      );
      const a1 = (await face().fileAppeal({ publicationId: pubId, reason: 'score wrong' }, dddHead)).appeal;
      expect(a1).toMatchObject({ status: 'pending', dept: 'DDD', filedBy: 'ddd-head@DDD' });
      expect(a1.filedAt.slice(0, 10)).toBe('2027-01-01'); // the service's clock
      // Separation of duties: an admin of DDD may not decide DDD's appeal; the decider's department is required.
      const own = await refusal(
        face().decideAppeal({ id: a1.id, accept: true, reason: 'ours' }, as('ddd-admin', 'DDD', ['admin'])),
      );
      expect(own).toMatchObject({
        code: 'FORBIDDEN',
        details: { rule: 'separation-of-duties', appellantDept: 'DDD', deciderDept: 'DDD' },
      });
      expect(own.message).toMatch(
        /^separation of duties: appeal .* of DDD must be decided by an admin of another department, not of DDD$/,
      );
      // The decider (and so their department) is required: a call with no end caller decides nothing,
      // and a decider named in the input is refused by the spec.
      const nobody = await refusal(face().decideAppeal({ id: a1.id, accept: true, reason: 'r' }, hubCall()));
      expect(nobody).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/verified end caller/) });
      const named = { id: a1.id, accept: true, reason: 'r', decidedBy: 'someone', deciderDept: 'SAMR' };
      expect((await refusal(face().decideAppeal(named as any, hubCall()))).code).toBe('BAD_USER_INPUT');
      expect((await face().getAppeal({ id: a1.id }, hubCall())).appeal.status).toBe('pending');
      const rej = await face().decideAppeal({ id: a1.id, accept: false, reason: 'figures stand' }, admin);
      expect(rej.appeal).toMatchObject({ status: 'rejected', correctedPublicationId: null, decidedBy: 'board@SAMR' });
      expect(rej.publication).toBeUndefined();
      expect((await refusal(face().decideAppeal({ id: a1.id, accept: true, reason: 'again' }, admin))).code).toBe(
        'CONFLICT',
      );

      // DDD fixed its data and was re-scored within the period: the accepted appeal re-places it.
      await fakeRun(q.quality.db, { datasetId: 'd-1', dept: 'DDD', score: 65, finishedAt: '2026-11-29T00:00:00Z' });
      const a2 = (await face().fileAppeal({ publicationId: pubId, reason: 'data corrected on 11-29' }, dddHead)).appeal;
      const acc = await face().decideAppeal({ id: a2.id, accept: true, reason: 're-scored run counts' }, admin);
      if (!acc.publication || !acc.jws) throw new Error('an accepted appeal issues a correction');
      expect(acc.appeal).toMatchObject({ status: 'accepted', correctedPublicationId: acc.publication.id });
      expect(acc.publication).toMatchObject({ supersedes: pubId, period: '2026-11', policy: { version: 1 } });
      expect(acc.publication.changes).toEqual([
        {
          dept: 'DDD',
          from: { list: 'black', score: 59.99 },
          to: { list: 'none', score: 65 },
          appealId: a2.id,
          reason: 're-scored run counts',
        },
      ]);
      const others = (p: any) => p.departments.filter((d: any) => d.dept !== 'DDD');
      expect(others(acc.publication)).toEqual(others(nov.publication));
      expect(await verifyPublication(acc.publication, acc.jws, key)).toBe(true);
      const old = await face().getPublication({ id: pubId }, hubCall());
      expect(old.supersededBy).toBe(acc.publication.id);
      expect(await verifyPublication(old.publication, old.jws, key)).toBe(true); // unchanged
      expect((await refusal(face().fileAppeal({ publicationId: pubId, reason: 'r' }, as('e', 'EEE')))).code).toBe(
        'CONFLICT',
      );

      // An accepted appeal may name the list outright.
      const a3 = (
        await face().fileAppeal(
          { publicationId: acc.publication.id, reason: 'alert was a false alarm' },
          as('fff', 'FFF'),
        )
      ).appeal;
      const acc3 = await face().decideAppeal(
        { id: a3.id, accept: true, reason: 'alert raised by a catalog outage', list: 'red' },
        admin,
      );
      if (!acc3.publication) throw new Error('an accepted appeal issues a correction');
      expect(acc3.publication.changes[0]).toMatchObject({ dept: 'FFF', from: { list: 'black' }, to: { list: 'red' } });
      expect(acc3.publication.departments.find((d: any) => d.dept === 'FFF')!.reasons.at(-1)).toMatch(
        /appeal .* accepted/,
      );
      const list = (await face().listPublications({ period: '2026-11' }, hubCall())).publications;
      // Newest first: the current one, then each that it superseded.
      expect(list.map((p: any) => p.id)).toEqual([acc3.publication.id, acc.publication.id, pubId]);
      expect(list.map((p: any) => p.supersededBy)).toEqual([null, acc3.publication.id, acc.publication.id]);
      expect((await face().listAppeals({ publicationId: pubId }, hubCall())).appeals).toHaveLength(2);
    });
  });
}
