// The README's start command as a person or a process manager runs it: `npx -y pnpm@10 start`.
// Stopping any launcher in the chain (npx, pnpm) stops the whole hub, and a service whose parent is
// killed outright (SIGKILL, nothing can be handled) stops by itself instead of running on orphaned.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { isLauncher, launcherChain, readProcess } from '../scripts/launcher-chain.ts';

const root = resolve(import.meta.dirname, '..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const freePort = () =>
  new Promise<number>((done) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });

/** Every process below pid, read from /proc. */
function descendants(pid: number): { pid: number; cmd: string }[] {
  const procs = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => {
      const info = readProcess(Number(name)); // undefined: exited while we looked
      return info ? [{ pid: Number(name), ppid: info.ppid, cmd: info.argv.join(' ') }] : [];
    });
  const out: { pid: number; cmd: string }[] = [];
  const walk = (parent: number) => {
    for (const p of procs) {
      if (p.ppid !== parent) continue;
      out.push({ pid: p.pid, cmd: p.cmd });
      walk(p.pid);
    }
  };
  walk(pid);
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '); // a zombie has exited
  } catch {
    return false;
  }
};

async function until(what: string, check: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Starts the hub with the README's command on free ports and its own data; resolves once it says it
 * runs. `launched` resolves once npx has handed over to the start script: two npx runs sharing npm's
 * cache lock at once can fail ("Lock compromised"), so a second hub waits for it.
 */
function startHub(opts: { ownGroup?: boolean } = {}): { launched: Promise<void>; running: ReturnType<typeof runHub> } {
  let launched!: () => void;
  const handedOver = new Promise<void>((done) => (launched = done));
  return { launched: handedOver, running: runHub(launched, opts) };
}

/** ownGroup: npx leads a process group of its own, as a terminal's foreground job does (Ctrl-C signals the group). */
async function runHub(onLaunched: () => void, opts: { ownGroup?: boolean } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'govshare-start-'));
  dirs.push(dataDir);
  const [gateway, catalog, audit, quality] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const npx = spawn('npx', ['-y', 'pnpm@10', 'start'], {
    cwd: root,
    env: {
      ...process.env,
      GOVSHARE_DATA_DIR: dataDir,
      GOVSHARE_DEMO_DATA: 'false',
      LOG_LEVEL: 'warn',
      GATEWAY_PORT: `${gateway}`,
      CATALOG_PORT: `${catalog}`,
      AUDIT_PORT: `${audit}`,
      QUALITY_PORT: `${quality}`,
      // Any free port: other suites' hubs run at the same time.
      GOVSHARE_METRICS_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.ownGroup ?? false,
  });
  let output = '';
  npx.stdout!.on('data', (b) => (output += b));
  npx.stderr!.on('data', (b) => (output += b));
  try {
    await until(
      'npx hands over to the start script',
      () => output.includes('scripts/start.ts') || npx.exitCode !== null,
      300_000,
    );
  } finally {
    onLaunched(); // also when it failed: the caller then sees this hub's error, not a wait forever
  }
  // Start-up compiles and opens the hub (gateway, catalog, audit) and the quality service: minutes on a loaded 2-core machine, so the bound is
  // wide (the start script's own bound for a service to become ready is ten minutes).
  await until(
    'the hub says it is running',
    () => output.includes('govshare is running') || npx.exitCode !== null,
    660_000,
  );
  expect(output).toContain('govshare is running');
  // The console URL is printed beside the GraphQL one, and the page is served there.
  const consoleUrl = /Console: +(http:\/\/\S+\/console\/)/.exec(output)?.[1];
  expect(consoleUrl).toBeDefined();
  const page = await fetch(consoleUrl!);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<div id="root">');
  const tree = descendants(npx.pid!);
  const services = tree.filter((p) => /(services\/\w+|gateway)\/src\/main\.ts/.test(p.cmd));
  // One hub process (the catalog and the audit log inside it) and the quality service.
  expect(services.map((p) => /(services\/\w+|gateway)\/src\/main\.ts/.exec(p.cmd)![1]).sort()).toEqual([
    'gateway',
    'services/quality',
  ]);
  return { npx, tree, services, output: () => output };
}

it('SIGTERM to npx stops every process of the hub; SIGKILL to the start script stops its services', async () => {
  const first = startHub();
  await first.launched;
  const [viaNpx, viaKill] = await Promise.all([first.running, startHub().running]);

  viaNpx.npx.kill('SIGTERM');
  const script = viaKill.tree.find((p) => p.cmd.includes('scripts/start.ts') && !isLauncher(p.cmd.split(' ')))!;
  expect(script).toBeDefined();
  process.kill(script.pid, 'SIGKILL');

  await until('every process of the first hub has exited', () => viaNpx.tree.every((p) => !alive(p.pid)), 60_000);
  await until(
    'the services of the killed start script have exited',
    () => viaKill.services.every((p) => !alive(p.pid)),
    60_000,
  );
  expect(viaNpx.output()).toMatch(/has exited; stopping the hub/);
}, 900_000);

it('Ctrl-C (SIGINT to the foreground process group) stops every process of the hub', async () => {
  const hub = await startHub({ ownGroup: true }).running;
  try {
    process.kill(-hub.npx.pid!, 'SIGINT');
    await until('every process of the hub has exited', () => hub.tree.every((p) => !alive(p.pid)), 60_000);
  } finally {
    for (const p of hub.tree) if (alive(p.pid)) process.kill(p.pid, 'SIGKILL'); // leave nothing behind on failure
  }
}, 900_000);

it('the launcher chain is the package managers and their shells, up to whoever started them', () => {
  const table: Record<number, { ppid: number; argv: string[] }> = {
    10: { ppid: 9, argv: ['node', '--import', 'tsx', 'scripts/start.ts'] },
    9: { ppid: 8, argv: ['node', '/x/node_modules/tsx/dist/cli.mjs', 'scripts/start.ts'] },
    8: { ppid: 7, argv: ['sh', '-c', 'tsx scripts/start.ts'] },
    7: { ppid: 6, argv: ['node', '/root/.npm/_npx/1/node_modules/.bin/pnpm', 'start'] },
    6: { ppid: 5, argv: ['sh', '-c', 'pnpm', 'start'] },
    5: { ppid: 4, argv: ['npm exec pnpm@10 start'] },
    4: { ppid: 1, argv: ['-bash'] },
  };
  expect(launcherChain(10, (pid) => table[pid])).toEqual([9, 8, 7, 6, 5]);
  expect(isLauncher(['npm exec pnpm@10 start'])).toBe(true);
  // a shell script or a supervisor that started the hub is not a launcher: the chain stops below it
  expect(isLauncher(['bash', 'run-hub.sh'])).toBe(false);
  expect(isLauncher(['node', 'supervisor.js'])).toBe(false);
  expect(launcherChain(7, (pid) => ({ ...table, 6: { ppid: 5, argv: ['bash', 'run-hub.sh'] } })[pid])).toEqual([]);
});
