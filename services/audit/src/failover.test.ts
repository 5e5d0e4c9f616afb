// Connections that turn read-only (a failover) or are terminated: writes recover without a restart,
// and /readyz says what is true meanwhile. Postgres server only (PGlite has no other sessions).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { ctx, makeEvent, startTestAudit, type TestAudit } from './test-helpers.ts';

const url = process.env.GOVSHARE_TEST_DATABASE_URL;

describe.skipIf(!url)('read-only and terminated connections (postgres)', () => {
  // A login role of its own, so its setting and its terminated sessions touch no other test.
  const role = `t_failover_${randomBytes(3).toString('hex')}`;
  let admin: postgres.Sql;
  let a: TestAudit;
  beforeAll(async () => {
    admin = postgres(url!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create role "${role}" login superuser`);
    const roleUrl = new URL(url!);
    roleUrl.username = role;
    a = await startTestAudit('postgres', { databaseUrl: roleUrl.toString() });
  });
  afterAll(async () => {
    await a?.stop();
    await admin.unsafe(`select pg_terminate_backend(pid) from pg_stat_activity where usename = '${role}'`);
    await admin.unsafe(`drop role if exists "${role}"`);
    await admin.end();
  });

  const terminate = () =>
    admin.unsafe(`select pg_terminate_backend(pid) from pg_stat_activity where usename = '${role}'`);
  const ready = async () => (await fetch(`${a.url}/readyz`)).status;
  /** An append through the face as the gateway makes it: 'committed', or the error's code. */
  const write = () =>
    a.remote.append({ events: [makeEvent()] }, ctx).then(
      () => 'committed',
      (err) => String(err.code),
    );
  /** Polls until `probe` gives `want` (a condition, not a deadline: the test timeout is the cap). */
  const until = async <T>(probe: () => Promise<T>, want: T) => {
    for (let got = await probe(); got !== want; got = await probe()) await new Promise((r) => setTimeout(r, 100));
  };

  it('connections left read-only are replaced: writes recover and readiness tells the truth', async () => {
    expect(await write()).toBe('committed');
    expect(await ready()).toBe(200);
    // "Failover": every connection the pool has or opens now is read-only.
    await admin.unsafe(`alter role "${role}" set default_transaction_read_only = on`);
    await terminate();
    await until(ready, 503);
    expect(await write()).toBe('UNAVAILABLE');
    // The writable primary is back for new connections; the pool's connections are still read-only
    // (before: every write failed until they reached their lifetime, 30-60 min, and /readyz said ready).
    await admin.unsafe(`alter role "${role}" reset default_transaction_read_only`);
    await until(write, 'committed');
    await until(ready, 200);
    const after = await a.remote.append({ events: Array.from({ length: 5 }, () => makeEvent()) }, ctx);
    expect(after.accepted).toHaveLength(5);
    expect(after.rejected).toBeUndefined();
  });

  it('terminated connections: writes go on without a restart', async () => {
    expect(await write()).toBe('committed');
    await terminate();
    await until(write, 'committed');
    expect(await ready()).toBe(200);
    const page = await a.remote.searchEvents({ first: 500, order: 'oldest' }, ctx);
    const seqs = page.events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs.keys()]); // still gap-free
  });
});
