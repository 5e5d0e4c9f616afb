// Per-department rate limits and daily quotas, counted in Redis so that every hub replica enforces
// one shared limit (rate-limiter-flexible: atomic Lua increments, an in-memory block once a key is
// over its limit so a flood is refused without a Redis round trip, and an insurance limiter in
// process memory for when Redis cannot be reached). Without Redis, the limits are per process.
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '@govshare/platform';
import { DEFAULT_DAY_STARTS_AT, type DepartmentLimits, limitsOf, offsetMs, type RateLimitsConfig } from './config.ts';

export type RefusalCode = 'RATE_LIMITED' | 'QUOTA_EXCEEDED';

/** Why a request was refused, and when the department may try again. */
export interface Refusal {
  code: RefusalCode;
  message: string;
  department: string;
  /** Whole seconds, at least 1 (the Retry-After header). */
  retryAfterSeconds: number;
  /** The limit that was reached. */
  limit: { perSecond: number; burst: number } | { perDay: number };
}

export interface DepartmentLimiter {
  /** Counts one request of `dept`: undefined when it may go on, else the refusal. */
  admit(dept: string): Promise<Refusal | undefined>;
  /** Refusals counted since start, by department and code (for metrics and the logs). */
  refusals(): { department: string; code: RefusalCode; count: number }[];
  /**
   * Resolves once the first connection to Redis is up or has failed (at most about a second): the
   * requests of a gateway just started are then counted in Redis rather than in its memory.
   */
  ready(): Promise<void>;
  /** 'redis' while counts are shared, 'memory' while per process (no Redis, or Redis unreachable). */
  store(): 'redis' | 'memory';
  close(): Promise<void>;
}

export interface DepartmentLimiterOptions {
  config: RateLimitsConfig;
  /** redis://host:port (rediss:// for TLS); unset: per-process limits. */
  redisUrl?: string;
  /** Prefix of every Redis key (tests use a unique one per run). */
  keyPrefix?: string;
  /** "Now" for the quota day; tests pass a controllable one. */
  clock?: () => Date;
  logger: Logger;
  /** How long one Redis command may take before the per-process limits answer instead (ms). */
  redisTimeoutMs?: number;
  /** How long a refusal is held before it is answered (ms, default 250; 0: at once). */
  refusalHoldMs?: number;
}

const DAY_MS = 86_400_000;
/** How long a day's counter outlives its day (clocks of replicas and Redis differ a little). */
const DAY_KEY_GRACE_S = 3600;
/** At most one log line per department and refusal kind in this long. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;
/**
 * At most this many refusals held at once; past that they are answered at once. Holding costs a
 * timer and an open socket, so the bound keeps a flood with many connections from piling them up.
 */
const MAX_HELD_REFUSALS = 256;

/** The two counters a department goes through: its burst window, then its day. */
interface Counters {
  limits: DepartmentLimits;
  window: RateLimiterAbstract;
  day: RateLimiterAbstract;
}

export function createDepartmentLimiter(o: DepartmentLimiterOptions): DepartmentLimiter {
  const clock = o.clock ?? (() => new Date());
  const prefix = o.keyPrefix ?? 'govshare:';
  const dayOffset = offsetMs(o.config.dayStartsAt ?? DEFAULT_DAY_STARTS_AT);
  const log = o.logger.child({ component: 'rate-limits' });
  const redis = o.redisUrl ? connectRedis(o.redisUrl, o.redisTimeoutMs ?? 500, log) : undefined;
  if (!redis) log.info('rate limits: per-process limits (GOVSHARE_REDIS_URL unset): each hub process counts alone');

  // One pair of counters per distinct limits: the default's, shared by every department without an
  // override (keys are per department), and one per override.
  const countersByLimits = new Map<string, Counters>();
  const countersOf = (dept: string): Counters => {
    const limits = limitsOf(o.config, dept);
    const id = `${limits.perSecond}/${limits.burst}/${limits.perDay}`;
    let counters = countersByLimits.get(id);
    if (!counters) {
      counters = makeCounters(limits, redis?.client, prefix);
      countersByLimits.set(id, counters);
    }
    return counters;
  };

  // A refused caller that retries at once (a batch job in a loop) would make the hub answer 429s as
  // fast as it can, and every other department's requests wait behind them on the event loop: held
  // briefly, each of its connections asks at most a few times a second (measured in
  // test/rate-limits.test.ts). It is told to wait Retry-After seconds anyway.
  const holdMs = o.refusalHoldMs ?? 250;
  let held = 0;
  const hold = async () => {
    if (holdMs <= 0 || held >= MAX_HELD_REFUSALS) return;
    held++;
    try {
      await new Promise((resolve) => setTimeout(resolve, holdMs));
    } finally {
      held--;
    }
  };

  const refused = new Map<string, { department: string; code: RefusalCode; count: number; loggedAt: number }>();
  const noteRefusal = (r: Refusal) => {
    const key = `${r.department} ${r.code}`;
    const entry = refused.get(key) ?? { department: r.department, code: r.code, count: 0, loggedAt: -Infinity };
    entry.count++;
    refused.set(key, entry);
    const now = Date.now();
    if (now - entry.loggedAt >= REFUSAL_LOG_INTERVAL_MS) {
      entry.loggedAt = now;
      // Who and which limit, never what was asked.
      log.warn(
        { department: r.department, code: r.code, limit: r.limit, refusedSinceStart: entry.count },
        'rate limits: refusing a department',
      );
    }
  };

  return {
    async admit(dept) {
      const counters = countersOf(dept);
      const { limits } = counters;
      const window = await outcome(counters.window.consume(dept));
      if (window.refused) {
        const retryAfterSeconds = wholeSeconds(window.res.msBeforeNext);
        const refusal: Refusal = {
          code: 'RATE_LIMITED',
          department: dept,
          retryAfterSeconds,
          limit: { perSecond: limits.perSecond, burst: limits.burst },
          message:
            `rate limit: department ${dept} may make ${limits.perSecond} requests per second ` +
            `(bursts of ${limits.burst}); retry after ${retryAfterSeconds} s`,
        };
        noteRefusal(refusal);
        await hold();
        return refusal;
      }
      // The day's counter is keyed by its date, so a new day starts at zero whatever Redis's clock says.
      const now = clock().getTime();
      const local = now + dayOffset;
      const msToNextDay = DAY_MS - (((local % DAY_MS) + DAY_MS) % DAY_MS);
      const date = new Date(local).toISOString().slice(0, 10);
      const day = await outcome(
        counters.day.consume(`${dept}:${date}`, 1, {
          customDuration: Math.ceil(msToNextDay / 1000) + DAY_KEY_GRACE_S,
        }),
      );
      if (day.refused) {
        const retryAfterSeconds = wholeSeconds(msToNextDay);
        const refusal: Refusal = {
          code: 'QUOTA_EXCEEDED',
          department: dept,
          retryAfterSeconds,
          limit: { perDay: limits.perDay },
          message:
            `quota: department ${dept} may make ${limits.perDay} requests per day ` +
            `(the day starts at 00:00 UTC${o.config.dayStartsAt ?? DEFAULT_DAY_STARTS_AT}); retry after ${retryAfterSeconds} s`,
        };
        noteRefusal(refusal);
        await hold();
        return refusal;
      }
      return undefined;
    },
    refusals: () => [...refused.values()].map(({ department, code, count }) => ({ department, code, count })),
    ready: () => redis?.firstAttempt ?? Promise.resolve(),
    store: () => (redis?.isReady() ? 'redis' : 'memory'),
    async close() {
      await redis?.close();
    },
  };
}

function makeCounters(limits: DepartmentLimits, client: Redis | undefined, prefix: string): Counters {
  const windowSeconds = Math.ceil(limits.burst / limits.perSecond);
  const id = `${limits.perSecond}-${limits.burst}-${limits.perDay}`;
  const window = { points: limits.burst, duration: windowSeconds, keyPrefix: `${prefix}rl:w:${id}` };
  const day = { points: limits.perDay, duration: 2 * 86_400, keyPrefix: `${prefix}rl:d:${id}` };
  if (!client) return { limits, window: new RateLimiterMemory(window), day: new RateLimiterMemory(day) };
  return {
    limits,
    window: new RateLimiterRedis({
      ...window,
      storeClient: client,
      // Once over, the rest of the window is refused from memory: a flood costs Redis nothing.
      inMemoryBlockOnConsumed: limits.burst,
      insuranceLimiter: new RateLimiterMemory(window),
    }),
    day: new RateLimiterRedis({
      ...day,
      storeClient: client,
      insuranceLimiter: new RateLimiterMemory(day),
    }),
  };
}

/** A consume's answer: allowed, or refused with when to retry. A store error is not expected here (insured). */
async function outcome(p: Promise<RateLimiterRes>): Promise<{ refused: boolean; res: RateLimiterRes }> {
  try {
    return { refused: false, res: await p };
  } catch (err) {
    if (err instanceof RateLimiterRes) return { refused: true, res: err };
    throw err;
  }
}

const wholeSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * The Redis connection: commands fail at once while it is down (no offline queue) so the
 * per-process limits answer, and ioredis reconnects by itself. Each change of state is logged once.
 */
function connectRedis(url: string, timeoutMs: number, log: Logger) {
  const where = redactedUrl(url);
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: timeoutMs,
    connectTimeout: Math.max(timeoutMs, 1000),
    // Keep trying, at most every 2 s: shared limits come back as soon as Redis does.
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
  let up: boolean | undefined;
  const firstAttempt = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, Math.max(timeoutMs, 1000));
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', done);
    client.once('error', done);
  });
  log.info({ redis: where }, 'rate limits: shared by every hub process through Redis');
  client.on('ready', () => {
    if (up === false) log.warn({ redis: where }, 'rate limits: Redis is back, limits are shared again');
    up = true;
  });
  client.on('error', (err: NodeJS.ErrnoException) => {
    if (up === false) return;
    up = false;
    log.warn(
      { redis: where, err: err.code ?? err.message },
      'rate limits: Redis unavailable, per-process limits until it is back',
    );
  });
  return {
    client,
    firstAttempt,
    isReady: () => client.status === 'ready',
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** The URL without its password, for the logs. */
function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}
