// The gateway's console routes without a browser: the redirect, the dev sign-in's checks, and its
// absence when the hub does not trust the dev issuer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type Hub } from './hub.ts';

const post = (hub: Hub, body: unknown) =>
  fetch(`${hub.gatewayUrl}/console/dev-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('console routes with the dev issuer', () => {
  let hub: Hub;
  beforeAll(async () => void (hub = await startHub('pglite')));
  afterAll(() => hub?.close());

  it('redirects / to /console/ and says the sign-in is dev', async () => {
    const res = await fetch(`${hub.gatewayUrl}/`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/console/');
    expect(await (await fetch(`${hub.gatewayUrl}/console/config.json`)).json()).toEqual({ signIn: 'dev' });
  });

  it('mints a token the hub accepts, for the role and subject asked', async () => {
    const res = await post(hub, { dept: 'HRSS', role: 'steward', sub: 'hrss-steward-li' });
    expect(res.status).toBe(200);
    const { token, expiresAt } = await res.json();
    const lifetime = Date.parse(expiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(50 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(3600_000);
    const me = await hub.gql(token, '{ me { dept roles sub } }');
    expect(me.body.data.me).toEqual({ dept: 'HRSS', roles: ['steward'], sub: 'hrss-steward-li' });
  });

  it('refuses an unknown department, role or subject, naming the field', async () => {
    for (const [body, field] of [
      [{ dept: 'NOPE', role: 'steward' }, 'dept'],
      [{ role: 'steward' }, 'dept'],
      [{ dept: 'HRSS', role: 'root' }, 'role'],
      [{ dept: 'HRSS', role: 'steward', sub: 'a b' }, 'sub'],
      [{ dept: 'HRSS', role: 'steward', roles: ['admin'] }, 'roles'],
    ] as const) {
      const res = await post(hub, body);
      expect(res.status).toBe(400);
      const { error } = await res.json();
      expect(error).toMatchObject({ code: 'BAD_USER_INPUT', details: { field } });
      expect(error.message).toMatch(new RegExp(`^${field}: `));
    }
    const res = await post(hub, { dept: 'NOPE', role: 'steward' });
    expect((await res.json()).error.message).toContain('HRSS');
  });

  it('serves the app for any page under /console/ and never a file outside it', async () => {
    const page = await fetch(`${hub.gatewayUrl}/console/steward/requests`);
    // Built by the browser tests or `pnpm start`; either way a page, or a clear 503 before the build.
    if (page.status === 200) {
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(await page.text()).toContain('<div id="root">');
    } else {
      expect(page.status).toBe(503);
      expect((await page.json()).error.code).toBe('UNAVAILABLE');
    }
    const outside = await fetch(`${hub.gatewayUrl}/console/..%2f..%2fpackage.json`);
    expect(await outside.text()).not.toContain('"@govshare/console"');
  });
});

describe('console routes without the dev issuer', () => {
  let hub: Hub;
  beforeAll(async () => void (hub = await startHub('pglite', { devSignIn: false })));
  afterAll(() => hub?.close());

  it('has no dev sign-in: 404 with a JSON error, and no public department list', async () => {
    const res = await post(hub, { dept: 'HRSS', role: 'steward' });
    expect(res.status).toBe(404);
    expect((await res.json()).error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('dev') });
    expect((await fetch(`${hub.gatewayUrl}/console/departments`)).status).toBe(404);
    expect(await (await fetch(`${hub.gatewayUrl}/console/config.json`)).json()).toEqual({ signIn: 'none' });
  });
});
