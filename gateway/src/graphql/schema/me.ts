import { builder, RoleEnum } from '../builder.ts';
import type { Caller } from '../../caller.ts';
import { DepartmentRef } from './department.ts';
import { listDepartments } from '../../operations/datasets.ts';

const MeRef = builder.objectRef<Caller>('Me').implement({
  description: 'The authenticated caller, from its token',
  fields: (t) => ({
    sub: t.exposeString('sub'),
    dept: t.exposeString('dept'),
    roles: t.field({ type: [RoleEnum], resolve: (c) => c.roles }),
    tokenId: t.exposeString('jti'),
    department: t.field({
      type: DepartmentRef,
      nullable: true,
      resolve: async (c, _a, ctx) =>
        (await listDepartments(ctx.deps, ctx.scope)).find((d) => d.code === c.dept) ?? null,
    }),
  }),
});

builder.queryField('me', (t) => t.field({ type: MeRef, resolve: (_r, _a, ctx) => ctx.scope.caller }));
