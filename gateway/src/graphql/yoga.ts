import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { isAppError, type Logger } from '@govshare/platform';
import type { GraphQLContext } from './builder.ts';

const LIMIT_MESSAGE = /aliases|depth|complex|breadth|tokens/i;

/** Errors leave with extensions.code and a message the caller can act on; never a stack or SQL. */
export function maskError(error: unknown, logger?: Logger): Error {
  const gqlError = error instanceof GraphQLError ? error : undefined;
  const original = gqlError?.originalError ?? error;
  if (isAppError(original)) {
    return new GraphQLError(original.message, {
      nodes: gqlError?.nodes,
      path: gqlError?.path,
      extensions: { code: original.code, ...(original.details !== undefined && original.code === 'BAD_USER_INPUT' ? { details: original.details } : {}) },
    });
  }
  if (original instanceof GraphQLError && typeof original.extensions?.code === 'string') {
    return new GraphQLError(original.message, { nodes: gqlError?.nodes, path: gqlError?.path, extensions: original.extensions });
  }
  if (gqlError && !gqlError.originalError) {
    // A GraphQL error of the request itself (e.g. a validation rule that throws): the caller's to fix.
    return new GraphQLError(gqlError.message, { nodes: gqlError.nodes, extensions: { code: LIMIT_MESSAGE.test(gqlError.message) ? 'QUERY_TOO_COMPLEX' : 'BAD_USER_INPUT' } });
  }
  logger?.error({ err: original }, 'unexpected GraphQL error');
  return new GraphQLError('internal error', { nodes: gqlError?.nodes, path: gqlError?.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}

/** Parse and validation failures get codes too: limits are QUERY_TOO_COMPLEX, the rest BAD_USER_INPUT. */
const codeRequestErrors: Plugin = {
  onParse: () => ({ result, replaceParseResult }) => {
    if (result instanceof Error) {
      replaceParseResult(new GraphQLError(result.message, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } }));
    }
  },
  onValidate: () => ({ result, setResult }) => {
    if (result.length === 0) return;
    setResult(
      result.map(
        (e) =>
          new GraphQLError(e.message, {
            nodes: e.nodes,
            extensions: { ...e.extensions, code: LIMIT_MESSAGE.test(e.message) ? 'QUERY_TOO_COMPLEX' : 'BAD_USER_INPUT' },
          }),
      ),
    );
  },
};

export function createGatewayYoga(schema: GraphQLSchema, limits: { aliases: number; depth: number }, logger?: Logger): YogaServerInstance<Record<string, unknown>, GraphQLContext> {
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: false,
    landingPage: false,
    logging: false,
    batching: false,
    maskedErrors: { maskError: (error) => maskError(error, logger) },
    plugins: [
      maxAliasesPlugin({ n: limits.aliases, exposeLimits: true }) as Plugin,
      // Also counts introspection fields, which the schema's own complexity rules do not see.
      maxDepthPlugin({ n: limits.depth, exposeLimits: true, flattenFragments: true, ignoreIntrospection: false }) as Plugin,
      codeRequestErrors,
    ],
  });
}
