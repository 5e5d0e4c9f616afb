import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Dataset, Grant, Tier } from '@govshare/contracts';
import { isAppError } from '../errors.ts';
import {
  accessRequestListSide,
  accessRequestVisibleTo,
  enforce,
  grantsSeenBy,
  grantVisibleTo,
  managesEverySandbox,
  mayAskSandbox,
  mayChangeAccessRequest,
  mayChangeAccessSettings,
  mayChangeDataset,
  mayDecideAppeal,
  mayFileAccessRequest,
  mayFileAppeal,
  mayHandleAccessRequest,
  mayListAccessRequests,
  mayListOverdueAccessRequests,
  mayManageGrants,
  mayPublishRedBlackList,
  mayPublishSandboxRelease,
  mayReadAccessRequests,
  mayReadAuditLog,
  mayReadGovernanceFigures,
  mayReadQualityAlerts,
  mayReadRecords,
  mayReadSandboxBudget,
  mayRevokeRequestGrant,
  mayRevokeTokens,
  maySeeQualityDetail,
  maySetSandboxBudget,
  mayWithdrawAccessRequest,
  sandboxAnswerIsPrivate,
  scopedDept,
  type Asker,
  type Decision,
} from './index.ts';

const ROLES = ['consumer', 'steward', 'auditor', 'admin'] as const;
type Role = (typeof ROLES)[number];
// Role names a token must not smuggle in: none of them is any of the four.
const LOOKALIKES = ['Admin', 'ADMIN', 'steward ', 'root', ''];
const DEPT = 'OWN';
const OTHER = 'OTH';

const arbAsker = fc.record({
  sub: fc.constantFrom('a', 'b'),
  dept: fc.constantFrom(DEPT, OTHER),
  roles: fc.subarray([...ROLES, ...LOOKALIKES]),
});
const has = (a: Asker, r: Role) => a.roles.includes(r);

/**
 * The intended table: a decision about department DEPT's affairs is allowed when the asker holds one
 * of `anyOf` and its department is as `dept` says; `adminAnywhere`: an admin of any department too.
 */
interface Row {
  name: string;
  decide: (asker: Asker) => Decision;
  anyOf: Role[];
  dept: 'any' | 'own' | 'other';
  adminAnywhere?: boolean;
}
const request = { id: 'r1', datasetId: 'ds', ownerDept: DEPT, requesterDept: DEPT, assignee: null };
const dataset = { id: 'ds', ownerDept: DEPT };
const TABLE: Row[] = [
  { name: 'mayManageGrants', decide: mayManageGrants, anyOf: ['admin'], dept: 'any' },
  { name: 'mayRevokeTokens', decide: mayRevokeTokens, anyOf: ['admin'], dept: 'any' },
  { name: 'mayPublishRedBlackList', decide: mayPublishRedBlackList, anyOf: ['admin'], dept: 'any' },
  { name: 'mayChangeAccessSettings', decide: mayChangeAccessSettings, anyOf: ['admin'], dept: 'any' },
  { name: 'mayReadAuditLog', decide: mayReadAuditLog, anyOf: ['auditor', 'admin'], dept: 'any' },
  { name: 'mayReadQualityAlerts', decide: mayReadQualityAlerts, anyOf: ['steward', 'admin'], dept: 'any' },
  { name: 'mayFileAppeal', decide: mayFileAppeal, anyOf: ['steward'], dept: 'any' },
  { name: 'mayFileAccessRequest', decide: mayFileAccessRequest, anyOf: ['consumer', 'steward'], dept: 'any' },
  ...(['transfer', 'approve', 'reject', 'revoke-grant'] as const).map(
    (kind): Row => ({
      name: `mayChangeAccessRequest (${kind})`,
      decide: (a) => mayChangeAccessRequest(a, kind),
      anyOf: ['steward', 'admin'],
      dept: 'any',
    }),
  ),
  {
    name: 'mayChangeAccessRequest (withdraw)',
    decide: (a) => mayChangeAccessRequest(a, 'withdraw'),
    anyOf: ['consumer', 'steward', 'admin'],
    dept: 'any',
  },
  { name: 'mayAskSandbox', decide: mayAskSandbox, anyOf: ['consumer', 'steward', 'admin'], dept: 'any' },
  {
    name: 'mayReadAccessRequests',
    decide: mayReadAccessRequests,
    anyOf: ['consumer', 'steward', 'admin'],
    dept: 'any',
  },
  { name: 'mayDecideAppeal (role)', decide: (a) => mayDecideAppeal(a), anyOf: ['admin'], dept: 'any' },
  {
    name: 'mayDecideAppeal (separation of duties)',
    decide: (a) => mayDecideAppeal(a, { id: 'ap1', dept: DEPT }),
    anyOf: ['admin'],
    dept: 'other',
  },
  ...(
    [
      ['mayChangeDataset', (a) => mayChangeDataset(a, DEPT)],
      ['mayPublishSandboxRelease', (a) => mayPublishSandboxRelease(a, dataset)],
      ['mayReadSandboxBudget', (a) => mayReadSandboxBudget(a, dataset)],
      ['maySetSandboxBudget', (a) => maySetSandboxBudget(a, dataset)],
      ['mayRevokeRequestGrant', (a) => mayRevokeRequestGrant(a, request)],
      ['mayHandleAccessRequest (unassigned)', (a) => mayHandleAccessRequest(a, 'approve', request)],
      ['mayReadGovernanceFigures', (a) => mayReadGovernanceFigures(a, DEPT)],
      ['mayListOverdueAccessRequests', (a) => mayListOverdueAccessRequests(a, DEPT)],
    ] as [string, (a: Asker) => Decision][]
  ).map(([name, decide]): Row => ({ name, decide, anyOf: ['steward'], dept: 'own', adminAnywhere: true })),
  {
    name: 'mayWithdrawAccessRequest',
    decide: (a) => mayWithdrawAccessRequest(a, request),
    anyOf: ['consumer', 'steward'],
    dept: 'own',
    adminAnywhere: true,
  },
];

function intended(row: Row, a: Asker): boolean {
  if (row.adminAnywhere && has(a, 'admin')) return true;
  const deptOk = row.dept === 'any' || (row.dept === 'own') === (a.dept === DEPT);
  return deptOk && row.anyOf.some((r) => has(a, r));
}

describe('the policy: only the intended (role, department) combinations are allowed', () => {
  it.each(TABLE.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    // Every combination of the four roles, both departments, exhaustively.
    for (const dept of [DEPT, OTHER])
      for (let mask = 0; mask < 1 << ROLES.length; mask++) {
        const asker = { sub: 'a', dept, roles: ROLES.filter((_, i) => mask & (1 << i)) };
        expect(row.decide(asker).allowed, `${dept} ${asker.roles.join('+') || 'no role'}`).toBe(intended(row, asker));
      }
    // And with look-alike role names mixed in, which grant nothing.
    fc.assert(
      fc.property(arbAsker, (asker) => {
        const d = row.decide(asker);
        expect(d.allowed).toBe(intended(row, asker));
        if (!d.allowed) expect(d.reason.length).toBeGreaterThan(0);
      }),
    );
  });

  it('a refusal is thrown as FORBIDDEN with its reason and details; an allowance passes', () => {
    expect(() => enforce(mayManageGrants({ sub: 'a', dept: DEPT, roles: ['admin'] }))).not.toThrow();
    const refused = (() => {
      try {
        enforce(mayHandleAccessRequest({ sub: 'a', dept: OTHER, roles: ['steward'] }, 'reject', request));
      } catch (e) {
        return e;
      }
    })();
    expect(isAppError(refused)).toBe(true);
    expect(refused).toMatchObject({
      code: 'FORBIDDEN',
      message: `only a steward of ${DEPT} (the owner of "ds") or an admin may handle access request r1 (not-owner-steward)`,
      details: { rule: 'not-owner-steward' },
    });
  });

  it('an assigned request is handled by its assignee among the owner stewards, or by an admin', () => {
    fc.assert(
      fc.property(
        arbAsker,
        fc.constantFrom(null, 'a', 'b'),
        fc.constantFrom('transfer', 'approve', 'reject'),
        (asker, assignee, kind) => {
          const d = mayHandleAccessRequest(asker, kind as 'approve', { ...request, assignee });
          const ownerSteward = has(asker, 'steward') && asker.dept === DEPT;
          expect(d.allowed).toBe(
            has(asker, 'admin') || (ownerSteward && (assignee === null || assignee === asker.sub)),
          );
          if (!d.allowed && ownerSteward && !has(asker, 'admin')) expect(d.details).toEqual({ rule: 'not-assignee' });
        },
      ),
    );
  });

  it('an access request is visible to its requester department, the owner stewards and admins', () => {
    fc.assert(
      fc.property(arbAsker, fc.constantFrom(DEPT, OTHER), (asker, requesterDept) => {
        const r = { ownerDept: DEPT, requesterDept };
        expect(accessRequestVisibleTo(asker, r)).toBe(
          has(asker, 'admin') || asker.dept === requesterDept || (has(asker, 'steward') && asker.dept === DEPT),
        );
        expect(maySeeQualityDetail(asker, DEPT)).toBe(
          has(asker, 'admin') || (has(asker, 'steward') && asker.dept === DEPT),
        );
      }),
    );
  });

  it('a change is refused by the role gate before the request is looked at, with the same message', () => {
    for (const kind of ['transfer', 'approve', 'reject'] as const) {
      const consumer = { sub: 'a', dept: DEPT, roles: ['consumer'] };
      expect(mayChangeAccessRequest(consumer, kind)).toEqual(mayHandleAccessRequest(consumer, kind, request));
    }
    const auditor = { sub: 'a', dept: DEPT, roles: ['auditor'] };
    expect(mayChangeAccessRequest(auditor, 'withdraw')).toEqual(mayWithdrawAccessRequest(auditor, request));
    expect(mayChangeAccessRequest(auditor, 'revoke-grant')).toEqual(mayRevokeRequestGrant(auditor, request));
    expect(mayChangeAccessRequest(auditor, 'withdraw')).toMatchObject({
      reason: 'withdraw of an access request needs the role consumer or steward or admin',
    });
  });

  it('grants: an admin sees every one, a steward those held by or given on its department, others those held', () => {
    fc.assert(
      fc.property(
        arbAsker,
        fc.constantFrom(DEPT, OTHER),
        fc.constantFrom(undefined, DEPT, OTHER),
        (asker, granteeDept, ownerDept) => {
          const seen = grantsSeenBy(asker);
          expect(seen).toBe(has(asker, 'admin') ? 'all' : has(asker, 'steward') ? 'held-or-given' : 'held');
          // The owner is looked up only for 'held-or-given'; for the others it is unknown.
          const owner = seen === 'held-or-given' ? ownerDept : undefined;
          expect(grantVisibleTo(asker, { granteeDept, ownerDept: owner })).toBe(
            seen === 'all' || granteeDept === asker.dept || (seen === 'held-or-given' && owner === asker.dept),
          );
        },
      ),
    );
  });

  it('a list covers the department asked for, else the own one; an admin every department', () => {
    fc.assert(
      fc.property(arbAsker, fc.constantFrom(undefined, DEPT, OTHER), (asker, asked) => {
        expect(scopedDept(asker, asked)).toBe(asked ?? (has(asker, 'admin') ? undefined : asker.dept));
      }),
    );
  });

  it('a consumer lists what its department filed; a steward or admin the side its box names', () => {
    fc.assert(
      fc.property(arbAsker, fc.constantFrom(undefined, 'all', 'filed', 'received'), (asker, box) => {
        const manager = has(asker, 'steward') || has(asker, 'admin');
        expect(accessRequestListSide(asker, box as 'all' | undefined)).toBe(
          box === 'filed' || !manager ? 'requester' : box === 'received' ? 'owner' : 'either',
        );
      }),
    );
  });

  it('an admin manages every sandbox without the dataset looked at; anyone else by its owner', () => {
    fc.assert(
      fc.property(arbAsker, (asker) => {
        expect(managesEverySandbox(asker)).toBe(has(asker, 'admin'));
        if (managesEverySandbox(asker))
          expect(mayReadSandboxBudget(asker, { id: 'ds', ownerDept: OTHER })).toEqual({ allowed: true });
      }),
    );
  });

  it('lists of access requests: own department unless admin; the received box for stewards', () => {
    fc.assert(
      fc.property(
        arbAsker,
        fc.constantFrom(undefined, DEPT, OTHER),
        fc.constantFrom(undefined, 'all', 'filed', 'received'),
        (asker, dept, box) => {
          const gate = has(asker, 'consumer') || has(asker, 'steward') || has(asker, 'admin');
          const ok =
            has(asker, 'admin') ||
            (gate && (!dept || dept === asker.dept) && (box !== 'received' || has(asker, 'steward')));
          expect(mayListAccessRequests(asker, { dept, box }).allowed).toBe(ok);
        },
      ),
    );
  });
});

describe('the tier rule for reads, by role, department and tier', () => {
  const ds = (tier: Tier): Dataset => ({
    id: 'people',
    title: 'People',
    description: '',
    ownerDept: DEPT,
    tier,
    keyFields: ['id'],
    version: 1,
    recordCount: 0,
    updatedAt: '2026-01-01T00:00:00Z',
    schema: {
      type: 'object',
      properties: {
        id: { type: 'string', 'x-key': true, 'x-sensitivity': 'sensitive', 'x-mask': 'hash' },
        city: { type: 'string' },
      },
    },
  });
  const AT = Date.parse('2026-06-01T00:00:00Z');
  const grant = (over: Partial<Grant>): Grant => ({
    id: 'g1',
    datasetId: 'people',
    granteeDept: OTHER,
    fields: ['id', 'city'],
    unmaskedFields: [],
    purpose: 'p',
    expiresAt: '2026-07-01T00:00:00Z',
    createdAt: '2026-01-01T00:00:00Z',
    createdBy: 'root@OWN',
    revokedAt: null,
    ...over,
  });

  it('reads are for consumer, steward or admin; the owner always; others by tier; SECRET never', () => {
    fc.assert(
      fc.property(
        arbAsker,
        fc.constantFrom<Tier>('PUBLIC', 'INTERNAL', 'RESTRICTED', 'SECRET'),
        fc.constantFrom('none', 'active', 'expired', 'revoked'),
        (asker, tier, held) => {
          const grants =
            held === 'none'
              ? []
              : [
                  grant(
                    held === 'expired'
                      ? { expiresAt: '2026-05-31T23:59:59Z' }
                      : held === 'revoked'
                        ? { revokedAt: '2026-05-01T00:00:00Z' }
                        : {},
                  ),
                ];
          const d = mayReadRecords({
            caller: asker,
            dataset: ds(tier),
            grants,
            requestedFields: [],
            filterFields: [],
            at: AT,
          });
          const reader = has(asker, 'consumer') || has(asker, 'steward') || has(asker, 'admin');
          const byTier =
            asker.dept === DEPT ||
            tier === 'PUBLIC' ||
            tier === 'INTERNAL' ||
            (tier === 'RESTRICTED' && held === 'active');
          expect(d.allowed).toBe(reader && byTier);
          if (d.allowed) {
            const clear = asker.dept === DEPT || tier === 'PUBLIC';
            expect(d.masked).toEqual(clear ? [] : [{ field: 'id', style: 'hash' }]);
            expect(d.basis).toBe(
              asker.dept === DEPT
                ? 'owner'
                : (({ PUBLIC: 'public', INTERNAL: 'internal' } as Record<string, string>)[tier] ?? 'grant'),
            );
          }
        },
      ),
    );
  });

  it('a sandbox answer is private for another department unless the data is open and the measures public', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(DEPT, OTHER),
        fc.constantFrom<Tier>('PUBLIC', 'INTERNAL', 'RESTRICTED', 'SECRET'),
        fc.array(
          fc.record({ sensitivity: fc.constantFrom('public', 'personal', 'sensitive'), undeclared: fc.boolean() }),
          {
            maxLength: 3,
          },
        ),
        (asker, tier, measured) => {
          const open = measured.every((m) => m.sensitivity === 'public' && !m.undeclared);
          expect(sandboxAnswerIsPrivate(asker, { ownerDept: DEPT, tier }, measured)).toBe(
            asker !== DEPT && (tier === 'RESTRICTED' || tier === 'SECRET' || !open),
          );
        },
      ),
    );
  });
});
