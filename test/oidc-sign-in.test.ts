// The console's production sign-in end to end, in Node: a real OpenID Provider (oidc-provider), a real
// hub trusting it by its JWKS URL, and the console's own sign-in code (console/src/auth/oidc.ts)
// running the authorization code flow with PKCE; the provider's login form is driven over HTTP.
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  completeSignIn,
  signOut,
  startSignIn,
  type OidcSignInConfig,
  type PendingStorage,
} from '../console/src/auth/oidc.ts';
import { codes, startHub, type Hub } from './hub.ts';
import { startTestOp, type TestOp } from './support/oidc-provider.ts';

const CLIENT_ID = 'govshare-console';
const REDIRECT_URI = 'http://127.0.0.1:9/console/';
const GATEWAY = { indicator: 'urn:govshare:gateway', audience: 'urn:govshare:gateway', scope: 'govshare' };
const OTHER = { indicator: 'urn:other:service', audience: 'urn:other:service', scope: 'other' };

/** sessionStorage as the browser has it, one per tab. */
class TabStorage implements PendingStorage {
  readonly items = new Map<string, string>();
  getItem = (key: string) => this.items.get(key) ?? null;
  setItem = (key: string, value: string) => void this.items.set(key, value);
  removeItem = (key: string) => void this.items.delete(key);
}

/**
 * What a browser does at the provider: follows redirects with the provider's cookies (its session
 * survives between visits), submits the forms it is shown (hidden fields, and the login when asked),
 * and stops where the provider sends it back to the console.
 */
class Browser {
  readonly jar = new Map<string, string>();
  loginPagesShown = 0;

  async visit(start: string | URL, login?: string): Promise<string> {
    let request: { url: string; form?: string } = { url: String(start) };
    for (let step = 0; step < 12; step++) {
      const res = await fetch(request.url, {
        method: request.form ? 'POST' : 'GET',
        redirect: 'manual',
        headers: {
          cookie: [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '),
          ...(request.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        body: request.form,
      });
      for (const cookie of res.headers.getSetCookie()) {
        const pair = cookie.split(';')[0]!;
        const eq = pair.indexOf('=');
        const [name, value] = [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
        if (value) this.jar.set(name, value);
        else this.jar.delete(name);
      }
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        const next = new URL(location, request.url).href;
        if (next.startsWith(REDIRECT_URI)) return next;
        request = { url: next };
        continue;
      }
      const html = await res.text();
      const action = /<form [^>]*action="([^"]+)"/.exec(html)?.[1];
      if (res.status !== 200 || !action) throw new Error(`provider answered ${res.status}: ${html.slice(0, 300)}`);
      const fields = new URLSearchParams();
      for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g))
        fields.set(name!, value!);
      if (html.includes('name="login"')) {
        if (!login) throw new Error('provider asked for a login');
        this.loginPagesShown++;
        fields.set('login', login);
      }
      request = { url: new URL(action.replaceAll('&amp;', '&'), request.url).href, form: fields.toString() };
    }
    throw new Error('provider: too many steps');
  }
}

describe('console sign-in with OpenID Connect (code flow + PKCE) against a real provider', () => {
  let op: TestOp;
  let hub: Hub;
  const config = (resource = GATEWAY): OidcSignInConfig => ({
    issuer: op.issuer,
    clientId: CLIENT_ID,
    scope: `openid ${resource.scope}`,
    resource: resource.indicator,
  });
  const tab = () => ({ fetch, storage: new TabStorage() });
  const signIn = async (login: string, env = tab(), cfg = config(), browser = new Browser()) => {
    const url = await startSignIn(cfg, REDIRECT_URI, env);
    return completeSignIn(cfg, await browser.visit(url, login), env);
  };
  beforeAll(async () => {
    op = await startTestOp({
      clientId: CLIENT_ID,
      redirectUris: [REDIRECT_URI],
      accounts: [
        { login: 'alice', dept: 'PSB', roles: ['consumer', 'steward'] },
        { login: 'bob', dept: 'HEALTH', roles: ['consumer'] },
      ],
      resources: [GATEWAY, OTHER],
    });
    hub = await startHub('pglite', {
      externalIssuer: { issuer: op.issuer, audience: GATEWAY.audience, jwksUrl: op.jwksUrl },
    });
  });
  afterAll(async () => {
    await hub?.close();
    await op?.close();
  });

  it('signs in, calls the gateway with the token; signing out revokes it and ends the provider session', async () => {
    const env = tab();
    const url = await startSignIn(config(), REDIRECT_URI, env);
    expect(url.origin).toBe(op.issuer);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('resource')).toBe(GATEWAY.indicator);
    // Only the round trip's verifier and state are stored, in session storage.
    expect([...env.storage.items.keys()]).toEqual(['govshare.oidc.pending']);
    const pending = JSON.parse(env.storage.items.get('govshare.oidc.pending')!);
    expect(Object.keys(pending).sort()).toEqual(['redirectUri', 'state', 'verifier']);
    expect(url.searchParams.get('state')).toBe(pending.state);
    expect(url.href).not.toContain(pending.verifier);

    const browser = new Browser();
    const callback = await browser.visit(url, 'alice');
    expect(browser.loginPagesShown).toBe(1);
    const { accessToken, expiresAt } = await completeSignIn(config(), callback, env);
    expect(env.storage.items.size).toBe(0); // nothing of the sign-in is left in web storage
    expect(expiresAt).toBeGreaterThan(Date.now());

    const me = await hub.gql(accessToken, '{ me { sub dept roles tokenId } }');
    expect(me.body.errors).toBeUndefined();
    expect(me.body.data.me).toMatchObject({ sub: 'alice', dept: 'PSB', roles: ['consumer', 'steward'] });
    const jti = me.body.data.me.tokenId as string;

    // A second tab of the same browser: the provider's session signs it in without asking again; its
    // token is another one, and stays valid when the first tab signs out.
    const other = await signIn('alice', tab(), config(), browser);
    expect(browser.loginPagesShown).toBe(1);
    const { endSessionUrl } = await signOut(config(), accessToken, hub.gatewayUrl, REDIRECT_URI, env);

    const after = await hub.gql(accessToken, '{ me { sub } }');
    expect(codes(after.body)).toEqual(['UNAUTHENTICATED']);
    expect(after.body.errors[0].message).toMatch(/revoked/);
    expect((await hub.gql(other.accessToken, '{ me { sub } }')).body.data.me.sub).toBe('alice');

    // Audited like any token revocation, by the caller whose token it was.
    const { events } = await hub.auditFace.searchEvents(
      { action: 'tokens.revoke', sub: 'alice' },
      { requestId: 'oidc-test', caller: { sub: 'auditor', dept: 'PSB', roles: ['auditor'] } },
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'allowed', reason: 'sign-out', actor: { sub: 'alice', jti } });

    // The provider's session ends too (RP-initiated logout): the next sign-in asks for the login again.
    expect(endSessionUrl?.origin).toBe(op.issuer);
    expect(await browser.visit(endSessionUrl!)).toBe(REDIRECT_URI);
    const again = await signIn('alice', tab(), config(), browser);
    expect(browser.loginPagesShown).toBe(2);
    expect((await hub.gql(again.accessToken, '{ me { sub } }')).body.data.me.sub).toBe('alice');

    // signOut needs a token: it revokes the caller's own, nobody else's.
    expect(codes((await hub.gql(undefined, 'mutation { signOut }')).body)).toEqual(['UNAUTHENTICATED']);
    // Signing out again (the token already refused) still completes.
    await expect(signOut(config(), accessToken, hub.gatewayUrl, REDIRECT_URI, env)).resolves.toBeDefined();
  });

  it('refuses the code with another PKCE verifier, and a callback whose state is not the one sent', async () => {
    const env = tab();
    const url = await startSignIn(config(), REDIRECT_URI, env);
    const callback = await new Browser().visit(url, 'bob');
    const pending = JSON.parse(env.storage.items.get('govshare.oidc.pending')!);
    const forged = { ...pending, verifier: `${pending.verifier.slice(0, -4)}AAAA` };
    env.storage.setItem('govshare.oidc.pending', JSON.stringify(forged));
    await expect(completeSignIn(config(), callback, env)).rejects.toMatchObject({ error: 'invalid_grant' });

    const env2 = tab();
    const url2 = await startSignIn(config(), REDIRECT_URI, env2);
    const callback2 = new URL(await new Browser().visit(url2, 'bob'));
    callback2.searchParams.set('state', 'not-the-state');
    await expect(completeSignIn(config(), callback2, env2)).rejects.toThrow(/state/);
    // And no second try from the same tab: the round trip's record is gone.
    await expect(completeSignIn(config(), callback2, env2)).rejects.toThrow(/no sign-in was started/);
  });

  it('refuses at the gateway a token the provider issued for another audience', async () => {
    const { accessToken } = await signIn('bob', tab(), config(OTHER));
    expect(decodeJwt(accessToken).aud).toBe(OTHER.audience);
    const r = await hub.gql(accessToken, '{ me { sub } }');
    expect(codes(r.body)).toEqual(['UNAUTHENTICATED']);
    expect(r.body.errors[0].message).toMatch(/claim "aud"/);
  });

  it('trusts only the provider: a token of another issuer (the test issuer, with a valid signature) is refused', async () => {
    const r = await hub.gql(await hub.token('PSB', ['admin']), '{ me { sub } }');
    expect(codes(r.body)).toEqual(['UNAUTHENTICATED']);
  });
});
