import { Type } from '@sinclair/typebox';
import { anyObject, contractFile, literals, local, typeList } from './build.ts';
import { common } from './common.ts';

export const INGEST_MODES = ['append', 'replace'] as const;

export const RecordsQuery = Type.Object(
  {
    fields: Type.Array(common.ref('FieldName'), { minItems: 1, maxItems: 100, uniqueItems: true }),
    where: Type.Optional(common.ref('Filter')),
    first: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 20 })),
    after: Type.Optional(Type.String({ maxLength: 500 })),
    withTotal: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);

export const StoredRecord = Type.Object(
  {
    id: Type.Optional(
      Type.String({
        pattern: '^[0-9]+$',
        description:
          'Catalog record id (ascending in ingest order); present on export lines, where it is the resume point for `after`',
      }),
    ),
    key: Type.String(),
    version: Type.Integer(),
    ingestedAt: Type.String(),
    data: anyObject(),
  },
  { additionalProperties: false },
);

export const RecordsPage = Type.Object(
  {
    records: Type.Array(local(StoredRecord, 'Record')),
    totalCount: Type.Optional(typeList(['integer', 'null'])),
    endCursor: Type.Optional(typeList(['string', 'null'])),
    hasNextPage: Type.Boolean(),
    datasetVersion: Type.Integer(),
  },
  { additionalProperties: false },
);

export const IngestBatch = Type.Object(
  {
    mode: literals(INGEST_MODES),
    records: Type.Array(anyObject(), { maxItems: 10000 }),
    confirmEmpty: Type.Optional(
      Type.Boolean({ description: 'replace with no records empties the dataset only when true' }),
    ),
  },
  { additionalProperties: false },
);

export const IngestResult = Type.Object(
  {
    datasetId: Type.String(),
    mode: literals(INGEST_MODES),
    accepted: Type.Integer({ minimum: 0 }),
    recordCount: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

export const RowError = Type.Object({
  row: Type.Integer({ minimum: 1, description: '1-based row number in the submitted batch or file' }),
  field: Type.String(),
  rule: Type.String({
    description: 'type, required, unknown-field, key-missing, key-duplicate-in-batch, enum, format, ...',
  }),
  message: Type.String(),
});

export const records = contractFile('records.v1.json', {
  title: 'Records: query, page, ingest',
  $defs: { Query: RecordsQuery, Record: StoredRecord, Page: RecordsPage, IngestBatch, IngestResult, RowError },
});
