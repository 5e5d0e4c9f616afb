import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError, getArgumentValues, type GraphQLResolveInfo } from 'graphql';
import { validate as isUuid } from 'uuid';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { model } from '@govshare/contracts';
import { hasRole } from '@govshare/platform/policy';
import type { GatewayDeps, RequestScope } from '../deps.ts';
import { auditEvent } from '../operations/audited.ts';

export interface GraphQLContext {
  scope: RequestScope;
  deps: GatewayDeps;
}

/** Field extension: the name of the argument that identifies an access request. */
export const AUDIT_ACCESS_REQUEST_ARG = 'auditAccessRequestArg';
const MAX_DENIED_ARGS_JSON = 2000;

/**
 * What a refused field was asked: its arguments (or only their names when large, e.g. an upload),
 * and the access request it names, if it declares one.
 */
function refusedFieldDetails(info: GraphQLResolveInfo): { filter: unknown; accessRequestId?: string } {
  const field = info.parentType.getFields()[info.fieldName]!;
  let args: Record<string, unknown> = {};
  try {
    args = getArgumentValues(field, info.fieldNodes[0]!, info.variableValues);
  } catch {
    // Arguments that fail coercion are refused by validation before this point; record none.
  }
  const json = JSON.stringify(args);
  const filter = json.length <= MAX_DENIED_ARGS_JSON ? args : { argumentNames: Object.keys(args) };
  const argName = field.extensions?.[AUDIT_ACCESS_REQUEST_ARG];
  const id = typeof argName === 'string' ? args[argName] : undefined;
  return typeof id === 'string' && isUuid(id) ? { filter, accessRequestId: id } : { filter };
}

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  AuthScopes: { consumer: boolean; steward: boolean; auditor: boolean; admin: boolean };
  Scalars: {
    JSON: { Input: {}; Output: unknown };
    DateTime: { Input: Date; Output: Date | string };
  };
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin, ComplexityPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    // The caller is authenticated before execution starts; scopes are its roles.
    authScopes: (ctx) => ({
      consumer: hasRole(ctx.scope.caller, 'consumer'),
      steward: hasRole(ctx.scope.caller, 'steward'),
      auditor: hasRole(ctx.scope.caller, 'auditor'),
      admin: hasRole(ctx.scope.caller, 'admin'),
    }),
    unauthorizedError: (_parent, ctx, info) => {
      const message = `field ${info.parentType.name}.${info.fieldName} needs another role than ${ctx.scope.caller.roles.join(', ')}`;
      // The refusal is recorded like every other denial; the reply carries no data either way.
      ctx.deps.audit
        .record(
          auditEvent(ctx.scope, `graphql.${info.fieldName}`, 'denied', {
            reason: message,
            errorCode: 'FORBIDDEN',
            ...refusedFieldDetails(info),
          }),
        )
        .catch((err) => ctx.deps.logger.error({ err: (err as Error).message }, 'could not audit a refused field'));
      return new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
    },
  },
  complexity: {
    defaultComplexity: 1,
    // Paginated fields set their own multiplier (the page size); other lists are short.
    defaultListMultiplier: 1,
    complexityError: (kind, result) => {
      const k = kind.toLowerCase() as 'depth' | 'breadth' | 'complexity';
      const limit = { depth: result.maxDepth, breadth: result.maxBreadth, complexity: result.maxComplexity }[k];
      return new GraphQLError(`query too complex: ${k} ${result[k]} exceeds the limit ${limit}`, {
        extensions: { code: 'QUERY_TOO_COMPLEX' },
      });
    },
  },
});

builder.addScalarType('JSON', JSONResolver);
builder.addScalarType('DateTime', DateTimeResolver);
builder.queryType({
  description: 'Reads. Every call needs a bearer token; every data read is audited before it is answered.',
});
builder.mutationType({ description: 'Changes. Each is authorised, audited, then applied all or nothing.' });

export const TierEnum = builder.enumType('Tier', {
  values: {
    PUBLIC: { description: 'Open data: any authenticated caller' },
    INTERNAL: { description: 'Unconditional sharing (无条件共享): any department, sensitive fields masked' },
    RESTRICTED: { description: 'Conditional sharing (有条件共享): only with an active grant, only granted fields' },
    SECRET: { description: 'Not shared (不予共享): rows only for the owner department' },
  } as const,
});

export const RoleEnum = builder.enumType('Role', { values: model.ROLES });
export const MaskStyleEnum = builder.enumType('MaskStyle', { values: model.MASK_STYLES });
export const SensitivityEnum = builder.enumType('Sensitivity', { values: model.SENSITIVITIES });
export const AccessLevelEnum = builder.enumType('AccessLevel', {
  values: {
    FULL: { description: 'All fields, unmasked' },
    MASKED: { description: 'All fields, personal and sensitive ones masked' },
    GRANTED: { description: 'The fields an active grant covers' },
    NONE: { description: 'No row-level access' },
  } as const,
});

export const PageInfoRef = builder.objectRef<{ endCursor: string | null; hasNextPage: boolean }>('PageInfo').implement({
  fields: (t) => ({
    endCursor: t.exposeString('endCursor', { nullable: true }),
    hasNextPage: t.exposeBoolean('hasNextPage'),
  }),
});
