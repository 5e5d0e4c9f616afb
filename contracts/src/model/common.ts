import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { contractFile, literals, local, oneOf, typeList } from './build.ts';

export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'QUERY_TOO_COMPLEX',
  'RATE_LIMITED',
  'QUOTA_EXCEEDED',
  'UNAVAILABLE',
  'INTERNAL_SERVER_ERROR',
] as const;
export const TIERS = ['PUBLIC', 'INTERNAL', 'RESTRICTED', 'SECRET'] as const;
export const ROLES = ['consumer', 'steward', 'auditor', 'admin'] as const;
export const FILTER_OPS = ['eq', 'ne', 'in', 'lt', 'lte', 'gt', 'gte', 'prefix', 'isNull'] as const;

export const ErrorCode = literals(ERROR_CODES);
export const ErrorBody = Type.Object({
  error: Type.Object({
    code: local(ErrorCode, 'ErrorCode'),
    message: Type.String(),
    details: Type.Optional(Type.Unknown()),
  }),
});
export const Tier = literals(TIERS);
export const Role = literals(ROLES);
export const DeptCode = Type.String({ pattern: '^[A-Z][A-Z0-9_]{1,15}$' });
export const DatasetId = Type.String({ pattern: '^[a-z][a-z0-9-]{1,62}$' });
export const FieldName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,62}$' });
export const Scalar = typeList(['string', 'number', 'boolean']);
export const FilterOp = literals(FILTER_OPS);

/** The three kinds of filter, around `self`: the filter itself, for the combinators. */
const filterBranches = <Self extends TSchema>(self: Self) => {
  const scalar = local(Scalar, 'Scalar');
  const combinators = { minItems: 1, maxItems: 20 };
  return [
    Type.Object({ and: Type.Array(self, combinators) }, { additionalProperties: false }),
    Type.Object({ or: Type.Array(self, combinators) }, { additionalProperties: false }),
    Type.Object(
      {
        field: local(FieldName, 'FieldName'),
        op: FilterOp,
        value: Type.Optional(Type.Union([scalar, Type.Array(scalar, { maxItems: 500 })])),
      },
      { additionalProperties: false },
    ),
  ];
};
// TypeBox's Recursive gives the type; the schema refers to itself by its place in common.v1.json.
const FilterType = Type.Recursive((This) => Type.Union(filterBranches(This)));
export const Filter = Type.Unsafe<Static<typeof FilterType>>(
  oneOf(filterBranches(Type.Ref('#/$defs/Filter')), {
    description: 'A record filter: either a combinator (and/or) or a leaf comparison on one field.',
  }),
);

export const common = contractFile('common.v1.json', {
  title: 'Shared definitions',
  $defs: { ErrorCode, Error: ErrorBody, Tier, Role, DeptCode, DatasetId, FieldName, Scalar, Filter },
});
