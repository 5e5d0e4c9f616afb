// Per-department rate limits and daily quotas, end to end: real hubs over real HTTP with real JWTs,
// counting in the real Redis at 127.0.0.1:6379 (CI starts it: scripts/ensure-redis.sh). Every run
// uses its own key prefix, deleted afterwards. Skipped only when no Redis answers there.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, type Hub, startHub } from './hub.ts';

const REDIS_URL = 'redis://127.0.0.1:6379';
const redisAnswers = await new Promise<boolean>((resolve) => {
  const socket = new Socket();
  socket.setTimeout(1000);
  socket.once('connect', () => resolve(true));
  socket.once('error', () => resolve(false));
  socket.once('timeout', () => resolve(false));
  socket.connect(6379, '127.0.0.1');
});

const runPrefix = `t:rl:${process.pid}:${randomBytes(3).toString('hex')}:`;
const READ = '{ records(dataset: "legal-persons", first: 10) { nodes { key } } }';
const hubs: Hub[] = [];
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const hub of hubs) await hub.close();
  if (!redisAnswers) return;
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${runPrefix}*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
}, 60_000);

/** A clock the test moves. */
function movingClock(start: string) {
  let t = new Date(start).getTime();
  const clock = () => new Date(t);
  clock.advance = (ms: number) => void (t += ms);
  return clock;
}

async function post(hub: Hub, token: string, query = READ) {
  const res = await fetch(`${hub.gatewayUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
}

const statuses = async (n: number, call: () => Promise<{ status: number }>) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await call()).status);
  return out;
};

describe.skipIf(!redisAnswers)('rate limits and quotas per department (Redis at 127.0.0.1:6379)', () => {
  it('applies per-department overrides; a refusal is 429 with Retry-After and a GraphQL error; the day resets at midnight CST', async () => {
    // 23:59:58 in China Standard Time (UTC+8): the quota day ends in 2 s by the hub's clock.
    const clock = movingClock('2026-03-01T15:59:58Z');
    const hub = await startHub('pglite', {
      rateLimits: {
        config: {
          default: { perSecond: 1000, burst: 1000, perDay: 4 },
          departments: { PSB: { perDay: 2 }, HRSS: { perSecond: 1, burst: 3 } },
        },
        redisUrl: REDIS_URL,
        keyPrefix: `${runPrefix}a:`,
        clock,
      },
    });
    hubs.push(hub);
    const psb = await hub.token('PSB', ['consumer']);
    const mca = await hub.token('MCA', ['consumer']);

    expect(await statuses(2, () => post(hub, psb))).toEqual([200, 200]);
    const refused = await post(hub, psb);
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBe('2');
    expect(refused.body).toEqual({
      errors: [
        {
          message:
            'quota: department PSB may make 2 requests per day (the day starts at 00:00 UTC+08:00); retry after 2 s',
          extensions: { code: 'QUOTA_EXCEEDED', department: 'PSB', retryAfterSeconds: 2, limit: { perDay: 2 } },
        },
      ],
    });
    // The default applies to the others: MCA's four, unaffected by PSB's.
    expect(await statuses(5, () => post(hub, mca))).toEqual([200, 200, 200, 200, 429]);

    // Past midnight by the hub's clock: a new day, a new quota.
    clock.advance(2_000);
    expect(await statuses(3, () => post(hub, psb))).toEqual([200, 200, 429]);

    // The burst window (HRSS: 3 at once, 1 per second on average: a 3 s window).
    const hrss = await hub.token('HRSS', ['consumer']);
    expect(await statuses(3, () => post(hub, hrss))).toEqual([200, 200, 200]);
    const limited = await post(hub, hrss);
    expect(limited.status).toBe(429);
    expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(limited.retryAfter)).toBeLessThanOrEqual(3);
    expect(limited.body.errors[0].extensions).toMatchObject({
      code: 'RATE_LIMITED',
      department: 'HRSS',
      limit: { perSecond: 1, burst: 3 },
    });
    expect(limited.body.errors[0].message).toMatch(/^rate limit: department HRSS may make 1 requests per second/);

    // The audit export counts too, refused in the HTTP routes' shape (PSB's quota is spent today).
    const auditor = await hub.token('PSB', ['auditor']);
    const exportRes = await fetch(`${hub.gatewayUrl}/audit/export`, {
      headers: { authorization: `Bearer ${auditor}` },
    });
    expect(exportRes.status).toBe(429);
    expect(exportRes.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await exportRes.json()) as any).error.code).toBe('QUOTA_EXCEEDED');
  }, 60_000);

  it('two gateways sharing Redis enforce one limit: requests split across both reach it once', async () => {
    const rateLimits = {
      config: {
        default: { perSecond: 1000, burst: 1000, perDay: 1000 },
        // SAMR: 10 a day; HRSS: 6 in a 6 s window.
        departments: { SAMR: { perDay: 10 }, HRSS: { perSecond: 1, burst: 6 } },
      },
      redisUrl: REDIS_URL,
      keyPrefix: `${runPrefix}shared:`,
      // Not across a quota day's end, whenever the test runs.
      clock: () => new Date('2026-06-01T04:00:00Z'),
    };
    const [one, two] = await Promise.all([startHub('pglite', { rateLimits }), startHub('pglite', { rateLimits })]);
    hubs.push(one, two);
    const samr = [await one.token('SAMR', ['consumer']), await two.token('SAMR', ['consumer'])];
    const hubOf = [one, two];
    let n = 0;
    const samrStatuses = await statuses(12, () => {
      const i = n++ % 2;
      return post(hubOf[i], samr[i]);
    });
    expect(samrStatuses.filter((s) => s === 200)).toHaveLength(10);
    expect(samrStatuses.slice(10)).toEqual([429, 429]);

    const hrss = [await one.token('HRSS', ['consumer']), await two.token('HRSS', ['consumer'])];
    n = 0;
    const hrssStatuses = await statuses(8, () => {
      const i = n++ % 2;
      return post(hubOf[i], hrss[i]);
    });
    expect(hrssStatuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
  }, 90_000);

  it('when Redis goes away the limits fall back to each process (not off, not refusing everyone), and that is logged', async () => {
    const port = await freePort();
    const redisServer = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    children.push(redisServer);
    await waitForRedis(port);
    const logLines: string[] = [];
    const hub = await startHub('pglite', {
      logLines,
      rateLimits: {
        config: { default: { perSecond: 1000, burst: 1000, perDay: 3 } },
        redisUrl: `redis://127.0.0.1:${port}`,
        keyPrefix: runPrefix,
        redisTimeoutMs: 300,
      },
    });
    hubs.push(hub);
    const mca = await hub.token('MCA', ['consumer']);
    await waitFor(async () => (await post(hub, await hub.token('NHC', ['consumer']))).status === 200);
    // Counted in Redis.
    expect(await statuses(2, () => post(hub, mca))).toEqual([200, 200]);
    const redis = new Redis(`redis://127.0.0.1:${port}`);
    expect((await redis.keys('*')).some((k) => k.includes(':MCA:'))).toBe(true);
    redis.disconnect();

    redisServer.kill('SIGKILL');
    await once(redisServer, 'exit');
    // The process counts alone now, from zero: three more, then the quota again.
    expect(await statuses(4, () => post(hub, mca))).toEqual([200, 200, 200, 429]);
    await waitFor(async () => logLines.some((l) => l.includes('Redis unavailable, per-process limits')));
    const line = JSON.parse(logLines.find((l) => l.includes('Redis unavailable'))!);
    expect(line.redis).toBe(`redis://127.0.0.1:${port}`);
  }, 60_000);

  it("one department's flood cannot starve another: A gets 429s with Retry-After, B's p99 stays within 2x", async () => {
    const hub = await startHub('pglite', {
      rateLimits: {
        // A (PSB) may do light work: 1 read a second. B (MCA) has the default, far above what it asks.
        config: {
          default: { perSecond: 10_000, burst: 10_000, perDay: 1_000_000_000 },
          departments: { PSB: { perSecond: 1, burst: 1 } },
        },
        redisUrl: REDIS_URL,
        keyPrefix: `${runPrefix}fair:`,
      },
    });
    hubs.push(hub);
    const a = await hub.token('PSB', ['consumer']);
    const b = await hub.token('MCA', ['consumer']);
    const SAMPLES = 300;
    const bReads = async () => {
      const ms: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        const t0 = performance.now();
        const res = await post(hub, b);
        ms.push(performance.now() - t0);
        expect(res.status).toBe(200);
      }
      return ms;
    };
    await statuses(30, () => post(hub, b)); // warm-up
    // Unloaded: before the flood and after it (the larger), so that what the machine's other work
    // does to B meanwhile is not put down to A.
    const before = p99(await bReads());

    const flood = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(new URL('./support/flood.ts', import.meta.url)),
        JSON.stringify({
          url: `${hub.gatewayUrl}/graphql`,
          token: a,
          body: JSON.stringify({ query: READ }),
          concurrency: 32,
          maxRequests: 200_000,
          maxMs: 60_000,
        }),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(flood);
    let out = '';
    flood.stdout!.setEncoding('utf8').on('data', (chunk: string) => void (out += chunk));
    await waitFor(async () => out.includes('flooding\n'), 30_000);
    const t0 = performance.now();
    const loaded = p99(await bReads());
    const floodMs = performance.now() - t0;
    flood.kill('SIGTERM');
    await once(flood, 'exit');
    const unloaded = Math.max(before, p99(await bReads()));
    const summary = JSON.parse(out.trim().split('\n').at(-1)!);
    console.log(
      `fairness: B p99 unloaded ${unloaded.toFixed(1)} ms, under A's flood ${loaded.toFixed(1)} ms ` +
        `(${(loaded / unloaded).toFixed(2)}x); A sent ${summary.sent} in ${summary.ms} ms: ${JSON.stringify(summary.statuses)}`,
    );

    // A was refused, with a Retry-After, and admitted no more than its limit allows.
    expect(summary.statuses['429']).toBeGreaterThan(summary.statuses['200'] ?? 0);
    expect(summary.retryAfter.every((v: string) => /^[1-9]\d*$/.test(v))).toBe(true);
    expect(summary.refusal.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(summary.statuses['200'] ?? 0).toBeLessThanOrEqual(Math.ceil(summary.ms / 1000) + 1);
    expect(summary.statuses.error).toBeUndefined();
    // B was not starved.
    expect(floodMs).toBeGreaterThan(0);
    expect(loaded).toBeLessThanOrEqual(2 * unloaded);
  }, 180_000);
});

function p99(ms: number[]): number {
  const sorted = [...ms].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)];
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function waitForRedis(port: number): Promise<void> {
  await waitFor(async () => {
    const client = new Redis(`redis://127.0.0.1:${port}`, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => {}); // not up yet: the connect below says so
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  });
}
