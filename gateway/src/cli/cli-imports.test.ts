// The CLIs start fast because they load only what they need: minting a token took 5-7 s when it went
// through the platform package index (PGlite, postgres.js, drizzle, Fastify, the contracts).
// Each CLI runs as a process with a resolve hook that lists every module it loads; none may be one of
// those. (A module list, not a stopwatch: a time bound would fail on a loaded machine or pass a slow
// import on a fast one.)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'govshare-cli-imports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hooks = join(dir, 'hooks.mjs');
writeFileSync(
  hooks,
  `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const out = await next(specifier, context);
  appendFileSync(process.env.GOVSHARE_LOADED_LIST, out.url + '\\n');
  return out;
}
`,
);
const register = join(dir, 'register.mjs');
writeFileSync(
  register,
  `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
);

/** Runs a CLI (as `pnpm <name>` does, through tsx) and returns its exit code and every module URL it resolved. */
function loadedBy(script: string, args: string[]) {
  const list = join(dir, `${script.replace(/\W/g, '_')}.txt`);
  writeFileSync(list, '');
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--import', register, script, ...args], {
    cwd: root,
    env: { ...process.env, GOVSHARE_LOADED_LIST: list, GOVSHARE_DATA_DIR: dir, GOVSHARE_TOKEN: '' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: run.status, stderr: run.stderr, modules: readFileSync(list, 'utf8').split('\n').filter(Boolean) };
}

const HEAVY = [
  /node_modules\/.*@electric-sql\/pglite/,
  /node_modules\/.*\/postgres\/src\//,
  /node_modules\/.*drizzle-orm/,
  /node_modules\/.*\/fastify\//,
  /contracts\/src\//,
  /packages\/platform\/src\/(index|db|http)\.ts$/,
];

describe('the CLIs load only what they need', () => {
  it.each([
    ['token', 'gateway/src/cli/token.ts', ['--help'], 0],
    ['ingest', 'gateway/src/cli/ingest.ts', [], 2],
  ] as const)('%s loads no database driver, ORM, HTTP server or contract schemas', (_name, script, args, code) => {
    const run = loadedBy(script, [...args]);
    expect(run.status, run.stderr).toBe(code);
    expect(run.modules.some((m) => m.endsWith(script))).toBe(true); // the hook saw the CLI itself
    expect(run.modules.filter((m) => HEAVY.some((h) => h.test(m)))).toEqual([]);
  });
});
