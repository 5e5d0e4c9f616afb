import { Type, type Static } from '@sinclair/typebox';
import { contractFile, literals, objectOf, self, typeList } from './build.ts';
import { common } from './common.ts';
import { grant } from './grant.ts';

export const SENSITIVITIES = ['public', 'personal', 'sensitive'] as const;
export const MASK_STYLES = ['partial', 'hash', 'redact'] as const;

/** Scalar JSON types a field may hold; 'null' may be added through a type array. */
export const FIELD_TYPES = ['string', 'integer', 'number', 'boolean'] as const;
/** A field name: what a record's key may be called (also a SQL identifier inside the catalog). */
export const FIELD_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,62}$';

/**
 * The JSON Schema of one field of a dataset, with govshare's keywords: the shape the catalog's data
 * dictionary accepts (services/catalog/src/data-dictionary.ts checks a schema against it before ajv
 * compiles it, so errors name these rules). The dataset contract itself takes any object there.
 */
export const FieldSchemaModel = Type.Object(
  {
    type: Type.Union([
      literals(FIELD_TYPES),
      Type.Array(literals([...FIELD_TYPES, 'null'] as const), { minItems: 1, maxItems: 2, uniqueItems: true }),
    ]),
    title: Type.Optional(Type.String({ maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    enum: Type.Optional(
      Type.Array(typeList(['string', 'number', 'boolean', 'null'] as const), {
        minItems: 1,
        maxItems: 1000,
        uniqueItems: true,
      }),
    ),
    format: Type.Optional(literals(['date', 'date-time'] as const)),
    pattern: Type.Optional(Type.String({ maxLength: 500 })),
    minimum: Type.Optional(Type.Number()),
    maximum: Type.Optional(Type.Number()),
    maxLength: Type.Optional(Type.Integer({ minimum: 0 })),
    'x-sensitivity': Type.Optional(literals(SENSITIVITIES)),
    'x-mask': Type.Optional(literals(MASK_STYLES)),
    'x-key': Type.Optional(Type.Boolean()),
    /** A quality rule on this field (services/quality reads it). */
    'x-rule': Type.Optional(Type.Unsafe<string | Record<string, unknown>>({ type: ['string', 'object'] })),
    'x-expected': Type.Optional(Type.Boolean()),
    /** A sandbox dimension: aggregates may be grouped by it (public fields only). */
    'x-dimension': Type.Optional(Type.Boolean()),
    /** Identifies the person or company a record is about (a string field): sandbox answers are compared across datasets by it. */
    'x-subject': Type.Optional(Type.Boolean()),
    /** The most one subject may contribute to a sandbox sum of this field (clamped); needed for SUM/AVG under differential privacy. */
    'x-contribution-bound': Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    /** Records are often filtered on this field: the catalog keeps an index for it (not on boolean fields or a single string key). */
    'x-index': Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type FieldSchema = Static<typeof FieldSchemaModel>;

/** A dataset's data dictionary: a draft 2020-12 JSON Schema of one record. */
export const DatasetSchemaModel = Type.Object(
  {
    $schema: Type.Optional(Type.Literal('https://json-schema.org/draft/2020-12/schema')),
    $id: Type.Optional(Type.String()),
    title: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    type: Type.Literal('object'),
    properties: Type.Unsafe<Record<string, FieldSchema>>({
      type: 'object',
      minProperties: 1,
      maxProperties: 200,
      propertyNames: { pattern: FIELD_NAME_PATTERN },
      additionalProperties: FieldSchemaModel,
    }),
    required: Type.Optional(Type.Array(Type.String(), { uniqueItems: true })),
    additionalProperties: Type.Optional(Type.Literal(false)),
  },
  { additionalProperties: false },
);
export type DatasetSchema = Static<typeof DatasetSchemaModel>;

export const Dataset = Type.Object(
  {
    id: common.ref('DatasetId'),
    title: Type.String({ minLength: 1 }),
    description: Type.String(),
    ownerDept: common.ref('DeptCode'),
    tier: common.ref('Tier'),
    keyFields: Type.Array(common.ref('FieldName'), { minItems: 1 }),
    version: Type.Integer({ minimum: 1 }),
    schema: objectOf<DatasetSchema>({
      description:
        "The dataset's data dictionary: a draft 2020-12 JSON Schema with x-sensitivity, x-mask and x-key keywords",
    }),
    recordCount: Type.Integer({ minimum: 0 }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

export const DatasetCreate = Type.Object(
  {
    id: common.ref('DatasetId'),
    title: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000, default: '' })),
    ownerDept: common.ref('DeptCode'),
    tier: common.ref('Tier'),
    schema: objectOf<DatasetSchema>(),
  },
  { additionalProperties: false },
);

export const DatasetSchemaChange = Type.Object({ schema: objectOf<DatasetSchema>() }, { additionalProperties: false });

export const DatasetListQuery = Type.Object(
  {
    tier: Type.Optional(common.ref('Tier')),
    ownerDept: Type.Optional(common.ref('DeptCode')),
    search: Type.Optional(Type.String({ maxLength: 100 })),
    field: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'Datasets with a field whose name or title contains this text (case-insensitive)',
      }),
    ),
    first: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    after: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const DatasetPage = Type.Object({
  datasets: Type.Array(self(Dataset)),
  totalCount: Type.Integer({ minimum: 0 }),
  endCursor: Type.Optional(typeList(['string', 'null'])),
  hasNextPage: Type.Boolean(),
});

/** The data dictionary's history: every version of a dataset's schema, oldest first. */
export const DatasetVersionList = Type.Object(
  {
    versions: Type.Array(
      Type.Object(
        {
          version: Type.Integer({ minimum: 1 }),
          schema: objectOf<DatasetSchema>(),
          createdAt: Type.String({ format: 'date-time' }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const AccessContext = Type.Object(
  { dataset: self(Dataset), grants: Type.Array(grant.refRoot()) },
  {
    additionalProperties: false,
    description: 'A dataset and the active grants one department holds on it: what the gateway needs to decide a read',
  },
);

export const dataset = contractFile('dataset.v1.json', {
  title: 'Dataset as the catalog describes it',
  root: Dataset,
  $defs: {
    Create: DatasetCreate,
    SchemaChange: DatasetSchemaChange,
    ListQuery: DatasetListQuery,
    Page: DatasetPage,
    VersionList: DatasetVersionList,
    AccessContext,
  },
});
