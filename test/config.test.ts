import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { ConfigError } from '@govshare/platform';
import { readGatewayEnv } from '../gateway/src/environment.ts';

it('names every bad variable and its rule, and uses defaults otherwise', () => {
  expect(readGatewayEnv({})).toMatchObject({ GATEWAY_PORT: 4000, GOVSHARE_DATA_DIR: 'data', GATEWAY_MAX_DEPTH: 8 });
  let err: unknown;
  try {
    readGatewayEnv({ GATEWAY_PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  const text = (err as Error).message;
  expect(text).toMatch(/GATEWAY_PORT="eighty": must be integer/);
  expect(text).toMatch(/DATABASE_URL="mysql:\/\/x"/);
  expect(text).toMatch(/LOG_LEVEL="loud"/);
});

it.each([
  ['gateway/src/main.ts', { GATEWAY_PORT: '-1' }, /GATEWAY_PORT="-1": must be >= 0/],
  // a well-shaped impossible date once crashed the catalog with an uncaught RangeError
  [
    'services/catalog/src/main.ts',
    { GOVSHARE_HOLIDAYS: '2026-13-01' },
    /GOVSHARE_HOLIDAYS="2026-13-01": "2026-13-01" is not a date/,
  ],
])('a process with bad configuration stops at start-up with that message (%s)', (entry, bad, message) => {
  const root = resolve(import.meta.dirname, '..');
  const tsx = createRequire(resolve(root, 'package.json')).resolve('tsx');
  const run = spawnSync(process.execPath, ['--import', tsx, resolve(root, entry)], {
    env: { ...process.env, ...bad, GOVSHARE_DATA_DIR: resolve(root, 'data-test-config') },
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(run.status).toBe(2);
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toMatch(/RangeError|\n\s+at /);
});
