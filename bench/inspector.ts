// A minimal Chrome DevTools Protocol client, to profile a running child process for just the part of
// a benchmark that matters (the load phase of one query, not start-up). The child runs with
// `--inspect=127.0.0.1:0` and prints "Debugger listening on ws://..." on stderr; this connects to
// that URL and drives V8's Profiler domain. node:inspector only reaches the process it runs in, and
// Node 20 has no global WebSocket without a flag: undici's WebSocket (undici is already a dependency
// of the benchmarks) speaks the protocol.
import { WebSocket } from 'undici';
import type { CpuProfile } from './cpu-profile.ts';

/** The inspector URL in a line a process printed, if the line announces one. */
export const inspectorUrlIn = (line: string): string | undefined =>
  /^Debugger listening on (ws:\/\/\S+)/.exec(line)?.[1];

/** Node's own lines about its inspector (not worth echoing). */
export const isInspectorNoise = (line: string): boolean =>
  /^(Debugger listening on|Debugger attached|Debugger ending on|For help, see: https:\/\/nodejs\.org\/.*inspector|Waiting for the debugger to disconnect)/.test(
    line,
  );

export interface InspectorSession {
  send<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

export async function connectInspector(url: string, timeoutMs = 10_000): Promise<InspectorSession> {
  const ws = new WebSocket(url);
  const pending = new Map<number, { ok: (v: any) => void; fail: (e: Error) => void }>();
  let nextId = 1;
  ws.addEventListener('message', (event) => {
    const msg = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
    const p = msg.id === undefined ? undefined : pending.get(msg.id);
    if (!p) return; // an event: none is subscribed to
    pending.delete(msg.id!);
    if (msg.error) p.fail(new Error(`inspector: ${msg.error.message}`));
    else p.ok(msg.result);
  });
  ws.addEventListener('close', () => {
    for (const p of pending.values()) p.fail(new Error('inspector: the connection closed'));
    pending.clear();
  });
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`inspector: no connection to ${url} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    ws.addEventListener('open', () => (clearTimeout(timer), ok()), { once: true });
    ws.addEventListener('error', () => (clearTimeout(timer), fail(new Error(`inspector: cannot connect to ${url}`))), {
      once: true,
    });
  });
  return {
    send: (method, params) =>
      new Promise((ok, fail) => {
        const id = nextId++;
        pending.set(id, { ok, fail });
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: async () => {
      if (ws.readyState === WebSocket.CLOSED) return;
      const closed = new Promise<void>((ok) => ws.addEventListener('close', () => ok(), { once: true }));
      ws.close();
      await closed;
    },
  };
}

/** Sampling V8 profiles of a set of processes, started and stopped together. */
export async function startProfiles(urls: string[], intervalUs: number): Promise<{ stop(): Promise<CpuProfile[]> }> {
  const sessions = await Promise.all(urls.map((u) => connectInspector(u)));
  try {
    for (const s of sessions) {
      await s.send('Profiler.enable');
      await s.send('Profiler.setSamplingInterval', { interval: intervalUs });
    }
    await Promise.all(sessions.map((s) => s.send('Profiler.start')));
  } catch (err) {
    await Promise.all(sessions.map((s) => s.close()));
    throw err;
  }
  return {
    stop: async () => {
      try {
        const results = await Promise.all(sessions.map((s) => s.send<{ profile: CpuProfile }>('Profiler.stop')));
        await Promise.all(sessions.map((s) => s.send('Profiler.disable')));
        return results.map((r) => r.profile);
      } finally {
        await Promise.all(sessions.map((s) => s.close()));
      }
    },
  };
}
