// `pnpm start`: the whole hub on this machine. Embedded PGlite databases under GOVSHARE_DATA_DIR
// (default ./data) unless DATABASE_URL is set. The catalog loads demo data on its first start only.
// Ctrl-C or SIGTERM (to this process or any launcher above it: npx, pnpm) stops everything; if any
// process dies, the others are stopped too (nothing restarts silently).
import { resolve } from 'node:path';
import { ensureConsoleBuilt } from '@govshare/console/build';
import { remoteModulesFrom, root, startHubProcesses, type HubProcesses } from './hub-processes.ts';
import { watchLauncherChain } from './launcher-chain.ts';

const dataDir = resolve(root, process.env.GOVSHARE_DATA_DIR ?? 'data');
let hub: HubProcesses | undefined;
let exiting = false;
// Ctrl-C (or SIGTERM to this process alone) during start-up stops what was already launched.
const startUp = new AbortController();
let starting: Promise<HubProcesses> | undefined;

async function shutdown(code: number) {
  if (exiting) return;
  exiting = true;
  startUp.abort();
  await starting?.catch(() => {});
  await hub?.stop();
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
watchLauncherChain((pid) => {
  console.error(`\nthe process that started the hub (pid ${pid}) has exited; stopping the hub.`);
  void shutdown(0);
});

async function main() {
  // The web console is served by the gateway from console/dist: built here when missing or stale.
  const consoleBuild = await ensureConsoleBuilt();
  if (consoleBuild.built) console.log(`console built in ${(consoleBuild.ms / 1000).toFixed(1)} s`);
  starting = startHubProcesses({
    signal: startUp.signal,
    dataDir,
    host: process.env.GOVSHARE_HOST,
    remote: remoteModulesFrom(process.env.GOVSHARE_REMOTE),
    ports: {
      hub: Number(process.env.GATEWAY_PORT ?? 4000),
      catalog: Number(process.env.CATALOG_PORT ?? 4101),
      audit: Number(process.env.AUDIT_PORT ?? 4102),
      quality: Number(process.env.QUALITY_PORT ?? 4103),
    },
    onLine: (name, line) => process.stdout.write(`${name.padEnd(8)}| ${line}\n`),
    onUnexpectedExit: (name, code, signal) => {
      console.error(`\n${name} exited (${signal ?? `code ${code}`}); stopping the hub.`);
      void shutdown(1);
    },
  });
  hub = await starting;
  const inside = ['gateway', ...['catalog', 'audit'].filter((m) => !hub!.names.includes(m as never))];
  const mode = process.env.DATABASE_URL
    ? `Postgres server ${process.env.DATABASE_URL.replace(/:[^:@/]+@/, ':***@')}`
    : `embedded PGlite under ${dataDir}`;
  const gql = `${hub.url('hub')}/graphql`;
  console.log(`
govshare is running (${mode})
  Console:   ${hub.url('hub')}/console/   (open in a browser; development sign-in: pick a department and role)
  GraphQL:   ${gql}   (POST, Authorization: Bearer <token>)
  JWKS:      ${hub.url('hub')}/.well-known/jwks.json
  Processes: ${hub.names.map((n) => (n === 'hub' ? `hub (${inside.join(' + ')})` : `${n} ${hub!.url(n)}`)).join(', ')}

Get a token (in another terminal, same folder):
  TOKEN=$(npx -y pnpm@10 -s token --dept MCA --role consumer)
Ask for the catalog:
  curl -s ${gql} -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
    -d '{"query":"{ datasets { nodes { id title tier ownerDept access } } }"}'
Ctrl-C stops everything.
`);
}

main().catch((err) => {
  if (exiting) return; // stopped during start-up: shutdown() is already finishing
  console.error(`start failed: ${(err as Error).message}`);
  void shutdown(1);
});
