// A Postgres outage reaches callers as UNAVAILABLE, fast, and the hub serves again once the server is
// back, without a restart. The hub connects through a TCP proxy that the test stops (connections cut,
// new ones refused) or freezes (new connections accepted and never answered). Postgres server only.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, startHub, type Hub } from './hub.ts';

const url = process.env.GOVSHARE_TEST_DATABASE_URL;

type Mode = 'forward' | 'stopped' | 'frozen';

/** A TCP proxy to the server on one port: forwarding, stopped (connections cut, the port refuses), or frozen. */
function outageProxy(target: URL) {
  let mode: Mode = 'forward';
  let port = 0;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => {});
    if (mode === 'frozen') return; // accepted, never answered: the driver's connect timeout is all that ends it
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    client.pipe(upstream).pipe(client);
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  const listen = () =>
    new Promise<void>((r) => {
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as net.AddressInfo).port;
        r();
      });
    });
  return {
    async start() {
      await listen();
      const proxied = new URL(target);
      proxied.host = `127.0.0.1:${port}`;
      return proxied.toString();
    },
    async set(next: Mode) {
      const was = mode;
      mode = next;
      if (next !== 'forward') for (const s of open) s.destroy();
      if (next === 'stopped') await new Promise((r) => server.close(r)); // as a server that is down: ECONNREFUSED
      if (was === 'stopped' && next !== 'stopped') await listen(); // the same port again
    },
    close: () => {
      for (const s of open) s.destroy();
      return new Promise((r) => (server.listening ? server.close(r) : r(undefined)));
    },
  };
}

describe.skipIf(!url)('a Postgres outage (postgres)', () => {
  let hub: Hub;
  const proxy = outageProxy(new URL(url ?? 'postgres://x'));
  beforeAll(async () => {
    hub = await startHub('postgres', { databaseUrl: await proxy.start() });
  });
  afterAll(async () => {
    await proxy.set('forward');
    await hub?.close();
    await proxy.close();
  });

  const q = `{ records(dataset: "legal-persons", first: 2) { nodes { key } } }`;
  const timed = async <T>(f: () => Promise<T>) => {
    const t0 = performance.now();
    const value = await f();
    return { value, ms: performance.now() - t0 };
  };

  it('answers UNAVAILABLE within seconds while the server is down or frozen, readiness says so, and serving resumes', async () => {
    const token = await hub.token('SAMR', ['consumer']);
    expect((await hub.gql(token, q)).body.errors).toBeUndefined();

    // Down: every connection cut, new ones refused (before: INTERNAL_SERVER_ERROR after 10-18 s).
    await proxy.set('stopped');
    const down = await timed(() => hub.gql(token, q));
    expect(codes(down.value.body)).toEqual(['UNAVAILABLE']);
    expect(down.value.body.data?.records ?? null).toBeNull();
    expect(down.ms).toBeLessThan(8_000);
    const readyDown = await timed(() => fetch(`${hub.gatewayUrl}/readyz`));
    expect(readyDown.value.status).toBe(503);
    expect(readyDown.ms).toBeLessThan(2_000);

    // Frozen: connections accepted and never answered; the connect timeout (5 s) bounds the wait.
    await proxy.set('frozen');
    const frozen = await timed(() => hub.gql(token, q));
    expect(codes(frozen.value.body)).toEqual(['UNAVAILABLE']);
    expect(frozen.ms).toBeLessThan(15_000);
    const readyFrozen = await timed(() => fetch(`${hub.gatewayUrl}/readyz`));
    expect(readyFrozen.value.status).toBe(503);
    expect(readyFrozen.ms).toBeLessThan(2_000);

    // Back: the same hub serves again (the pools were rebuilt, nothing restarted).
    await proxy.set('forward');
    for (;;) {
      const again = await hub.gql(token, q);
      if (!again.body.errors) {
        expect(again.body.data.records.nodes).toHaveLength(2);
        break;
      }
      expect(codes(again.body)).toEqual(['UNAVAILABLE']); // until a fresh connection is made
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await fetch(`${hub.gatewayUrl}/readyz`)).status).toBe(200);
  }, 120_000);
});
