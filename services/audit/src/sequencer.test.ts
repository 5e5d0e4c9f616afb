// Sequencer failover with real processes (Postgres server only): three audit services on one schema,
// one elected sequencer, the others forward. Under load through all of them the leader is SIGKILLed;
// a standby must take over within 10 s, every acknowledged event must be in the log at its seq, and
// the tree must stay one tree (gap-free seqs, checkpoints from before and after consistent).
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import {
  createServiceClient,
  createServiceTokenSigner,
  loadServiceSigningKeys,
  remoteFace,
  serviceSchemaName,
  type ServiceClient,
} from '@govshare/platform';
import { auditFaceSpec, type AuditFace } from './face.ts';
import { loadCheckpointKeys, loadPeerKeys, loadSubjectKey } from './keys.ts';
import { verifyExport } from './verify-export.ts';
import { ctx, dropSchema, makeEvent, text, uniquePrefix, auditServiceCommand, freePort } from './test-helpers.ts';

const databaseUrl = process.env.GOVSHARE_TEST_DATABASE_URL;

interface Instance {
  url: string;
  child: ChildProcess;
  exited: Promise<unknown>;
  client: ServiceClient;
  face: AuditFace;
  killed: boolean;
}

describe.skipIf(!databaseUrl)('audit sequencer: SIGKILL the leader under load (postgres, real processes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-sequencer-'));
  const prefix = uniquePrefix();
  const schema = serviceSchemaName(prefix, 'audit');
  const instances: Instance[] = [];
  let admin: postgres.Sql | undefined;
  let stderr = '';
  afterAll(async () => {
    for (const i of instances) if (i.child.exitCode === null) i.child.kill('SIGKILL');
    await Promise.all(instances.map((i) => i.exited));
    await Promise.all(instances.map((i) => i.client.close()));
    await admin?.end();
    await dropSchema({ databaseUrl, schemaPrefix: prefix });
    rmSync(dir, { recursive: true, force: true });
  });

  it('a standby takes over within 10 s, with 0 acknowledged events lost and one consistent tree', async () => {
    // Every instance of one log shares its keys (checkpoint, subject, peer): made once, before the starts.
    const keys = await loadServiceSigningKeys(dir);
    await loadCheckpointKeys(dir);
    loadSubjectKey(dir);
    await loadPeerKeys(dir);
    const signer = createServiceTokenSigner(keys.privateJwk);
    admin = postgres(databaseUrl!, { max: 1, onnotice: () => {} });

    const boot = async (): Promise<Instance> => {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        GOVSHARE_DATA_DIR: dir,
        AUDIT_PORT: String(port),
        LOG_LEVEL: 'warn',
        AUDIT_CHECKPOINT_INTERVAL_MS: '100',
        AUDIT_SEQUENCER_RETRY_MS: '1000',
        GOVSHARE_DB_SCHEMA_PREFIX: prefix,
        DATABASE_URL: databaseUrl,
      };
      const child = spawn(...auditServiceCommand, {
        env,
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      });
      child.stderr!.on('data', (d) => (stderr += d));
      const exited = new Promise((r) => child.once('exit', r));
      const client = createServiceClient({ service: 'audit', baseUrl: url, signer });
      const inst: Instance = { url, child, exited, client, face: remoteFace(auditFaceSpec, client), killed: false };
      instances.push(inst);
      // Ready = the child says it listens (after its first try for the lock): no deadline of our own.
      await new Promise<void>((ok, fail) => {
        child.on('message', (m: any) => m?.type === 'listening' && ok());
        child.once('exit', (code) => fail(new Error(`audit exited ${code} before listening: ${stderr}`)));
      });
      return inst;
    };
    await boot(); // the first one alone: it leads before it listens
    await Promise.all([boot(), boot()]);

    const leaderUrl = async () =>
      (await admin!.unsafe(`select leader_url from "${schema}".sequencer_terms order by epoch desc limit 1`))[0]
        ?.leader_url as string | undefined;
    const first = instances[0]!;
    expect(await leaderUrl()).toBe(first.url);

    // Load: writers spread over the live instances (as a load balancer with health checks would),
    // the leader and the two followers, each append answered or failed; every ack recorded.
    const acked = new Map<string, number>();
    /** When each acknowledged append was sent and answered. */
    const ackTimes: { sentAt: number; ackAt: number }[] = [];
    const failures: { code: string; at: number }[] = [];
    let stop = false;
    let turn = 0;
    const waiters: { n: number; wake: () => void }[] = [];
    const progress = () => {
      for (const w of waiters.splice(0))
        if (acked.size >= w.n) w.wake();
        else waiters.push(w);
    };
    const until = (n: number) => new Promise<void>((wake) => (waiters.push({ n, wake }), progress()));
    const writer = async (w: number) => {
      while (!stop) {
        const live = instances.filter((i) => !i.killed);
        const target = live[turn++ % live.length]!;
        const evs = Array.from({ length: 1 + (w % 3) }, () => makeEvent({ subjects: [`w${w}`] }));
        const sentAt = Date.now();
        try {
          const r = await target.face.append({ events: evs }, ctx);
          if (r.rejected) throw new Error(JSON.stringify(r.rejected));
          for (const x of r.accepted) acked.set(x.id, x.seq);
          ackTimes.push({ sentAt, ackAt: Date.now() });
          progress();
        } catch (err) {
          failures.push({ code: String((err as { code?: string }).code ?? (err as Error).message), at: Date.now() });
          // A refused caller tries again soon (the gateway's caller would): bounded by the test's end.
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    const writers = Array.from({ length: 6 }, (_, w) => writer(w));
    await until(300);
    // A checkpoint signed before the crash, asked through a follower (forwarded to the leader).
    const cpBefore = await instances[1]!.face.latestCheckpoint({}, ctx);
    await until(600);

    first.killed = true;
    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    const ackedAtKill = acked.size;
    await first.exited;
    await until(ackedAtKill + 300);
    stop = true;
    await Promise.all(writers);

    // Takeover as callers see it: the first append sent after the kill that was acknowledged (answers
    // already on their way from the old leader do not count).
    const takeoverMs = Math.min(...ackTimes.filter((t) => t.sentAt > killedAt).map((t) => t.ackAt)) - killedAt;
    const outage = failures.filter((f) => f.at >= killedAt);
    const byCode: Record<string, number> = {};
    for (const f of outage) byCode[f.code] = (byCode[f.code] ?? 0) + 1;
    const span = outage.length ? outage[outage.length - 1]!.at - killedAt : 0;
    console.log(
      `sequencer takeover: first commit ${takeoverMs} ms after SIGKILL; callers saw ${outage.length} failed appends ` +
        `${JSON.stringify(byCode)} over ${span} ms; ${acked.size} events acknowledged (${ackedAtKill} before the kill); ` +
        `${failures.length - outage.length} failures before the kill`,
    );
    expect(takeoverMs).toBeLessThanOrEqual(10_000);
    expect(failures.filter((f) => f.at < killedAt)).toEqual([]);
    expect(Object.keys(byCode).every((c) => c === 'UNAVAILABLE')).toBe(true);

    // A new term, led by one of the survivors.
    const survivors = instances.filter((i) => !i.killed);
    const newLeader = await leaderUrl();
    expect(survivors.map((i) => i.url)).toContain(newLeader);
    const terms = await admin.unsafe(`select epoch::int as epoch from "${schema}".sequencer_terms order by epoch`);
    expect(terms.map((t) => t.epoch)).toEqual([1, 2]);

    // 0 acknowledged events lost: each is in the log at its acknowledged seq; no seq twice, none missing.
    const reader = survivors.find((i) => i.url !== newLeader)!.face; // a follower answers reads itself
    const seen = new Map<string, number>();
    let after: string | undefined;
    for (;;) {
      const page = await reader.searchEvents({ first: 500, ...(after ? { after } : {}) }, ctx);
      for (const e of page.events) seen.set(e.id, e.seq);
      if (!page.hasNextPage) break;
      after = page.endCursor!;
    }
    for (const [id, seq] of acked) expect(seen.get(id), id).toBe(seq);
    expect([...seen.values()].sort((x, y) => x - y)).toEqual([...Array(seen.size).keys()]);

    // One tree: the whole log re-hashed, every checkpoint verified, the pre-crash checkpoint a prefix.
    const jwk = (await reader.publicKeys({}, ctx)).keys[0]!;
    const exported = await text(reader.exportLog({}, ctx));
    const report = await verifyExport(exported.trim().split('\n'), jwk, cpBefore);
    expect(report.error).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.treeSize).toBeGreaterThanOrEqual(acked.size);
    const cpAfter = await reader.latestCheckpoint({}, ctx);
    expect(cpAfter.treeSize).toBeGreaterThan(cpBefore.treeSize);
    const proof = await reader.consistencyProof({ from: cpBefore.treeSize, to: cpAfter.treeSize }, ctx);
    expect(proof.fromRoot).toBe(Buffer.from(cpBefore.rootHash, 'base64').toString('hex'));
  }, 180_000); // a cap for a hung run only: every wait above is on an event
});
