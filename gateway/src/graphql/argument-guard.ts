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
  type ValueNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { auditEvent } from '../operations/audited.ts';
import type { GraphQLContext } from './builder.ts';
import { truncate } from './text.ts';
import { DEPARTMENT_CODE } from '../tokens/verify-token.ts';

/**
 * Longest ID the hub takes: none of its ids is longer (dataset ids ≤ 63, UUIDs 36), and the
 * catalog's routes refuse longer path parameters (Fastify's maxParamLength) with a bare 414.
 */
export const MAX_ID_LENGTH = 100;
/** How much of an object key, and of the path to a value, a message names: both come from the caller and may be huge. */
const MAX_KEY_IN_MESSAGE = 40;
const MAX_PATH_IN_MESSAGE = 200;

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

/** The path one level down; a path that reached the bound stays as it is (it ends with the cut mark). */
const below = (path: string, step: string) =>
  path.length > MAX_PATH_IN_MESSAGE ? path : truncate(path + step, MAX_PATH_IN_MESSAGE);

/** A UTF-16 surrogate not part of a pair: text that is not Unicode (in Unicode mode pairs match as one code point). */
const LONE_SURROGATE = /\p{Surrogate}/u;

/** What a string may not hold, whatever argument it is in. */
function refuseText(text: string): string | undefined {
  if (text.includes('\u0000')) return 'a NUL character (U+0000)';
  // encodeURIComponent throws on one, so such an id failed as an internal error on its way to the catalog.
  if (LONE_SURROGATE.test(text)) return 'a lone surrogate (not well-formed Unicode)';
  return undefined;
}

/**
 * What is wrong with one argument value, if anything (where in the value, and the rule): a NUL
 * character or a lone surrogate in any string or object key (no store of the hub can hold a NUL,
 * and one in an audit event sank the audit batch), or an ID longer than any the hub has. Walks the
 * value with an explicit stack, paths bounded: values come from the caller and may be nested deeply.
 */
function refuseValue(value: unknown, type: GraphQLInputType, name: string): { path: string; rule: string } | undefined {
  const stack: Pending[] = [{ value, type, path: name }];
  while (stack.length > 0) {
    const { value: v, type: t, path } = stack.pop()!;
    const nullable = t ? getNullableType(t) : undefined;
    if (typeof v === 'string') {
      const bad = refuseText(v);
      if (bad) return { path, rule: `contains ${bad}, which is not allowed` };
      if (nullable === GraphQLID && v.length > MAX_ID_LENGTH)
        return { path, rule: `is ${v.length} characters long; an ID has at most ${MAX_ID_LENGTH}` };
      // dept arguments go into the catalog's paths like IDs do: a department code or nothing.
      if (path === 'dept' && !DEPARTMENT_CODE.test(v))
        return { path, rule: 'is not a department code (A-Z first, then A-Z, 0-9 or _; 2 to 16 characters)' };
    } else if (Array.isArray(v)) {
      // A single value given for a list is coerced to a one-item list: the item type applies either way.
      const itemType = nullable && isListType(nullable) ? nullable.ofType : nullable;
      v.forEach((item, i) => stack.push({ value: item, type: itemType, path: below(path, `[${i}]`) }));
    } else if (v !== null && typeof v === 'object') {
      const fields = nullable && isInputObjectType(nullable) ? nullable.getFields() : undefined;
      for (const [key, item] of Object.entries(v)) {
        const bad = refuseText(key);
        if (bad) return { path, rule: `has a key containing ${bad}, which is not allowed` };
        // The key is checked before it goes into a path, so messages never hold what they refuse.
        stack.push({
          value: item,
          type: fields?.[key]?.type,
          path: below(path, `.${truncate(key, MAX_KEY_IN_MESSAGE)}`),
        });
      }
    }
  }
  return undefined;
}

/** One argument of a document as the guard checks it: where it is, its declared type, its value's syntax. */
interface ArgumentSite {
  field: string;
  name: string;
  type: GraphQLInputType;
  value: ValueNode;
  /** The value names a variable somewhere inside it: it must be checked on every request. */
  variable?: string;
}

/** Whether a value (a literal, possibly nested) uses a variable, and the first it names. */
function firstVariable(value: ValueNode): string | undefined {
  let found: string | undefined;
  visit(value, {
    Variable(node) {
      found = node.name.value;
      return BREAK;
    },
  });
  return found;
}

const refusalAt = (site: ArgumentSite, variables: Record<string, unknown>): ArgumentRefusal | undefined => {
  const refused = refuseValue(valueFromASTUntyped(site.value, variables), site.type, site.name);
  if (!refused) return undefined;
  const variable = site.value.kind === Kind.VARIABLE ? ` (variable "$${site.value.name.value}")` : '';
  return { field: site.field, message: `argument "${refused.path}"${variable} ${refused.rule}` };
};

/**
 * A document's arguments in document order, typed, with those whose literal is fine left out: yoga
 * keeps one parsed document per query text, so the walk with type information is done once per
 * query and schema, and a request checks only the arguments its variables fill.
 */
const sitesByDocument = new WeakMap<DocumentNode, WeakMap<GraphQLSchema, ArgumentSite[]>>();
function argumentSites(schema: GraphQLSchema, document: DocumentNode): ArgumentSite[] {
  let bySchema = sitesByDocument.get(document);
  if (!bySchema) sitesByDocument.set(document, (bySchema = new WeakMap()));
  let sites = bySchema.get(schema);
  if (sites) return sites;
  const typeInfo = new TypeInfo(schema);
  const found: ArgumentSite[] = [];
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        const arg = typeInfo.getArgument();
        if (!arg) return false;
        const field = typeInfo.getDirective()?.name ?? typeInfo.getFieldDef()?.name ?? 'request';
        const site: ArgumentSite = { field, name: arg.name, type: arg.type, value: node.value };
        const variable = firstVariable(node.value);
        if (variable !== undefined) site.variable = variable;
        // A literal that passes passes on every request; one that is refused is kept (and refused each time).
        if (variable !== undefined || refusalAt(site, {})) found.push(site);
        return false;
      },
    }),
  );
  sites = found;
  bySchema.set(schema, sites);
  return sites;
}

/**
 * The first argument of the request the hub refuses to pass on, given literally or through a
 * variable, in any field or directive of the document (validation has already checked that each
 * argument exists and has the right type).
 */
export function findRefusedArgument(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> = {},
): ArgumentRefusal | undefined {
  for (const site of argumentSites(schema, document)) {
    const refusal = refusalAt(site, variables);
    if (refusal) return refusal;
  }
  return undefined;
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
      .catch((err) =>
        deps.logger.error(
          { err: (err as Error).message, reqId: scope.requestId },
          'could not audit a refused argument',
        ),
      );
    setResultAndStopExecution({
      errors: [
        new GraphQLError(refusal.message, {
          extensions: { code: 'BAD_USER_INPUT', http: { spec: true, status: 400 } },
        }),
      ],
    });
  },
};
