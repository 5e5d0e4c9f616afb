// The access workflow end to end over HTTP with real tokens: file, transfer, approve narrower,
// reject, expire, revoke (the next query is refused), overdue lists, governance figures, and the
// sandbox (k-suppression, the differencing defence, joins checked against the owners' raw rows).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '@govshare/catalog';
import { backends, codes, startHub, type Hub } from './hub.ts';

const DAY = 86_400_000;

const REQUEST_FIELDS = `id status assignee deadline deadlineStatus workingDaysLeft datasetId ownerDept requesterDept
  decision { fields unmaskedFields durationDays } rejectReason rejectText
  grant { id fields unmaskedFields expiresAt revokedAt active } history { kind actor details }`;
const FILE = `mutation F($i: FileAccessRequestInput!, $k: String) { fileAccessRequest(input: $i, idempotencyKey: $k) { ${REQUEST_FIELDS} } }`;
const RECORDS = `query R($d: ID!, $f: [String!], $first: Int, $after: String) {
  records(dataset: $d, fields: $f, first: $first, after: $after) { totalCount grantId nodes { data } pageInfo { endCursor hasNextPage } }
}`;
const SANDBOX = `query S($q: SandboxQuery!) { sandboxAggregate(query: $q) { k measures suppressedGroups scope groups { key count subjects values } } }`;

describe.each(backends())('access workflow over HTTP (%s)', (backend) => {
  let hub: Hub;
  const clock = manualClock(new Date());
  beforeAll(async () => {
    hub = await startHub(backend, { catalogClock: clock });
  });
  afterAll(() => hub?.close());

  const as = (dept: string, roles: any[], sub?: string) => hub.token(dept, roles, sub ? { sub } : {});
  const gql = async (token: string, query: string, variables?: Record<string, unknown>) => (await hub.gql(token, query, variables)).body;
  const file = async (dept: string, input: Record<string, unknown>, key?: string) =>
    gql(await as(dept, ['consumer'], `${dept.toLowerCase()}-clerk`), FILE, {
      i: { purpose: 'eligibility check', legalBasis: '《社会救助暂行办法》第十一条', durationDays: 30, ...input },
      k: key,
    });
  const steward = (dept: string, sub: string) => as(dept, ['steward'], sub);
  const read = async (dept: string, dataset: string, fields?: string[]) => gql(await as(dept, ['consumer']), RECORDS, { d: dataset, f: fields, first: 5 });

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
    const fields = [{ name: 'idNumber', type: 'string' }, { name: 'name' }, { name: 'insuranceType' }, { name: 'status' }];
    const filed = await file('SAMR', { datasetId: 'social-insurance', fields, unmaskedFields: ['name'] }, 'samr-1');
    expect(filed.errors).toBeUndefined();
    const req = filed.data.fileAccessRequest;
    expect(req).toMatchObject({ status: 'PENDING', ownerDept: 'HRSS', requesterDept: 'SAMR', deadlineStatus: 'GREEN', grant: null });
    expect(['hrss-steward-li', 'hrss-steward-wang']).toContain(req.assignee);
    // The same key again: the same request, not a second one.
    const retry = await file('SAMR', { datasetId: 'social-insurance', fields, unmaskedFields: ['name'] }, 'samr-1');
    expect(retry.data.fileAccessRequest.id).toBe(req.id);

    const mismatch = await file('SAMR', { datasetId: 'social-insurance', fields: [{ name: 'IDNumber' }, { name: 'monthlyBase', type: 'string' }] });
    expect(codes(mismatch)).toEqual(['BAD_USER_INPUT']);
    expect(mismatch.errors[0].extensions.details.problems).toEqual([
      expect.objectContaining({ field: 'IDNumber', rule: 'field-unknown', suggestions: ['idNumber'] }),
      expect.objectContaining({ field: 'monthlyBase', rule: 'type-mismatch', declared: 'string', actual: 'number' }),
    ]);
    const check = await gql(await as('SAMR', ['consumer']), `{ checkAccessRequestFields(dataset: "social-insurance", fields: [{ name: "startDate", type: string, format: "date-time" }]) { ok problems { field rule message } } }`);
    expect(check.data.checkAccessRequestFields).toEqual({ ok: false, problems: [expect.objectContaining({ field: 'startDate', rule: 'format-mismatch' })] });

    const other = req.assignee === 'hrss-steward-li' ? 'hrss-steward-wang' : 'hrss-steward-li';
    const approveQ = `mutation A($id: ID!, $in: ApproveAccessInput, $k: String) { approveAccessRequest(id: $id, input: $in, idempotencyKey: $k) { ${REQUEST_FIELDS} } }`;
    // Only the first responder handles it; a consumer cannot at all.
    const notMine = await gql(await steward('HRSS', other), approveQ, { id: req.id });
    expect(codes(notMine)).toEqual(['FORBIDDEN']);
    expect(notMine.errors[0].message).toMatch(new RegExp(`assigned to ${req.assignee}`));
    expect(codes(await gql(await as('HRSS', ['consumer']), approveQ, { id: req.id }))).toEqual(['FORBIDDEN']);

    const moved = await gql(await steward('HRSS', req.assignee), `mutation { transferAccessRequest(id: "${req.id}", to: "${other}", reason: "she handles pension data") { assignee deadline history { kind details } } }`);
    expect(moved.errors).toBeUndefined();
    expect(moved.data.transferAccessRequest).toMatchObject({ assignee: other, deadline: req.deadline });
    expect(moved.data.transferAccessRequest.history.at(-1)).toEqual({ kind: 'transferred', details: { from: req.assignee, to: other, reason: 'she handles pension data' } });

    const narrower = { fields: ['insuranceType', 'status'], unmaskedFields: [], durationDays: 10 };
    const approved = await gql(await steward('HRSS', other), approveQ, { id: req.id, in: narrower, k: 'approve-1' });
    expect(approved.errors).toBeUndefined();
    const a = approved.data.approveAccessRequest;
    expect(a).toMatchObject({ status: 'APPROVED', deadlineStatus: 'CLOSED', decision: narrower, grant: { fields: ['insuranceType', 'status'], unmaskedFields: [], active: true } });
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
    const renewal = await file('SAMR', { datasetId: 'social-insurance', fields: [{ name: 'insuranceType' }, { name: 'status' }], renewsGrantId: a.grant.id });
    expect(renewal.errors).toBeUndefined();
    clock.set(new Date());
  });

  it('reject with a reason code and text; revoke an approved grant and the very next query is refused', async () => {
    clock.set(new Date());
    const nhc = await file('NHC', { datasetId: 'subsidies', fields: [{ name: 'recordNo' }, { name: 'idNumber' }, { name: 'amount', type: 'number' }] });
    expect(nhc.errors).toBeUndefined();
    const r = nhc.data.fileAccessRequest;
    expect(['mca-steward-zhao', 'mca-steward-chen']).toContain(r.assignee);
    const rejected = await gql(
      await steward('MCA', r.assignee),
      `mutation { rejectAccessRequest(id: "${r.id}", reason: SECURITY, text: "amounts per person are not needed for matching", idempotencyKey: "rej-1") { status rejectReason rejectText grant { id } } }`,
    );
    expect(rejected.data.rejectAccessRequest).toEqual({ status: 'REJECTED', rejectReason: 'SECURITY', rejectText: 'amounts per person are not needed for matching', grant: null });
    const twice = await gql(await steward('MCA', r.assignee), `mutation { rejectAccessRequest(id: "${r.id}", reason: OTHER, text: "again") { status } }`);
    expect(codes(twice)).toEqual(['CONFLICT']);

    const psb = (await file('PSB', { datasetId: 'social-insurance', fields: [{ name: 'insuranceType' }] })).data.fileAccessRequest;
    const ok = await gql(await steward('HRSS', psb.assignee), `mutation { approveAccessRequest(id: "${psb.id}") { grant { id } } }`);
    expect(ok.errors).toBeUndefined();
    expect((await read('PSB', 'social-insurance')).data.records.grantId).toBe(ok.data.approveAccessRequest.grant.id);
    // A consumer may not revoke; any steward of the owner may.
    expect(codes(await gql(await as('PSB', ['consumer']), `mutation { revokeAccessRequestGrant(id: "${psb.id}", reason: "x y z") { id } }`))).toEqual(['FORBIDDEN']);
    const revoked = await gql(await steward('HRSS', 'hrss-steward-li'), `mutation { revokeAccessRequestGrant(id: "${psb.id}", reason: "purpose ended") { grant { active revokedAt } history { kind } } }`);
    expect(revoked.data.revokeAccessRequestGrant.grant.active).toBe(false);
    expect(revoked.data.revokeAccessRequestGrant.history.at(-1).kind).toBe('grant-revoked');
    expect(codes(await read('PSB', 'social-insurance'))).toEqual(['FORBIDDEN']);

    // Visibility: the requester and the owner's stewards see it, nobody else.
    expect((await gql(await as('PSB', ['consumer']), `{ accessRequest(id: "${psb.id}") { status } }`)).data.accessRequest.status).toBe('APPROVED');
    expect(codes(await gql(await as('SAMR', ['consumer']), `{ accessRequest(id: "${psb.id}") { status } }`))).toEqual(['NOT_FOUND']);

    // Everything above is in the audit log, in order, and one search by the request's id traces it.
    const auditor = await as('PSB', ['auditor'], 'inspector-6');
    const trace = await gql(auditor, `{ auditEvents(filter: { accessRequestId: "${psb.id}" }, order: OLDEST_FIRST, first: 100) { nodes { action outcome actor { sub dept } reason grantId accessRequestId filter } } }`);
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
    expect(codes(await gql(await as('PSB', ['consumer']), `{ accessRequest(id: "not-a-request") { status } }`))).toEqual(['NOT_FOUND']);
    const bad = await gql(auditor, `{ auditEvents(filter: { accessRequestId: "not-a-request" }) { nodes { id } } }`);
    expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
    expect(bad.errors[0].message).toMatch(/accessRequestId/);
  });

  it('deadlines: yellow then red with the clock; overdue lists for the owner’s stewards and admins', async () => {
    clock.set(new Date());
    const r = (await file('MCA', { datasetId: 'social-insurance', fields: [{ name: 'status' }] })).data.fileAccessRequest;
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

    const overdue = await gql(await steward('HRSS', 'hrss-steward-li'), `{ overdueAccessRequests { id ownerDept deadlineStatus } }`);
    expect(overdue.errors).toBeUndefined();
    expect(overdue.data.overdueAccessRequests.map((o: any) => o.id)).toContain(r.id);
    expect(overdue.data.overdueAccessRequests.every((o: any) => o.ownerDept === 'HRSS' && o.deadlineStatus === 'RED')).toBe(true);
    expect(codes(await gql(mca, `{ overdueAccessRequests { id } }`))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(await steward('MCA', 'mca-steward-zhao'), `{ overdueAccessRequests(dept: "HRSS") { id } }`))).toEqual(['FORBIDDEN']);
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
    const received = await gql(await steward('HRSS', 'hrss-steward-wang'), `{ accessRequests(box: RECEIVED, status: PENDING, first: 100) { ownerDept status } }`);
    expect(received.data.accessRequests.length).toBeGreaterThan(0);
    expect(received.data.accessRequests.every((r: any) => r.ownerDept === 'HRSS' && r.status === 'PENDING')).toBe(true);

    const r = (await file('SAMR', { datasetId: 'social-insurance', fields: [{ name: 'status' }] })).data.fileAccessRequest;
    expect(codes(await gql(await as('PSB', ['consumer']), `mutation { withdrawAccessRequest(id: "${r.id}") { status } }`))).toEqual(['FORBIDDEN']);
    expect((await gql(samr, `mutation { withdrawAccessRequest(id: "${r.id}") { status deadlineStatus } }`)).data.withdrawAccessRequest).toEqual({ status: 'WITHDRAWN', deadlineStatus: 'CLOSED' });

    const set = `mutation { setAccessSettings(dept: "SAMR", deadlineWorkingDays: 3, stewards: ["samr-steward-wu", "samr-steward-he"]) { dept deadlineWorkingDays stewards refusalRateTarget } }`;
    expect(codes(await gql(await steward('SAMR', 'samr-steward-wu'), set))).toEqual(['FORBIDDEN']);
    expect((await gql(await as('PSB', ['admin']), set)).data.setAccessSettings).toEqual({ dept: 'SAMR', deadlineWorkingDays: 3, stewards: ['samr-steward-wu', 'samr-steward-he'], refusalRateTarget: 0.1 });
    expect((await gql(samr, `{ accessSettings(dept: "HRSS") { deadlineWorkingDays stewards } }`)).data.accessSettings).toEqual({ deadlineWorkingDays: 5, stewards: ['hrss-steward-li', 'hrss-steward-wang'] });
  });

  it('governance figures match the demo history counted independently; warnings against the targets; stewards and admins only', async () => {
    clock.set(new Date());
    const admin = await as('PSB', ['admin']);
    const to = new Date(Date.now() + DAY).toISOString();
    const from = new Date(Date.now() - 90 * DAY).toISOString();
    const figures = await gql(await steward('HRSS', 'hrss-steward-li'), `query G($from: DateTime, $to: DateTime) { governanceFigures(from: $from, to: $to) {
      dept received filed decided approved rejected refusalRate refusalReasons { reason count share } decisionDaysMedian decisionDaysP90
      overdueNow pendingNow activeGrants targets { refusalRate decisionDaysP90 overdue } warnings { figure value target message } } }`, { from, to });
    expect(figures.errors).toBeUndefined();
    const f = figures.data.governanceFigures;

    const all = (await gql(admin, `{ accessRequests(box: RECEIVED, dept: "HRSS", first: 100) { status filedAt decidedAt deadlineStatus rejectReason } }`)).data.accessRequests;
    const inPeriod = (t: string | null) => !!t && t >= from && t < to;
    const decided = all.filter((r: any) => (r.status === 'APPROVED' || r.status === 'REJECTED') && inPeriod(r.decidedAt));
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

    expect(codes(await gql(await as('HRSS', ['consumer']), `{ governanceFigures { received } }`))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(await steward('MCA', 'mca-steward-zhao'), `{ governanceFigures(dept: "HRSS") { received } }`))).toEqual(['FORBIDDEN']);
    const mcaFigures = await gql(admin, `{ governanceFigures(dept: "MCA") { dept received refusalReasons { reason share } } }`);
    expect(mcaFigures.data.governanceFigures.received).toBeGreaterThan(0);
  });

  it('sandbox: aggregates of SECRET data with small groups suppressed; rows still refused', async () => {
    const samr = await as('SAMR', ['consumer']);
    expect(codes(await read('SAMR', 'medical-insurance'))).toEqual(['FORBIDDEN']);
    const raw = await allRows('NHC', 'medical-insurance', ['claimNo', 'hospital', 'claimAmount', 'idNumber']);
    const res = await gql(samr, SANDBOX, { q: { dataset: 'medical-insurance', where: { field: 'claimAmount', gt: 1000 }, groupBy: ['hospital'], measures: [{ fn: 'COUNT' }, { fn: 'SUM', field: 'claimAmount' }] } });
    expect(res.errors).toBeUndefined();
    const out = res.data.sandboxAggregate;
    const byHospital = new Map<string, number[]>();
    for (const r of raw) if ((r.claimAmount as number) > 1000) (byHospital.get(r.hospital as string) ?? byHospital.set(r.hospital as string, []).get(r.hospital as string)!).push(r.claimAmount as number);
    const big = [...byHospital].filter(([, xs]) => xs.length >= 10);
    expect(out.k).toBe(10);
    expect(out.suppressedGroups).toBe(byHospital.size - big.length);
    expect(out.groups.length).toBe(big.length);
    for (const g of out.groups) {
      const xs = byHospital.get(g.key.hospital)!;
      expect(g.count).toBe(xs.length);
      expect(g.values[1]).toBeCloseTo(xs.reduce((a, b) => a + b, 0), 2);
    }
    expect(JSON.stringify(res)).not.toMatch(/\d{17}[\dX]/); // no identifiers, no rows
    expect(codes(await gql(samr, SANDBOX, { q: { dataset: 'medical-insurance', groupBy: ['diagnosisCode'], measures: [{ fn: 'COUNT' }] } }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await gql(samr, SANDBOX, { q: { dataset: 'medical-insurance', where: { field: 'idNumber', eq: raw[0].idNumber }, measures: [{ fn: 'COUNT' }] } }))).toEqual(['BAD_USER_INPUT']);

    // Audited with the aggregate definition.
    const ev = await gql(await as('PSB', ['auditor']), `{ auditEvents(filter: { action: "sandbox.aggregate", dept: "SAMR" }) { nodes { outcome dataset filter } } }`);
    expect(ev.data.auditEvents.nodes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ outcome: 'allowed', dataset: 'medical-insurance', filter: expect.objectContaining({ aggregate: expect.objectContaining({ groupBy: ['hospital'], measures: [{ fn: 'count' }, { fn: 'sum', field: 'claimAmount' }] }), suppressedGroups: out.suppressedGroups }) }),
      ]),
    );
    // The refused probe on the subject field (x-subject idNumber) is logged with the value's keyed HMAC, never the ID.
    const probe = ev.data.auditEvents.nodes.find((e: any) => e.filter?.aggregate?.where?.field === 'idNumber');
    expect(probe.filter.aggregate.where).toEqual({ field: 'idNumber', op: 'eq', valueKey: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(JSON.stringify(ev)).not.toContain(raw[0].idNumber);
  });

  it('sandbox: differencing with an overlapping query that drops one record is refused (and audited)', async () => {
    const psb = await as('PSB', ['consumer'], 'psb-analyst');
    const total = await gql(psb, SANDBOX, { q: { dataset: 'medical-insurance', measures: [{ fn: 'COUNT' }, { fn: 'SUM', field: 'claimAmount' }] } });
    expect(total.errors).toBeUndefined();
    const claims = await allRows('NHC', 'medical-insurance', ['claimNo']);
    expect(total.data.sandboxAggregate.groups[0].count).toBe(claims.length);
    const minusOne = await gql(psb, SANDBOX, { q: { dataset: 'medical-insurance', where: { field: 'claimNo', ne: claims[7].claimNo }, measures: [{ fn: 'COUNT' }, { fn: 'SUM', field: 'claimAmount' }] } });
    expect(codes(minusOne)).toEqual(['FORBIDDEN']);
    expect(minusOne.errors[0].message).toMatch(/differencing/);
    const denied = await gql(await as('PSB', ['auditor']), `{ auditEvents(filter: { action: "sandbox.aggregate", sub: "psb-analyst", outcome: denied }) { nodes { reason filter } } }`);
    expect(denied.data.auditEvents.nodes[0]).toMatchObject({ reason: expect.stringMatching(/differencing/), filter: { aggregate: expect.objectContaining({ where: { field: 'claimNo', op: 'ne', value: claims[7].claimNo } }) } });
  });

  it('sandbox: a join of two departments’ datasets matches the figures computed from the owners’ raw rows', async () => {
    const med = await allRows('NHC', 'medical-insurance', ['idNumber', 'claimAmount', 'hospital']);
    const sub = await allRows('MCA', 'subsidies', ['idNumber', 'subsidyType', 'amount']);
    const norm = (s: unknown) => String(s).trim().toUpperCase();
    let pairs = 0;
    let claimSum = 0;
    const persons = new Set<string>();
    const typePersons = new Map<string, Set<string>>();
    for (const m of med)
      for (const s of sub) {
        if (norm(m.idNumber) !== norm(s.idNumber)) continue;
        pairs++;
        claimSum += m.claimAmount as number;
        persons.add(norm(m.idNumber));
        const t = s.subsidyType as string;
        (typePersons.get(t) ?? typePersons.set(t, new Set()).get(t)!).add(norm(m.idNumber));
      }
    const hrss = await as('HRSS', ['consumer'], 'hrss-analyst');
    const total = await gql(hrss, SANDBOX, {
      q: { dataset: 'medical-insurance', join: { dataset: 'subsidies', on: 'idNumber' }, measures: [{ fn: 'COUNT' }, { fn: 'SUM', field: 'medical-insurance.claimAmount' }] },
    });
    expect(total.errors).toBeUndefined();
    const t = total.data.sandboxAggregate;
    expect(t.scope).toBe('medical-insurance×subsidies:idNumber');
    if (persons.size >= 10) {
      expect(t.groups).toEqual([{ key: {}, count: pairs, subjects: persons.size, values: [pairs, Math.round(claimSum * 100) / 100] }]);
    } else {
      expect(t).toMatchObject({ groups: [], suppressedGroups: 1 });
    }
    const byType = await gql(hrss, SANDBOX, {
      q: { dataset: 'medical-insurance', join: { dataset: 'subsidies', on: 'idNumber' }, groupBy: ['subsidies.subsidyType'], measures: [{ fn: 'COUNT' }] },
    });
    const released = [...typePersons].filter(([, s]) => s.size >= 10).map(([k]) => k).sort();
    if (byType.errors) {
      // Released groups that add up to nearly the total already given are a differencing attempt.
      expect(codes(byType)).toEqual(['FORBIDDEN']);
    } else {
      expect(byType.data.sandboxAggregate.groups.map((g: any) => g.key['subsidies.subsidyType']).sort()).toEqual(released);
      expect(byType.data.sandboxAggregate.suppressedGroups).toBe(typePersons.size - released.length);
    }
    // Joint analysis is across departments.
    expect(codes(await gql(hrss, SANDBOX, { q: { dataset: 'legal-persons', join: { dataset: 'business-licences', on: 'creditCode' }, measures: [{ fn: 'COUNT' }] } }))).toEqual(['BAD_USER_INPUT']);
  });
});
