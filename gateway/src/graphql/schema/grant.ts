import type { Grant } from '@govshare/contracts';
import { builder } from '../builder.ts';
import { createGrant, listGrants, revokeGrant, revokeToken, signOut } from '../../operations/grants.ts';

const GrantRef = builder.objectRef<Grant>('Grant').implement({
  description: 'A department’s right to read the listed fields of a RESTRICTED dataset, until it expires or is revoked',
  fields: (t) => ({
    id: t.exposeID('id'),
    datasetId: t.exposeString('datasetId'),
    granteeDept: t.exposeString('granteeDept'),
    fields: t.exposeStringList('fields'),
    unmaskedFields: t.exposeStringList('unmaskedFields'),
    purpose: t.exposeString('purpose'),
    expiresAt: t.field({ type: 'DateTime', resolve: (g) => g.expiresAt }),
    createdAt: t.field({ type: 'DateTime', resolve: (g) => g.createdAt }),
    createdBy: t.exposeString('createdBy'),
    revokedAt: t.field({ type: 'DateTime', nullable: true, resolve: (g) => g.revokedAt }),
    active: t.boolean({ resolve: (g) => g.revokedAt === null && Date.parse(g.expiresAt) > Date.now() }),
  }),
});

builder.queryField('grants', (t) =>
  t.field({
    type: [GrantRef],
    description: 'Grants your department holds, or (stewards) gave on its data; admins see all',
    args: {
      dataset: t.arg.id({ required: false }),
      activeOnly: t.arg.boolean({ required: false, defaultValue: false }),
    },
    complexity: { field: 2, multiplier: 10 },
    resolve: (_r, args, ctx) =>
      listGrants(ctx.deps, ctx.scope, {
        datasetId: args.dataset ? String(args.dataset) : undefined,
        activeOnly: args.activeOnly ?? false,
      }),
  }),
);

const CreateGrantInput = builder.inputType('CreateGrantInput', {
  fields: (t) => ({
    datasetId: t.string({ required: true }),
    granteeDept: t.string({ required: true }),
    fields: t.stringList({ required: true }),
    unmaskedFields: t.stringList({ required: false }),
    purpose: t.string({ required: true }),
    expiresAt: t.field({ type: 'DateTime', required: true }),
  }),
});

builder.mutationFields((t) => ({
  createGrant: t.field({
    type: GrantRef,
    authScopes: { admin: true },
    args: { input: t.arg({ type: CreateGrantInput, required: true }) },
    resolve: (_r, { input }, ctx) =>
      createGrant(ctx.deps, ctx.scope, {
        datasetId: input.datasetId,
        granteeDept: input.granteeDept,
        fields: input.fields,
        unmaskedFields: input.unmaskedFields ?? [],
        purpose: input.purpose,
        expiresAt: input.expiresAt.toISOString(),
      }),
  }),
  revokeGrant: t.field({
    type: GrantRef,
    description: 'Takes effect on the next query',
    authScopes: { admin: true },
    args: {
      id: t.arg.id({ required: true }),
      reason: t.arg.string({ required: false, description: 'Why it is revoked: kept in the audit log' }),
    },
    resolve: (_r, args, ctx) => revokeGrant(ctx.deps, ctx.scope, String(args.id), args.reason ?? undefined),
  }),
  revokeToken: t.boolean({
    description: 'Refuses a caller token (by jti) from now on',
    authScopes: { admin: true },
    args: { jti: t.arg.string({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: (_r, args, ctx) => revokeToken(ctx.deps, ctx.scope, args.jti, args.reason),
  }),
  signOut: t.boolean({
    description: 'Revokes the token this request carries (any caller, its own token): refused from now on',
    resolve: (_r, _a, ctx) => signOut(ctx.deps, ctx.scope),
  }),
}));
