import { Type } from '@sinclair/typebox';
import { contractFile, self, typeList } from './build.ts';
import { common } from './common.ts';

const fieldNames = (options?: Parameters<typeof Type.Array>[1]) => Type.Array(common.ref('FieldName'), options);

export const Grant = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    datasetId: common.ref('DatasetId'),
    granteeDept: common.ref('DeptCode'),
    fields: fieldNames(),
    unmaskedFields: fieldNames(),
    purpose: Type.String(),
    expiresAt: Type.String({ format: 'date-time' }),
    createdAt: Type.String({ format: 'date-time' }),
    createdBy: Type.String(),
    revokedAt: typeList(['string', 'null']),
  },
  { additionalProperties: false },
);

export const GrantCreate = Type.Object(
  {
    datasetId: common.ref('DatasetId'),
    granteeDept: common.ref('DeptCode'),
    fields: fieldNames({ minItems: 1, uniqueItems: true }),
    unmaskedFields: Type.Optional(fieldNames({ uniqueItems: true, default: [] })),
    purpose: Type.String({ minLength: 3, maxLength: 500 }),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

export const grant = contractFile('grant.v1.json', {
  title: "Grant: a department's right to read a RESTRICTED dataset",
  root: Grant,
  $defs: { Create: GrantCreate, List: Type.Object({ grants: Type.Array(self(Grant)) }) },
});
