import { Type } from '@sinclair/typebox';
import { contractFile, self } from './build.ts';
import { common } from './common.ts';

export const Department = Type.Object(
  {
    code: common.ref('DeptCode'),
    nameZh: Type.String({ minLength: 1 }),
    nameEn: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);
export const DepartmentList = Type.Object({ departments: Type.Array(self(Department)) });

export const department = contractFile('department.v1.json', {
  title: 'Department',
  root: Department,
  $defs: { List: DepartmentList },
});
