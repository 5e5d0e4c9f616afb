// Runs the hub as separate processes (one per service, as in production): used by `pnpm start`
// and by the benchmarks. Keys are created before any service starts, so none race to make them.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { loadMaskKey, loadQualitySigningKeys, loadServiceSigningKeys } from '@govshare/platform';
import { loadDevIssuerKeys } from '@govshare/gateway';

export const root = resolve(import.meta.dirname, '..');
const tsxLoader = createRequire(resolve(root, 'package.json')).resolve('tsx');

export type ProcessName = 'catalog' | 'audit' | 'quality' | 'gateway';

export interface HubProcessOptions {
  dataDir: string;
  host?: string;
  ports?: Partial<Record<ProcessName, number>>;
  /** Extra node flags for every process (e.g. --cpu-prof when profiling a benchmark). */
  execArgv?: string[];
  /** Extra environment for every process (DATABASE_URL, LOG_LEVEL, ...). */
  env?: Record<string, string | undefined>;
  /** Each output line of each process. */
  onLine?: (name: ProcessName, line: string) => void;
  /** A process ended while the hub was meant to be running. */
  onUnexpectedExit?: (name: ProcessName, code: number | null, signal: string | null) => void;
  /** Aborting it during start-up stops the processes already launched and rejects the start. */
  signal?: AbortSignal;
}

export interface HubProcesses {
  url(name: ProcessName): string;
  names: ProcessName[];
  stop(): Promise<void>;
}

const ENTRIES: Record<ProcessName, string> = {
  catalog: 'services/catalog/src/main.ts',
  audit: 'services/audit/src/main.ts',
  quality: 'services/quality/src/main.ts',
  gateway: 'gateway/src/main.ts',
};

export async function startHubProcesses(o: HubProcessOptions): Promise<HubProcesses> {
  const host = o.host ?? '127.0.0.1';
  const ports: Record<ProcessName, number> = { catalog: 4101, audit: 4102, quality: 4103, gateway: 4000, ...o.ports };
  const url = (name: ProcessName) => `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${ports[name]}`;
  const services = (['catalog', 'audit', 'quality'] as ProcessName[]).filter((n) =>
    existsSync(resolve(root, ENTRIES[n])),
  );
  const children = new Map<ProcessName, ChildProcess>();
  let stopping = false;

  await loadServiceSigningKeys(o.dataDir);
  await loadQualitySigningKeys(o.dataDir);
  await loadDevIssuerKeys(o.dataDir);
  // The gateway and the quality service mask with one key (GOVSHARE_MASK_KEY, else this file).
  if (!(o.env?.GOVSHARE_MASK_KEY ?? process.env.GOVSHARE_MASK_KEY)) loadMaskKey(o.dataDir);

  const env = {
    ...process.env,
    ...o.env,
    GOVSHARE_DATA_DIR: o.dataDir,
    GOVSHARE_HOST: host,
    GATEWAY_PORT: String(ports.gateway),
    CATALOG_PORT: String(ports.catalog),
    AUDIT_PORT: String(ports.audit),
    QUALITY_PORT: String(ports.quality),
    CATALOG_URL: url('catalog'),
    AUDIT_URL: url('audit'),
    QUALITY_URL: services.includes('quality') ? url('quality') : '',
  };

  // The IPC channel is how a service learns that this process is gone, even by SIGKILL: it closes,
  // and the service stops (closeOnSignals). Nothing is sent over it.
  const launch = (name: ProcessName) => {
    if (stopping) throw new Error('start-up was stopped');
    const child = spawn(
      process.execPath,
      [...(o.execArgv ?? []), '--import', tsxLoader, resolve(root, ENTRIES[name])],
      { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
    );
    for (const stream of [child.stdout!, child.stderr!])
      createInterface({ input: stream }).on('line', (line) => o.onLine?.(name, line));
    child.on('exit', (code, signal) => {
      children.delete(name);
      if (!stopping) o.onUnexpectedExit?.(name, code, signal);
    });
    children.set(name, child);
  };

  const waitReady = async (name: ProcessName, timeoutMs = 600_000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (stopping || !children.has(name)) throw new Error(`${name} stopped during start-up`);
      try {
        if ((await fetch(`${url(name)}/readyz`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${name} did not become ready within ${timeoutMs / 1000}s`);
  };

  const stop = async () => {
    stopping = true;
    for (const child of children.values()) child.kill('SIGTERM');
    const deadline = Date.now() + 10_000;
    while (children.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const child of children.values()) child.kill('SIGKILL');
  };

  o.signal?.addEventListener('abort', () => void stop(), { once: true });
  try {
    for (const s of services) launch(s);
    await Promise.all(services.map((s) => waitReady(s)));
    launch('gateway');
    await waitReady('gateway');
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, names: [...services, 'gateway'], stop };
}
