// Starts the whole hub on this machine: catalog, audit and quality services, then the gateway.
// Embedded PGlite databases under GOVSHARE_DATA_DIR (default ./data) unless DATABASE_URL is set.
// Demo data is loaded by the catalog on its first start only. Ctrl-C stops everything; if any
// process dies, the others are stopped too (nothing restarts silently).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { loadServiceSigningKeys } from '@govshare/platform';
import { loadDevIssuerKeys } from '@govshare/gateway';

const root = resolve(import.meta.dirname, '..');
const dataDir = resolve(root, process.env.GOVSHARE_DATA_DIR ?? 'data');
const tsxLoader = createRequire(resolve(root, 'package.json')).resolve('tsx');
const host = process.env.GOVSHARE_HOST ?? '127.0.0.1';
const ports = {
  catalog: Number(process.env.CATALOG_PORT ?? 4101),
  audit: Number(process.env.AUDIT_PORT ?? 4102),
  quality: Number(process.env.QUALITY_PORT ?? 4103),
  gateway: Number(process.env.GATEWAY_PORT ?? 4000),
};
const url = (name: keyof typeof ports) => `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${ports[name]}`;

const services = [
  { name: 'catalog', entry: 'services/catalog/src/main.ts' },
  { name: 'audit', entry: 'services/audit/src/main.ts' },
  { name: 'quality', entry: 'services/quality/src/main.ts', optional: true },
] as const;

const children = new Map<string, ChildProcess>();
let stopping = false;

function launch(name: string, entry: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', tsxLoader, resolve(root, entry)], {
    cwd: root,
    env: {
      ...process.env,
      GOVSHARE_DATA_DIR: dataDir,
      CATALOG_URL: url('catalog'),
      AUDIT_URL: url('audit'),
      QUALITY_URL: children.has('quality') || existsSync(resolve(root, 'services/quality/src/main.ts')) ? url('quality') : '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${name.padEnd(8)}| ${line}\n`));
  }
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      console.error(`\n${name} exited (${signal ?? `code ${code}`}); stopping the hub.`);
      void stopAll(1);
    }
  });
  children.set(name, child);
  return child;
}

async function waitHealthy(name: string, base: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!children.has(name)) throw new Error(`${name} stopped during start-up`);
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${name} did not become ready within ${timeoutMs / 1000}s`);
}

async function stopAll(code: number) {
  if (stopping) return;
  stopping = true;
  for (const child of children.values()) child.kill('SIGTERM');
  const deadline = Date.now() + 10_000;
  while (children.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const child of children.values()) child.kill('SIGKILL');
  process.exit(code);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

async function main() {
  // Keys first, so services never race to create them.
  await loadServiceSigningKeys(dataDir);
  await loadDevIssuerKeys(dataDir);
  const started = services.filter((s) => !('optional' in s) || existsSync(resolve(root, s.entry)));
  for (const s of started) launch(s.name, s.entry);
  await Promise.all(started.map((s) => waitHealthy(s.name, url(s.name as keyof typeof ports))));
  launch('gateway', 'gateway/src/main.ts');
  await waitHealthy('gateway', url('gateway'));
  const mode = process.env.DATABASE_URL ? `Postgres server (${process.env.DATABASE_URL.replace(/:[^:@/]+@/, ':***@')})` : `embedded PGlite under ${dataDir}`;
  console.log(`
govshare is running (${mode})
  GraphQL:   ${url('gateway')}/graphql   (POST, Authorization: Bearer <token>)
  JWKS:      ${url('gateway')}/.well-known/jwks.json
  Services:  ${started.map((s) => `${s.name} ${url(s.name as keyof typeof ports)}`).join(', ')}

Get a token (in another terminal):
  TOKEN=$(npx -y pnpm@10 -s token --dept MCA --role consumer)
Ask for the catalog:
  curl -s ${url('gateway')}/graphql -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
    -d '{"query":"{ datasets { nodes { id title tier ownerDept access } } }"}'
Ctrl-C stops everything.
`);
}

main().catch((err) => {
  console.error(`start failed: ${(err as Error).message}`);
  void stopAll(1);
});
