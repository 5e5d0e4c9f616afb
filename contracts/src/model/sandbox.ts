import { Type, type TSchema } from '@sinclair/typebox';
import { contractFile, literals, local, objectOf, requiredInOrder, typeList } from './build.ts';
import { common } from './common.ts';

export const AGGREGATE_FNS = ['count', 'sum', 'avg', 'min', 'max'] as const;

const closed = { additionalProperties: false } as const;
const strict = <T extends Record<string, TSchema>>(properties: T) => Type.Object(properties, closed);
const { Optional } = Type;
const label = () => Type.String({ minLength: 1, maxLength: 200 });
const epsilon = () => Type.Number({ minimum: 0 });

/** An aggregate query; the asking department is the verified caller's. */
export const SandboxQuery = strict({
  dataset: common.ref('DatasetId'),
  where: Optional(common.ref('Filter')),
  join: Optional(
    strict({ dataset: common.ref('DatasetId'), on: common.ref('FieldName'), where: Optional(common.ref('Filter')) }),
  ),
  groupBy: Optional(Type.Array(label(), { maxItems: 3, uniqueItems: true, default: [] })),
  measures: Type.Array(strict({ fn: literals(AGGREGATE_FNS), field: Optional(label()) }), {
    minItems: 1,
    maxItems: 10,
  }),
});

export const SandboxGroup = strict({
  key: objectOf<Record<string, string | number | boolean | null>>({
    additionalProperties: { type: ['string', 'number', 'boolean', 'null'] },
  }),
  /** Records (exact answers) or the noisy number of subjects (private answers). */
  count: Type.Integer(),
  subjects: Type.Integer(),
  values: Type.Array(typeList(['number', 'null'])),
  /** Per measure, the half-width of a 95% interval around the value (0 when exact). */
  margins: Type.Array(Type.Number({ minimum: 0 })),
});

export const SandboxPrivacy = strict({
  mode: literals(['exact', 'differential']),
  mechanism: literals(['none', 'discrete-laplace']),
  /** ε this answer spent (0: exact, or given before and stored). */
  epsilon: epsilon(),
  cached: Type.Boolean(),
  epsilonPerStatistic: Optional(epsilon()),
  /** ε left this year for the dataset, and for the asking department, after this answer. */
  datasetEpsilonLeft: Optional(epsilon()),
  departmentEpsilonLeft: Optional(typeList(['number', 'null'], { minimum: 0 })),
  /** The yearly budget: the dataset's, and one department's share of it. */
  datasetEpsilonPerYear: Optional(epsilon()),
  departmentEpsilonPerYear: Optional(epsilon()),
});

export const SandboxResult = requiredInOrder(
  strict({
    k: Type.Integer(),
    measures: Type.Array(Type.String()),
    scope: Type.String(),
    groups: Type.Array(local(SandboxGroup, 'Group')),
    privacy: local(SandboxPrivacy, 'Privacy'),
    /** Catalog to gateway only: the subjects a filtered query touched (clear; the audit log keeps their HMACs), when few. */
    touchedSubjects: Optional(Type.Array(Type.String(), { maxItems: 200 })),
  }),
  ['k', 'groups', 'measures', 'scope', 'privacy'],
);

export const SandboxBudget = strict({
  dataset: common.ref('DatasetId'),
  epsilonPerYear: Type.Number(),
  epsilonPerQuery: Type.Number(),
  departmentShare: Type.Number(),
  dominanceShare: Type.Number(),
  /** ε spent in the last 365 days, in all and by account (a department, or "release"). */
  spent: Type.Number(),
  left: Type.Number(),
  byAccount: Type.Array(strict({ account: Type.String(), spent: Type.Number() })),
  updatedBy: Optional(Type.String()),
  updatedAt: Optional(Type.String({ format: 'date-time' })),
});

/** A change of a dataset's privacy budget; who made it is the verified caller. */
export const SandboxBudgetUpdate = strict({
  epsilonPerYear: Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10000 })),
  epsilonPerQuery: Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100 })),
  departmentShare: Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
  dominanceShare: Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
});

export const SandboxStandardRelease = strict({
  digest: Type.String(),
  // The query as asked, written out in place (as v1 always had it) rather than as a $ref.
  query: SandboxQuery,
  result: local(SandboxResult, 'Result'),
  epsilon: Type.Number(),
  at: Type.String({ format: 'date-time' }),
});

export const sandbox = contractFile('sandbox.v1.json', {
  title:
    'Sandbox: aggregate-only queries (可用不可见): k, dimensions only, differential privacy with a budget per dataset',
  $defs: {
    Query: SandboxQuery,
    Result: SandboxResult,
    Group: SandboxGroup,
    Privacy: SandboxPrivacy,
    Budget: SandboxBudget,
    BudgetUpdate: SandboxBudgetUpdate,
    Release: SandboxStandardRelease,
    ReleaseList: strict({ releases: Type.Array(local(SandboxStandardRelease, 'Release')) }),
  },
});
