import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { printGatewaySchema } from '@govshare/gateway';

it('contracts/schema.graphql is the printed gateway schema (run `pnpm schema:print` after changing it)', () => {
  const committed = readFileSync(new URL('../contracts/schema.graphql', import.meta.url), 'utf8');
  expect(printGatewaySchema()).toBe(committed);
});
