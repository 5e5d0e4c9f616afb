// A started hub process logs its configuration once, with its secrets redacted, and serves /metrics
// on its own listener, not on the public port. The embedded mode (no DATABASE_URL): nothing to reach.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const dataDir = mkdtempSync(join(tmpdir(), 'govshare-startup-'));
const MASK_KEY = 'mask-key-that-must-never-be-logged-0123456789';
const SUBJECT_KEY = 'subject-key-that-must-never-be-logged-0123456789';
let child: ChildProcess | undefined;

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
  }
  rmSync(dataDir, { recursive: true, force: true });
});

it('logs its start-up configuration once, secrets redacted, and serves /metrics on its own listener', async () => {
  // Only what this test sets: no variable of the machine's (a DATABASE_URL) changes the mode.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(GOVSHARE_|DATABASE_URL|AUDIT_|CATALOG_|QUALITY_|GATEWAY_)/.test(k)),
  );
  child = spawn(process.execPath, ['--import', 'tsx', 'gateway/src/main.ts'], {
    cwd: root,
    env: {
      ...env,
      GOVSHARE_DATA_DIR: dataDir,
      GOVSHARE_MASK_KEY: MASK_KEY,
      AUDIT_SUBJECT_KEY: SUBJECT_KEY,
      GOVSHARE_DEMO_DATA: 'false',
      GATEWAY_PORT: '0',
      GOVSHARE_METRICS_PORT: '0',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const lines = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
  const listening = await new Promise<any>((done, fail) => {
    child!.stdout!.on('data', (d) => {
      out += d;
      const line = lines().find((l) => l.msg === 'hub listening');
      if (line) done(line);
    });
    child!.once('exit', (code) => fail(new Error(`hub exited (${code}) before listening: ${err}`)));
  });

  const configs = lines().filter((l) => l.msg === 'start-up configuration');
  expect(configs).toHaveLength(1);
  const config = configs[0].config;
  expect(config).toMatchObject({
    GOVSHARE_DATA_DIR: dataDir,
    DATABASE_URL: null,
    GATEWAY_PORT: 0,
    GOVSHARE_METRICS: 'internal',
    GOVSHARE_MASK_KEY: '[redacted]',
    AUDIT_SUBJECT_KEY: '[redacted]',
    // The modules in the process configure themselves here too.
    CATALOG_PORT: expect.any(Number),
    AUDIT_CHECKPOINT_INTERVAL_MS: expect.any(Number),
  });
  expect(out + err).not.toContain(MASK_KEY);
  expect(out + err).not.toContain(SUBJECT_KEY);

  // /metrics: on the metrics listener (127.0.0.1), not on the public port.
  expect(listening.metrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  const metrics = await fetch(listening.metrics);
  expect(metrics.status).toBe(200);
  const text = await metrics.text();
  for (const name of ['govshare_audit_queue_events', 'govshare_db_pool_max_connections', 'process_cpu_seconds_total'])
    expect(text).toContain(`# TYPE ${name}`);
  const publicMetrics = await fetch(listening.url.replace(/\/graphql$/, '/metrics'));
  expect(publicMetrics.status).toBe(404);
  await publicMetrics.text();

  const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
}, 120_000);
