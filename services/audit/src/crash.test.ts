// Crash test: the real process (tsx src/main.ts) under concurrent load, SIGKILLed mid-load, restarted.
// Every acknowledged event must be there with its seq, the tree must match the rows, and the
// checkpoints signed before the crash must be consistent with the log after it.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createServiceClient,
  createServiceTokenSigner,
  loadServiceSigningKeys,
  remoteFace,
  type ServiceClient,
} from '@govshare/platform';
import { auditFaceSpec } from './face.ts';
import { verifyExport } from './verify-export.ts';
import {
  backends,
  ctx,
  dropSchema,
  makeEvent,
  text,
  uniquePrefix,
  auditServiceCommand,
  freePort,
} from './test-helpers.ts';

describe.each(backends())('crash: SIGKILL under load (%s)', (backend) => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-crash-'));
  const prefix = uniquePrefix();
  const databaseUrl = backend === 'postgres' ? process.env.GOVSHARE_TEST_DATABASE_URL : undefined;
  let child: ChildProcess | undefined;
  let client: ServiceClient | undefined;
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await client?.close();
    await dropSchema({ databaseUrl, schemaPrefix: prefix });
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged event and a consistent tree across a SIGKILL', async () => {
    const keys = await loadServiceSigningKeys(dir);
    const signer = createServiceTokenSigner(keys.privateJwk);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = {
      ...process.env,
      GOVSHARE_DATA_DIR: dir,
      AUDIT_PORT: String(port),
      LOG_LEVEL: 'error',
      AUDIT_CHECKPOINT_INTERVAL_MS: '50',
      GOVSHARE_DB_SCHEMA_PREFIX: prefix,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    };
    if (!databaseUrl) delete (env as any).DATABASE_URL;
    let stderr = '';
    let exited: Promise<unknown> = Promise.resolve();
    // Ready = the child says it is listening (main.ts sends it over IPC once the start-up check is
    // done); no deadline of our own, so a loaded machine only makes it slower, not red.
    const boot = () =>
      new Promise<void>((resolveBoot, rejectBoot) => {
        child = spawn(...auditServiceCommand, {
          env,
          stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        });
        exited = new Promise((r) => child!.once('exit', r));
        child.stderr!.on('data', (d) => (stderr += d));
        child.on('message', (m: any) => m?.type === 'listening' && resolveBoot());
        child.once('exit', (code) => rejectBoot(new Error(`audit exited ${code} before listening: ${stderr}`)));
      });
    // The face as the gateway calls it, over HTTP with the gateway's service token.
    client = createServiceClient({ service: 'audit', baseUrl: url, signer });
    const audit = remoteFace(auditFaceSpec, client);

    await boot();
    const acked = new Map<string, number>();
    const unacked: any[] = [];
    let stop = false;
    let cpBefore: any;
    // Waiters for "n events acknowledged", woken by the workers' progress (no polling deadline).
    const waiters: { n: number; wake: () => void; fail: (e: Error) => void }[] = [];
    const progress = () => {
      for (const w of waiters.splice(0))
        if (acked.size >= w.n) w.wake();
        else waiters.push(w);
    };
    let running = 32;
    const worker = async (w: number) => {
      try {
        while (!stop) {
          const evs = Array.from({ length: 1 + (w % 3) }, () => makeEvent({ subjects: [`w${w}`] }));
          try {
            const r = await audit.append({ events: evs }, ctx);
            if (r.rejected) throw new Error(JSON.stringify(r.rejected));
            for (const x of r.accepted) acked.set(x.id, x.seq);
            progress();
          } catch {
            unacked.push(...evs);
            return;
          }
        }
      } finally {
        if (--running === 0)
          for (const x of waiters.splice(0))
            x.fail(new Error(`only ${acked.size} events acknowledged; ${unacked.length} failed; ${stderr}`));
      }
    };
    const workers = Array.from({ length: 32 }, (_, w) => worker(w));
    const until = (n: number) =>
      new Promise<void>((wake, fail) => {
        if (running === 0 && acked.size < n)
          return fail(new Error(`only ${acked.size} events acknowledged: ${stderr}`));
        waiters.push({ n, wake, fail });
        progress();
      });
    await until(300);
    cpBefore = await audit.latestCheckpoint({}, ctx);
    await until(600);
    child!.kill('SIGKILL');
    stop = true;
    await Promise.all(workers);
    await exited;
    expect(acked.size).toBeGreaterThanOrEqual(600);

    await boot(); // start-up integrity check runs here
    // Every acknowledged event is present with its seq.
    const seen = new Map<string, number>();
    let after: string | undefined;
    for (;;) {
      const page = await audit.searchEvents({ first: 500, ...(after ? { after } : {}) }, ctx);
      for (const e of page.events) seen.set(e.id, e.seq);
      if (!page.hasNextPage) break;
      after = page.endCursor!;
    }
    for (const [id, seq] of acked) expect(seen.get(id)).toBe(seq);
    expect([...seen.values()].sort((x, y) => x - y)).toEqual([...Array(seen.size).keys()]);
    // A retried un-acknowledged event is accepted once.
    if (unacked.length) {
      const r1 = await audit.append({ events: [unacked[0]] }, ctx);
      const r2 = await audit.append({ events: [unacked[0]] }, ctx);
      expect(r2.accepted[0]!.seq).toBe(r1.accepted[0]!.seq);
    }
    // The tree matches the rows, every checkpoint verifies, and the pre-crash checkpoint is a prefix.
    const jwk = (await audit.publicKeys({}, ctx)).keys[0]!;
    const exported = await text(audit.exportLog({}, ctx));
    const report = await verifyExport(exported.trim().split('\n'), jwk, cpBefore);
    expect(report.error).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.treeSize).toBeGreaterThanOrEqual(acked.size);
    expect(report.checkpointsVerified).toBeGreaterThanOrEqual(2);
    child!.kill('SIGTERM');
    await exited;
  }, 600_000); // a cap for a hung run only: every wait above is on an event
});
