import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { GraphQLError, type GraphQLSchema, type ValidationContext } from 'graphql';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import { isAppError, type Logger, type Registry } from '@govshare/platform';
import { argumentGuard } from './argument-guard.ts';
import { traceOperations } from './trace-operations.ts';
import { truncate } from './text.ts';
import type { GraphQLContext } from './builder.ts';

/** Longest name an error message repeats back (a field name, a value) before it is cut. */
const MAX_ECHOED_TEXT = 64;
/** Longest error message sent: errors echo parts of the request, which may be large. */
const MAX_MESSAGE = 1000;

/**
 * Bounds what an error message echoes: quoted names (graphql-js quotes the unknown field, the bad
 * value, the did-you-mean suggestions) are cut, then the whole message, so a huge query gets a
 * small error.
 */
export function boundMessage(message: string): string {
  const names = message.replace(/"([^"]{65,})"/g, (_m, name: string) => `"${truncate(name, MAX_ECHOED_TEXT)}"`);
  return truncate(names, MAX_MESSAGE);
}

/**
 * A request error (the caller's to fix), answered as GraphQL over HTTP says and as yoga answers its
 * own: 400 to clients that accept application/graphql-response+json, 200 to plain application/json.
 */
const requestError = (message: string, code: string, nodes?: GraphQLError['nodes']) =>
  new GraphQLError(boundMessage(message), { nodes, extensions: { code, http: { spec: true, status: 400 } } });

/** Errors leave with extensions.code and a message the caller can act on; never a stack or SQL. */
export function maskError(error: unknown, logger?: Logger): Error {
  const gqlError = error instanceof GraphQLError ? error : undefined;
  const original = gqlError?.originalError ?? error;
  const nodes = gqlError?.nodes;
  const path = gqlError?.path;
  if (isAppError(original)) {
    const details =
      original.details !== undefined && original.code === 'BAD_USER_INPUT' ? { details: original.details } : {};
    return new GraphQLError(boundMessage(original.message), {
      nodes,
      path,
      extensions: { code: original.code, ...details },
    });
  }
  if (original instanceof GraphQLError && typeof original.extensions?.code === 'string') {
    return new GraphQLError(boundMessage(original.message), { nodes, path, extensions: original.extensions });
  }
  // An error of the request itself, not of a field (no path): a validation rule that throws, or a
  // variable graphql-js could not coerce to its declared type (its cause is graphql-js's own error).
  if (gqlError && !path && (!gqlError.originalError || gqlError.originalError instanceof GraphQLError)) {
    return requestError(gqlError.message, 'BAD_USER_INPUT', nodes);
  }
  logger?.error({ err: original }, 'unexpected GraphQL error');
  return new GraphQLError('internal error', { nodes, path, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}

/**
 * Depth limit for introspection (__schema): getIntrospectionQuery(), what GraphiQL, Apollo Sandbox
 * and graphql-codegen send, is 15 deep (its TypeRef follows ofType nine times). ofType chains are
 * one object per level; what multiplies an introspection reply is lists within lists
 * (fields { type { fields ... } }), which graphql's own MaxIntrospectionDepthRule bounds at 3.
 */
const INTROSPECTION_DEPTH = 20;
/** graphql's MaxIntrospectionDepthRule's message (a constant of graphql-js). */
const INTROSPECTION_NESTING_MESSAGE = 'Maximum introspection depth exceeded';

/** Parse and validation failures get codes too: limits say QUERY_TOO_COMPLEX themselves, the rest is BAD_USER_INPUT. */
const codeRequestErrors: Plugin = {
  onParse:
    () =>
    ({ result, replaceParseResult }) => {
      if (result instanceof Error) replaceParseResult(requestError(result.message, 'BAD_USER_INPUT'));
    },
  onValidate:
    () =>
    ({ result, setResult }) => {
      if (result.length === 0) return;
      setResult(
        result.map((e) =>
          e.message === INTROSPECTION_NESTING_MESSAGE
            ? requestError(
                'query too complex: introspection nests fields, interfaces, possibleTypes or inputFields more than 3 deep',
                'QUERY_TOO_COMPLEX',
                e.nodes,
              )
            : requestError(
                e.message,
                typeof e.extensions?.code === 'string' ? e.extensions.code : 'BAD_USER_INPUT',
                e.nodes,
              ),
        ),
      );
    },
};

/**
 * graphql-armor reports a limit as "Syntax Error: …" (it is not one); report it as what it is.
 * Used as the plugins' onReject with propagateOnRejection off.
 */
function reportTooComplex(context: ValidationContext | null, err: GraphQLError): void {
  const message = `query too complex: ${err.message.replace(/^Syntax Error: /, '')}`;
  context?.reportError(new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX' } }));
}

/** How the graphql-armor rules report a refusal: the limit named, as QUERY_TOO_COMPLEX. */
const armorRejects = { exposeLimits: true, propagateOnRejection: false, onReject: [reportTooComplex] };

/**
 * The hub keeps no persisted queries: a request naming only a hash is refused like any other bad
 * request, with the code Apollo-style clients take as "send the query text instead".
 */
const refusePersistedQueries: Plugin = {
  onParams({ params }) {
    if (params.query == null && params.extensions?.persistedQuery) {
      throw requestError('persisted queries are not supported: send the query text', 'PERSISTED_QUERY_NOT_SUPPORTED');
    }
  },
};

/** yoga answers an unsupported media type (415) or an unacceptable one (406) with no body; say why. */
const explainMediaTypeRefusals: Plugin = {
  onResponse({ response, setResponse, fetchAPI }) {
    if ((response.status !== 415 && response.status !== 406) || response.body) return;
    const message =
      response.status === 415
        ? 'unsupported content-type: send application/json (or GET with query parameters)'
        : 'not acceptable: accept application/graphql-response+json or application/json';
    const headers = new fetchAPI.Headers(response.headers);
    headers.set('content-type', 'application/json; charset=utf-8');
    const body = JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
    setResponse(new fetchAPI.Response(body, { status: response.status, headers }));
  },
};

/**
 * GraphQL operation metrics (graphql_envelop_*: parse, validate, context and execute durations,
 * requests, errors by phase; graphql_yoga_http_duration) on the gateway's registry. Labels a caller
 * chooses are off: the operation name (free text), the error path (aliases, list indexes) and the
 * URL (a GET's query string carries variables); what stays is the operation type, the phase, the
 * method and the status, and the schema's own type and field names.
 */
function graphqlMetrics(registry: Registry): Plugin {
  return usePrometheus({
    registry,
    endpoint: false,
    skipIntrospection: true,
    labels: { operationName: false, path: false, url: false },
    metrics: {
      // Same timing as graphql_envelop_request_duration, as a summary: one of the two is enough.
      graphql_envelop_request_time_summary: false,
    },
  }) as Plugin;
}

export function createGatewayYoga(
  schema: GraphQLSchema,
  limits: { aliases: number; depth: number },
  logger?: Logger,
  registry?: Registry,
): YogaServerInstance<Record<string, unknown>, GraphQLContext> {
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: false,
    landingPage: false,
    logging: false,
    batching: false,
    maskedErrors: { maskError: (error) => maskError(error, logger) },
    plugins: [
      // __typename aliases count too: each is a field the server resolves.
      maxAliasesPlugin({ n: limits.aliases, allowList: [], ...armorRejects }) as Plugin,
      // Counts __type too, which the schema's own complexity rules do not see, but not __schema ...
      maxDepthPlugin({ n: limits.depth, flattenFragments: true, ignoreIntrospection: true, ...armorRejects }) as Plugin,
      // ... which has a depth limit of its own, so that GraphQL tools can load the schema.
      maxDepthPlugin({
        n: Math.max(INTROSPECTION_DEPTH, limits.depth),
        flattenFragments: true,
        ignoreIntrospection: false,
        ...armorRejects,
      }) as Plugin,
      refusePersistedQueries,
      codeRequestErrors,
      argumentGuard as Plugin,
      explainMediaTypeRefusals,
      ...(registry ? [graphqlMetrics(registry)] : []),
      traceOperations as Plugin,
    ],
  });
}
