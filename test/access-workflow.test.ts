// The access workflow end to end over HTTP with real tokens: file, transfer, approve narrower,
// reject, expire, revoke (the next query is refused), overdue lists, governance figures, and the
// sandbox (differential privacy for SECRET data, the budget, the audit trail; attacks: sandbox-attacks.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '@govshare/catalog';
import { hubSetups, codes, startHub, type Hub } from './hub.ts';

const DAY = 86_400_000;

const REQUEST_FIELDS = `id status assignee deadline deadlineStatus workingDaysLeft datasetId ownerDept requesterDept
  decision { fields unmaskedFields durationDays } rejectReason rejectText
  grant { id fields unmaskedFields expiresAt revokedAt active } history { kind actor details }`;
const FILE = `mutation F($i: FileAccessRequestInput!, $k: String) { fileAccessRequest(input: $i, idempotencyKey: $k) { ${REQUEST_FIELDS} } }`;
const RECORDS = `query R($d: ID!, $f: [String!], $first: Int, $after: String) {
  records(dataset: $d, fields: $f, first: $first, after: $after) { totalCount grantId nodes { data } pageInfo { endCursor hasNextPage } }
}`;
const SANDBOX = `query S($q: SandboxQuery!) { sandboxAggregate(query: $q) { k measures scope groups { key count subjects values margins } privacy { mode mechanism epsilon cached datasetEpsilonLeft departmentEpsilonLeft } } }`;

describe.each(hubSetups())('access workflow over HTTP (%s)', (backend) => {
  let hub: Hub;
  const clock = manualClock(new Date());
  beforeAll(async () => {
    hub = await startHub(backend, { catalogClock: clock });
  });
  afterAll(() => hub?.close());

  const as = (dept: string, roles: any[], sub?: string) => hub.token(dept, roles, sub ? { sub } : {});
  const gql = async (token: string, query: string, variables?: Record<string, unknown>) =>
    (await hub.gql(token, query, variables)).body;
  const file = async (dept: string, input: Record<string, unknown>, key?: string) =>
    gql(await as(dept, ['consumer'], `${dept.toLowerCase()}-clerk`), FILE, {
      i: { purpose: 'eligibility check', legalBasis: '《社会救助暂行办法》第十一条', durationDays: 30, ...input },
      k: key,
    });
  const steward = (dept: string, sub: string) => as(dept, ['steward'], sub);
  const read = async (dept: string, dataset: string, fields?: string[]) =>
    gql(await as(dept, ['consumer']), RECORDS, { d: dataset, f: fields, first: 5 });

  /** Every row of a dataset as its owner sees it, page by page over GraphQL. */
  async function allRows(dept: string, dataset: string, fields: string[]): Promise<Record<string, unknown>[]> {
    const token = await as(dept, ['consumer']);
    const out: Record<string, unknown>[] = [];
    let after: string | undefined;
    for (;;) {
      const body = await gql(token, RECORDS, { d: dataset, f: fields, first: 100, after });
      expect(body.errors).toBeUndefined();
      out.push(...body.data.records.nodes.map((n: any) => n.data));
      if (!body.data.records.pageInfo.hasNextPage) return out;
      after = body.data.records.pageInfo.endCursor;
    }
  }

  it('file (idempotent), refuse a standards mismatch with fixable messages, transfer, approve narrower; the grant reads', async () => {
    clock.set(new Date());
    const fields = [
      { name: 'idNumber', type: 'string' },
      { name: 'name' },
      { name: 'insuranceType' },
      { name: 'status' },
    ];
    const filed = await file('SAMR', { datasetId: 'social-insurance', fields, unmaskedFields: ['name'] }, 'samr-1');
    expect(filed.errors).toBeUndefined();
    const req = filed.data.fileAccessRequest;
    expect(req).toMatchObject({
      status: 'PENDING',
      ownerDept: 'HRSS',
      requesterDept: 'SAMR',
      deadlineStatus: 'GREEN',
      grant: null,
    });
    expect(['hrss-steward-li', 'hrss-steward-wang']).toContain(req.assignee);
    // The same key again: the same request, not a second one.
    const retry = await file('SAMR', { datasetId: 'social-insurance', fields, unmaskedFields: ['name'] }, 'samr-1');
    expect(retry.data.fileAccessRequest.id).toBe(req.id);

    const mismatch = await file('SAMR', {
      datasetId: 'social-insurance',
      fields: [{ name: 'IDNumber' }, { name: 'monthlyBase', type: 'string' }],
    });
    expect(codes(mismatch)).toEqual(['BAD_USER_INPUT']);
    expect(mismatch.errors[0].extensions.details.problems).toEqual([
      expect.objectContaining({ field: 'IDNumber', rule: 'field-unknown', suggestions: ['idNumber'] }),
      expect.objectContaining({ field: 'monthlyBase', rule: 'type-mismatch', declared: 'string', actual: 'number' }),
    ]);
    const check = await gql(
      await as('SAMR', ['consumer']),
      `{ checkAccessRequestFields(dataset: "social-insurance", fields: [{ name: "startDate", type: string, format: "date-time" }]) { ok problems { field rule message } } }`,
    );
    expect(check.data.checkAccessRequestFields).toEqual({
      ok: false,
      problems: [expect.objectContaining({ field: 'startDate', rule: 'format-mismatch' })],
    });

    const other = req.assignee === 'hrss-steward-li' ? 'hrss-steward-wang' : 'hrss-steward-li';
    const approveQ = `mutation A($id: ID!, $in: ApproveAccessInput, $k: String) { approveAccessRequest(id: $id, input: $in, idempotencyKey: $k) { ${REQUEST_FIELDS} } }`;
    // Only the first responder handles it; a consumer cannot at all.
    const notMine = await gql(await steward('HRSS', other), approveQ, { id: req.id });
    expect(codes(notMine)).toEqual(['FORBIDDEN']);
    expect(notMine.errors[0].message).toMatch(new RegExp(`assigned to ${req.assignee}`));
    expect(codes(await gql(await as('HRSS', ['consumer']), approveQ, { id: req.id }))).toEqual(['FORBIDDEN']);

    const moved = await gql(
      await steward('HRSS', req.assignee),
      `mutation { transferAccessRequest(id: "${req.id}", to: "${other}", reason: "she handles pension data") { assignee deadline history { kind details } } }`,
    );
    expect(moved.errors).toBeUndefined();
    expect(moved.data.transferAccessRequest).toMatchObject({ assignee: other, deadline: req.deadline });
    expect(moved.data.transferAccessRequest.history.at(-1)).toEqual({
      kind: 'transferred',
      details: { from: req.assignee, to: other, reason: 'she handles pension data' },
    });

    const narrower = { fields: ['insuranceType', 'status'], unmaskedFields: [], durationDays: 10 };
    const approved = await gql(await steward('HRSS', other), approveQ, { id: req.id, in: narrower, k: 'approve-1' });
    expect(approved.errors).toBeUndefined();
    const a = approved.data.approveAccessRequest;
    expect(a).toMatchObject({
      status: 'APPROVED',
      deadlineStatus: 'CLOSED',
      decision: narrower,
      grant: { fields: ['insuranceType', 'status'], unmaskedFields: [], active: true },
    });
    expect(Date.parse(a.grant.expiresAt) - clock().getTime()).toBe(10 * DAY);
    // A retried approval (same key) changes nothing and creates no second grant.
    const again = await gql(await steward('HRSS', other), approveQ, { id: req.id, in: narrower, k: 'approve-1' });
    expect(again.data.approveAccessRequest.grant.id).toBe(a.grant.id);
    expect(again.data.approveAccessRequest.history.filter((h: any) => h.kind === 'approved')).toHaveLength(1);

    const rows = await read('SAMR', 'social-insurance');
    expect(rows.errors).toBeUndefined();
    expect(rows.data.records.grantId).toBe(a.grant.id);
    expect(Object.keys(rows.data.records.nodes[0].data).sort()).toEqual(['insuranceType', 'status']);
    expect(codes(await read('SAMR', 'social-insurance', ['idNumber']))).toEqual(['FORBIDDEN']);

    // The grant expires (catalog clock): the next query is refused; renewal goes through a new request.
    clock.advance(10 * DAY + 1000);
    const expired = await read('SAMR', 'social-insurance');
    expect(codes(expired)).toEqual(['FORBIDDEN']);
    expect(expired.errors[0].message).toMatch(/file an access request/);
    const renewal = await file('SAMR', {
      datasetId: 'social-insurance',
      fields: [{ name: 'insuranceType' }, { name: 'status' }],
      renewsGrantId: a.grant.id,
    });
    expect(renewal.errors).toBeUndefined();
    clock.set(new Date());
  });

  it('reject with a reason code and text; revoke an approved grant and the very next query is refused', async () => {
    clock.set(new Date());
    const nhc = await file('NHC', {
      datasetId: 'subsidies',
      fields: [{ name: 'recordNo' }, { name: 'idNumber' }, { name: 'amount', type: 'number' }],
    });
    expect(nhc.errors).toBeUndefined();
    const r = nhc.data.fileAccessRequest;
    expect(['mca-steward-zhao', 'mca-steward-chen']).toContain(r.assignee);
    const rejected = await gql(
      await steward('MCA', r.assignee),
      `mutation { rejectAccessRequest(id: "${r.id}", reason: SECURITY, text: "amounts per person are not needed for matching", idempotencyKey: "rej-1") { status rejectReason rejectText grant { id } } }`,
    );
    expect(rejected.data.rejectAccessRequest).toEqual({
      status: 'REJECTED',
      rejectReason: 'SECURITY',
      rejectText: 'amounts per person are not needed for matching',
      grant: null,
    });
    const twice = await gql(
      await steward('MCA', r.assignee),
      `mutation { rejectAccessRequest(id: "${r.id}", reason: OTHER, text: "again") { status } }`,
    );
    expect(codes(twice)).toEqual(['CONFLICT']);

    const psb = (await file('PSB', { datasetId: 'social-insurance', fields: [{ name: 'insuranceType' }] })).data
      .fileAccessRequest;
    const ok = await gql(
      await steward('HRSS', psb.assignee),
      `mutation { approveAccessRequest(id: "${psb.id}") { grant { id } } }`,
    );
    expect(ok.errors).toBeUndefined();
    expect((await read('PSB', 'social-insurance')).data.records.grantId).toBe(ok.data.approveAccessRequest.grant.id);
    // A consumer may not revoke; any steward of the owner may.
    expect(
      codes(
        await gql(
          await as('PSB', ['consumer']),
          `mutation { revokeAccessRequestGrant(id: "${psb.id}", reason: "x y z") { id } }`,
        ),
      ),
    ).toEqual(['FORBIDDEN']);
    const revoked = await gql(
      await steward('HRSS', 'hrss-steward-li'),
      `mutation { revokeAccessRequestGrant(id: "${psb.id}", reason: "purpose ended") { grant { active revokedAt } history { kind } } }`,
    );
    expect(revoked.data.revokeAccessRequestGrant.grant.active).toBe(false);
    expect(revoked.data.revokeAccessRequestGrant.history.at(-1).kind).toBe('grant-revoked');
    expect(codes(await read('PSB', 'social-insurance'))).toEqual(['FORBIDDEN']);

    // Visibility: the requester and the owner's stewards see it, nobody else.
    expect(
      (await gql(await as('PSB', ['consumer']), `{ accessRequest(id: "${psb.id}") { status } }`)).data.accessRequest
        .status,
    ).toBe('APPROVED');
    expect(codes(await gql(await as('SAMR', ['consumer']), `{ accessRequest(id: "${psb.id}") { status } }`))).toEqual([
      'NOT_FOUND',
    ]);

    // Everything above is in the audit log, in order, and one search by the request's id traces it.
    const auditor = await as('PSB', ['auditor'], 'inspector-6');
    const trace = await gql(
      auditor,
      `{ auditEvents(filter: { accessRequestId: "${psb.id}" }, order: OLDEST_FIRST, first: 100) { nodes { action outcome actor { sub dept } reason grantId accessRequestId filter } } }`,
    );
    const nodes = trace.data.auditEvents.nodes;
    const grantId = ok.data.approveAccessRequest.grant.id;
    expect(nodes.map((n: any) => `${n.action} ${n.outcome} ${n.actor.dept}`)).toEqual([
      'access.file allowed PSB',
      `access.approve allowed HRSS`,
      'access.granted allowed HRSS',
      'graphql.revokeAccessRequestGrant denied PSB', // refused by role before the operation ran
      'access.revokeGrant allowed HRSS',
      'access.grantRevoked allowed HRSS',
      'access.read allowed PSB',
      'access.read error SAMR',
    ]);
    expect(nodes.every((n: any) => n.accessRequestId === psb.id)).toBe(true);
    expect(nodes[3].filter).toEqual({ id: psb.id, reason: 'x y z' }); // what the refused caller asked
    expect(nodes[4]).toMatchObject({ actor: { sub: 'hrss-steward-li', dept: 'HRSS' }, reason: 'purpose ended' });
    // The grant's creation and end name the grant, so the audit's alert rules can catch any later use of it.
    expect([nodes[2].grantId, nodes[5].grantId]).toEqual([grantId, grantId]);
    // A malformed id names no request: it is recorded as sent, and searching by it is refused, naming the field.
    expect(
      codes(await gql(await as('PSB', ['consumer']), `{ accessRequest(id: "not-a-request") { status } }`)),
    ).toEqual(['NOT_FOUND']);
    const bad = await gql(auditor, `{ auditEvents(filter: { accessRequestId: "not-a-request" }) { nodes { id } } }`);
    expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
    expect(bad.errors[0].message).toMatch(/accessRequestId/);
  });

  it('deadlines: yellow then red with the clock; overdue lists for the owner’s stewards and admins', async () => {
    clock.set(new Date());
    const r = (await file('MCA', { datasetId: 'social-insurance', fields: [{ name: 'status' }] })).data
      .fileAccessRequest;
    expect(r.deadlineStatus).toBe('GREEN');
    const q = `{ accessRequest(id: "${r.id}") { deadlineStatus workingDaysLeft } }`;
    const mca = await as('MCA', ['consumer']);
    // Whatever the weekday: an hour before the deadline is under half the time left, an hour after is overdue.
    clock.set(new Date(Date.parse(r.deadline) - 3600e3));
    expect((await gql(mca, q)).data.accessRequest.deadlineStatus).toBe('YELLOW');
    clock.set(new Date(Date.parse(r.deadline) + 3600e3));
    const late = (await gql(mca, q)).data.accessRequest;
    expect(late.deadlineStatus).toBe('RED');
    expect(late.workingDaysLeft).toBeLessThanOrEqual(0);

    const overdue = await gql(
      await steward('HRSS', 'hrss-steward-li'),
      `{ overdueAccessRequests { id ownerDept deadlineStatus } }`,
    );
    expect(overdue.errors).toBeUndefined();
    expect(overdue.data.overdueAccessRequests.map((o: any) => o.id)).toContain(r.id);
    expect(
      overdue.data.overdueAccessRequests.every((o: any) => o.ownerDept === 'HRSS' && o.deadlineStatus === 'RED'),
    ).toBe(true);
    expect(codes(await gql(mca, `{ overdueAccessRequests { id } }`))).toEqual(['FORBIDDEN']);
    expect(
      codes(await gql(await steward('MCA', 'mca-steward-zhao'), `{ overdueAccessRequests(dept: "HRSS") { id } }`)),
    ).toEqual(['FORBIDDEN']);
    const admin = await gql(await as('PSB', ['admin']), `{ overdueAccessRequests { id ownerDept } }`);
    expect(admin.data.overdueAccessRequests.map((o: any) => o.id)).toContain(r.id);
    clock.set(new Date());
  });

  it('lists by box and role; withdraw; admins set a department’s time limit and stewards', async () => {
    clock.set(new Date());
    const samr = await as('SAMR', ['consumer'], 'samr-clerk');
    const filed = await gql(samr, `{ accessRequests(box: FILED) { requesterDept } }`);
    expect(filed.data.accessRequests.length).toBeGreaterThan(0);
    expect(filed.data.accessRequests.every((r: any) => r.requesterDept === 'SAMR')).toBe(true);
    expect(codes(await gql(samr, `{ accessRequests(box: RECEIVED) { id } }`))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(samr, `{ accessRequests(dept: "HRSS") { id } }`))).toEqual(['FORBIDDEN']);
    const received = await gql(
      await steward('HRSS', 'hrss-steward-wang'),
      `{ accessRequests(box: RECEIVED, status: PENDING, first: 100) { ownerDept status } }`,
    );
    expect(received.data.accessRequests.length).toBeGreaterThan(0);
    expect(received.data.accessRequests.every((r: any) => r.ownerDept === 'HRSS' && r.status === 'PENDING')).toBe(true);

    const r = (await file('SAMR', { datasetId: 'social-insurance', fields: [{ name: 'status' }] })).data
      .fileAccessRequest;
    expect(
      codes(await gql(await as('PSB', ['consumer']), `mutation { withdrawAccessRequest(id: "${r.id}") { status } }`)),
    ).toEqual(['FORBIDDEN']);
    expect(
      (await gql(samr, `mutation { withdrawAccessRequest(id: "${r.id}") { status deadlineStatus } }`)).data
        .withdrawAccessRequest,
    ).toEqual({ status: 'WITHDRAWN', deadlineStatus: 'CLOSED' });

    const set = `mutation { setAccessSettings(dept: "SAMR", deadlineWorkingDays: 3, stewards: ["samr-steward-wu", "samr-steward-he"]) { dept deadlineWorkingDays stewards refusalRateTarget } }`;
    expect(codes(await gql(await steward('SAMR', 'samr-steward-wu'), set))).toEqual(['FORBIDDEN']);
    expect((await gql(await as('PSB', ['admin']), set)).data.setAccessSettings).toEqual({
      dept: 'SAMR',
      deadlineWorkingDays: 3,
      stewards: ['samr-steward-wu', 'samr-steward-he'],
      refusalRateTarget: 0.1,
    });
    expect(
      (await gql(samr, `{ accessSettings(dept: "HRSS") { deadlineWorkingDays stewards } }`)).data.accessSettings,
    ).toEqual({ deadlineWorkingDays: 5, stewards: ['hrss-steward-li', 'hrss-steward-wang'] });
  });

  it('governance figures match the demo history counted independently; warnings against the targets; stewards and admins only', async () => {
    clock.set(new Date());
    const admin = await as('PSB', ['admin']);
    const to = new Date(Date.now() + DAY).toISOString();
    const from = new Date(Date.now() - 90 * DAY).toISOString();
    const figures = await gql(
      await steward('HRSS', 'hrss-steward-li'),
      `query G($from: DateTime, $to: DateTime) { governanceFigures(from: $from, to: $to) {
      dept received filed decided approved rejected refusalRate refusalReasons { reason count share } decisionDaysMedian decisionDaysP90
      overdueNow pendingNow activeGrants targets { refusalRate decisionDaysP90 overdue } warnings { figure value target message } } }`,
      { from, to },
    );
    expect(figures.errors).toBeUndefined();
    const f = figures.data.governanceFigures;

    const all = (
      await gql(
        admin,
        `{ accessRequests(box: RECEIVED, dept: "HRSS", first: 100) { status filedAt decidedAt deadlineStatus rejectReason } }`,
      )
    ).data.accessRequests;
    const inPeriod = (t: string | null) => !!t && t >= from && t < to;
    const decided = all.filter(
      (r: any) => (r.status === 'APPROVED' || r.status === 'REJECTED') && inPeriod(r.decidedAt),
    );
    const rejected = decided.filter((r: any) => r.status === 'REJECTED');
    expect(f.dept).toBe('HRSS');
    expect(f.received).toBe(all.filter((r: any) => inPeriod(r.filedAt)).length);
    expect(f.decided).toBe(decided.length);
    expect(f.rejected).toBe(rejected.length);
    expect(f.refusalRate).toBeCloseTo(rejected.length / decided.length, 4);
    expect(f.refusalReasons.reduce((s: number, r: any) => s + r.count, 0)).toBe(rejected.length);
    expect(f.pendingNow).toBe(all.filter((r: any) => r.status === 'PENDING').length);
    expect(f.overdueNow).toBe(all.filter((r: any) => r.deadlineStatus === 'RED').length);
    expect(f.decisionDaysMedian).toBeLessThanOrEqual(f.decisionDaysP90);
    expect(f.activeGrants).toBeGreaterThanOrEqual(1); // MCA's demo grant
    expect(f.targets).toEqual({ refusalRate: 0.1, decisionDaysP90: 5, overdue: 0 });
    // The demo history refuses about a third: well above the 10% target.
    expect(f.refusalRate).toBeGreaterThan(0.11);
    expect(f.warnings.map((w: any) => w.figure)).toContain('refusalRate');
    expect(f.warnings.find((w: any) => w.figure === 'overdue')).toBeDefined();

    expect(codes(await gql(await as('HRSS', ['consumer']), `{ governanceFigures { received } }`))).toEqual([
      'FORBIDDEN',
    ]);
    expect(
      codes(await gql(await steward('MCA', 'mca-steward-zhao'), `{ governanceFigures(dept: "HRSS") { received } }`)),
    ).toEqual(['FORBIDDEN']);
    const mcaFigures = await gql(
      admin,
      `{ governanceFigures(dept: "MCA") { dept received refusalReasons { reason share } } }`,
    );
    expect(mcaFigures.data.governanceFigures.received).toBeGreaterThan(0);
  });

  it('sandbox: SECRET data answered with differential privacy from its budget; filters on dimensions only; audited with ε and the subjects touched', async () => {
    const samr = await as('SAMR', ['consumer'], 'samr-analyst');
    expect(codes(await read('SAMR', 'medical-insurance'))).toEqual(['FORBIDDEN']);
    const raw = await allRows('NHC', 'medical-insurance', ['claimNo', 'hospital', 'claimAmount', 'idNumber']);
    const res = await gql(samr, SANDBOX, {
      q: {
        dataset: 'medical-insurance',
        groupBy: ['hospital'],
        measures: [{ fn: 'COUNT' }, { fn: 'SUM', field: 'claimAmount' }],
      },
    });
    expect(res.errors).toBeUndefined();
    const out = res.data.sandboxAggregate;
    expect(out.privacy).toMatchObject({
      mode: 'DIFFERENTIAL',
      mechanism: 'discrete-laplace',
      epsilon: 2,
      cached: false,
    });
    const people = (rows: typeof raw) => new Set(rows.map((r) => String(r.idNumber).trim().toUpperCase())).size;
    const hospitals = new Set(raw.map((r) => r.hospital));
    // A group is shown when its noisy count reaches k: one whose true count is near k may be hidden
    // by the noise (so its absence is not a failure), one well above k never is (4 of its 95% margins:
    // about 1 run in 100,000 would fail a correct mechanism).
    expect(out.groups.length).toBeGreaterThan(0);
    const shown = new Set(out.groups.map((g: any) => g.key.hospital));
    const margin = out.groups[0].margins[0];
    for (const h of hospitals)
      if (people(raw.filter((r) => r.hospital === h)) >= out.k + 4 * margin) expect(shown.has(h), String(h)).toBe(true);
    // Each person counts once (in one hospital), so the noisy counts add up to about the people claimed,
    // less those of hidden groups.
    const counted = out.groups.reduce((a: number, g: any) => a + g.count, 0);
    const slack = out.groups.reduce((a: number, g: any) => a + 3 * g.margins[0], 0);
    const hidden = people(raw.filter((r) => !shown.has(r.hospital)));
    expect(counted).toBeLessThanOrEqual(people(raw) + slack);
    expect(counted).toBeGreaterThanOrEqual(people(raw) - hidden - slack);
    for (const g of out.groups) expect(hospitals.has(g.key.hospital)).toBe(true);
    expect(JSON.stringify(res)).not.toMatch(/\d{17}[\dX]/); // no identifiers, no rows
    // Not a dimension, or an identifier: refused before anything is read or spent.
    for (const q of [
      { groupBy: ['diagnosisCode'], measures: [{ fn: 'COUNT' }] },
      { where: { field: 'idNumber', eq: raw[0]!.idNumber }, measures: [{ fn: 'COUNT' }] },
      { where: { field: 'claimAmount', gte: 32000 }, measures: [{ fn: 'COUNT' }] },
      { measures: [{ fn: 'MIN', field: 'claimAmount' }] },
    ]) {
      expect(codes(await gql(samr, SANDBOX, { q: { dataset: 'medical-insurance', ...q } }))).toEqual([
        'BAD_USER_INPUT',
      ]);
    }
    // A narrowed query: its event carries the keyed HMACs of the people it touched.
    const some = [...hospitals].slice(0, 1) as string[];
    const narrowed = await gql(samr, SANDBOX, {
      q: { dataset: 'medical-insurance', where: { field: 'hospital', in: some }, measures: [{ fn: 'COUNT' }] },
    });
    expect(narrowed.errors).toBeUndefined();
    const touchedOne = raw.find((r) => r.hospital === some[0])!;
    const auditor = await as('PSB', ['auditor']);
    const lookup = await gql(
      auditor,
      `query L($i: String!) { auditSubjectAccess(identifier: $i) { nodes { action actor { dept } } } }`,
      { i: touchedOne.idNumber },
    );
    expect(lookup.errors).toBeUndefined();
    expect(lookup.data.auditSubjectAccess.nodes).toEqual(
      expect.arrayContaining([{ action: 'sandbox.aggregate', actor: { dept: 'SAMR' } }]),
    );

    // Audited with the aggregate definition and the ε spent.
    const ev = await gql(
      auditor,
      `{ auditEvents(filter: { action: "sandbox.aggregate", dept: "SAMR" }) { nodes { outcome dataset filter } } }`,
    );
    expect(ev.data.auditEvents.nodes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          outcome: 'allowed',
          dataset: 'medical-insurance',
          filter: expect.objectContaining({
            aggregate: expect.objectContaining({ groupBy: ['hospital'] }),
            privacy: expect.objectContaining({ mode: 'differential', epsilon: 2 }),
          }),
        }),
      ]),
    );
    // The refused probe on the subject field (x-subject idNumber) is logged with the value's keyed HMAC, never the ID.
    const probe = ev.data.auditEvents.nodes.find((e: any) => e.filter?.aggregate?.where?.field === 'idNumber');
    expect(probe.filter.aggregate.where).toEqual({
      field: 'idNumber',
      op: 'eq',
      valueKey: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(JSON.stringify(ev)).not.toContain(raw[0]!.idNumber);

    // The owner's stewards (and admins) see the budget and who spent it; others do not.
    const BUDGET = `{ sandboxBudget(dataset: "medical-insurance") { epsilonPerYear spent left byAccount { account spent } } }`;
    const budget = await gql(await steward('NHC', 'nhc-steward'), BUDGET);
    expect(budget.errors).toBeUndefined();
    expect(budget.data.sandboxBudget.byAccount).toEqual(expect.arrayContaining([{ account: 'SAMR', spent: 4 }]));
    expect(codes(await gql(await steward('SAMR', 'samr-steward'), BUDGET))).toEqual(['FORBIDDEN']);
    const set = await gql(
      await steward('SAMR', 'samr-steward'),
      `mutation { setSandboxBudget(dataset: "medical-insurance", epsilonPerYear: 1000) { epsilonPerYear } }`,
    );
    expect(codes(set)).toEqual(['FORBIDDEN']);
  });

  it('sandbox: a join of two departments’ private datasets is paid from both budgets; a standard table is free for all', async () => {
    const hrss = await as('HRSS', ['consumer'], 'hrss-analyst');
    const joined = await gql(hrss, SANDBOX, {
      q: {
        dataset: 'medical-insurance',
        join: { dataset: 'subsidies', on: 'idNumber' },
        measures: [{ fn: 'COUNT' }, { fn: 'SUM', field: 'medical-insurance.claimAmount' }],
      },
    });
    expect(joined.errors).toBeUndefined();
    expect(joined.data.sandboxAggregate).toMatchObject({
      scope: 'medical-insurance×subsidies:idNumber',
      privacy: { mode: 'DIFFERENTIAL', epsilon: 2 },
    });
    const admin = await as('PSB', ['admin'], 'psb-admin');
    for (const dataset of ['medical-insurance', 'subsidies']) {
      const b = await gql(admin, `query B($d: ID!) { sandboxBudget(dataset: $d) { byAccount { account spent } } }`, {
        d: dataset,
      });
      expect(b.data.sandboxBudget.byAccount).toEqual(expect.arrayContaining([{ account: 'HRSS', spent: 2 }]));
    }
    // Joint analysis is across departments.
    expect(
      codes(
        await gql(hrss, SANDBOX, {
          q: {
            dataset: 'legal-persons',
            join: { dataset: 'business-licences', on: 'creditCode' },
            measures: [{ fn: 'COUNT' }],
          },
        }),
      ),
    ).toEqual(['BAD_USER_INPUT']);

    // NHC publishes a standard table; anyone then reads it, and asking it as a query is free.
    const table = {
      dataset: 'medical-insurance',
      groupBy: ['hospital'],
      measures: [{ fn: 'COUNT' }, { fn: 'AVG', field: 'claimAmount' }],
    };
    const published = await gql(
      await steward('NHC', 'nhc-steward'),
      `mutation P($q: SandboxQuery!) { publishSandboxRelease(query: $q) { privacy { epsilon } groups { key values } } }`,
      { q: table },
    );
    expect(published.errors).toBeUndefined();
    expect(
      codes(
        await gql(
          await steward('MCA', 'mca-steward-zhao'),
          `mutation P($q: SandboxQuery!) { publishSandboxRelease(query: $q) { k } }`,
          { q: table },
        ),
      ),
    ).toEqual(['FORBIDDEN']);
    const listed = await gql(
      hrss,
      `{ sandboxReleases(dataset: "medical-insurance") { epsilon result { groups { key values } } } }`,
    );
    expect(listed.data.sandboxReleases[0].result.groups).toEqual(published.data.publishSandboxRelease.groups);
    const asked = await gql(hrss, SANDBOX, { q: table });
    expect(asked.data.sandboxAggregate.privacy).toMatchObject({ epsilon: 0, cached: true });
  });
});
