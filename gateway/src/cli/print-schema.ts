// Writes contracts/schema.graphql from the Pothos schema (run: pnpm schema:print).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printGatewaySchema } from '../graphql/schema/index.ts';

const target = fileURLToPath(new URL('../../../contracts/schema.graphql', import.meta.url));
writeFileSync(target, printGatewaySchema());
console.log(`wrote ${target}`);
