import {
  GraphQLError,
  GraphQLID,
  Kind,
  TypeInfo,
  getNullableType,
  isInputObjectType,
  isListType,
  valueFromASTUntyped,
  visit,
  visitWithTypeInfo,
  BREAK,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { auditEvent } from '../operations/audited.ts';
import type { GraphQLContext } from './builder.ts';

/**
 * Longest ID the hub takes: none of its ids is longer (dataset ids ≤ 63, UUIDs 36), and the
 * catalog's routes refuse longer path parameters (Fastify's maxParamLength) with a bare 414.
 */
export const MAX_ID_LENGTH = 100;
/** How much of an object key a message names; keys come from the caller and may be huge. */
const MAX_KEY_IN_MESSAGE = 40;

export interface ArgumentRefusal {
  /** The field whose argument is refused (for the audit event). */
  field: string;
  message: string;
}

interface Pending {
  value: unknown;
  /** The declared input type, where known (not inside a JSON scalar). */
  type: GraphQLInputType | undefined;
  path: string;
}

const keyInMessage = (key: string) => {
  const shown = key.replaceAll('\u0000', '\\u0000');
  return shown.length > MAX_KEY_IN_MESSAGE ? `${shown.slice(0, MAX_KEY_IN_MESSAGE)}…` : shown;
};

/**
 * What is wrong with one argument value, if anything (where in the value, and the rule): a NUL
 * character in any string or object key (no store of the hub can hold it, and one in an audit event
 * sank the audit batch), or an ID longer than any the hub has. Walks the value with an explicit
 * stack: values come from the caller and may be nested deeply.
 */
function refuseValue(value: unknown, type: GraphQLInputType, name: string): { path: string; rule: string } | undefined {
  const stack: Pending[] = [{ value, type, path: name }];
  while (stack.length > 0) {
    const { value: v, type: t, path } = stack.pop()!;
    const nullable = t ? getNullableType(t) : undefined;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return { path, rule: 'contains a NUL character (U+0000), which is not allowed' };
      if (nullable === GraphQLID && v.length > MAX_ID_LENGTH) return { path, rule: `is ${v.length} characters long; an ID has at most ${MAX_ID_LENGTH}` };
    } else if (Array.isArray(v)) {
      // A single value given for a list is coerced to a one-item list: the item type applies either way.
      const itemType = nullable && isListType(nullable) ? nullable.ofType : nullable;
      v.forEach((item, i) => stack.push({ value: item, type: itemType, path: `${path}[${i}]` }));
    } else if (v !== null && typeof v === 'object') {
      const fields = nullable && isInputObjectType(nullable) ? nullable.getFields() : undefined;
      for (const [key, item] of Object.entries(v)) {
        if (key.includes('\u0000')) return { path, rule: 'has a key containing a NUL character (U+0000), which is not allowed' };
        stack.push({ value: item, type: fields?.[key]?.type, path: `${path}.${keyInMessage(key)}` });
      }
    }
  }
  return undefined;
}

/**
 * The first argument of the request the hub refuses to pass on, given literally or through a
 * variable, in any field or directive of the document (validation has already checked that each
 * argument exists and has the right type).
 */
export function findRefusedArgument(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> = {}): ArgumentRefusal | undefined {
  const typeInfo = new TypeInfo(schema);
  let refusal: ArgumentRefusal | undefined;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        const arg = typeInfo.getArgument();
        if (!arg) return false;
        const refused = refuseValue(valueFromASTUntyped(node.value, variables), arg.type, arg.name);
        if (!refused) return false;
        const variable = node.value.kind === Kind.VARIABLE ? ` (variable "$${node.value.name.value}")` : '';
        const field = typeInfo.getDirective()?.name ?? typeInfo.getFieldDef()?.name ?? 'request';
        refusal = { field, message: `argument "${refused.path}"${variable} ${refused.rule}` };
        return BREAK;
      },
    }),
  );
  return refusal;
}

/**
 * Refuses, before execution and once for every field, a request whose arguments hold what the hub
 * cannot take (see refuseValue): BAD_USER_INPUT naming the argument, and the refusal audited like
 * every other one.
 */
export const argumentGuard: Plugin<GraphQLContext> = {
  async onExecute({ args, setResultAndStopExecution }) {
    const refusal = findRefusedArgument(args.schema, args.document, args.variableValues ?? undefined);
    if (!refusal) return;
    const { scope, deps } = args.contextValue;
    // Actions are letters only (the audit log's pattern); introspection fields start with "__".
    const action = `graphql.${refusal.field.replace(/[^A-Za-z]/g, '') || 'request'}`;
    await deps.audit
      .record(auditEvent(scope, action, 'denied', { reason: refusal.message, errorCode: 'BAD_USER_INPUT' }))
      .catch((err) => deps.logger.error({ err: (err as Error).message, reqId: scope.requestId }, 'could not audit a refused argument'));
    setResultAndStopExecution({
      errors: [new GraphQLError(refusal.message, { extensions: { code: 'BAD_USER_INPUT', http: { spec: true, status: 400 } } })],
    });
  },
};
