// `npx -y pnpm@10 start` runs this script under a chain of launchers (npm exec -> sh -> pnpm -> sh),
// none of which passes a signal on: SIGTERM to npx or pnpm ends that launcher alone and leaves the
// hub running with no parent. So the hub watches the chain itself and stops when any link is gone.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProcessInfo {
  ppid: number;
  argv: string[];
}

/** A process's parent and arguments, from /proc; undefined once it is gone (or off Linux). */
export function readProcess(pid: number): ProcessInfo | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return { ppid, argv };
  } catch {
    return undefined;
  }
}

const LAUNCHERS = /^(npm|npx|pnpm|tsx|cli\.mjs|pnpm\.c?js|npm-cli\.js|npx-cli\.js)$/;

/** A package-manager or script-runner process, or the `sh -c` one of them runs a script with. */
export function isLauncher(argv: string[]): boolean {
  // npm sets its process title ("npm exec pnpm@10 start"), which /proc shows as one argument
  const [cmd, ...rest] = argv.length === 1 ? argv[0].split(' ') : argv;
  if (!cmd) return false;
  const exe = basename(cmd);
  if (/^(sh|dash|bash)$/.test(exe)) return rest[0] === '-c';
  if (LAUNCHERS.test(exe)) return true;
  // node running a launcher's script: "node /path/to/pnpm start", "npm exec pnpm@10 start" (npm's title)
  // node running a launcher's script: "node /path/to/.bin/pnpm start", "node .../tsx/dist/cli.mjs x.ts"
  return (exe === 'node' || exe === 'nodejs') && rest.some((a) => !a.startsWith('-') && LAUNCHERS.test(basename(a)));
}

/** The pids of the launchers between this process and whoever started them (nearest first). */
export function launcherChain(pid = process.pid, read = readProcess): number[] {
  const chain: number[] = [];
  let info = read(pid);
  while (info && info.ppid > 1) {
    const parent = read(info.ppid);
    if (!parent || !isLauncher(parent.argv)) break;
    chain.push(info.ppid);
    info = parent;
  }
  return chain;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Calls onGone once when this process's parent or any launcher above it has exited. Where /proc is
 * missing (not Linux) only the parent is watched. The timer does not keep the process alive.
 */
export function watchLauncherChain(onGone: (pid: number) => void, intervalMs = 500): () => void {
  const parent = process.ppid;
  const chain = [...new Set([parent, ...launcherChain()])];
  const timer = setInterval(() => {
    const gone = process.ppid !== parent ? parent : chain.find((pid) => !alive(pid));
    if (gone === undefined) return;
    clearInterval(timer);
    onGone(gone);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
