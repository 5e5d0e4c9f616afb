// An open-loop load generator at a steady rate, for latency figures. autocannon's overallRate
// releases each second's requests in a burst at the second boundary and waits for a free connection
// before sending (coordinated omission); here request i is due at start + i / rate (absolute time,
// so timer drift does not accumulate), is sent as soon as it is due whether or not earlier ones
// have answered, and its latency is measured from when it was DUE, not from when it went out. A
// stall of the server therefore shows in the latency of every request scheduled during it.
import { Pool } from 'undici';
import { percentile } from './report.ts';

export interface SteadyRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface SteadyRateOptions {
  /** http://host:port */
  origin: string;
  /** Requests per second. */
  rate: number;
  seconds: number;
  /** Keep-alive sockets the pool may open (opened as needed): enough that a slow server never makes requests wait for one. */
  connections?: number;
  /**
   * A request not answered this many ms after it was sent is aborted and counted as an error, its
   * latency as the timeout (a lower bound): an overloaded server cannot stretch the run for minutes.
   */
  timeoutMs?: number;
  request: (i: number) => SteadyRequest;
  /** A 2xx answer is also an error unless this accepts its body (GraphQL answers errors with 200). */
  check?: (body: string) => boolean;
}

export interface SteadyRateResult {
  /** Answers per second over the whole run (sent at the rate, so below it only if the server fell behind). */
  rps: number;
  sent: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  /** 99th percentile of how late the generator itself sent a request after it was due (its own health). */
  sendLagP99: number;
  firstError?: string;
}

export async function steadyRate(o: SteadyRateOptions): Promise<SteadyRateResult> {
  const pool = new Pool(o.origin, { connections: o.connections ?? 256, pipelining: 1, keepAliveTimeout: 60_000 });
  const total = Math.round(o.rate * o.seconds);
  const interval = 1000 / o.rate;
  const timeoutMs = o.timeoutMs ?? 5_000;
  const latencies = new Float64Array(total);
  const lags = new Float64Array(total);
  let errors = 0;
  let firstError: string | undefined;
  const pending = new Set<Promise<void>>();

  const fire = (i: number, due: number) => {
    lags[i] = performance.now() - due;
    const r = o.request(i);
    const p = pool
      .request({
        method: r.method,
        path: r.path,
        headers: r.headers,
        body: r.body,
        signal: AbortSignal.timeout(timeoutMs),
      })
      .then(async (res) => {
        const text = await res.body.text();
        if (res.statusCode < 200 || res.statusCode >= 300)
          throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
        if (o.check && !o.check(text)) throw new Error(`unexpected answer: ${text.slice(0, 200)}`);
      })
      .catch((err: Error) => {
        errors++;
        firstError ??= err.message;
      })
      .finally(() => {
        latencies[i] = Math.min(performance.now() - due, timeoutMs + lags[i]);
        pending.delete(p);
      });
    pending.add(p);
  };

  const start = performance.now() + 20;
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next < total && start + next * interval <= now) {
        fire(next, start + next * interval);
        next++;
      }
      if (next >= total) return resolve();
      // Timers fire at ~1 ms granularity: at 1,200 req/s that is one or two requests per tick.
      setTimeout(tick, Math.max(0, start + next * interval - performance.now() - 0.5));
    };
    tick();
  });
  await Promise.all([...pending]);
  const elapsed = (performance.now() - start) / 1000;
  await pool.close();
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  const sortedLags = Array.from(lags).sort((a, b) => a - b);
  return {
    rps: (total - errors) / elapsed,
    sent: total,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
    errors,
    sendLagP99: percentile(sortedLags, 99),
    firstError,
  };
}
