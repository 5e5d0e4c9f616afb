import type {
  SandboxBudget,
  SandboxGroup,
  SandboxPrivacy,
  SandboxResult,
  SandboxStandardRelease,
} from '@govshare/contracts';
import { builder } from '../builder.ts';
import {
  publishSandboxRelease,
  sandboxAggregate,
  sandboxBudget,
  sandboxReleases,
  setSandboxBudget,
  type SandboxRequest,
} from '../../operations/sandbox.ts';
import { RecordFilterInput, toContractFilter } from './record-filter.ts';

const AggregateFnEnum = builder.enumType('AggregateFn', {
  values: {
    COUNT: { value: 'count' },
    SUM: { value: 'sum' },
    AVG: { value: 'avg' },
    MIN: { value: 'min' },
    MAX: { value: 'max' },
  } as const,
});

const MeasureInput = builder.inputType('SandboxMeasure', {
  fields: (t) => ({
    fn: t.field({ type: AggregateFnEnum, required: true }),
    field: t.string({ required: false, description: 'A numeric field (not for COUNT); in a join, "dataset.field"' }),
  }),
});

const JoinInput = builder.inputType('SandboxJoin', {
  description: 'A dataset of another department, joined on a field both have (e.g. idNumber)',
  fields: (t) => ({
    dataset: t.id({ required: true }),
    on: t.string({ required: true }),
    where: t.field({ type: RecordFilterInput, required: false }),
  }),
});

const SandboxInput = builder.inputType('SandboxQuery', {
  fields: (t) => ({
    dataset: t.id({ required: true }),
    where: t.field({
      type: RecordFilterInput,
      required: false,
      description: 'On declared dimensions only; must leave at least k subjects in and k out',
    }),
    join: t.field({ type: JoinInput, required: false }),
    groupBy: t.stringList({
      required: false,
      description: 'Declared dimensions (x-dimension), at most 3; in a join, "dataset.field"',
    }),
    measures: t.field({ type: [MeasureInput], required: true }),
  }),
});

const GroupRef = builder.objectRef<SandboxGroup>('SandboxGroup').implement({
  fields: (t) => ({
    key: t.field({ type: 'JSON', description: 'The group’s dimension values', resolve: (g) => g.key }),
    count: t.exposeInt('count', {
      description: 'Records (exact answers); the noisy number of subjects (differential privacy)',
    }),
    subjects: t.exposeInt('subjects', {
      description:
        'Subjects (people or companies by x-subject; else records; in a join, join keys) — at least k; noisy under differential privacy',
    }),
    values: t.field({
      type: ['Float'],
      nullable: { list: false, items: true },
      description: 'One value per measure, in order',
      resolve: (g) => g.values,
    }),
    margins: t.field({
      type: ['Float'],
      description: 'Per measure, the half-width of a 95% interval around the value (0 when exact)',
      resolve: (g) => g.margins,
    }),
  }),
});

const SandboxModeEnum = builder.enumType('SandboxMode', {
  values: {
    EXACT: { value: 'exact', description: 'Public data or the caller’s own: exact figures' },
    DIFFERENTIAL: {
      value: 'differential',
      description: 'Private data: discrete Laplace noise, paid from the dataset’s privacy budget',
    },
  } as const,
});

const PrivacyRef = builder.objectRef<SandboxPrivacy>('SandboxPrivacy').implement({
  fields: (t) => ({
    mode: t.field({ type: SandboxModeEnum, resolve: (p) => p.mode }),
    mechanism: t.exposeString('mechanism', { description: 'none or discrete-laplace' }),
    epsilon: t.exposeFloat('epsilon', {
      description: 'ε this answer spent: 0 when exact, or when the same query over the same data was answered before',
    }),
    cached: t.exposeBoolean('cached'),
    epsilonPerStatistic: t.float({ nullable: true, resolve: (p) => p.epsilonPerStatistic ?? null }),
    datasetEpsilonLeft: t.float({
      nullable: true,
      description: 'ε left this year for the dataset (all departments)',
      resolve: (p) => p.datasetEpsilonLeft ?? null,
    }),
    departmentEpsilonLeft: t.float({
      nullable: true,
      description: 'ε left this year for the asking department on this dataset',
      resolve: (p) => p.departmentEpsilonLeft ?? null,
    }),
  }),
});

const ResultRef = builder.objectRef<SandboxResult>('SandboxResult').implement({
  description: 'Aggregates only (可用不可见): groups under k subjects are left out, as empty groups are',
  fields: (t) => ({
    k: t.exposeInt('k'),
    measures: t.exposeStringList('measures'),
    groups: t.field({ type: [GroupRef], resolve: (r) => r.groups }),
    scope: t.exposeString('scope'),
    privacy: t.field({ type: PrivacyRef, resolve: (r) => r.privacy }),
  }),
});

const ReleaseRef = builder.objectRef<SandboxStandardRelease>('SandboxStandardRelease').implement({
  description: 'A standard table its owner published: computed once with differential privacy, read by everyone free',
  fields: (t) => ({
    digest: t.exposeString('digest'),
    query: t.field({ type: 'JSON', resolve: (r) => r.query }),
    result: t.field({ type: ResultRef, resolve: (r) => r.result }),
    epsilon: t.exposeFloat('epsilon'),
    at: t.exposeString('at'),
  }),
});

const BudgetSpendRef = builder.objectRef<SandboxBudget['byAccount'][number]>('SandboxBudgetSpend').implement({
  fields: (t) => ({
    account: t.exposeString('account', { description: 'A department code, or "release" for standard tables' }),
    spent: t.exposeFloat('spent'),
  }),
});

const BudgetRef = builder.objectRef<SandboxBudget>('SandboxBudget').implement({
  description: 'A dataset’s privacy budget for the sandbox (ε over a rolling 365 days, across all departments)',
  fields: (t) => ({
    dataset: t.exposeID('dataset'),
    epsilonPerYear: t.exposeFloat('epsilonPerYear'),
    epsilonPerQuery: t.exposeFloat('epsilonPerQuery'),
    departmentShare: t.exposeFloat('departmentShare', {
      description: 'Share of epsilonPerYear one department may spend',
    }),
    dominanceShare: t.exposeFloat('dominanceShare', {
      description: 'Exact sums: a group is left out when one subject is more than this share of its total',
    }),
    spent: t.exposeFloat('spent'),
    left: t.exposeFloat('left'),
    byAccount: t.field({ type: [BudgetSpendRef], resolve: (b) => b.byAccount }),
    updatedBy: t.string({ nullable: true, resolve: (b) => b.updatedBy ?? null }),
    updatedAt: t.string({ nullable: true, resolve: (b) => b.updatedAt ?? null }),
  }),
});

builder.queryField('sandboxAggregate', (t) =>
  t.field({
    type: ResultRef,
    description:
      'Aggregate-only analysis of any dataset, or of a join of two departments’ datasets, computed inside the hub. No rows; filters and groups on declared dimensions; groups under k left out; private data (another department’s RESTRICTED or SECRET) answered with differential privacy from the dataset’s budget. Audited with the aggregate definition and the ε spent.',
    authScopes: { consumer: true, steward: true, admin: true },
    args: { query: t.arg({ type: SandboxInput, required: true }) },
    complexity: { field: 20, multiplier: 1 },
    resolve: (_r, { query: q }, ctx) => sandboxAggregate(ctx.deps, ctx.scope, toRequest(q)),
  }),
);

builder.queryField('sandboxReleases', (t) =>
  t.field({
    type: [ReleaseRef],
    description: 'The standard tables published for a dataset, newest first (free to read)',
    authScopes: { consumer: true, steward: true, admin: true },
    args: { dataset: t.arg.id({ required: true }) },
    resolve: (_r, a, ctx) => sandboxReleases(ctx.deps, ctx.scope, String(a.dataset)),
  }),
);

builder.queryField('sandboxBudget', (t) =>
  t.field({
    type: BudgetRef,
    description: 'A dataset’s privacy budget and who spent it (stewards of the owner department, admins)',
    authScopes: { steward: true, admin: true },
    args: { dataset: t.arg.id({ required: true }) },
    resolve: (_r, a, ctx) => sandboxBudget(ctx.deps, ctx.scope, String(a.dataset)),
  }),
);

builder.mutationFields((t) => ({
  setSandboxBudget: t.field({
    type: BudgetRef,
    description:
      'Sets a dataset’s privacy budget (stewards of the owner department, admins); unset arguments keep their value',
    authScopes: { steward: true, admin: true },
    args: {
      dataset: t.arg.id({ required: true }),
      epsilonPerYear: t.arg.float({ required: false }),
      epsilonPerQuery: t.arg.float({ required: false }),
      departmentShare: t.arg.float({ required: false }),
      dominanceShare: t.arg.float({ required: false }),
    },
    resolve: (_r, a, ctx) =>
      setSandboxBudget(ctx.deps, ctx.scope, String(a.dataset), {
        ...(a.epsilonPerYear != null ? { epsilonPerYear: a.epsilonPerYear } : {}),
        ...(a.epsilonPerQuery != null ? { epsilonPerQuery: a.epsilonPerQuery } : {}),
        ...(a.departmentShare != null ? { departmentShare: a.departmentShare } : {}),
        ...(a.dominanceShare != null ? { dominanceShare: a.dominanceShare } : {}),
      }),
  }),
  publishSandboxRelease: t.field({
    type: ResultRef,
    description:
      'Publishes a standard table of the dataset (stewards of the owner department, admins): computed with differential privacy from the dataset’s budget, then free for everyone',
    authScopes: { steward: true, admin: true },
    args: { query: t.arg({ type: SandboxInput, required: true }) },
    complexity: { field: 20, multiplier: 1 },
    resolve: (_r, { query: q }, ctx) => publishSandboxRelease(ctx.deps, ctx.scope, toRequest(q)),
  }),
}));

function toRequest(q: typeof SandboxInput.$inferInput): SandboxRequest {
  return {
    dataset: String(q.dataset),
    ...(q.where ? { where: toContractFilter(q.where) } : {}),
    ...(q.join
      ? {
          join: {
            dataset: String(q.join.dataset),
            on: q.join.on,
            ...(q.join.where ? { where: toContractFilter(q.join.where, 'join.where') } : {}),
          },
        }
      : {}),
    groupBy: q.groupBy ?? [],
    measures: q.measures.map((m) => ({ fn: m.fn, ...(m.field ? { field: m.field } : {}) })),
  };
}
