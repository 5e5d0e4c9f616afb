// A span per GraphQL operation, named for it (`query records`, `mutation ingest`): a child of the
// request's server span, parent of the face calls its resolvers make. Its attributes are the
// operation's type and name and the error codes, never its variables (they hold filters and values).
import { type GraphQLError, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { inSpan, SpanKind, tracingEnabled } from '@govshare/platform';
import type { GraphQLContext } from './builder.ts';

export const traceOperations: Plugin<GraphQLContext> = {
  onExecute({ args, executeFn, setExecuteFn }) {
    if (!tracingEnabled()) return;
    const op = getOperationAST(args.document, args.operationName);
    const type = op?.operation ?? 'query';
    const name = op?.name?.value;
    const requestId = (args.contextValue as Partial<GraphQLContext>).scope?.requestId;
    setExecuteFn((execArgs) =>
      inSpan(
        name ? `${type} ${name}` : type,
        {
          kind: SpanKind.INTERNAL,
          requestId,
          attributes: { 'graphql.operation.type': type, ...(name ? { 'graphql.operation.name': name } : {}) },
        },
        async (span) => {
          const result = await executeFn(execArgs);
          const errors = 'errors' in result ? result.errors : undefined;
          if (errors?.length) {
            const codes = [
              ...new Set(errors.map((e: GraphQLError) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'))),
            ];
            span.setAttribute('govshare.error_codes', codes);
          }
          return result;
        },
      ),
    );
  },
};
