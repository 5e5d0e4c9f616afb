import { Type } from '@sinclair/typebox';
import { contractFile, objectOf, self, typeList } from './build.ts';
import { common } from './common.ts';
import { grant } from './grant.ts';

export const SENSITIVITIES = ['public', 'personal', 'sensitive'] as const;
export const MASK_STYLES = ['partial', 'hash', 'redact'] as const;

/**
 * The JSON Schema of one field of a dataset, with govshare's keywords. The dataset contract takes any
 * object here; the catalog's data dictionary (services/catalog/src/data-dictionary.ts) checks it.
 */
export interface FieldSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  'x-sensitivity'?: (typeof SENSITIVITIES)[number];
  'x-mask'?: (typeof MASK_STYLES)[number];
  'x-key'?: boolean;
  /** A sandbox dimension: aggregates may be grouped by it (public fields only). */
  'x-dimension'?: boolean;
  /** Identifies the person or company a record is about (a string field): sandbox answers are compared across datasets by it. */
  'x-subject'?: boolean;
  /** The most one subject may contribute to a sandbox sum of this field (clamped); needed for SUM/AVG under differential privacy. */
  'x-contribution-bound'?: number;
  /** Records are often filtered on this field: the catalog keeps an index for it (not on boolean fields or a single string key). */
  'x-index'?: boolean;
  [k: string]: unknown;
}

/** A dataset's data dictionary. */
export interface DatasetSchema {
  $schema?: string;
  type: 'object';
  properties: Record<string, FieldSchema>;
  required?: string[];
  additionalProperties?: boolean;
  [k: string]: unknown;
}

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
    AccessContext,
  },
});
