import { AppError } from '@govshare/platform';
import type { Filter, FilterOp, Scalar } from '@govshare/contracts';
import { builder } from '../builder.ts';

export interface RecordFilterShape {
  and?: RecordFilterShape[] | null;
  or?: RecordFilterShape[] | null;
  field?: string | null;
  eq?: {} | null;
  ne?: {} | null;
  in?: {}[] | null;
  lt?: {} | null;
  lte?: {} | null;
  gt?: {} | null;
  gte?: {} | null;
  prefix?: string | null;
  isNull?: boolean | null;
}

export const RecordFilterInput = builder.inputRef<RecordFilterShape>('RecordFilter').implement({
  description:
    'Either and/or of filters, or one field with exactly one operator. Values are typed by the dataset schema.',
  fields: (t) => ({
    and: t.field({ type: [RecordFilterInput], required: false }),
    or: t.field({ type: [RecordFilterInput], required: false }),
    field: t.string({ required: false }),
    eq: t.field({ type: 'JSON', required: false }),
    ne: t.field({ type: 'JSON', required: false }),
    in: t.field({ type: ['JSON'], required: false }),
    lt: t.field({ type: 'JSON', required: false }),
    lte: t.field({ type: 'JSON', required: false }),
    gt: t.field({ type: 'JSON', required: false }),
    gte: t.field({ type: 'JSON', required: false }),
    prefix: t.string({ required: false }),
    isNull: t.boolean({ required: false }),
  }),
});

const OPS: FilterOp[] = ['eq', 'ne', 'in', 'lt', 'lte', 'gt', 'gte', 'prefix', 'isNull'];
const MAX_NODES = 50;

function scalar(v: unknown, path: string): Scalar {
  if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) return v;
  throw new AppError('BAD_USER_INPUT', `${path}: value must be a string, number or boolean`);
}

/** GraphQL filter input → the contract's Filter, rejecting ambiguous shapes with the path at fault. */
export function toContractFilter(input: RecordFilterShape, path = 'where', counter = { n: 0 }): Filter {
  if (++counter.n > MAX_NODES) throw new AppError('BAD_USER_INPUT', `where: at most ${MAX_NODES} filter nodes`);
  const present = (Object.keys(input) as (keyof RecordFilterShape)[]).filter(
    (k) => input[k] !== undefined && input[k] !== null,
  );
  const combinators = present.filter((k) => k === 'and' || k === 'or');
  if (combinators.length) {
    if (present.length !== 1)
      throw new AppError('BAD_USER_INPUT', `${path}: and/or must stand alone in their filter object`);
    const k = combinators[0] as 'and' | 'or';
    const list = input[k]!;
    if (list.length === 0) throw new AppError('BAD_USER_INPUT', `${path}.${k}: must not be empty`);
    const children = list.map((c, i) => toContractFilter(c, `${path}.${k}[${i}]`, counter));
    return k === 'and' ? { and: children } : { or: children };
  }
  if (!input.field) throw new AppError('BAD_USER_INPUT', `${path}: needs a field and one operator, or and/or`);
  const ops = present.filter((k) => (OPS as string[]).includes(k)) as FilterOp[];
  if (ops.length !== 1)
    throw new AppError(
      'BAD_USER_INPUT',
      `${path}: exactly one operator (${OPS.join(', ')}) per field filter, got ${ops.length}`,
    );
  const op = ops[0];
  const raw = input[op];
  if (op === 'in') {
    const values = (raw as unknown[]).map((v, i) => scalar(v, `${path}.in[${i}]`));
    if (values.length === 0 || values.length > 500) throw new AppError('BAD_USER_INPUT', `${path}.in: 1 to 500 values`);
    return { field: input.field, op, value: values };
  }
  return { field: input.field, op, value: scalar(raw, `${path}.${op}`) };
}
