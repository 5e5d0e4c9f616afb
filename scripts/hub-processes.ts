// Runs the hub: one process with the gateway, the catalog and the audit log inside (any of the two
// remote by option), and the quality service beside it; used by `pnpm start` and the benchmarks.
// Keys are created before any process starts, so none race to make them.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { loadMaskKey, loadQualitySigningKeys, loadServiceSigningKeys } from '@govshare/platform';
import { loadDevIssuerKeys } from '@govshare/gateway';

export const root = resolve(import.meta.dirname, '..');
const tsxLoader = createRequire(resolve(root, 'package.json')).resolve('tsx');

export type ProcessName = 'hub' | 'catalog' | 'audit' | 'quality';
/** Modules that may run in their own process instead of inside the hub. */
export type RemoteModule = 'catalog' | 'audit';

export interface HubProcessOptions {
  dataDir: string;
  host?: string;
  /** hub = the gateway's public port; catalog = where the catalog's face is served (to the quality service). */
  ports?: Partial<Record<ProcessName, number>>;
  /** Modules to run as their own processes (default none: catalog and audit inside the hub). */
  remote?: RemoteModule[];
  /** Run the quality service (its own process: batch scoring stays off the read path). Default true. */
  quality?: boolean;
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
  hub: 'gateway/src/main.ts',
  catalog: 'services/catalog/src/main.ts',
  audit: 'services/audit/src/main.ts',
  quality: 'services/quality/src/main.ts',
};

/** GOVSHARE_REMOTE=catalog,audit: which modules run in their own process; refuses unknown names. */
export function remoteModulesFrom(value: string | undefined): RemoteModule[] {
  const names = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names)
    if (n !== 'catalog' && n !== 'audit')
      throw new Error(`GOVSHARE_REMOTE: "${n}" is not a module that runs remote (catalog, audit)`);
  return [...new Set(names)] as RemoteModule[];
}

export async function startHubProcesses(o: HubProcessOptions): Promise<HubProcesses> {
  const host = o.host ?? '127.0.0.1';
  const ports: Record<ProcessName, number> = { hub: 4000, catalog: 4101, audit: 4102, quality: 4103, ...o.ports };
  const url = (name: ProcessName) => `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${ports[name]}`;
  const remote = o.remote ?? [];
  const withQuality = o.quality !== false;
  const children = new Map<ProcessName, ChildProcess>();
  let stopping = false;

  await loadServiceSigningKeys(o.dataDir);
  await loadQualitySigningKeys(o.dataDir);
  await loadDevIssuerKeys(o.dataDir);
  // The gateway and the quality service mask with one key (GOVSHARE_MASK_KEY, else this file).
  if (!(o.env?.GOVSHARE_MASK_KEY ?? process.env.GOVSHARE_MASK_KEY)) loadMaskKey(o.dataDir);

  const common = {
    ...process.env,
    ...o.env,
    GOVSHARE_DATA_DIR: o.dataDir,
    GOVSHARE_HOST: host,
    GATEWAY_PORT: String(ports.hub),
    CATALOG_PORT: String(ports.catalog),
    AUDIT_PORT: String(ports.audit),
    QUALITY_PORT: String(ports.quality),
  };
  // The hub runs catalog and audit inside unless they are remote (their URL set). It serves the
  // catalog's face on CATALOG_PORT for the quality service, which reads datasets from it.
  const envOf = (name: ProcessName): NodeJS.ProcessEnv => {
    if (name === 'quality') return { ...common, CATALOG_URL: url('catalog') };
    if (name !== 'hub') return common;
    return {
      ...common,
      CATALOG_URL: remote.includes('catalog') ? url('catalog') : '',
      AUDIT_URL: remote.includes('audit') ? url('audit') : '',
      QUALITY_URL: withQuality ? url('quality') : '',
    };
  };

  // The IPC channel is how a service learns that this process is gone, even by SIGKILL: it closes,
  // and the service stops (closeOnSignals). Nothing is sent over it.
  const launch = (name: ProcessName) => {
    if (stopping) throw new Error('start-up was stopped');
    const child = spawn(
      process.execPath,
      [...(o.execArgv ?? []), '--import', tsxLoader, resolve(root, ENTRIES[name])],
      { cwd: root, env: envOf(name), stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
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
    for (const s of remote) launch(s);
    await Promise.all(remote.map((s) => waitReady(s)));
    launch('hub');
    await waitReady('hub');
    if (withQuality) {
      launch('quality');
      await waitReady('quality');
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, names: [...remote, 'hub', ...(withQuality ? (['quality'] as const) : [])], stop };
}
