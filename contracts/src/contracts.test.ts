import { describe, expect, it } from 'vitest';
import { assertContract, ContractViolation, ref } from './index.ts';

describe('contracts', () => {
  it('accepts a nested filter and rejects an unknown operator, naming the path', () => {
    const q = {
      fields: ['name'],
      where: {
        and: [{ field: 'age', op: 'gte', value: 18 }, { or: [{ field: 'city', op: 'prefix', value: '北京' }] }],
      },
    };
    expect(assertContract(ref('records.v1.json', 'Query'), q)).toMatchObject({ first: 20 });
    expect(() =>
      assertContract(ref('records.v1.json', 'Query'), {
        fields: ['name'],
        where: { field: 'age', op: 'like', value: 1 },
      }),
    ).toThrow(ContractViolation);
  });

  it('rejects an audit event without an actor', () => {
    const ev = {
      id: '4f8a7f1e-2f0b-4a53-9b1e-2a8f2f7c1d3e',
      at: new Date().toISOString(),
      requestId: 'r1',
      action: 'records.read',
      outcome: 'allowed',
    };
    expect(() => assertContract(ref('audit-event.v1.json'), ev)).toThrow(/actor/);
  });
});
