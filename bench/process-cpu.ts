// CPU time of the benchmark's processes, from /proc, by group: the hub's processes, the anchors'
// servers, the Postgres backends that serve this benchmark's connections, and this load generator.
// The machine is shared (other test suites use the same Postgres server), so processes are matched
// by their full path in this checkout, and a Postgres backend counts only while its client socket
// belongs to one of those processes (found through /proc/net/tcp and the processes' fds).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { resolve } from 'node:path';

export const CPU_GROUPS = [
  'load generator',
  'hub',
  'catalog',
  'audit',
  'quality',
  'raw http',
  'postgraphile',
  'yoga+pothos',
  'postgres',
] as const;
export type CpuGroup = (typeof CPU_GROUPS)[number];

export interface CpuSnapshot {
  /** ms of CPU (user + system) so far, by pid, with the pid's group, and its context switches
   *  (voluntary + involuntary: each is a wake-up or a preemption the kernel paid for). */
  pids: Map<number, { group: CpuGroup; ms: number; switches: number }>;
  /** This process, from process.cpuUsage() (finer than /proc's 10 ms ticks), before and after the
   *  reading (which costs some ms itself: neither reading's cost is counted in an interval). */
  selfMs: { start: number; end: number };
}

export function cpuSampler(root: string, databaseUrl: string) {
  const entries: [CpuGroup, string][] = [
    ['hub', 'gateway/src/main.ts'],
    ['catalog', 'services/catalog/src/main.ts'],
    ['audit', 'services/audit/src/main.ts'],
    ['quality', 'services/quality/src/main.ts'],
    ['raw http', 'bench/raw-http-server.ts'],
    ['postgraphile', 'bench/postgraphile/src/server.ts'],
    ['yoga+pothos', 'bench/yoga-pothos-server.ts'],
  ].map(([g, p]) => [g as CpuGroup, resolve(root, p)]);
  const url = new URL(databaseUrl);
  // A unix-socket or remote server: the backends cannot be told apart (or are not on this machine).
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  const dbPort = Number(url.port || 5432);

  const tick = 10; // USER_HZ is 100 on Linux
  const cpuMs = (pid: number): number | undefined => {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(f[11]) + Number(f[12])) * tick; // utime + stime
    } catch {
      return undefined; // ended between ps and the read
    }
  };
  const switchesOf = (pid: number | 'self'): number => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const n = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
      return n('voluntary_ctxt_switches') + n('nonvoluntary_ctxt_switches');
    } catch {
      return 0;
    }
  };

  /** Local ports of TCP connections to the database server, by socket inode. */
  const dbSockets = (): Map<string, number> => {
    const out = new Map<string, number>();
    for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
      let text = '';
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n').slice(1)) {
        const f = line.trim().split(/\s+/);
        if (f.length < 10) continue;
        const localPort = Number.parseInt(f[1].split(':').pop()!, 16);
        const remotePort = Number.parseInt(f[2].split(':').pop()!, 16);
        if (remotePort === dbPort) out.set(f[9], localPort);
      }
    }
    return out;
  };

  const selfMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };

  return (): CpuSnapshot => {
    const start = selfMs();
    const pids = new Map<number, { group: CpuGroup; ms: number; switches: number }>();
    pids.set(process.pid, { group: 'load generator', ms: 0, switches: switchesOf('self') });
    const ours: number[] = [process.pid];
    const backends: { pid: number; port: number }[] = [];
    for (const line of execFileSync('ps', ['-eo', 'pid=,args=']).toString().trim().split('\n')) {
      const m = /^\s*(\d+)\s+(.*)$/.exec(line);
      if (!m) continue;
      const pid = Number(m[1]);
      const args = m[2];
      const group = entries.find(([, path]) => args.includes(path))?.[0];
      if (group) {
        ours.push(pid);
        const ms = cpuMs(pid);
        if (ms !== undefined) pids.set(pid, { group, ms, switches: switchesOf(pid) });
        continue;
      }
      // "postgres: <user> <db> 127.0.0.1(<client port>) <state>"
      const backend = /^postgres: .*\((\d+)\)/.exec(args);
      if (backend) backends.push({ pid, port: Number(backend[1]) });
    }
    if (local) {
      const sockets = dbSockets();
      const ourPorts = new Set<number>();
      for (const pid of ours) {
        let fds: string[] = [];
        try {
          fds = readdirSync(`/proc/${pid}/fd`);
        } catch {
          continue;
        }
        for (const fd of fds) {
          let link = '';
          try {
            link = readlinkSync(`/proc/${pid}/fd/${fd}`);
          } catch {
            continue;
          }
          const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
          const port = inode === undefined ? undefined : sockets.get(inode);
          if (port !== undefined) ourPorts.add(port);
        }
      }
      for (const b of backends) {
        if (!ourPorts.has(b.port)) continue;
        const ms = cpuMs(b.pid);
        if (ms !== undefined) pids.set(b.pid, { group: 'postgres', ms, switches: switchesOf(b.pid) });
      }
    }
    return { pids, selfMs: { start, end: selfMs() } };
  };
}

/**
 * µs of CPU per operation, by group, between two snapshots. A pid seen only in `after` started
 * during the interval (all its CPU counts); one seen only in `before` ended (what it used since is
 * lost: rare, pools keep their connections).
 */
export function cpuPerOp(before: CpuSnapshot, after: CpuSnapshot, ops: number): Record<string, number> {
  const out: Record<string, number> = {
    'load generator': ((after.selfMs.start - before.selfMs.end) * 1000) / Math.max(ops, 1),
  };
  for (const [pid, a] of after.pids) {
    if (pid === process.pid) continue; // the load generator: from process.cpuUsage() above
    const b = before.pids.get(pid);
    const ms = a.ms - (b && b.group === a.group ? b.ms : 0);
    out[a.group] = (out[a.group] ?? 0) + (Math.max(ms, 0) * 1000) / Math.max(ops, 1);
  }
  return out;
}

/** Context switches per operation, all processes but the load generator, between two snapshots. */
export function switchesPerOp(before: CpuSnapshot, after: CpuSnapshot, ops: number): number {
  let n = 0;
  for (const [pid, a] of after.pids) {
    if (pid === process.pid) continue;
    const b = before.pids.get(pid);
    n += Math.max(a.switches - (b && b.group === a.group ? b.switches : 0), 0);
  }
  return n / Math.max(ops, 1);
}
