import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { AccessActor } from '@govshare/contracts';
import { addDepartment, openTestDb, testTargets } from './test-support.ts';
import type { CatalogDb } from './datasets.ts';
import { createDataset, datasetAccess } from './datasets.ts';
import { batchItems, ingest } from './ingest.ts';
import {
  addWorkingDays,
  DAY_MS,
  deadlineStatus,
  HOUR_MS,
  manualClock,
  workingCalendar,
  workingMsBetween,
} from './deadlines.ts';
import {
  approveAccessRequest,
  checkRequestFields,
  fileAccessRequest,
  getAccessRequest,
  listAccessRequests,
  rejectAccessRequest,
  revokeRequestGrant,
  setAccessSettings,
  transferAccessRequest,
  withdrawAccessRequest,
} from './access-requests.ts';
import { governanceFigures, percentile } from './governance.ts';
import { accessRequestEvents, grants } from './schema.ts';

// Monday 2026-11-02 09:00 in China Standard Time.
const MONDAY_9 = new Date('2026-11-02T01:00:00Z');

describe('deadlines (working days, CST)', () => {
  it('counts five working days over a weekend, keeping the time of day', () => {
    expect(addWorkingDays(MONDAY_9, 5).toISOString()).toBe('2026-11-09T01:00:00.000Z');
    const friday = new Date('2026-11-06T02:00:00Z'); // Friday 10:00 CST
    expect(addWorkingDays(friday, 1).toISOString()).toBe('2026-11-09T02:00:00.000Z'); // Monday 10:00
    const saturday = new Date('2026-11-07T06:00:00Z');
    expect(addWorkingDays(saturday, 1).toISOString()).toBe('2026-11-09T16:00:00.000Z'); // Tuesday 00:00 CST
    expect(workingMsBetween(friday, addWorkingDays(friday, 1))).toBe(DAY_MS);
  });

  it('property: from a working day, the deadline is on a working day exactly n working days later', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 * 24 }), fc.integer({ min: 1, max: 30 }), (hours, n) => {
        const start = new Date(MONDAY_9.getTime() + hours * HOUR_MS);
        const d = addWorkingDays(start, n);
        const day = new Date(d.getTime() + 8 * HOUR_MS).getUTCDay();
        expect(day).not.toBe(0);
        expect(day).not.toBe(6);
        const startDay = new Date(start.getTime() + 8 * HOUR_MS).getUTCDay();
        if (startDay !== 0 && startDay !== 6) expect(workingMsBetween(start, d)).toBe(n * DAY_MS);
      }),
      { numRuns: 200 },
    );
  });

  it('a working calendar removes public holidays and adds make-up working days (调休)', () => {
    // An illustrative National Day week, not an official schedule.
    const holidays = ['2026-10-01', '2026-10-02', '2026-10-05', '2026-10-06', '2026-10-07'];
    const cal = workingCalendar({ holidays, workdays: ['2026-10-10'] });
    const wednesday = new Date('2026-09-30T02:00:00Z'); // 10:00 CST
    // Thu 8, Fri 9, Sat 10 (make-up), Mon 12, Tue 13.
    expect(addWorkingDays(wednesday, 5, cal).toISOString()).toBe('2026-10-13T02:00:00.000Z');
    expect(addWorkingDays(wednesday, 5).toISOString()).toBe('2026-10-07T02:00:00.000Z');
    expect(workingMsBetween(new Date('2026-09-30T16:00:00Z'), new Date('2026-10-07T16:00:00Z'), cal)).toBe(0); // Oct 1–7 CST
    expect(() => workingCalendar({ holidays: ['2026-02-30'] })).toThrow(/not a date/);
    expect(() => workingCalendar({ holidays: ['2026-10-10'], workdays: ['2026-10-10'] })).toThrow(/both/);
  });

  it('green, then yellow under half the working time left, red when overdue; decided = closed', () => {
    const filedAt = MONDAY_9;
    const deadline = addWorkingDays(filedAt, 5);
    const at = (days: number) => new Date(filedAt.getTime() + days * DAY_MS);
    expect(deadlineStatus({ filedAt, deadline, closed: false }, at(0))).toBe('green');
    expect(deadlineStatus({ filedAt, deadline, closed: false }, at(2.4))).toBe('green');
    expect(deadlineStatus({ filedAt, deadline, closed: false }, at(2.6))).toBe('yellow');
    // The weekend does not count: Friday evening still has a working day left (yellow, not red).
    expect(deadlineStatus({ filedAt, deadline, closed: false }, at(5.5))).toBe('yellow');
    expect(deadlineStatus({ filedAt, deadline, closed: false }, at(7.01))).toBe('red');
    expect(deadlineStatus({ filedAt, deadline, closed: true }, at(9))).toBe('closed');
  });

  it('x-dimension is allowed on public fields only', async () => {
    const { compileDatasetSchema } = await import('./data-dictionary.ts');
    const ok = compileDatasetSchema({
      type: 'object',
      properties: { k: { type: 'string', 'x-key': true }, region: { type: 'string', 'x-dimension': true } },
      required: ['k'],
    });
    expect(ok.schema.properties.region['x-dimension']).toBe(true);
    const bad = (() => {
      try {
        compileDatasetSchema({
          type: 'object',
          properties: {
            k: { type: 'string', 'x-key': true },
            name: { type: 'string', 'x-sensitivity': 'personal', 'x-dimension': true },
          },
          required: ['k'],
        });
      } catch (e) {
        return e as any;
      }
    })();
    expect(JSON.stringify(bad.details)).toMatch(/dimension-sensitive/);
    // A subject identifier is a string (it is compared as text across datasets).
    expect(
      compileDatasetSchema({
        type: 'object',
        properties: { k: { type: 'string', 'x-key': true, 'x-subject': true } },
        required: ['k'],
      }).fields[0]!.subject,
    ).toBe(true);
    expect(() =>
      compileDatasetSchema({
        type: 'object',
        properties: { k: { type: 'string', 'x-key': true }, n: { type: 'integer', 'x-subject': true } },
        required: ['k'],
      }),
    ).toThrow(
      expect.objectContaining({
        details: expect.objectContaining({
          problems: expect.arrayContaining([expect.objectContaining({ rule: 'subject-type' })]),
        }),
      }),
    );
  });

  it('percentile is nearest-rank', () => {
    expect(percentile([1, 1, 2, 2, 3, 3, 4, 5], 50)).toBe(2);
    expect(percentile([1, 1, 2, 2, 3, 3, 4, 5], 90)).toBe(5);
    expect(percentile([], 50)).toBeNull();
  });
});

const SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string', 'x-key': true },
    personId: {
      type: 'string',
      title: '公民身份号码 / Resident ID number',
      'x-sensitivity': 'sensitive',
      'x-mask': 'hash',
    },
    name: { type: 'string', title: '姓名 / Name', 'x-sensitivity': 'personal' },
    region: { type: 'string', title: '区域 / Region', 'x-dimension': true },
    amount: { type: 'number', title: '金额 / Amount' },
    paidOn: { type: 'string', format: 'date', title: '日期 / Paid on' },
  },
  required: ['id', 'personId', 'region', 'amount'],
  additionalProperties: false,
};

const steward = (dept: string, sub: string): AccessActor => ({ sub, dept, roles: ['steward'] });

describe.each(testTargets)('access workflow on $name', ({ url }) => {
  let db: CatalogDb;
  let close: () => Promise<void>;
  const clock = manualClock(MONDAY_9);

  beforeAll(async () => {
    ({ db, close } = await openTestDb(url));
    for (const d of ['OWN', 'REQ', 'OTH', 'TWO']) await addDepartment(db, d);
    await createDataset(db, {
      id: 'benefits',
      title: 'Benefits',
      ownerDept: 'OWN',
      tier: 'RESTRICTED',
      schema: SCHEMA as any,
    });
    await createDataset(db, { id: 'claims', title: 'Claims', ownerDept: 'TWO', tier: 'SECRET', schema: SCHEMA as any });
    await setAccessSettings(db, 'OWN', { stewards: ['own-a', 'own-b'], deadlineWorkingDays: 5 });
  });
  afterAll(() => close?.());

  const file = (over: Record<string, unknown> = {}) =>
    fileAccessRequest(
      db,
      {
        datasetId: 'benefits',
        requesterDept: 'REQ',
        requestedBy: 'req-clerk',
        purpose: 'eligibility check',
        legalBasis: 'Social Assistance Measures art. 11',
        fields: [
          { name: 'id' },
          { name: 'personId', type: 'string' },
          { name: 'name' },
          { name: 'amount', type: 'number' },
        ],
        unmaskedFields: ['name'],
        durationDays: 90,
        ...over,
      } as any,
      clock,
    );

  it('files, names the first responder by load, and refuses mismatched fields with fixable messages', async () => {
    clock.set(MONDAY_9);
    const a = await file();
    expect(a.created).toBe(true);
    expect(a.request).toMatchObject({
      status: 'pending',
      assignee: 'own-a',
      ownerDept: 'OWN',
      deadline: '2026-11-09T01:00:00.000Z',
      deadlineStatus: 'green',
    });
    expect(a.request.history.map((h) => h.kind)).toEqual(['filed', 'assigned']);
    const b = await file();
    expect(b.request.assignee).toBe('own-b');
    await withdrawAccessRequest(db, b.request.id, { actor: { sub: 'x', dept: 'REQ', roles: ['consumer'] } }, clock);

    const bad = await file({
      fields: [{ name: 'personID' }, { name: 'amount', type: 'string' }, { name: 'paidOn', format: 'date-time' }],
      unmaskedFields: [],
    }).catch((e) => e);
    expect(bad.code).toBe('BAD_USER_INPUT');
    expect(bad.details.rule).toBe('standards-mismatch');
    expect(bad.details.problems).toEqual([
      expect.objectContaining({ field: 'personID', rule: 'field-unknown', suggestions: ['personId'] }),
      expect.objectContaining({ field: 'amount', rule: 'type-mismatch', declared: 'string', actual: 'number' }),
      expect.objectContaining({ field: 'paidOn', rule: 'format-mismatch', declared: 'date-time', actual: 'date' }),
    ]);
    expect(bad.message).toMatch(/did you mean "personId"/);
    const check = await checkRequestFields(db, 'benefits', [{ name: 'name', title: 'Address' }, { name: 'region' }]);
    expect(check).toEqual({
      ok: true,
      problems: [expect.objectContaining({ field: 'name', rule: 'meaning-differs', severity: 'warning' })],
    });
    expect((await file({ datasetId: 'claims' }).catch((e) => e)).details.rule).toBe('tier-not-restricted');
    expect((await file({ requesterDept: 'OWN' }).catch((e) => e)).details.rule).toBe('own-dataset');
  });

  it('transfer with a reason (deadline kept), approve narrower, idempotent retries, expiry by the clock', async () => {
    clock.set(MONDAY_9);
    const { request } = await file({ idempotencyKey: 'k-1' });
    const again = await file({ idempotencyKey: 'k-1' });
    expect(again).toMatchObject({ created: false, request: { id: request.id } });
    const first = request.assignee!;
    const other = first === 'own-a' ? 'own-b' : 'own-a';

    const notMine = await approveAccessRequest(db, request.id, { actor: steward('OWN', other) }, clock).catch((e) => e);
    expect(notMine).toMatchObject({ code: 'FORBIDDEN', details: { rule: 'not-assignee' } });
    expect(
      (await approveAccessRequest(db, request.id, { actor: steward('OTH', first) }, clock).catch((e) => e)).details
        .rule,
    ).toBe('not-owner-steward');

    clock.advance(HOUR_MS);
    const moved = await transferAccessRequest(
      db,
      request.id,
      { actor: steward('OWN', first), to: other, reason: 'handles benefits data', idempotencyKey: 't-1' },
      clock,
    );
    expect(moved.assignee).toBe(other);
    expect(moved.deadline).toBe(request.deadline);
    expect(
      (
        await transferAccessRequest(
          db,
          request.id,
          { actor: steward('OWN', other), to: 'nobody', reason: 'xyz' },
          clock,
        ).catch((e) => e)
      ).details.rule,
    ).toBe('steward-unknown');

    const wider = await approveAccessRequest(
      db,
      request.id,
      { actor: steward('OWN', other), fields: ['id', 'region'] },
      clock,
    ).catch((e) => e);
    expect(wider.details.rule).toBe('wider-than-requested');
    expect(
      (
        await approveAccessRequest(db, request.id, { actor: steward('OWN', other), durationDays: 400 }, clock).catch(
          (e) => e,
        )
      ).details.rule,
    ).toBe('wider-than-requested');

    clock.advance(HOUR_MS);
    const approve = () =>
      approveAccessRequest(
        db,
        request.id,
        {
          actor: steward('OWN', other),
          fields: ['id', 'name', 'amount'],
          unmaskedFields: [],
          durationDays: 10,
          idempotencyKey: 'a-1',
        },
        clock,
      );
    const [x, y] = await Promise.all([approve(), approve()]);
    expect(x).toEqual(y);
    expect(x).toMatchObject({
      status: 'approved',
      deadlineStatus: 'closed',
      decidedBy: `${other}@OWN`,
      decision: { fields: ['id', 'name', 'amount'], unmaskedFields: [], durationDays: 10 },
    });
    expect(x.grant).toMatchObject({
      id: x.grantId,
      granteeDept: 'REQ',
      fields: ['id', 'name', 'amount'],
      unmaskedFields: [],
      expiresAt: new Date(MONDAY_9.getTime() + 2 * HOUR_MS + 10 * DAY_MS).toISOString(),
    });
    expect(x.history.map((h) => h.kind)).toEqual(['filed', 'assigned', 'transferred', 'approved']);
    const grantRows = await db.select().from(grants);
    expect(grantRows.filter((g) => g.purpose.includes(request.id))).toHaveLength(1);
    // Without the key, a second approval is a conflict, not a second grant.
    expect(
      (await approveAccessRequest(db, request.id, { actor: steward('OWN', other) }, clock).catch((e) => e)).code,
    ).toBe('CONFLICT');

    expect((await datasetAccess(db, 'benefits', 'REQ', clock())).grants.map((g) => g.id)).toEqual([x.grantId]);
    clock.advance(10 * DAY_MS);
    expect((await datasetAccess(db, 'benefits', 'REQ', clock())).grants).toEqual([]);

    // Renewal goes through a new request naming the old grant.
    const renewal = await file({ renewsGrantId: x.grantId });
    expect(renewal.request.renewsGrantId).toBe(x.grantId);
    expect((await file({ renewsGrantId: '00000000-0000-4000-8000-000000000000' }).catch((e) => e)).details.rule).toBe(
      'grant-unknown',
    );
  });

  it('reject with a reason code; revoke an approved grant at once; overdue lists', async () => {
    clock.set(MONDAY_9);
    const { request } = await file();
    const rejected = await rejectAccessRequest(
      db,
      request.id,
      {
        actor: { sub: 'root', dept: 'PSB', roles: ['admin'] },
        code: 'security',
        text: 'unmasked names are not needed',
      },
      clock,
    );
    expect(rejected).toMatchObject({
      status: 'rejected',
      rejectCode: 'security',
      rejectText: 'unmasked names are not needed',
      grantId: null,
    });

    const two = (await file()).request;
    const ok = await approveAccessRequest(db, two.id, { actor: steward('OWN', two.assignee!) }, clock);
    expect((await datasetAccess(db, 'benefits', 'REQ', clock())).grants.map((g) => g.id)).toContain(ok.grantId);
    const revoked = await revokeRequestGrant(
      db,
      two.id,
      { actor: steward('OWN', 'own-z'), reason: 'purpose ended' },
      clock,
    );
    expect(revoked.grant!.revokedAt).not.toBeNull();
    // A second revocation is refused like a second decision, and leaves no second history event.
    const again = await revokeRequestGrant(
      db,
      two.id,
      { actor: steward('OWN', 'own-z'), reason: 'again' },
      clock,
    ).catch((e) => e);
    expect(again).toMatchObject({ code: 'CONFLICT', details: { rule: 'grant-revoked' } });
    expect(
      (await getAccessRequest(db, two.id, clock())).history.filter((h) => h.kind === 'grant-revoked'),
    ).toHaveLength(1);
    expect((await datasetAccess(db, 'benefits', 'REQ', clock())).grants.map((g) => g.id)).not.toContain(ok.grantId);

    const pending = (await file()).request;
    clock.set(new Date(MONDAY_9.getTime() + 3 * DAY_MS));
    expect((await getAccessRequest(db, pending.id, clock())).deadlineStatus).toBe('yellow');
    clock.set(new Date(MONDAY_9.getTime() + 8 * DAY_MS));
    const overdue = await listAccessRequests(db, { ownerDept: 'OWN', overdue: true }, clock());
    expect(overdue.requests.map((r) => r.id)).toContain(pending.id);
    expect(overdue.requests.every((r) => r.status === 'pending' && r.deadlineStatus === 'red')).toBe(true);
    expect((await listAccessRequests(db, { ownerDept: 'OTH', overdue: true }, clock())).requests).toEqual([]);
  });

  it('idempotent state changes leave one history event per key', async () => {
    clock.set(MONDAY_9);
    const { request } = await file();
    const t = {
      actor: steward('OWN', request.assignee!),
      code: 'other' as const,
      text: 'please explain',
      idempotencyKey: 'r-1',
    };
    await rejectAccessRequest(db, request.id, t, clock);
    await rejectAccessRequest(db, request.id, t, clock);
    const events = (await db.select().from(accessRequestEvents)).filter(
      (e) => e.requestId === request.id && e.kind === 'rejected',
    );
    expect(events).toHaveLength(1);
    // Someone else replaying the key gets nothing back.
    expect(
      (await rejectAccessRequest(db, request.id, { ...t, actor: steward('OTH', 'x') }, clock).catch((e) => e)).details
        .rule,
    ).toBe('idempotency-key-reused');
  });
});

describe.each(testTargets)('governance figures on a known history ($name)', ({ url }) => {
  let db: CatalogDb;
  let close: () => Promise<void>;
  const clock = manualClock(MONDAY_9);
  beforeAll(async () => {
    ({ db, close } = await openTestDb(url));
    for (const d of ['OWN', 'REQ']) await addDepartment(db, d);
    await createDataset(db, {
      id: 'benefits',
      title: 'Benefits',
      ownerDept: 'OWN',
      tier: 'RESTRICTED',
      schema: SCHEMA as any,
    });
    await setAccessSettings(db, 'OWN', { stewards: ['own-a'] });
  });
  afterAll(() => close?.());

  it('received, filed, refusal rate and reasons, decision time median/p90, late, overdue, active grants, warnings', async () => {
    const actor = steward('OWN', 'own-a');
    const ids: string[] = [];
    clock.set(MONDAY_9);
    for (let i = 0; i < 10; i++) {
      const r = await fileAccessRequest(
        db,
        {
          datasetId: 'benefits',
          requesterDept: 'REQ',
          requestedBy: 'c',
          purpose: 'check',
          legalBasis: 'law',
          fields: [{ name: 'id' }],
          durationDays: 30,
        },
        clock,
      );
      ids.push(r.request.id);
    }
    // Decision times (calendar days after Monday 09:00): 1,1,2,2,3,3,4 working days, and one on the next Monday 10:00 (5.04, late).
    const after = [1, 1, 2, 2, 3, 3, 4];
    for (let i = 0; i < 8; i++) {
      clock.set(new Date(MONDAY_9.getTime() + (i < 7 ? after[i] * DAY_MS : 7 * DAY_MS + HOUR_MS)));
      if (i === 2)
        await rejectAccessRequest(db, ids[i], { actor, code: 'standards_mismatch', text: 'field names differ' }, clock);
      else if (i === 5) await rejectAccessRequest(db, ids[i], { actor, code: 'security', text: 'too wide' }, clock);
      else if (i === 1)
        await approveAccessRequest(db, ids[i], { actor, durationDays: 10 }, clock); // narrower: shorter
      else await approveAccessRequest(db, ids[i], { actor }, clock);
    }
    await revokeRequestGrant(db, ids[0], { actor, reason: 'done' }, clock);
    clock.set(new Date(MONDAY_9.getTime() + 8 * DAY_MS));
    const period = {
      from: new Date(MONDAY_9.getTime() - DAY_MS).toISOString(),
      to: new Date(MONDAY_9.getTime() + 10 * DAY_MS).toISOString(),
    };
    const f = await governanceFigures(db, 'OWN', period, clock);
    expect(f).toMatchObject({
      received: 10,
      filed: 0,
      decided: 8,
      approved: 6,
      rejected: 2,
      refusalRate: 0.25,
      approvedNarrower: 1,
      narrowedRate: 0.125,
      refusalReasons: [
        { code: 'standards_mismatch', count: 1, share: 0.5 },
        { code: 'security', count: 1, share: 0.5 },
      ],
      decisionDaysMedian: 2,
      decisionDaysP90: 5.04,
      decidedLate: 1,
      overdueNow: 2,
      pendingNow: 2,
      activeGrants: 5,
      targets: { refusalRate: 0.1, decisionDaysP90: 5, overdue: 0 },
    });
    expect(f.warnings.map((w) => w.figure)).toEqual(['refusalRate', 'overdue']);
    expect((await governanceFigures(db, 'REQ', period, clock)).filed).toBe(10);
    // A period before all this: nothing decided, no refusal rate, still the overdue ones now.
    const early = await governanceFigures(
      db,
      'OWN',
      { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' },
      clock,
    );
    expect(early).toMatchObject({
      received: 0,
      decided: 0,
      refusalRate: null,
      decisionDaysMedian: null,
      overdueNow: 2,
    });
  });
});

// ---------------------------------------------------------------------------------------------

// The sandbox's tests are in sandbox.test.ts.

describe.each(testTargets)('demo access history ($name)', ({ url }) => {
  let db: CatalogDb;
  let close: () => Promise<void>;
  const now = new Date('2026-11-26T08:00:00Z');
  beforeAll(async () => {
    ({ db, close } = await openTestDb(url));
    const { seedDemoData } = await import('./demo-data.ts');
    await seedDemoData(db, { scale: 0.02, now });
  });
  afterAll(() => close?.());

  it('sets the history deadlines by the operator working calendar', async () => {
    // Every Wednesday of the demo's 400 days is a holiday: a weekends-only count lands deadlines on them.
    const holidays: string[] = [];
    for (let t = now.getTime() - 420 * DAY_MS; t < now.getTime() + 30 * DAY_MS; t += DAY_MS) {
      const local = new Date(t + 8 * HOUR_MS);
      if (local.getUTCDay() === 3) holidays.push(local.toISOString().slice(0, 10));
    }
    const cal = workingCalendar({ holidays });
    const other = await openTestDb(url);
    try {
      const { seedDemoData } = await import('./demo-data.ts');
      await seedDemoData(other.db, { scale: 0.02, now, calendar: cal });
      const all = (await listAccessRequests(other.db, { first: 500 }, now, cal)).requests;
      expect(all.length).toBeGreaterThan(50);
      for (const r of all) {
        const days = r.history[0].details.workingDays as number;
        expect(r.deadline).toBe(addWorkingDays(new Date(r.filedAt), days, cal).toISOString());
        expect(holidays).not.toContain(
          new Date(new Date(r.deadline).getTime() + 8 * HOUR_MS).toISOString().slice(0, 10),
        );
      }
    } finally {
      await other.close();
    }
  });

  it('links the demo grants to their requests, adds no active grant, and gives figures that mean something', async () => {
    const { listGrants } = await import('./grants.ts');
    const active = (await listGrants(db, { active: true }, now)).grants;
    expect(active.map((g) => [g.datasetId, g.granteeDept])).toEqual([['social-insurance', 'MCA']]);
    expect((await listGrants(db, { datasetId: 'subsidies' }, now)).grants).toHaveLength(1);
    const all = (await listAccessRequests(db, { first: 500 }, now)).requests;
    expect(all.length).toBeGreaterThan(50);
    const linked = all.filter((r) => r.grantId === active[0].id);
    expect(linked).toEqual([expect.objectContaining({ status: 'approved', requesterDept: 'MCA', ownerDept: 'HRSS' })]);
    for (const r of all) {
      if (r.status === 'approved') expect(r.grant).not.toBeNull();
      expect(['HRSS', 'MCA']).toContain(r.ownerDept);
      expect(r.history[0].kind).toBe('filed');
    }
    const hrss = await governanceFigures(db, 'HRSS', {}, () => now);
    expect(hrss.refusalRate).toBeGreaterThan(0.1);
    expect(hrss.refusalReasons.map((r) => r.code)).toEqual(expect.arrayContaining(['standards_mismatch', 'security']));
    expect(hrss.overdueNow).toBeGreaterThanOrEqual(1);
    expect(hrss.decisionDaysMedian).toBeLessThan(5);
    expect(hrss.warnings.map((w) => w.figure)).toEqual(expect.arrayContaining(['refusalRate', 'overdue']));
  });
});
