// The records page's filter builder: which operators and which value input a field's dictionary type
// allows, and the typed RecordFilter the rows of the builder become (numbers as numbers, dates as ISO).
import type { RecordFilter } from '../../gql/graphql.ts';

export type Op = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'prefix' | 'isNull';

export interface DictField {
  name: string;
  title: string | null;
  type: string;
  format?: string | null;
  /** JSON in the schema: numbers or text. */
  enumValues?: unknown[] | null;
  indexed: boolean;
}

/** How a field's values are typed in: the input a condition on it shows. */
export type ValueKind = 'number' | 'date' | 'datetime' | 'enum' | 'boolean' | 'text';

/** "string|null" → { base: "string", nullable: true }. */
export function baseType(type: string) {
  const parts = type.split('|').map((p) => p.trim());
  return { base: parts.find((p) => p !== 'null') ?? 'string', nullable: parts.includes('null') };
}

export function valueKind(f: DictField): ValueKind {
  const { base } = baseType(f.type);
  if (base === 'number' || base === 'integer') return 'number';
  if (base === 'boolean') return 'boolean';
  if (f.enumValues?.length) return 'enum';
  if (f.format === 'date') return 'date';
  if (f.format === 'date-time') return 'datetime';
  return 'text';
}

const ORDERED: Op[] = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'];

/** The operators that make sense for a field: order only where values are ordered, prefix on text. */
export function operatorsFor(f: DictField): Op[] {
  const kind = valueKind(f);
  const ops: Op[] =
    kind === 'number' || kind === 'date' || kind === 'datetime'
      ? [...ORDERED, ...(kind === 'number' ? (['in'] as Op[]) : [])]
      : kind === 'enum'
        ? ['eq', 'ne', 'in']
        : kind === 'boolean'
          ? ['eq']
          : ['eq', 'ne', 'prefix', 'in'];
  return [...ops, 'isNull'];
}

export interface Condition {
  field: string;
  op: Op;
  /** As typed: a single value, comma-separated for `in`, "true"/"false" for isNull and booleans. */
  value: string;
}

export type ConditionProblem = { n: number; field: string; rule: 'value-required' | 'value-number' };

function typed(f: DictField, raw: string): unknown {
  const kind = valueKind(f);
  if (kind === 'number') return Number(raw);
  if (kind === 'boolean') return raw === 'true';
  // datetime-local gives local wall time without a zone: the API compares ISO instants.
  if (kind === 'datetime') return new Date(raw).toISOString();
  return raw;
}

/** The builder's rows as one RecordFilter (AND), or the first problem, naming the row, field and rule. */
export function toRecordFilter(
  conditions: Condition[],
  fields: DictField[],
): { where: RecordFilter | null } | { problem: ConditionProblem } {
  const parts: RecordFilter[] = [];
  for (const [i, c] of conditions.entries()) {
    const f = fields.find((x) => x.name === c.field);
    if (!f) continue;
    const n = i + 1;
    if (c.op === 'isNull') {
      parts.push({ field: f.name, isNull: c.value !== 'false' });
      continue;
    }
    const raws = c.op === 'in' ? c.value.split(/[,，]/).map((s) => s.trim()) : [c.value.trim()];
    const present = raws.filter((r) => r !== '');
    if (!present.length) return { problem: { n, field: f.name, rule: 'value-required' } };
    if (valueKind(f) === 'number' && present.some((r) => !Number.isFinite(Number(r))))
      return { problem: { n, field: f.name, rule: 'value-number' } };
    const values = present.map((r) => typed(f, r));
    parts.push(c.op === 'in' ? { field: f.name, in: values } : { field: f.name, [c.op]: values[0] });
  }
  if (!parts.length) return { where: null };
  return { where: parts.length === 1 ? parts[0] : { and: parts } };
}
