// A realistic history of access requests for the demo (so the governance figures mean something on
// first start): about a third refused, mostly for standards mismatches and security worries, most
// decided within the time limit, a few late, some still pending (one overdue). Approved requests
// point at grants that have expired or were revoked since — except the two demo grants, which keep
// their ids and are linked to the requests that created them.
import { DEMO_ORIGIN, enqueueGrantFacts, grantFactEvent } from './grant-fact-outbox.ts';
import { toGrant } from './grants.ts';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { RejectReasonCode } from '@govshare/contracts';
import type { CatalogDb } from './datasets.ts';
import { accessRequestEvents, accessRequests, departmentAccessSettings, grants } from './schema.ts';
import { addWorkingDays, DAY_MS, HOUR_MS, WEEKENDS_ONLY, type WorkingCalendar } from './deadlines.ts';
import { createRng, DEMO_SCHEMAS } from './demo-data.ts';

type Tx = Parameters<Parameters<CatalogDb['transaction']>[0]>[0];

export const DEMO_ACCESS_SETTINGS = [
  { dept: 'PSB', deadlineWorkingDays: 5, stewards: ['psb-steward-zhou'] },
  { dept: 'SAMR', deadlineWorkingDays: 5, stewards: ['samr-steward-wu'] },
  { dept: 'HRSS', deadlineWorkingDays: 5, stewards: ['hrss-steward-li', 'hrss-steward-wang'] },
  { dept: 'MCA', deadlineWorkingDays: 7, stewards: ['mca-steward-zhao', 'mca-steward-chen'] },
  { dept: 'NHC', deadlineWorkingDays: 10, stewards: ['nhc-steward-sun'] },
] as const;

const PURPOSES: Record<string, string[]> = {
  'social-insurance': [
    '低保资格核查 / subsidy eligibility check',
    '就业困难人员认定 / hardship employment status',
    '医保待遇比对 / benefit reconciliation',
    '企业用工监管 / employer compliance',
  ],
  subsidies: [
    '重复救助核查 / duplicate assistance check',
    '医疗救助对象比对 / medical assistance matching',
    '困难群众就业帮扶 / employment support',
    '户籍迁移核验 / residence transfer check',
  ],
};
const LEGAL_BASES = [
  '《社会救助暂行办法》第十一条',
  '《社会保险法》第八十一条',
  '《政务数据共享管理办法》第十二条',
  '市政府〔2024〕17号文',
];
const REJECT_TEXT: Record<RejectReasonCode, string> = {
  standards_mismatch: '申请字段与数据字典不一致（字段名或类型不同）/ requested fields do not match the data dictionary',
  security: '申请范围超出用途所需，存在敏感信息泄露风险 / scope wider than the purpose needs',
  no_legal_basis: '未提供有效的法律依据 / no valid legal basis given',
  data_not_held: '本部门不掌握所申请的数据 / the department does not hold this data',
  other: '用途不明确，请补充说明 / purpose unclear, please explain',
};
/** The observed mix of refusal reasons (45% standards, 38% security, the rest spread). */
const REASON_WEIGHTS: [RejectReasonCode, number][] = [
  ['standards_mismatch', 0.45],
  ['security', 0.38],
  ['no_legal_basis', 0.08],
  ['data_not_held', 0.05],
  ['other', 0.04],
];

export async function seedAccessHistory(
  tx: Tx,
  now: Date,
  demoGrants: { mcaOnSocialInsurance: string; nhcOnSubsidies: string },
  calendar: WorkingCalendar = WEEKENDS_ONLY,
): Promise<number> {
  await tx
    .insert(departmentAccessSettings)
    .values(
      DEMO_ACCESS_SETTINGS.map((s) => ({ ...s, stewards: [...s.stewards], refusalRateTarget: 0.1, updatedAt: now })),
    );
  const rng = createRng(6);
  const stewardsOf = (dept: string) => [...DEMO_ACCESS_SETTINGS.find((s) => s.dept === dept)!.stewards];
  const daysOf = (dept: string) => DEMO_ACCESS_SETTINGS.find((s) => s.dept === dept)!.deadlineWorkingDays;
  const owners: Record<string, string> = { 'social-insurance': 'HRSS', subsidies: 'MCA' };
  const requesters: Record<string, string[]> = {
    'social-insurance': ['MCA', 'NHC', 'PSB', 'SAMR'],
    subsidies: ['HRSS', 'NHC', 'PSB'],
  };
  const at = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);

  type Plan = {
    datasetId: string;
    requesterDept: string;
    filedAt: Date;
    outcome: 'pending' | 'approved' | 'rejected' | 'withdrawn';
    decidedAt?: Date;
    code?: RejectReasonCode;
    grantId?: string;
    transfer?: boolean;
    durationDays: number;
  };
  const plans: Plan[] = [
    // The requests behind the two demo grants.
    {
      datasetId: 'subsidies',
      requesterDept: 'NHC',
      filedAt: at(now.getTime() - 399 * DAY_MS),
      outcome: 'approved',
      decidedAt: at(now.getTime() - 395 * DAY_MS),
      grantId: demoGrants.nhcOnSubsidies,
      durationDays: 365,
    },
    {
      datasetId: 'social-insurance',
      requesterDept: 'MCA',
      filedAt: at(now.getTime() - 3 * DAY_MS),
      outcome: 'approved',
      decidedAt: now,
      grantId: demoGrants.mcaOnSocialInsurance,
      durationDays: 365,
    },
    // Pending: one overdue, one with under half its time left, one just filed.
    {
      datasetId: 'social-insurance',
      requesterDept: 'NHC',
      filedAt: at(now.getTime() - 12 * DAY_MS),
      outcome: 'pending',
      durationDays: 180,
    },
    {
      datasetId: 'subsidies',
      requesterDept: 'PSB',
      filedAt: at(now.getTime() - 6 * DAY_MS),
      outcome: 'pending',
      durationDays: 90,
    },
    {
      datasetId: 'social-insurance',
      requesterDept: 'SAMR',
      filedAt: at(now.getTime() - 2 * HOUR_MS),
      outcome: 'pending',
      durationDays: 90,
    },
  ];
  for (let i = 0; i < 56; i++) {
    const datasetId = rng.chance(0.6) ? 'social-insurance' : 'subsidies';
    const filedAt = at(now.getTime() - rng.int(8, 170) * DAY_MS - rng.int(0, 9) * HOUR_MS);
    // Most decisions within the time limit; a long tail is late.
    const hours = rng.chance(0.85)
      ? rng.int(3, daysOf(owners[datasetId]) * 24)
      : rng.int(daysOf(owners[datasetId]) * 30, daysOf(owners[datasetId]) * 60);
    const decidedAt = at(Math.min(filedAt.getTime() + hours * HOUR_MS, now.getTime() - HOUR_MS));
    const refused = rng.chance(0.33);
    let outcome: Plan['outcome'] = refused ? 'rejected' : rng.chance(0.05) ? 'withdrawn' : 'approved';
    // The demo keeps the subsidies grants as they are (one, expired): other approvals there are not simulated.
    if (outcome === 'approved' && datasetId === 'subsidies') outcome = 'withdrawn';
    let code: RejectReasonCode | undefined;
    if (outcome === 'rejected') {
      let x = rng.next();
      code = REASON_WEIGHTS.find(([, w]) => (x -= w) < 0)?.[0] ?? 'other';
    }
    plans.push({
      datasetId,
      requesterDept: rng.pick(requesters[datasetId]),
      filedAt,
      outcome,
      decidedAt,
      code,
      transfer: rng.chance(0.15),
      durationDays: rng.pick([14, 30, 60, 90]),
    });
  }

  let n = 0;
  for (const p of plans) {
    const owner = owners[p.datasetId];
    const stewards = stewardsOf(owner);
    const assignee = stewards[n % stewards.length];
    const props = Object.entries(DEMO_SCHEMAS[p.datasetId as 'subsidies'].schema.properties);
    const chosen = props.filter(([name], i) => i === 0 || name === 'idNumber' || rng.chance(0.5));
    const fields = chosen.map(([name, f]) => ({
      name,
      type: (Array.isArray(f.type) ? f.type[0] : f.type) as 'string',
    }));
    const unmasked = chosen
      .filter(([, f]) => f['x-sensitivity'] === 'personal' && rng.chance(0.5))
      .map(([name]) => name);
    const id = randomUUID();
    const finalAssignee = p.transfer ? stewards[(n + 1) % stewards.length] : assignee;
    const deadline = addWorkingDays(p.filedAt, daysOf(owner), calendar);
    let grantId = p.grantId ?? null;
    let decision = null;
    if (p.outcome === 'approved') {
      // Some approvals were narrower than asked (fewer unmasked fields, shorter).
      const narrow = !p.grantId && rng.chance(0.3);
      decision = {
        fields: fields.map((f) => f.name),
        unmaskedFields: narrow ? [] : unmasked,
        durationDays: narrow ? Math.min(p.durationDays, 14) : p.durationDays,
      };
      if (p.grantId) {
        const [g] = await tx.select().from(grants).where(eq(grants.id, p.grantId));
        decision = { fields: g.fields, unmaskedFields: g.unmaskedFields, durationDays: p.durationDays };
      } else {
        const expiresAt = new Date(p.decidedAt!.getTime() + decision.durationDays * DAY_MS);
        const revokedAt =
          expiresAt < now ? null : new Date(Math.min(now.getTime() - HOUR_MS, p.decidedAt!.getTime() + 7 * DAY_MS));
        const [g] = await tx
          .insert(grants)
          .values({
            datasetId: p.datasetId,
            granteeDept: p.requesterDept,
            fields: decision.fields,
            unmaskedFields: decision.unmaskedFields,
            purpose: `${rng.pick(PURPOSES[p.datasetId])} [access request ${id}]`,
            expiresAt,
            createdAt: p.decidedAt!,
            createdBy: `${finalAssignee}@${owner}`,
            revokedAt,
          })
          .returning();
        grantId = g.id;
        const extra = { accessRequestId: id };
        await enqueueGrantFacts(tx, [
          grantFactEvent('access.granted', toGrant(g), DEMO_ORIGIN, g.createdAt, extra),
          ...(g.revokedAt ? [grantFactEvent('access.grantRevoked', toGrant(g), DEMO_ORIGIN, g.revokedAt, extra)] : []),
        ]);
      }
    }
    const requestedBy = `${p.requesterDept.toLowerCase()}-clerk`;
    const decided = p.outcome !== 'pending';
    await tx.insert(accessRequests).values({
      id,
      datasetId: p.datasetId,
      ownerDept: owner,
      requesterDept: p.requesterDept,
      requestedBy,
      purpose: rng.pick(PURPOSES[p.datasetId]),
      legalBasis: rng.pick(LEGAL_BASES),
      fields: p.grantId && decision ? decision.fields.map((name) => ({ name })) : fields,
      unmaskedFields: p.grantId && decision ? decision.unmaskedFields : unmasked,
      durationDays: p.durationDays,
      status: p.outcome,
      assignee: finalAssignee,
      filedAt: p.filedAt,
      deadline,
      decidedAt: decided ? p.decidedAt! : null,
      decidedBy:
        p.outcome === 'withdrawn' ? `${requestedBy}@${p.requesterDept}` : decided ? `${finalAssignee}@${owner}` : null,
      decision,
      rejectCode: p.code ?? null,
      rejectText: p.code ? REJECT_TEXT[p.code] : null,
      grantId,
    });
    const events: (typeof accessRequestEvents.$inferInsert)[] = [
      {
        requestId: id,
        at: p.filedAt,
        actor: `${requestedBy}@${p.requesterDept}`,
        kind: 'filed',
        details: { deadline: deadline.toISOString(), workingDays: daysOf(owner) },
      },
      { requestId: id, at: p.filedAt, actor: 'hub', kind: 'assigned', details: { to: assignee } },
    ];
    if (p.transfer) {
      const t = new Date(p.filedAt.getTime() + HOUR_MS);
      events.push({
        requestId: id,
        at: t,
        actor: `${assignee}@${owner}`,
        kind: 'transferred',
        details: { from: assignee, to: finalAssignee, reason: '同事负责该业务 / colleague handles this area' },
      });
    }
    if (decided) {
      const kind = p.outcome as 'approved' | 'rejected' | 'withdrawn';
      const details =
        kind === 'rejected'
          ? { code: p.code, text: REJECT_TEXT[p.code!] }
          : kind === 'approved'
            ? { grantId, ...decision }
            : {};
      events.push({
        requestId: id,
        at: p.decidedAt!,
        actor: kind === 'withdrawn' ? `${requestedBy}@${p.requesterDept}` : `${finalAssignee}@${owner}`,
        kind,
        details,
      });
    }
    await tx.insert(accessRequestEvents).values(events);
    n++;
  }
  return n;
}
