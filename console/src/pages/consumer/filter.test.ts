import { describe, expect, it } from 'vitest';
import { pageCsv } from './csv.ts';
import { type DictField, operatorsFor, toRecordFilter } from './filter.ts';

const fields: DictField[] = [
  { name: 'gender', title: '性别', type: 'string', enumValues: ['男', '女'], indexed: false },
  { name: 'registeredOn', title: null, type: 'string', format: 'date', indexed: true },
  { name: 'monthlyBase', title: null, type: 'number|null', indexed: false },
  { name: 'name', title: null, type: 'string', indexed: false },
];

describe('filter builder', () => {
  it('offers operators by the dictionary type', () => {
    expect(operatorsFor(fields[0])).toEqual(['eq', 'ne', 'in', 'isNull']);
    expect(operatorsFor(fields[1])).toEqual(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'isNull']);
    expect(operatorsFor(fields[2])).toContain('in');
    expect(operatorsFor(fields[3])).toContain('prefix');
    expect(operatorsFor(fields[3])).not.toContain('gt');
  });
  it('types values: numbers as numbers, lists split, one condition bare, several under and', () => {
    expect(toRecordFilter([{ field: 'monthlyBase', op: 'gte', value: '5000' }], fields)).toEqual({
      where: { field: 'monthlyBase', gte: 5000 },
    });
    expect(
      toRecordFilter(
        [
          { field: 'monthlyBase', op: 'in', value: '1, 2，3' },
          { field: 'name', op: 'isNull', value: 'false' },
        ],
        fields,
      ),
    ).toEqual({
      where: {
        and: [
          { field: 'monthlyBase', in: [1, 2, 3] },
          { field: 'name', isNull: false },
        ],
      },
    });
    expect(toRecordFilter([], fields)).toEqual({ where: null });
  });
  it('names the condition, field and rule of a bad value', () => {
    expect(toRecordFilter([{ field: 'monthlyBase', op: 'eq', value: 'abc' }], fields)).toEqual({
      problem: { n: 1, field: 'monthlyBase', rule: 'value-number' },
    });
    expect(
      toRecordFilter(
        [
          { field: 'name', op: 'eq', value: 'x' },
          { field: 'gender', op: 'eq', value: ' ' },
        ],
        fields,
      ),
    ).toEqual({
      problem: { n: 2, field: 'gender', rule: 'value-required' },
    });
  });
});

describe('page CSV', () => {
  it('quotes separators, quotes and newlines, and defuses formulas', () => {
    const csv = pageCsv(
      ['a', 'b'],
      [
        { a: '刘*', b: 'x,"y"\nz' },
        { a: '=1+1', b: null },
      ],
    );
    expect(csv).toBe('a,b\r\n刘*,"x,""y""\nz"\r\n\'=1+1,\r\n');
  });
});
