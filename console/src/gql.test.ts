// console/src/gql is generated from the documents in console/src and contracts/schema.graphql; this
// fails when a document or the schema changed without regenerating (`pnpm --filter @govshare/console codegen`).
import { readFileSync } from 'node:fs';
import { generate } from '@graphql-codegen/cli';
import { expect, it } from 'vitest';
import config from '../codegen.ts';

it('console/src/gql is what codegen writes from the documents and the schema', async () => {
  const outputs = (await generate(config, false)) as { filename: string; content: string }[];
  expect(outputs.length).toBeGreaterThan(0);
  for (const { filename, content } of outputs) expect(readFileSync(filename, 'utf8'), filename).toBe(content);
}, 120_000);
