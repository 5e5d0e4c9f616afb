// A department's batch job gone wild, in a process of its own (so its client work is not on the
// hub's event loop): `concurrency` requests in flight until it is sent SIGTERM or has made
// `maxRequests` or run `maxMs`. Prints one line "flooding" once the first answer is in, and a JSON
// summary line when it stops: answers by status, the Retry-After values seen, one refusal body.
//   node --import tsx test/support/flood.ts '{"url":...,"token":...,"body":...,"concurrency":32,...}'
const o = JSON.parse(process.argv[2]) as {
  url: string;
  token: string;
  body: string;
  concurrency: number;
  maxRequests: number;
  maxMs: number;
};
const statuses: Record<string, number> = {};
const retryAfter = new Set<string>();
let refusal: unknown;
let sent = 0;
let stopping = false;
let announced = false;
const started = Date.now();
process.on('SIGTERM', () => {
  stopping = true;
});

async function worker() {
  while (!stopping && sent < o.maxRequests && Date.now() - started < o.maxMs) {
    sent++;
    try {
      const res = await fetch(o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${o.token}` },
        body: o.body,
      });
      const text = await res.text();
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status === 429) {
        retryAfter.add(res.headers.get('retry-after') ?? '(none)');
        refusal ??= JSON.parse(text);
      }
    } catch (err) {
      statuses.error = (statuses.error ?? 0) + 1;
      refusal ??= String(err);
    }
    if (!announced) {
      announced = true;
      process.stdout.write('flooding\n');
    }
  }
}

await Promise.all(Array.from({ length: o.concurrency }, worker));
process.stdout.write(
  `${JSON.stringify({ sent, ms: Date.now() - started, statuses, retryAfter: [...retryAfter], refusal })}\n`,
);
