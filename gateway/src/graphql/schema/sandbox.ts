import type { SandboxGroup, SandboxResult } from '@govshare/contracts';
import { builder } from '../builder.ts';
import { sandboxAggregate } from '../../operations/sandbox.ts';
import { RecordFilterInput, toContractFilter } from './record-filter.ts';

const AggregateFnEnum = builder.enumType('AggregateFn', { values: { COUNT: { value: 'count' }, SUM: { value: 'sum' }, AVG: { value: 'avg' }, MIN: { value: 'min' }, MAX: { value: 'max' } } as const });

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
    where: t.field({ type: RecordFilterInput, required: false, description: 'On dimensions and public fields only' }),
    join: t.field({ type: JoinInput, required: false }),
    groupBy: t.stringList({ required: false, description: 'Declared dimensions (x-dimension), at most 3; in a join, "dataset.field"' }),
    measures: t.field({ type: [MeasureInput], required: true }),
  }),
});

const GroupRef = builder.objectRef<SandboxGroup>('SandboxGroup').implement({
  fields: (t) => ({
    key: t.field({ type: 'JSON', description: 'The group’s dimension values', resolve: (g) => g.key }),
    count: t.exposeInt('count'),
    subjects: t.exposeInt('subjects', { description: 'Distinct subjects (records; in a join, distinct join keys) — at least k' }),
    values: t.field({ type: ['Float'], nullable: { list: false, items: true }, description: 'One value per measure, in order', resolve: (g) => g.values }),
  }),
});

const ResultRef = builder.objectRef<SandboxResult>('SandboxResult').implement({
  description: 'Aggregates only (可用不可见): groups under k subjects are left out and counted in suppressedGroups',
  fields: (t) => ({
    k: t.exposeInt('k'),
    measures: t.exposeStringList('measures'),
    groups: t.field({ type: [GroupRef], resolve: (r) => r.groups }),
    suppressedGroups: t.exposeInt('suppressedGroups'),
    scope: t.exposeString('scope'),
  }),
});

builder.queryField('sandboxAggregate', (t) =>
  t.field({
    type: ResultRef,
    description:
      'Aggregate-only analysis of any dataset, or of a join of two departments’ datasets, computed inside the hub. No rows; groups under k suppressed; answers that would single out records by differencing are refused. Audited with the aggregate definition.',
    authScopes: { consumer: true, steward: true, admin: true },
    args: { query: t.arg({ type: SandboxInput, required: true }) },
    complexity: { field: 20, multiplier: 1 },
    resolve: (_r, { query: q }, ctx) =>
      sandboxAggregate(ctx.deps, ctx.scope, {
        dataset: String(q.dataset),
        ...(q.where ? { where: toContractFilter(q.where) } : {}),
        ...(q.join ? { join: { dataset: String(q.join.dataset), on: q.join.on, ...(q.join.where ? { where: toContractFilter(q.join.where, 'join.where') } : {}) } } : {}),
        groupBy: q.groupBy ?? [],
        measures: q.measures.map((m) => ({ fn: m.fn, ...(m.field ? { field: m.field } : {}) })),
      }),
  }),
);
