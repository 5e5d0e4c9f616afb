// Postgres failover under load: a primary and a synchronous streaming standby (two real clusters on
// their own ports), a real hub process connected with a multi-host URL and
// target_session_attrs=read-write, consumers reading through GraphQL with real JWTs. The primary is
// killed with SIGKILL (postmaster and backends) mid-load and the standby promoted: the hub serves again
// by itself, every response that returned data has its audit event on the promoted node, and callers
// see only UNAVAILABLE meanwhile. Skipped only when the Postgres binaries are missing
// (scripts/ensure-postgres-binaries.sh, run by `pnpm test` and CI, installs them).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { loadDevIssuerKeys, mintCallerToken } from '@govshare/gateway';
import { openDatabase } from '@govshare/platform';
import { type HubProcesses, startHubProcesses } from '../scripts/hub-processes.ts';
import { codes, freePort } from './hub.ts';
import { type PgCluster, postgresBinDir, startPgCluster, until } from './support/pg-cluster.ts';

const PREFIX = 'failover';
const CALLERS = 4;
const RECORDS_QUERY = `{ records(dataset: "legal-persons", first: 2) { nodes { key } } }`;

/** What one caller saw for one request. */
interface Outcome {
  requestId: string;
  /** ms since the load started, when the request was sent and when its answer came. */
  sentMs: number;
  doneMs: number;
  status: number | 'no answer';
  codes: string[];
  /** The response carried records: it must have been audited. */
  data: boolean;
}

describe.skipIf(!postgresBinDir())('Postgres failover: the primary killed under load, the standby promoted', () => {
  let cluster: PgCluster;
  let hub: HubProcesses | undefined;
  let dataDir: string;
  const hubLines: string[] = [];
  let token: string;

  beforeAll(async () => {
    cluster = await startPgCluster({ synchronousCommit: 'local' });
    dataDir = mkdtempSync(join(tmpdir(), 'govshare-failover-'));
    hub = await startHubProcesses({
      dataDir,
      ports: { hub: await freePort(), catalog: await freePort() },
      quality: false,
      env: {
        DATABASE_URL: cluster.multiHostUrl('read-write'),
        GOVSHARE_DB_SCHEMA_PREFIX: PREFIX,
        GOVSHARE_DEMO_DATA: 'true',
        LOG_LEVEL: 'warn',
        GOVSHARE_METRICS_PORT: '0',
      },
      onLine: (_name, line) => void hubLines.push(line),
    });
    const keys = await loadDevIssuerKeys(dataDir);
    token = await mintCallerToken(keys.privateJwk, {
      sub: 'samr-reader',
      dept: 'SAMR',
      roles: ['consumer'],
      issuer: 'govshare-dev-issuer',
      audience: 'govshare',
      ttlSeconds: 3600,
    });
  }, 180_000);

  afterAll(async () => {
    await hub?.stop();
    await cluster?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('the audit module commits synchronously to the standby while the server default stays local', async () => {
    // The same option the audit module opens its database with; the server-wide default is 'local'.
    const audit = await openDatabase({
      service: 'audit_probe',
      tables: {},
      migrationsFolder: join(import.meta.dirname, '../services/audit/migrations'),
      databaseUrl: cluster.multiHostUrl('read-write'),
      schemaPrefix: `${PREFIX}_probe`,
      synchronousCommit: 'on',
      poolSize: 1,
    });
    try {
      // The pooled connection's own setting (the driver under drizzle: one pooled connection).
      const client = (audit.db as unknown as { $client: import('postgres').Sql }).$client;
      const [row] = await client`select current_setting('synchronous_commit') as sc`;
      expect(row!.sc).toBe('on');
    } finally {
      await audit.drop();
      await audit.close();
    }
    const [server] = await cluster.primary.query<{ sc: string }>(`select current_setting('synchronous_commit') as sc`);
    expect(server!.sc).toBe('local');
    const [replication] = await cluster.primary.query<{ sync_state: string }>(
      'select sync_state from pg_stat_replication',
    );
    expect(replication!.sync_state).toBe('sync');
    // target_session_attrs=read-write passes over a hot standby, whatever the order of the hosts.
    const standbyFirst = postgres(
      `postgres://postgres@127.0.0.1:${cluster.standby.port},127.0.0.1:${cluster.primary.port}/${cluster.database}?target_session_attrs=read-write`,
      { max: 1, onnotice: () => {} },
    );
    try {
      const [at] = await standbyFirst`select inet_server_port() as port, pg_is_in_recovery() as standby`;
      expect(at).toEqual({ port: cluster.primary.port, standby: false });
    } finally {
      await standbyFirst.end({ timeout: 1 });
    }
  });

  it('the hub recovers by itself: 0 acked audit events lost, 0 responses without their event, only UNAVAILABLE meanwhile', async () => {
    const gateway = hub!.url('hub');
    const t0 = performance.now();
    const outcomes: Outcome[] = [];
    let next = 0;
    const ask = async (caller: number): Promise<Outcome> => {
      const requestId = `fo-${caller}-${next++}`;
      const sentMs = performance.now() - t0;
      const done = (o: Omit<Outcome, 'requestId' | 'sentMs' | 'doneMs'>) => ({
        requestId,
        sentMs,
        doneMs: performance.now() - t0,
        ...o,
      });
      try {
        const res = await fetch(`${gateway}/graphql`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/graphql-response+json',
            authorization: `Bearer ${token}`,
            'x-request-id': requestId,
          },
          body: JSON.stringify({ query: RECORDS_QUERY }),
          // An answer must come (the hub's own bounds are 5 s for a connection, 5 s for the audit ack).
          signal: AbortSignal.timeout(30_000),
        });
        const body = await res.json();
        return done({ status: res.status, codes: codes(body), data: (body.data?.records?.nodes?.length ?? 0) > 0 });
      } catch {
        return done({ status: 'no answer', codes: [], data: false });
      }
    };

    // Load: a few callers, each one request at a time, until `stop` says so.
    let stop = false;
    const load = Promise.all(
      Array.from({ length: CALLERS }, async (_, caller) => {
        while (!stop) outcomes.push(await ask(caller));
      }),
    );
    const served = () => outcomes.filter((o) => o.data).length;
    let passed = false;
    try {
      // Warm: the hub serves before the crash.
      await until(async () => served() >= 40, 60_000, 'reads before the crash');
      const killedMs = performance.now() - t0;
      const servedBeforeKill = served();
      const deadPid = cluster.primary.pid();
      cluster.primary.kill9();
      await until(async () => cluster.primary.pid() === undefined, 10_000, 'the primary to die');
      // No primary for a while (as long as a failure detector takes): callers are told UNAVAILABLE.
      const refusedAfterKill = () =>
        outcomes.filter((o) => o.sentMs > killedMs && !o.data && o.codes.join() === 'UNAVAILABLE').length;
      await until(async () => refusedAfterKill() >= 10 * CALLERS, 60_000, 'UNAVAILABLE answers while no primary');
      const detectedMs = performance.now() - t0;
      // The operator's step (or pg_auto_failover's): promote the synchronous standby.
      await cluster.standby.promote();
      const promotedMs = performance.now() - t0;
      // The hub finds the new primary through the multi-host URL: no restart, no new configuration.
      const sentAfterPromotion = () => outcomes.filter((o) => o.sentMs > promotedMs);
      await until(
        async () => sentAfterPromotion().filter((o) => o.data).length >= 40,
        60_000,
        'reads after the promotion',
      );
      stop = true;
      await load;

      // What callers saw.
      const failed = outcomes.filter((o) => !o.data);
      const unexpected = failed.filter((o) => o.status === 'no answer' || o.codes.join() !== 'UNAVAILABLE');
      // The outage callers saw: the longest time in which no caller got data.
      const answersWithData = outcomes
        .filter((o) => o.data)
        .map((o) => o.doneMs)
        .sort((a, b) => a - b);
      const longestGap = Math.max(...answersWithData.slice(1).map((t, i) => t - answersWithData[i]!));
      const report = {
        requests: outcomes.length,
        served: served(),
        servedBeforeKill,
        unavailable: failed.length - unexpected.length,
        otherFailures: unexpected.map((o) => ({ status: o.status, codes: o.codes, atMs: Math.round(o.doneMs) })),
        killedAtMs: Math.round(killedMs),
        promotionStartedAtMs: Math.round(detectedMs),
        promotedAtMs: Math.round(promotedMs),
        outageSeenByCallersMs: Math.round(longestGap),
        killToFirstDataMs: Math.round(
          Math.min(...outcomes.filter((o) => o.data && o.sentMs > killedMs).map((o) => o.doneMs)) - killedMs,
        ),
        slowestAnswerMs: Math.round(Math.max(...outcomes.map((o) => o.doneMs - o.sentMs))),
      };
      console.log(`postgres failover (primary pid ${deadPid} killed): ${JSON.stringify(report)}`);
      expect(unexpected, 'a caller saw something else than data or UNAVAILABLE').toEqual([]);
      expect(outcomes.filter((o) => o.sentMs > promotedMs && o.data).length).toBeGreaterThanOrEqual(40);

      // Every response that returned data has its event on the promoted node (which was the
      // synchronous standby when those before the crash were acknowledged).
      const servedIds = outcomes.filter((o) => o.data).map((o) => o.requestId);
      const audited = await cluster.standby.query<{ request_id: string; action: string; outcome: string }>(
        `select request_id, action, outcome from "${PREFIX}_audit".events where request_id like 'fo-%'`,
      );
      const readIds = new Set(
        audited.filter((e) => e.action === 'records.read' && e.outcome === 'allowed').map((e) => e.request_id),
      );
      const unaudited = servedIds.filter((id) => !readIds.has(id));
      expect(unaudited, 'responses that returned data without their audit event').toEqual([]);
      // The log's sequence is gap-free across the failover (one tree, no lost leaf in the middle).
      const [seqs] = await cluster.standby.query<{ n: string; max: string | null }>(
        `select count(*) as n, max(seq) as max from "${PREFIX}_audit".events`,
      );
      expect(Number(seqs!.max) + 1).toBe(Number(seqs!.n));
      // Readiness tells the truth again.
      expect((await fetch(`${gateway}/readyz`)).status).toBe(200);
      passed = true;
    } finally {
      stop = true;
      await load;
      if (!passed) {
        // What a failing run needs to be understood: what callers got, and what the hub logged last.
        const tally: Record<string, number> = {};
        for (const o of outcomes) {
          const k = `${o.status} ${o.codes.join(',') || (o.data ? 'data' : 'no data')}`;
          tally[k] = (tally[k] ?? 0) + 1;
        }
        console.log(JSON.stringify({ tally, last: outcomes.slice(-4) }), `\n${hubLines.slice(-15).join('\n')}`);
      }
    }
  }, 150_000);
});
