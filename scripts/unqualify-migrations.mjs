// drizzle-kit writes foreign keys as REFERENCES "public"."t". Each service lives in its own
// Postgres schema chosen at run time (search_path), so migrations must name tables unqualified.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? 'migrations';
for (const f of readdirSync(dir).filter((n) => n.endsWith('.sql'))) {
  const path = join(dir, f);
  const sql = readFileSync(path, 'utf8');
  const fixed = sql.replaceAll('"public".', '');
  if (fixed !== sql) writeFileSync(path, fixed);
}
