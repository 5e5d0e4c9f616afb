import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AppError } from '@govshare/platform';
import type { DatasetSchema, FieldSchema } from '@govshare/contracts';
import { checkCompatibility, compileDatasetSchema, fieldsOf, keyFieldsOf } from './data-dictionary.ts';
import { DEMO_SCHEMAS } from './demo-data.ts';

const base = (): DatasetSchema => ({
  type: 'object',
  properties: {
    id: { type: 'string', 'x-key': true },
    name: { type: 'string', 'x-sensitivity': 'personal' },
    age: { type: ['integer', 'null'], minimum: 0 },
    status: { type: 'string', enum: ['a', 'b'] },
  },
  required: ['id', 'name'],
  additionalProperties: false,
});

function refusal(schema: unknown): { path: string; rule: string } {
  try {
    compileDatasetSchema(schema);
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('BAD_USER_INPUT');
    return (e as AppError & { details: { problems: { path: string; rule: string }[] } }).details.problems[0];
  }
  throw new Error('schema was accepted');
}

describe('compileDatasetSchema', () => {
  it('compiles every demo schema and derives keys and fields', () => {
    for (const { schema } of Object.values(DEMO_SCHEMAS))
      expect(compileDatasetSchema(schema).keyFields.length).toBeGreaterThan(0);
    const c = compileDatasetSchema(base());
    expect(c.keyFields).toEqual(['id']);
    expect(keyFieldsOf(c.schema)).toEqual(['id']);
    const name = fieldsOf(c.schema).find((f) => f.name === 'name')!;
    expect(name).toMatchObject({
      type: 'string',
      sensitivity: 'personal',
      mask: 'partial',
      required: true,
      key: false,
    });
    expect(c.schema.properties.name['x-mask']).toBe('partial'); // defaulted and stored
    expect(fieldsOf(c.schema).find((f) => f.name === 'age')).toMatchObject({ type: 'integer', nullable: true });
    expect(c.validate({ id: 'x', name: 'n', age: null, status: 'a' })).toBe(true);
    expect(c.validate({ id: 'x', name: 'n', extra: 1 })).toBe(false);
  });

  it('refuses bad schemas naming the path and the rule', () => {
    const noKey = base();
    delete noKey.properties.id['x-key'];
    expect(refusal(noKey)).toMatchObject({ path: 'schema/properties', rule: 'key-missing' });

    const keyOptional = { ...base(), required: ['name'] };
    expect(refusal(keyOptional)).toMatchObject({ path: 'schema/properties/id/x-key', rule: 'key-required' });

    const nullableKey = base();
    nullableKey.properties.id.type = ['string', 'null'];
    expect(refusal(nullableKey)).toMatchObject({ path: 'schema/properties/id/x-key', rule: 'key-nullable' });

    const typo = base();
    (typo.properties.name as Record<string, unknown>).maxLenght = 3;
    expect(refusal(typo)).toMatchObject({ path: 'schema/properties/name/maxLenght', rule: 'additionalProperties' });

    const badSensitivity = base();
    badSensitivity.properties.name['x-sensitivity'] = 'secret' as never;
    expect(refusal(badSensitivity)).toMatchObject({ path: 'schema/properties/name/x-sensitivity', rule: 'enum' });

    const formatOnNumber = base();
    (formatOnNumber.properties.age as Record<string, unknown>).format = 'date';
    expect(refusal(formatOnNumber)).toMatchObject({ path: 'schema/properties/age/format', rule: 'format' });

    const badEnum = base();
    badEnum.properties.status.enum = ['a', 3];
    expect(refusal(badEnum)).toMatchObject({ path: 'schema/properties/status/enum/1', rule: 'enum-type' });

    expect(refusal({ ...base(), additionalProperties: true })).toMatchObject({
      path: 'schema/additionalProperties',
      rule: 'const',
    });
    expect(refusal({ ...base(), required: ['id', 'nope'] })).toMatchObject({ rule: 'required-unknown-field' });
    const badPattern = base();
    (badPattern.properties.name as Record<string, unknown>).pattern = '([';
    expect(refusal(badPattern)).toMatchObject({ path: 'schema/properties/name/pattern', rule: 'pattern' });
  });

  it('x-index: accepted on string and numeric fields, refused where an index cannot help', () => {
    const s = base();
    s.properties.status['x-index'] = true;
    s.properties.age['x-index'] = true;
    const c = compileDatasetSchema(s);
    expect(c.fields.filter((f) => f.indexed).map((f) => f.name)).toEqual(['age', 'status']);
    expect(fieldsOf(c.schema).find((f) => f.name === 'age')!.indexed).toBe(true);
    expect(
      refusal({ ...s, properties: { ...s.properties, flag: { type: 'boolean', 'x-index': true } } }),
    ).toMatchObject({ path: 'schema/properties/flag/x-index', rule: 'index-boolean' });
    expect(
      refusal({ ...s, properties: { ...s.properties, id: { type: 'string', 'x-key': true, 'x-index': true } } }),
    ).toMatchObject({ path: 'schema/properties/id/x-index', rule: 'index-key' });
    expect(
      refusal({ ...s, properties: { ...s.properties, status: { type: 'string', 'x-index': 'yes' } } }),
    ).toMatchObject({ path: 'schema/properties/status/x-index', rule: 'type' });
    // A part of a compound key, or a numeric key, is filtered on the data, not the key column: it may be indexed.
    compileDatasetSchema({
      type: 'object',
      properties: { a: { type: 'string', 'x-key': true, 'x-index': true }, b: { type: 'string', 'x-key': true } },
      required: ['a', 'b'],
    });
    compileDatasetSchema({
      type: 'object',
      properties: { n: { type: 'integer', 'x-key': true, 'x-index': true } },
      required: ['n'],
    });
    const many: DatasetSchema = {
      type: 'object',
      properties: { id: { type: 'string', 'x-key': true } },
      required: ['id'],
    };
    for (let i = 0; i < 9; i++) many.properties[`f${i}`] = { type: 'string', 'x-index': true };
    expect(refusal(many)).toMatchObject({ path: 'schema/properties/f8/x-index', rule: 'index-too-many' });
    delete many.properties.f8;
    expect(compileDatasetSchema(many).fields.filter((f) => f.indexed)).toHaveLength(8);
  });

  it('accepts the quality keywords x-rule and x-expected under strict mode', () => {
    const s = base();
    s.properties.name['x-rule'] = { trimmed: true };
    s.properties.age['x-expected'] = true;
    s.properties.status['x-rule'] = 'known-status';
    expect(() => compileDatasetSchema(s)).not.toThrow();
  });
});

describe('checkCompatibility', () => {
  const change = (f: (s: DatasetSchema) => void) => {
    const s = structuredClone(base());
    f(s);
    return checkCompatibility(base(), s);
  };
  const rules = (r: { problems: { rule: string }[] }) => r.problems.map((p) => p.rule);

  it('names each incompatible change', () => {
    expect(rules(change((s) => delete s.properties.status))).toEqual(['field-removed']);
    expect(rules(change((s) => (s.properties.name.type = 'integer')))).toEqual(['type-changed']);
    expect(rules(change((s) => (s.properties.age.type = 'integer')))).toEqual(['type-changed']); // null no longer allowed
    expect(rules(change((s) => s.required!.push('status')))).toEqual(['required-added']);
    expect(
      rules(
        change((s) => {
          s.properties.name['x-key'] = true;
        }),
      ),
    ).toEqual(['key-changed']);
    expect(rules(change((s) => (s.properties.status.enum = ['a'])))).toEqual(['enum-narrowed']);
    expect(rules(change((s) => (s.properties.name.enum = ['x'])))).toEqual(['enum-added']);
    expect(rules(change((s) => (s.properties.age.minimum = 5)))).toEqual(['minimum-narrowed']);
    expect(change((s) => delete s.properties.status).problems[0]).toMatchObject({ field: 'status' });
  });

  it('accepts widening and cosmetic changes', () => {
    expect(change((s) => (s.properties.status.enum = ['a', 'b', 'c'])).compatible).toBe(true);
    expect(change((s) => (s.properties.name.description = 'full name'))).toMatchObject({ compatible: true });
    expect(change((s) => (s.properties.name['x-sensitivity'] = 'sensitive')).compatible).toBe(true);
    expect(change((s) => (s.properties.age.type = ['number', 'null'])).compatible).toBe(true);
    expect(change((s) => delete s.properties.age.minimum).compatible).toBe(true);
    expect(change((s) => (s.required = ['id'])).compatible).toBe(true); // required -> optional
  });

  const fieldName = fc.stringMatching(/^[a-z][a-zA-Z0-9_]{0,10}$/);
  const fieldSchema = fc.record(
    {
      type: fc.constantFrom<FieldSchema['type']>(
        'string',
        'integer',
        'number',
        'boolean',
        ['string', 'null'],
        ['integer', 'null'],
      ),
      title: fc.string({ maxLength: 10 }),
      'x-sensitivity': fc.constantFrom('public', 'personal', 'sensitive'),
    },
    { requiredKeys: ['type'] },
  );
  const schemaArb = fc
    .dictionary(fieldName, fieldSchema, { minKeys: 1, maxKeys: 8 })
    .chain((props) => fc.tuple(fc.constant(props), fc.subarray(Object.keys(props))))
    .map(([props, req]): DatasetSchema => {
      const properties = { key_: { type: 'string', 'x-key': true }, ...props };
      return compileDatasetSchema({
        type: 'object',
        properties,
        required: ['key_', ...req.filter((r) => r !== 'key_')],
        additionalProperties: false,
      }).schema;
    });

  it('property: adding optional fields is always compatible', () => {
    fc.assert(
      fc.property(schemaArb, fc.dictionary(fieldName, fieldSchema, { minKeys: 1, maxKeys: 4 }), (schema, extra) => {
        const next = structuredClone(schema);
        for (const [n, f] of Object.entries(extra)) if (!(n in next.properties)) next.properties[n] = f;
        expect(checkCompatibility(schema, compileDatasetSchema(next).schema)).toEqual({
          compatible: true,
          problems: [],
        });
      }),
    );
  });

  it('property: removing a field is never compatible', () => {
    fc.assert(
      fc.property(schemaArb, fc.nat(), (schema, i) => {
        const names = Object.keys(schema.properties).filter((n) => n !== 'key_');
        fc.pre(names.length > 0);
        const victim = names[i % names.length];
        const next = structuredClone(schema);
        delete next.properties[victim];
        next.required = (next.required ?? []).filter((r) => r !== victim);
        const r = checkCompatibility(schema, next);
        expect(r.compatible).toBe(false);
        expect(r.problems).toContainEqual(expect.objectContaining({ field: victim, rule: 'field-removed' }));
      }),
    );
  });
});
