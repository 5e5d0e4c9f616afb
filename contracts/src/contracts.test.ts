import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertContract, ContractViolation, model, ref, validatorFor } from './index.ts';
import { contractTexts, schemaDir } from './write-schemas.ts';

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

  it('contracts/schemas/*.json are the files the model writes (run `npx -y pnpm@10 contracts:write` after changing it)', () => {
    const texts = contractTexts();
    const onDisk = readdirSync(schemaDir).filter((f) => f.endsWith('.json'));
    expect(onDisk.sort()).toEqual([...texts.keys()].sort());
    for (const [name, text] of texts) expect(readFileSync(join(schemaDir, name), 'utf8'), name).toBe(text);
  });

  it('every contract and each of its defs compiles under strict ajv (all $refs resolve)', () => {
    for (const file of model.contractFiles) {
      if (file.document.type) expect(validatorFor(ref(file.name))).toBeTypeOf('function');
      for (const def of Object.keys(file.$defs)) expect(validatorFor(ref(file.name, def))).toBeTypeOf('function');
    }
  });

  it('fills defaults and words errors as ajv does for the hand-written v1 schemas', () => {
    const create = {
      datasetId: 'tax-records',
      purpose: 'audit',
      legalBasis: 'law 12',
      fields: [{ name: 'id' }],
      durationDays: 30,
    };
    expect(assertContract(ref('access-request.v1.json', 'Create'), create)).toMatchObject({ unmaskedFields: [] });
    expect(() =>
      assertContract(ref('access-request.v1.json', 'Reject'), { code: 'bored', text: 'no', extra: 1 }),
    ).toThrow(
      'access-request.v1.json#/$defs/Reject: (root) must NOT have additional properties; /code must be equal to one of the allowed values; /text must NOT have fewer than 3 characters',
    );
    // A filter is one of three shapes (oneOf, not TypeBox's anyOf): ajv says so after the branches' errors.
    const query = validatorFor(ref('records.v1.json', 'Query'));
    expect(query({ fields: ['x'], where: { and: [] } })).toBe(false);
    expect(query.errors?.map((e) => `${e.instancePath} ${e.message}`)).toContain(
      '/where must match exactly one schema in oneOf',
    );
  });
});
