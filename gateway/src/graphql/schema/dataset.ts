import type { DatasetSchema, DatasetVersionList, FieldSchema } from '@govshare/contracts';
import { AppError } from '@govshare/platform';
import { AccessLevelEnum, builder, MaskStyleEnum, PageInfoRef, SensitivityEnum, TierEnum } from '../builder.ts';
import {
  createDataset,
  getDataset,
  listDatasets,
  listDatasetVersions,
  updateDatasetSchema,
  type DatasetView,
} from '../../operations/datasets.ts';

interface FieldView {
  name: string;
  schema: FieldSchema;
  required: boolean;
  isKey: boolean;
  /** The dataset's key has this one field only: filters on it use the records' key column. */
  soleKey: boolean;
}

/** The fields of a schema in declared order, as the data dictionary describes them. */
function fieldViews(schema: DatasetSchema, keyFields: readonly string[]): FieldView[] {
  return Object.entries(schema.properties).map(([name, f]) => ({
    name,
    schema: f,
    required: (schema.required ?? []).includes(name),
    isKey: keyFields.includes(name),
    soleKey: keyFields.length === 1 && keyFields[0] === name,
  }));
}

const DatasetFieldRef = builder.objectRef<FieldView>('DatasetField').implement({
  description: 'One field of the shared data dictionary',
  fields: (t) => ({
    name: t.exposeString('name'),
    type: t.string({ resolve: (f) => [f.schema.type ?? 'any'].flat().join('|') }),
    title: t.string({ nullable: true, resolve: (f) => f.schema.title ?? null }),
    description: t.string({ nullable: true, resolve: (f) => f.schema.description ?? null }),
    sensitivity: t.field({ type: SensitivityEnum, resolve: (f) => f.schema['x-sensitivity'] ?? 'public' }),
    mask: t.field({
      type: MaskStyleEnum,
      nullable: true,
      resolve: (f) =>
        f.schema['x-sensitivity'] && f.schema['x-sensitivity'] !== 'public' ? (f.schema['x-mask'] ?? 'partial') : null,
    }),
    isKey: t.exposeBoolean('isKey'),
    required: t.exposeBoolean('required'),
    indexed: t.boolean({
      description:
        'Filters on this field use an index: declared x-index, or the key when it is a single string field (the key column is indexed). A filter on any other field is allowed but scans the whole dataset: slow on large datasets',
      resolve: (f) =>
        (f.soleKey && [f.schema.type].flat().includes('string')) ||
        (f.schema['x-index'] === true && ![f.schema.type].flat().includes('boolean')),
    }),
    dimension: t.boolean({
      description: 'Declared x-dimension: the sandbox may group aggregates by it',
      resolve: (f) => f.schema['x-dimension'] === true,
    }),
    subject: t.boolean({
      description: 'Declared x-subject: identifies the person or company a record is about',
      resolve: (f) => f.schema['x-subject'] === true,
    }),
    format: t.string({
      nullable: true,
      description: 'date or date-time for a string field holding one (filter on it with ISO text)',
      resolve: (f) => f.schema.format ?? null,
    }),
    enumValues: t.field({
      type: ['JSON'],
      nullable: true,
      description:
        'The values the field may take, when the dictionary lists them (enum): choices for a filter, ' +
        'and every group a sandbox answer over private data may have',
      resolve: (f) => f.schema.enum ?? null,
    }),
  }),
});

type VersionView = DatasetVersionList['versions'][number];

/** A schema's key, as the data dictionary declares it (x-key). */
const keyFieldsOf = (schema: DatasetSchema) =>
  Object.entries(schema.properties)
    .filter(([, f]) => f['x-key'] === true)
    .map(([name]) => name);

const DatasetVersionRef = builder.objectRef<VersionView>('DatasetVersion').implement({
  description: 'One version of a dataset’s data dictionary (a compatible schema change makes the next one)',
  fields: (t) => ({
    version: t.exposeInt('version'),
    createdAt: t.field({ type: 'DateTime', resolve: (v) => v.createdAt }),
    schema: t.field({ type: 'JSON', description: 'The JSON Schema of this version', resolve: (v) => v.schema }),
    fields: t.field({
      type: [DatasetFieldRef],
      complexity: { field: 1, multiplier: 10 },
      resolve: (v) => fieldViews(v.schema, keyFieldsOf(v.schema)),
    }),
  }),
});

export const DatasetRef = builder.objectRef<DatasetView>('Dataset').implement({
  description: 'A shared dataset in the catalog',
  fields: (t) => ({
    id: t.exposeID('id'),
    title: t.exposeString('title'),
    description: t.exposeString('description'),
    ownerDept: t.exposeString('ownerDept'),
    tier: t.field({ type: TierEnum, resolve: (d) => d.tier }),
    keyFields: t.exposeStringList('keyFields'),
    version: t.exposeInt('version'),
    recordCount: t.exposeInt('recordCount'),
    updatedAt: t.field({ type: 'DateTime', resolve: (d) => d.updatedAt }),
    access: t.field({
      type: AccessLevelEnum,
      description: 'What the caller may read of this dataset',
      resolve: (d) => d.access,
    }),
    schema: t.field({
      type: 'JSON',
      description: 'The JSON Schema (draft 2020-12) data dictionary',
      resolve: (d) => d.schema,
    }),
    fields: t.field({
      type: [DatasetFieldRef],
      complexity: { field: 1, multiplier: 10 },
      resolve: (d) => fieldViews(d.schema, d.keyFields),
    }),
    versions: t.field({
      type: [DatasetVersionRef],
      description: 'The data dictionary’s history, oldest first (the last is `version`); each read is audited',
      complexity: { field: 5, multiplier: 10 },
      resolve: async (d, _a, ctx) => (await listDatasetVersions(ctx.deps, ctx.scope, d.id)).versions,
    }),
  }),
});

const DatasetConnectionRef = builder
  .objectRef<{ datasets: DatasetView[]; totalCount: number; endCursor?: string | null; hasNextPage: boolean }>(
    'DatasetConnection',
  )
  .implement({
    fields: (t) => ({
      nodes: t.field({ type: [DatasetRef], resolve: (p) => p.datasets }),
      totalCount: t.exposeInt('totalCount'),
      pageInfo: t.field({
        type: PageInfoRef,
        resolve: (p) => ({ endCursor: p.endCursor ?? null, hasNextPage: p.hasNextPage }),
      }),
    }),
  });

const DatasetFilterInput = builder.inputType('DatasetFilter', {
  fields: (t) => ({
    tier: t.field({ type: TierEnum, required: false }),
    ownerDept: t.string({ required: false }),
    search: t.string({ required: false, description: 'Words in the title or description' }),
    field: t.string({
      required: false,
      description: 'Datasets with a field whose name or title contains this text (case-insensitive)',
    }),
  }),
});

builder.queryFields((t) => ({
  datasets: t.field({
    type: DatasetConnectionRef,
    args: {
      filter: t.arg({ type: DatasetFilterInput, required: false }),
      first: t.arg.int({ required: false, defaultValue: 20 }),
      after: t.arg.string({ required: false }),
    },
    complexity: (args) => ({ field: 2, multiplier: Math.min(args.first ?? 20, 100) }),
    resolve: (_r, args, ctx) => {
      if (args.first! < 1 || args.first! > 100)
        throw new AppError('BAD_USER_INPUT', 'first: must be between 1 and 100');
      return listDatasets(ctx.deps, ctx.scope, {
        tier: args.filter?.tier ?? undefined,
        ownerDept: args.filter?.ownerDept ?? undefined,
        search: args.filter?.search ?? undefined,
        field: args.filter?.field ?? undefined,
        first: args.first ?? 20,
        after: args.after ?? undefined,
      });
    },
  }),
  dataset: t.field({
    type: DatasetRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, args, ctx) => getDataset(ctx.deps, ctx.scope, String(args.id)),
  }),
}));

const CreateDatasetInput = builder.inputType('CreateDatasetInput', {
  fields: (t) => ({
    id: t.string({ required: true, description: 'lower-case-with-dashes' }),
    title: t.string({ required: true }),
    description: t.string({ required: false }),
    ownerDept: t.string({ required: true }),
    tier: t.field({ type: TierEnum, required: true }),
    schema: t.field({
      type: 'JSON',
      required: true,
      description: 'JSON Schema (draft 2020-12) with x-sensitivity, x-mask, x-key, x-dimension, x-subject, x-index',
    }),
  }),
});

builder.mutationFields((t) => ({
  createDataset: t.field({
    type: DatasetRef,
    authScopes: { steward: true, admin: true },
    args: { input: t.arg({ type: CreateDatasetInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      const d = await createDataset(ctx.deps, ctx.scope, {
        id: input.id,
        title: input.title,
        description: input.description ?? '',
        ownerDept: input.ownerDept,
        tier: input.tier,
        schema: input.schema as DatasetSchema,
      });
      return { ...d, access: 'FULL' as const };
    },
  }),
  updateDatasetSchema: t.field({
    type: DatasetRef,
    description: 'A compatible change makes a new version; an incompatible one is refused with the reasons',
    authScopes: { steward: true, admin: true },
    args: { id: t.arg.id({ required: true }), schema: t.arg({ type: 'JSON', required: true }) },
    resolve: async (_r, args, ctx) => ({
      ...(await updateDatasetSchema(ctx.deps, ctx.scope, String(args.id), args.schema as DatasetSchema)),
      access: 'FULL' as const,
    }),
  }),
}));
