// Typed documents for the console: every graphql(`...`) in src/ checked against the hub's SDL.
// Run `pnpm --filter @govshare/console codegen` after changing a document; console/src/gql is committed
// and test (src/gql.test.ts) fails when it drifts.
import type { CodegenConfig } from '@graphql-codegen/cli';

const here = import.meta.dirname;

const config: CodegenConfig = {
  schema: `${here}/../contracts/schema.graphql`,
  documents: [`${here}/src/**/*.tsx`, `${here}/src/**/*.ts`, `!${here}/src/gql/**`, `!${here}/src/**/*.test.ts`],
  ignoreNoDocuments: true,
  silent: true,
  generates: {
    [`${here}/src/gql/`]: {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTime: 'string', JSON: 'unknown' },
      },
    },
  },
};
export default config;
