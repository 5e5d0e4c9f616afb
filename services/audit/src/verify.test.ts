import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReadStream, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { sql } from 'drizzle-orm';
import {
  createLogger,
  createServiceClient,
  createServiceTokenSigner,
  generateEd25519,
  openDatabase,
  remoteFace,
  type KeyPairJwk,
} from '@govshare/platform';
import { canonicalJson } from './canonical.ts';
import { leafHash, toHex } from './merkle.ts';
import { signCheckpoint } from './checkpoints.ts';
import { verifyExport } from './verify-export.ts';
import { migrationsFolder } from './app.ts';
import { tables } from './schema.ts';
import { auditFaceSpec, startAudit } from './index.ts';
import {
  backends,
  ctx,
  dropSchema,
  makeEvent,
  startTestAudit,
  text as downloadText,
  uniquePrefix,
  type TestAudit,
} from './test-helpers.ts';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('export and offline verification', () => {
  let a: TestAudit;
  let jwk: any;
  let prev: any;
  let full: string[];
  beforeAll(async () => {
    a = await startTestAudit('pglite', { checkpointIntervalMs: 20 });
    for (let b = 0; b < 4; b++) {
      await a.remote.append(
        { events: Array.from({ length: 10 }, (_, i) => makeEvent({ subjects: [`id-${b}-${i}`] })) },
        ctx,
      );
      await wait(60);
      if (b === 0) prev = await a.remote.latestCheckpoint({}, ctx);
    }
    jwk = (await a.remote.publicKeys({}, ctx)).keys[0];
    full = (await downloadText(a.remote.exportLog({}, ctx))).trim().split('\n');
  });
  afterAll(() => a?.stop());

  const leafLine = (lines: string[], seq: number) =>
    lines.findIndex((l) => l.includes('"type":"leaf"') && JSON.parse(l).seq === seq);
  const mutateLeaf = (lines: string[], seq: number, fixHash: boolean) => {
    const out = lines.slice();
    const i = leafLine(out, seq);
    const line = JSON.parse(out[i]!);
    const bytes = Buffer.from(line.leaf, 'base64');
    const text = bytes.toString('utf8').replace('"records.read"', '"records.reae"'); // one changed byte, still canonical
    expect(text).not.toBe(bytes.toString('utf8'));
    line.leaf = Buffer.from(text).toString('base64');
    if (fixHash) line.leafHash = toHex(leafHash(Buffer.from(text)));
    out[i] = JSON.stringify(line);
    return out;
  };

  it('an untouched export verifies, with and without a previous checkpoint, whole or as a range', async () => {
    expect(full.filter((l) => l.includes('"type":"checkpoint"')).length).toBeGreaterThanOrEqual(4);
    const r = await verifyExport(full, jwk, prev);
    expect(r).toMatchObject({ ok: true, leaves: 40, fromSeq: 0, toSeq: 39, treeSize: 40 });
    const range = (
      await downloadText(a.remote.exportLog({ fromSeq: 15, toSeq: 27, consistencyFrom: prev.treeSize }, ctx))
    )
      .trim()
      .split('\n');
    expect(await verifyExport(range, jwk, prev)).toMatchObject({ ok: true, leaves: 13, fromSeq: 15, toSeq: 27 });
    expect((await verifyExport(range, jwk)).ok).toBe(true);
  });

  it('the CLI verifies a file and reports the first bad event', () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-cli-'));
    try {
      writeFileSync(join(dir, 'export.ndjson'), full.join('\n') + '\n');
      writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [jwk] }));
      writeFileSync(join(dir, 'prev.json'), JSON.stringify(prev));
      writeFileSync(join(dir, 'bad.ndjson'), mutateLeaf(full, 12, false).join('\n') + '\n');
      const cli = join(import.meta.dirname, 'cli', 'verify.ts');
      const ok = execFileSync(
        'npx',
        [
          'tsx',
          cli,
          join(dir, 'export.ndjson'),
          '--public-key',
          join(dir, 'jwks.json'),
          '--previous',
          join(dir, 'prev.json'),
        ],
        { encoding: 'utf8' },
      );
      expect(ok).toMatch(/^OK: 40 events/);
      let out = '';
      try {
        execFileSync('npx', ['tsx', cli, join(dir, 'bad.ndjson'), '--public-key', join(dir, 'jwks.json')], {
          encoding: 'utf8',
        });
      } catch (e: any) {
        out = e.stdout;
        expect(e.status).toBe(1);
      }
      expect(out).toMatch(/^FAILED at seq 12:/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('detects a changed byte in a stored event, naming its seq', async () => {
    const r = await verifyExport(mutateLeaf(full, 17, false), jwk);
    expect(r).toMatchObject({ ok: false, firstBadSeq: 17 });
    // Even with the per-leaf hash rewritten to match, the signed roots catch it.
    const r2 = await verifyExport(mutateLeaf(full, 17, true), jwk);
    expect(r2.ok).toBe(false);
    const [, lo, hi] = r2.error!.match(/\[(\d+), (\d+)\]/)!.map(Number);
    expect(lo).toBeLessThanOrEqual(17);
    expect(hi).toBeGreaterThanOrEqual(17);
  });

  it('detects a deleted event', async () => {
    const lines = full.slice();
    lines.splice(leafLine(lines, 20), 1);
    expect(await verifyExport(lines, jwk)).toMatchObject({ ok: false, firstBadSeq: 20 });
    expect((await verifyExport(lines, jwk)).error).toMatch(/missing/);
  });

  it('detects reordered events', async () => {
    const lines = full.slice();
    const i = leafLine(lines, 5);
    [lines[i], lines[i + 1]] = [lines[i + 1]!, lines[i]!];
    expect(await verifyExport(lines, jwk)).toMatchObject({ ok: false, firstBadSeq: 5 });
    // Renumbered to hide the swap: the leaf bytes carry their seq.
    const renum = full.slice();
    const a5 = JSON.parse(renum[i]!);
    const a6 = JSON.parse(renum[i + 1]!);
    renum[i] = JSON.stringify({ ...a6, seq: 5 });
    renum[i + 1] = JSON.stringify({ ...a5, seq: 6 });
    expect(await verifyExport(renum, jwk)).toMatchObject({ ok: false, firstBadSeq: 5 });
  });

  it('detects a truncated log', async () => {
    // Tail leaves dropped, checkpoint and proof kept.
    const cut = full.filter((l) => !(l.includes('"type":"leaf"') && JSON.parse(l).seq >= 35));
    const r = await verifyExport(cut, jwk);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/truncated|missing/);
    // File cut short.
    expect((await verifyExport(full.slice(0, 20), jwk)).error).toMatch(/truncated/);
    // A shortened log presented as complete (header edited, last checkpoint of the short log dropped):
    const header = JSON.parse(full[0]!);
    const short = [
      JSON.stringify({ ...header, toSeq: 29 }),
      ...full.slice(1).filter((l) => !(l.includes('"type":"leaf"') && JSON.parse(l).seq >= 30)),
    ];
    const r3 = await verifyExport(
      short.filter((l) => !l.includes('"type":"consistency"')),
      jwk,
    );
    expect(r3.ok).toBe(false);
    // ... and against a previous checkpoint that was larger than what is left.
    const bigger = await a.remote.latestCheckpoint({}, ctx);
    const small = (await downloadText(a.remote.exportLog({ toSeq: 9 }, ctx))).trim().split('\n');
    expect((await verifyExport(small, jwk, bigger)).ok).toBe(true); // consistent prefix: proof to the latest is included
    const noProof = small.filter((l) => !l.includes('"type":"consistency"'));
    expect((await verifyExport(noProof, jwk, bigger)).ok).toBe(false);
  });

  it('detects a forged checkpoint', async () => {
    const lastCp = full
      .map((l, i) => [l, i] as const)
      .filter(([l]) => l.includes('"type":"checkpoint"'))
      .pop()![1];
    const cp = JSON.parse(full[lastCp]!);
    // Plain fields edited next to a genuine signature.
    const edited = full.slice();
    edited[lastCp] = JSON.stringify({ ...cp, rootHash: Buffer.alloc(32, 7).toString('base64') });
    expect((await verifyExport(edited, jwk)).error).toMatch(/forged|does not match/);
    // Signed by someone else's key.
    const other = await generateEd25519('govshare-audit-checkpoint-1');
    const payload = {
      treeSize: cp.treeSize,
      rootHash: Buffer.alloc(32, 7).toString('base64'),
      timestamp: cp.timestamp,
    };
    const forged = full.slice();
    forged[lastCp] = JSON.stringify({
      type: 'checkpoint',
      ...payload,
      jws: await signCheckpoint(other.privateJwk, payload),
    });
    expect((await verifyExport(forged, jwk)).error).toMatch(/forged/);
    // Payload swapped under the genuine signature.
    const [h, , s] = cp.jws.split('.');
    const swapped = full.slice();
    swapped[lastCp] = JSON.stringify({
      ...cp,
      jws: `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`,
    });
    expect((await verifyExport(swapped, jwk)).error).toMatch(/forged/);
    // A previous checkpoint from another log (a fork) is refused.
    const b = await startTestAudit('pglite');
    try {
      await b.remote.append({ events: Array.from({ length: 10 }, () => makeEvent()) }, ctx);
      const foreign = await b.service.checkpoints.signNow();
      expect((await verifyExport(full, jwk, foreign)).ok).toBe(false);
    } finally {
      await b.stop();
    }
  });

  it('an export longer than one read chunk keeps every checkpoint right after its last leaf', async () => {
    const b = await startTestAudit('pglite', { checkpointIntervalMs: 60_000 });
    try {
      const signed: number[] = [];
      for (const n of [700, 1300, 600, 150]) {
        await b.service.log.append(Array.from({ length: n }, () => makeEvent()));
        signed.push((await b.service.checkpoints.signNow()).treeSize);
      }
      const lines = (await downloadText(b.remote.exportLog({}, ctx)))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const at = (size: number) => lines.findIndex((l) => l.type === 'checkpoint' && l.treeSize === size);
      for (const size of signed) expect(lines[at(size) - 1]).toMatchObject({ type: 'leaf', seq: size - 1 });
      const report = await verifyExport(
        lines.map((l) => JSON.stringify(l)),
        (await b.remote.publicKeys({}, ctx)).keys,
      );
      expect(report).toMatchObject({ ok: true, leaves: 2750, checkpointsVerified: signed.length });
    } finally {
      await b.stop();
    }
  });

  it('reads a file stream without losing its first lines, with --previous, in 50 runs out of 50', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-race-'));
    try {
      const file = join(dir, 'export.ndjson');
      writeFileSync(file, full.join('\n') + '\n');
      // As verify.ts does: a readline interface over a file stream, and a previous checkpoint whose
      // signature is checked (awaited) before the first line is read.
      for (let run = 0; run < 50; run++) {
        const report = await verifyExport(
          createInterface({ input: createReadStream(file), crlfDelay: Infinity }),
          [jwk],
          prev,
        );
        expect(report.error, `run ${run}`).toBeUndefined();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the first bad event exactly when checkpoints allow it: deleted (renumbered or not) or changed with its hash rewritten', async () => {
    const b = await startTestAudit('pglite', { checkpointIntervalMs: 60_000 });
    try {
      const cps: any[] = [];
      for (let i = 0; i < 8; i++) {
        await b.service.log.append([makeEvent()]);
        cps.push(await b.service.checkpoints.signNow()); // a checkpoint after every event
      }
      const keys = (await b.remote.publicKeys({}, ctx)).keys;
      const lines = (await downloadText(b.remote.exportLog({}, ctx))).trim().split('\n');
      const leafAt = (ls: string[], seq: number) =>
        ls.findIndex((l) => l.includes('"type":"leaf"') && JSON.parse(l).seq === seq);
      const leafLineOf = (event: any) => {
        const text = canonicalJson(event);
        return JSON.stringify({
          type: 'leaf',
          seq: event.seq,
          leaf: Buffer.from(text).toString('base64'),
          leafHash: toHex(leafHash(Buffer.from(text))),
        });
      };
      const eventOf = (l: string) => JSON.parse(Buffer.from(JSON.parse(l).leaf, 'base64').toString('utf8'));
      for (let k = 0; k < 7; k++) {
        const deleted = lines.slice();
        deleted.splice(leafAt(deleted, k), 1);
        // Deleted and the later events renumbered, leaf bytes and hashes rewritten to match.
        const renumbered = deleted.map((l) =>
          l.includes('"type":"leaf"') && JSON.parse(l).seq > k
            ? leafLineOf({ ...eventOf(l), seq: JSON.parse(l).seq - 1 })
            : l,
        );
        const changed = lines.slice();
        changed[leafAt(changed, k)] = leafLineOf({ ...eventOf(lines[leafAt(lines, k)]!), action: 'records.other' });
        const previous = k > 0 ? cps[k - 1] : undefined; // the checkpoint right before event k
        for (const [what, ls] of [
          ['deleted', deleted],
          ['renumbered', renumbered],
          ['changed', changed],
        ] as const) {
          for (const p of [undefined, previous]) {
            const r = await verifyExport(ls, keys, p);
            expect(r.ok, `${what} ${k}`).toBe(false);
            expect(r.firstBadSeq, `${what} ${k}${p ? ' with previous' : ''}: ${r.error}`).toBe(k);
          }
        }
      }
    } finally {
      await b.stop();
    }
  });

  it('leaf bytes are RFC 8785 canonical JSON of the stored event', () => {
    const line = JSON.parse(full[1]!);
    const text = Buffer.from(line.leaf, 'base64').toString('utf8');
    expect(canonicalJson(JSON.parse(text))).toBe(text);
    expect(JSON.parse(text)).not.toHaveProperty('subjects');
  });
});

/** A service on a real data directory (keys and, on PGlite, the database live there), trusting `gateway`. */
const onDisk = (backend: string, dir: string, gateway: KeyPairJwk) => ({
  databaseUrl: backend === 'postgres' ? process.env.GOVSHARE_TEST_DATABASE_URL : undefined,
  dataDir: dir,
  schemaPrefix: uniquePrefix(),
  servicePublicJwk: gateway.publicJwk,
  port: 0,
  checkpointIntervalMs: 20,
  logger: createLogger('t', 'silent'),
});

describe.each(backends())('start-up integrity check (%s)', (backend) => {
  let dir: string;
  let options: any;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-integrity-'));
    options = onDisk(backend, dir, await generateEd25519('svc'));
    const s = await startAudit(options);
    for (let b = 0; b < 3; b++) {
      await s.service.log.append(Array.from({ length: 10 }, () => makeEvent()));
      await wait(40);
    }
    await s.close();
  });
  afterAll(async () => {
    await dropSchema(options);
    rmSync(dir, { recursive: true, force: true });
  });

  const tamper = async (...statements: ReturnType<typeof sql>[]) => {
    const d = await openDatabase({
      service: 'audit',
      tables,
      migrationsFolder,
      databaseUrl: options.databaseUrl,
      dataDir: dir,
      schemaPrefix: options.schemaPrefix,
      poolSize: 1,
    });
    try {
      await d.db.transaction(async (tx) => {
        for (const s of statements) await tx.execute(s);
      });
    } finally {
      await d.close();
    }
  };

  it('restarts cleanly on an intact log and continues the same tree', async () => {
    const s = await startAudit(options);
    try {
      expect(s.service.integrity).toMatchObject({ size: 30, mode: 'full' });
      const before = s.service.checkpoints.latest!;
      const [acc] = await s.service.log.append([makeEvent()]);
      expect(acc!.seq).toBe(30);
      const after = await s.service.checkpoints.signNow();
      const { verifyConsistency } = await import('./merkle.ts');
      const { getConsistencyProof } = await import('./proofs.ts');
      const p = await getConsistencyProof(s.service.database.db, s.service.log, s.service.checkpoints, {
        from: before.treeSize,
        to: after.treeSize,
      });
      expect(
        verifyConsistency(
          before.treeSize,
          after.treeSize,
          Buffer.from(before.rootHash, 'base64'),
          Buffer.from(after.rootHash, 'base64'),
          p.proof.map((h) => Buffer.from(h, 'hex')),
        ),
      ).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('the sampled check (used above 200,000 events) passes an intact log', async () => {
    const s = await startAudit({ ...options, integrity: { fullCheckLimit: 0, tail: 5, sample: 10 } });
    try {
      expect(s.service.integrity.mode).toBe('sampled');
    } finally {
      await s.close();
    }
  });

  it('refuses to start when only a search column was edited, naming the first such event', async () => {
    // The leaf and tree are untouched: only what auditors search by. Both edits are caught, the lower seq named.
    await tamper(
      sql.raw(`alter table events disable trigger events_append_only`),
      sql.raw(`update events set subject_keys = null, actor_sub = 'someone-else' where seq = 20`),
      sql.raw(`update events set dataset = 'elsewhere' where seq = 12`),
      sql.raw(`alter table events enable trigger events_append_only`),
    );
    await expect(startAudit(options)).rejects.toThrow(/at seq 12: search column dataset differs from the stored event/);
    await expect(startAudit({ ...options, integrity: { fullCheckLimit: 0, tail: 100, sample: 0 } })).rejects.toThrow(
      /at seq 12: search column dataset/,
    );
    await tamper(
      sql.raw(`alter table events disable trigger events_append_only`),
      sql.raw(`update events set dataset = 'legal-persons' where seq = 12`),
      sql.raw(`alter table events enable trigger events_append_only`),
    );
    await expect(startAudit(options)).rejects.toThrow(/at seq 20: search column actorSub differs/);
  });

  it('refuses to start when a stored event was changed, naming the seq', async () => {
    await tamper(
      sql.raw(`alter table events disable trigger events_append_only`),
      sql.raw(
        `update events set leaf = convert_to(replace(convert_from(leaf, 'UTF8'), 'records.read', 'records.reae'), 'UTF8') where seq = 7`,
      ),
      sql.raw(`alter table events enable trigger events_append_only`),
    );
    await expect(startAudit(options)).rejects.toThrow(/at seq 7: stored event does not match its stored leaf hash/);
    // The sampled check finds it too when it samples that event.
    await expect(startAudit({ ...options, integrity: { fullCheckLimit: 0, tail: 100, sample: 0 } })).rejects.toThrow(
      /at seq 7: stored event or its tree path does not match/,
    );
  });

  it('refuses to start when a stored event was deleted, naming the seq', async () => {
    await tamper(
      sql.raw(`alter table events disable trigger events_append_only`),
      sql.raw(`delete from events where seq = 4`),
      sql.raw(`alter table events enable trigger events_append_only`),
    );
    await expect(startAudit(options)).rejects.toThrow(/at seq 4: event is missing/);
  });
});

describe.each(backends())('the latest checkpoint kept outside the database (%s)', (backend) => {
  let dir: string;
  let options: any;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-kept-'));
    options = onDisk(backend, dir, await generateEd25519('svc'));
  });
  afterAll(async () => {
    await dropSchema(options);
    rmSync(dir, { recursive: true, force: true });
  });

  const edit = async (...statements: string[]) => {
    const d = await openDatabase({
      service: 'audit',
      tables,
      migrationsFolder,
      databaseUrl: options.databaseUrl,
      dataDir: dir,
      schemaPrefix: options.schemaPrefix,
      poolSize: 1,
    });
    const t = ['events', 'tree_nodes', 'checkpoints'];
    try {
      await d.db.transaction(async (tx) => {
        for (const x of t) await tx.execute(sql.raw(`alter table ${x} disable trigger user`));
        for (const s of statements) await tx.execute(sql.raw(s));
        for (const x of t) await tx.execute(sql.raw(`alter table ${x} enable trigger user`));
      });
      return d.schema;
    } finally {
      await d.close();
    }
  };
  /** Removes the events from `n` on with every tree node and checkpoint covering them: a self-consistent shorter log. */
  const cutAt = (n: number) =>
    edit(
      `delete from events where seq >= ${n}`,
      `delete from tree_nodes where (idx + 1) * (1::bigint << level) > ${n}`,
      `delete from checkpoints where tree_size > ${n}`,
    );

  it('refuses to start when the newest events were deleted cleanly, or history was rewritten after them', async () => {
    const s = await startAudit(options);
    for (let b = 0; b < 3; b++) await s.service.log.append(Array.from({ length: 10 }, () => makeEvent()));
    const kept = await s.service.checkpoints.signNow();
    await s.close();
    const schema = await cutAt(20);
    const file = join(dir, 'audit', `${schema}.latest-checkpoint.json`);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ treeSize: 30, jws: kept.jws });
    // Before: the cut log passed the check and was signed over. Now the kept checkpoint refuses it.
    await expect(startAudit(options)).rejects.toThrow(
      /at seq 20: the log has 20 events but the checkpoint kept in .* covers 30: events were removed/,
    );

    // Rewritten: the cut log grown past the kept size with other events (as if the file had been moved away).
    renameSync(file, `${file}.aside`);
    const r = await startAudit(options);
    await r.service.log.append(Array.from({ length: 15 }, () => makeEvent({ action: 'records.other' })));
    await r.close();
    renameSync(`${file}.aside`, file);
    await expect(startAudit(options)).rejects.toThrow(
      /stored log at tree size 30 differs from the checkpoint kept in .*: history was rewritten/,
    );
  });
});

describe.each(backends())('checkpoint key rotation (%s)', (backend) => {
  let dir: string;
  let options: any;
  let gateway: KeyPairJwk;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-rotate-'));
    gateway = await generateEd25519('svc');
    options = onDisk(backend, dir, gateway);
  });
  afterAll(async () => {
    await dropSchema(options);
    rmSync(dir, { recursive: true, force: true });
  });

  it('old checkpoints still verify after the key is replaced; new ones name the new key', async () => {
    const kidOf = (jws: string) => JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString()).kid;
    const first = await startAudit(options);
    await first.service.log.append(Array.from({ length: 10 }, () => makeEvent()));
    const before = await first.service.checkpoints.signNow();
    await first.close();

    // The operator's command, as a real process on the service's data directory.
    const cli = join(import.meta.dirname, 'cli', 'rotate-key.ts');
    // node --import tsx, not npx: npx's own start-up took most of a minute on a loaded machine.
    const out = execFileSync(process.execPath, ['--import', 'tsx', cli], {
      encoding: 'utf8',
      env: { ...process.env, GOVSHARE_DATA_DIR: dir },
    });
    expect(out).toMatch(new RegExp(`${kidOf(before.jws)} retired`));

    // The start-up integrity check verifies the old checkpoints with the retired key.
    const second = await startAudit(options);
    try {
      await second.service.log.append(Array.from({ length: 5 }, () => makeEvent()));
      const after = await second.service.checkpoints.signNow();
      expect(kidOf(after.jws)).not.toBe(kidOf(before.jws));
      const client = createServiceClient({
        service: 'audit',
        baseUrl: second.url,
        signer: createServiceTokenSigner(gateway.privateJwk),
      });
      const remote = remoteFace(auditFaceSpec, client);
      const { keys } = await remote.publicKeys({}, ctx);
      const lines = (await downloadText(remote.exportLog({}, ctx))).trim().split('\n');
      await client.close();
      expect(keys.map((k) => k.kid)).toEqual([kidOf(after.jws), kidOf(before.jws)]);

      expect(
        new Set(lines.filter((l) => l.includes('"type":"checkpoint"')).map((l) => kidOf(JSON.parse(l).jws))),
      ).toEqual(new Set([kidOf(before.jws), kidOf(after.jws)]));
      const report = await verifyExport(lines, keys as any, before);
      expect(report).toMatchObject({ ok: true, leaves: 15, treeSize: 15 });
      // Without the retired key the old checkpoint is refused, and says which key it needs.
      expect((await verifyExport(lines, [keys[0] as any], before)).error).toMatch(
        new RegExp(`previous checkpoint: .*${kidOf(before.jws)}.* not among the audit public keys`),
      );
    } finally {
      await second.close();
    }
    // Two audit starts with their integrity checks and a real process: slow when the cores are shared.
  }, 180_000);
});
