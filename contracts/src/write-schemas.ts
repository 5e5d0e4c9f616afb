// Writes contracts/schemas/*.json from the TypeBox model (`npx -y pnpm@10 contracts:write`). The files
// are kept in git for readers outside TypeScript; contracts.test.ts fails when they drift from the model.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { contractFiles, printContract } from './model/index.ts';

export const schemaDir = fileURLToPath(new URL('../schemas/', import.meta.url));

/** The text of every contract file, by file name. */
export function contractTexts(): Map<string, string> {
  return new Map(contractFiles.map((f) => [f.name, printContract(f.document)]));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const texts = contractTexts();
  for (const f of readdirSync(schemaDir)) if (f.endsWith('.json') && !texts.has(f)) rmSync(join(schemaDir, f));
  for (const [name, text] of texts) writeFileSync(join(schemaDir, name), text);
  console.log(`wrote ${texts.size} contract files to ${schemaDir}`);
}
