import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Dataset, Grant, Tier, Role } from '@govshare/contracts';
import { mayReadRecords } from './tiers.ts';

const dataset = (tier: Tier): Dataset => ({
  id: 'people',
  title: 'People',
  description: '',
  ownerDept: 'PSB',
  tier,
  keyFields: ['idNumber'],
  version: 1,
  recordCount: 0,
  updatedAt: new Date().toISOString(),
  schema: {
    type: 'object',
    properties: {
      idNumber: { type: 'string', 'x-key': true, 'x-sensitivity': 'sensitive', 'x-mask': 'partial' },
      name: { type: 'string', 'x-sensitivity': 'personal', 'x-mask': 'partial' },
      income: { type: 'number', 'x-sensitivity': 'sensitive', 'x-mask': 'redact' },
      city: { type: 'string' },
    },
  },
});

const grant = (over: Partial<Grant> = {}): Grant => ({
  id: 'g1',
  datasetId: 'people',
  granteeDept: 'MCA',
  fields: ['idNumber', 'name', 'city'],
  unmaskedFields: ['name'],
  purpose: 'test',
  expiresAt: new Date(Date.now() + 86400e3).toISOString(),
  createdAt: new Date().toISOString(),
  createdBy: 'admin',
  revokedAt: null,
  ...over,
});

const caller = (dept: string, roles: Role[] = ['consumer']) => ({ sub: 'u', dept, roles, jti: 'j' });

describe('tier policy', () => {
  it('applies each tier to owner and non-owner departments', () => {
    const ask = (tier: Tier, dept: string, grants: Grant[] = [], fields: string[] = []) =>
      mayReadRecords({
        caller: caller(dept),
        dataset: dataset(tier),
        grants,
        requestedFields: fields,
        filterFields: [],
      });
    for (const tier of ['PUBLIC', 'INTERNAL', 'RESTRICTED', 'SECRET'] as Tier[]) {
      expect(ask(tier, 'PSB')).toMatchObject({ allowed: true, masked: [], basis: 'owner' });
    }
    expect(ask('PUBLIC', 'MCA')).toMatchObject({ allowed: true, masked: [] });
    const internal = ask('INTERNAL', 'MCA');
    expect(internal.allowed && internal.masked.map((m) => m.field).sort()).toEqual(['idNumber', 'income', 'name']);
    expect(ask('RESTRICTED', 'MCA')).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/no active grant/),
    });
    const granted = ask('RESTRICTED', 'MCA', [grant()]);
    expect(granted).toMatchObject({
      allowed: true,
      fields: ['idNumber', 'name', 'city'],
      masked: [{ field: 'idNumber', style: 'partial' }],
      basis: 'grant',
    });
    expect(ask('RESTRICTED', 'MCA', [grant()], ['income'])).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/income/),
    });
    expect(ask('RESTRICTED', 'MCA', [grant({ expiresAt: new Date(Date.now() - 1000).toISOString() })])).toMatchObject({
      allowed: false,
    });
    expect(ask('RESTRICTED', 'MCA', [grant({ revokedAt: new Date().toISOString() })])).toMatchObject({
      allowed: false,
    });
    expect(ask('SECRET', 'MCA', [grant()])).toMatchObject({ allowed: false, reason: expect.stringMatching(/SECRET/) });
  });

  it('refuses auditors (not a data role), unknown fields, and filters on masked fields', () => {
    expect(
      mayReadRecords({
        caller: caller('MCA', ['auditor']),
        dataset: dataset('PUBLIC'),
        grants: [],
        requestedFields: [],
        filterFields: [],
      }).allowed,
    ).toBe(false);
    expect(
      mayReadRecords({
        caller: caller('MCA'),
        dataset: dataset('PUBLIC'),
        grants: [],
        requestedFields: ['nope'],
        filterFields: [],
      }).allowed,
    ).toBe(false);
    expect(
      mayReadRecords({
        caller: caller('MCA'),
        dataset: dataset('INTERNAL'),
        grants: [],
        requestedFields: [],
        filterFields: ['idNumber'],
      }),
    ).toMatchObject({ allowed: false, reason: expect.stringMatching(/filter/) });
    expect(
      mayReadRecords({
        caller: caller('MCA'),
        dataset: dataset('INTERNAL'),
        grants: [],
        requestedFields: [],
        filterFields: ['city'],
      }).allowed,
    ).toBe(true);
  });

  it('never returns a sensitive field unmasked to a non-owner unless a grant unmasks it', () => {
    const tiers = fc.constantFrom<Tier>('PUBLIC', 'INTERNAL', 'RESTRICTED', 'SECRET');
    const fields = fc.subarray(['idNumber', 'name', 'income', 'city']);
    fc.assert(
      fc.property(
        tiers,
        fc.constantFrom('MCA', 'HRSS'),
        fields,
        fields,
        fc.boolean(),
        (tier, dept, requested, unmasked, hasGrant) => {
          const g = grant({
            granteeDept: dept,
            fields: ['idNumber', 'name', 'income', 'city'],
            unmaskedFields: unmasked,
          });
          const d = mayReadRecords({
            caller: caller(dept),
            dataset: dataset(tier),
            grants: hasGrant ? [g] : [],
            requestedFields: requested,
            filterFields: [],
          });
          if (!d.allowed) return;
          const maskedNames = d.masked.map((m) => m.field);
          for (const f of d.fields) {
            const sensitive = f !== 'city';
            const unmaskedByGrant = tier === 'RESTRICTED' && unmasked.includes(f);
            if (sensitive && tier !== 'PUBLIC' && !unmaskedByGrant) expect(maskedNames).toContain(f);
          }
          expect(tier).not.toBe('SECRET');
        },
      ),
    );
  });
});
