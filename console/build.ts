// Builds the console (Vite) when console/dist is missing or older than its sources. `pnpm start` and
// the browser tests call it, so nobody runs a build step by hand. A lock directory keeps two
// processes (vitest workers, two starts) from building into dist at once.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export const consoleRoot = import.meta.dirname;
export const consoleDist = resolve(consoleRoot, 'dist');
const SOURCES = ['src', 'index.html', 'vite.config.ts', 'package.json', 'tsconfig.json'];
const LOCK = resolve(consoleRoot, '.build-lock');
/** A lock older than this was left by a build that died: taken over. */
const STALE_LOCK_MS = 5 * 60_000;

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** True when dist/index.html is missing or any source changed after it was written. */
export function consoleIsStale(): boolean {
  const built = join(consoleDist, 'index.html');
  if (!existsSync(built)) return true;
  const sources = Math.max(...SOURCES.map((s) => newestMtime(resolve(consoleRoot, s))));
  return sources > statSync(built).mtimeMs;
}

export interface ConsoleBuild {
  built: boolean;
  ms: number;
  dir: string;
}

export async function ensureConsoleBuilt(o: { force?: boolean } = {}): Promise<ConsoleBuild> {
  const started = performance.now();
  if (!o.force && !consoleIsStale()) return { built: false, ms: 0, dir: consoleDist };
  await takeLock();
  try {
    // Another process may have built it while this one waited.
    if (!o.force && !consoleIsStale()) return { built: false, ms: performance.now() - started, dir: consoleDist };
    const { build } = await import('vite');
    await build({ configFile: resolve(consoleRoot, 'vite.config.ts'), logLevel: 'warn' });
    return { built: true, ms: performance.now() - started, dir: consoleDist };
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

async function takeLock() {
  for (;;) {
    try {
      mkdirSync(LOCK); // atomic: exactly one process creates it
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // released meanwhile
      }
      // Waiting on the other build: nothing to subscribe to across processes, so look again shortly.
      await delay(200);
    }
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const r = await ensureConsoleBuilt({ force: process.argv.includes('--force') });
  console.log(r.built ? `console built in ${Math.round(r.ms)} ms: ${r.dir}` : `console up to date: ${r.dir}`);
}
