// Two real Postgres clusters on this machine for failover tests: a primary and a streaming standby
// (pg_basebackup -R) on their own free ports, in a temporary directory. The standby is synchronous
// (synchronous_standby_names names it): a transaction run with synchronous_commit=on is acknowledged
// only once the standby has flushed its WAL. Clusters run as the `postgres` OS user when this process
// is root (initdb refuses root). Everything is removed by close(), whatever state the nodes are in.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { freePort } from '../hub.ts';

const run = promisify(execFile);

/** The directory holding initdb, pg_ctl and pg_basebackup (PG_BIN, else Debian's newest), or undefined. */
export function postgresBinDir(): string | undefined {
  const candidates = [process.env.PG_BIN, ...debianBinDirs()].filter(Boolean) as string[];
  return candidates.find((d) => ['initdb', 'pg_ctl', 'pg_basebackup'].every((b) => existsSync(join(d, b))));
}

function debianBinDirs(): string[] {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join(base, v, 'bin'));
}

/** The OS user the clusters run as: ourselves, or `postgres` when we are root. */
function clusterUser(): { name: string; uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root needs the `postgres` OS user to run the clusters (initdb refuses root)');
  const [, , uid, gid] = line.split(':');
  return { name: 'postgres', uid: Number(uid), gid: Number(gid) };
}

export interface PgNode {
  name: 'primary' | 'standby';
  port: number;
  dataDir: string;
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database?: string): string;
  /** The postmaster's pid (from postmaster.pid), or undefined when it is not running. */
  pid(): number | undefined;
  /** A crash: SIGKILL to the postmaster and every backend (its process group), no shutdown at all. */
  kill9(): void;
  /** Ends recovery (pg_ctl promote) and waits until the node accepts writes. */
  promote(): Promise<void>;
  /** Runs one SQL statement as the superuser on this node. */
  query<T = Record<string, unknown>>(text: string, database?: string): Promise<T[]>;
}

export interface PgCluster {
  primary: PgNode;
  standby: PgNode;
  database: string;
  /** Both nodes, primary first, with target_session_attrs: what the hub is given as DATABASE_URL. */
  multiHostUrl(targetSessionAttrs?: string): string;
  /** Server log of a node (for a failing test's message). */
  log(node: PgNode): string;
  close(): Promise<void>;
}

export interface PgClusterOptions {
  /** The database made on the primary (replicated to the standby). Default 'govshare'. */
  database?: string;
  /** The primary's server-wide synchronous_commit (a connection may set its own). Default 'local'. */
  synchronousCommit?: 'on' | 'remote_apply' | 'remote_write' | 'local' | 'off';
}

const STANDBY_NAME = 'standby1';

/** Starts a primary and a synchronous streaming standby; resolves once the standby streams in sync. */
export async function startPgCluster(opts: PgClusterOptions = {}): Promise<PgCluster> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL binaries not found (scripts/ensure-postgres-binaries.sh installs them)');
  const database = opts.database ?? 'govshare';
  const user = clusterUser();
  const root = mkdtempSync(join(tmpdir(), 'govshare-pg-'));
  if (user) chownSync(root, user.uid, user.gid);
  const as = (cmd: string, args: string[]) =>
    user ? run('runuser', ['-u', user.name, '--', join(bin, cmd), ...args]) : run(join(bin, cmd), args);
  const started: PgNode[] = [];

  const node = (name: PgNode['name'], port: number): PgNode => {
    const dataDir = join(root, name);
    const url = (db = database) => `postgres://postgres@127.0.0.1:${port}/${db}`;
    const pid = () => {
      try {
        const n = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
        // A killed postmaster stays a zombie until its parent (init) reaps it: that is dead too.
        const state = readFileSync(`/proc/${n}/stat`, 'utf8').split(') ')[1]?.[0];
        return state && state !== 'Z' && state !== 'X' ? n : undefined;
      } catch {
        return undefined;
      }
    };
    const query = async <T>(text: string, db = database) => {
      const sql = postgres(url(db), { max: 1, onnotice: () => {}, connect_timeout: 5 });
      try {
        return (await sql.unsafe(text)) as unknown as T[];
      } finally {
        await sql.end({ timeout: 1 });
      }
    };
    return {
      name,
      port,
      dataDir,
      url,
      pid,
      query,
      kill9() {
        const p = pid();
        if (!p) return;
        // pg_ctl starts the postmaster in a session of its own: its pid is the group of every backend.
        try {
          process.kill(-p, 'SIGKILL');
        } catch {
          process.kill(p, 'SIGKILL');
        }
      },
      async promote() {
        await as('pg_ctl', ['promote', '-w', '-t', '60', '-D', dataDir]);
        await until(async () => (await query<{ r: boolean }>('select pg_is_in_recovery() as r'))[0]!.r === false);
      },
    };
  };

  const startNode = async (n: PgNode, extra: string[]) => {
    // -k: the node's own socket directory (the default, /var/run/postgresql, may not be writable).
    const options = ['-p', String(n.port), '-k', n.dataDir, ...extra.flatMap((e) => ['-c', e])].join(' ');
    await as('pg_ctl', ['start', '-w', '-t', '60', '-D', n.dataDir, '-l', join(root, `${n.name}.log`), '-o', options]);
    started.push(n);
    await until(() => n.query('select 1', 'postgres').then(() => true));
  };

  const cluster: PgCluster = {
    primary: node('primary', await freePort()),
    standby: node('standby', await freePort()),
    database,
    multiHostUrl: (tsa = 'read-write') =>
      `postgres://postgres@127.0.0.1:${cluster.primary.port},127.0.0.1:${cluster.standby.port}/${database}?target_session_attrs=${tsa}`,
    log: (n) => {
      try {
        return readFileSync(join(root, `${n.name}.log`), 'utf8');
      } catch {
        return '';
      }
    },
    async close() {
      for (const n of started)
        if (n.pid()) await as('pg_ctl', ['stop', '-m', 'immediate', '-D', n.dataDir]).catch(() => n.kill9());
      rmSync(root, { recursive: true, force: true });
    },
  };
  const { primary, standby } = cluster;

  try {
    await as('initdb', ['-D', primary.dataDir, '-U', 'postgres', '--auth=trust', '--no-instructions', '-E', 'UTF8']);
    // Shared by both nodes (pg_basebackup copies it): trust on 127.0.0.1 for sessions and replication.
    writeFileSync(
      join(primary.dataDir, 'pg_hba.conf'),
      ['local all all trust', 'host all all 127.0.0.1/32 trust', 'host replication all 127.0.0.1/32 trust', ''].join(
        '\n',
      ),
    );
    const common = [
      "listen_addresses='127.0.0.1'",
      'wal_level=replica',
      'max_wal_senders=5',
      'hot_standby=on',
      'fsync=on',
      `synchronous_commit=${opts.synchronousCommit ?? 'local'}`,
      'max_connections=100',
    ];
    // Only the primary names a synchronous standby (given on its command line, so the standby, once
    // promoted, does not wait for a standby it does not have).
    await startNode(primary, [...common, `synchronous_standby_names='${STANDBY_NAME}'`]);
    await primary.query(`create database "${database}"`, 'postgres');
    // -R writes primary_conninfo (with this application_name: the name the primary waits for).
    await as('pg_basebackup', [
      '-D',
      standby.dataDir,
      '-d',
      `host=127.0.0.1 port=${primary.port} user=postgres application_name=${STANDBY_NAME}`,
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
    ]);
    await startNode(standby, common);
    await until(async () => {
      const rows = await primary.query<{ state: string; sync_state: string }>(
        `select state, sync_state from pg_stat_replication where application_name = '${STANDBY_NAME}'`,
        'postgres',
      );
      return rows[0]?.state === 'streaming' && rows[0]?.sync_state === 'sync';
    });
  } catch (err) {
    const logs = started.map((n) => `--- ${n.name}.log\n${cluster.log(n).slice(-2000)}`).join('\n');
    await cluster.close();
    throw new Error(`the Postgres cluster did not start: ${(err as Error).message}\n${logs}`);
  }
  return cluster;
}

/**
 * Polls `condition` (errors count as false) every 100 ms until it holds. Start-up waits are bounded
 * (`timeoutMs`, default 60 s) so a cluster that never gets ready is reported and removed, not leaked.
 */
export async function until(
  condition: () => Promise<boolean>,
  timeoutMs = 60_000,
  what = 'the cluster',
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await condition().catch(() => false)) return;
    if (performance.now() > deadline) throw new Error(`${what}: condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
