import type { Department } from '@govshare/contracts';
import { builder } from '../builder.ts';
import { listDepartments } from '../../operations/datasets.ts';

export const DepartmentRef = builder.objectRef<Department>('Department').implement({
  fields: (t) => ({
    code: t.exposeString('code'),
    nameZh: t.exposeString('nameZh'),
    nameEn: t.exposeString('nameEn'),
  }),
});

builder.queryField('departments', (t) =>
  t.field({ type: [DepartmentRef], resolve: (_r, _a, ctx) => listDepartments(ctx.deps, ctx.scope) }),
);
