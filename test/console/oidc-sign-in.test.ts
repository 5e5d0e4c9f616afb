// The console's sign-in and sign-out in a real browser: with OpenID Connect against a real provider
// (oidc-provider, test/support/oidc-provider.ts) that a hub trusts by its JWKS, the person clicks
// "sign in with …", types the login at the provider, lands back signed in and the catalog loads with the
// token, which no web storage holds; signing out makes the gateway refuse that very token and ends the
// provider's session. Failures (state mismatch, provider error, a token the gateway refuses) are shown
// in words with a code. And in dev mode, the header's sign-out revokes the dev token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, freePort, startHub, type Hub } from '../hub.ts';
import { startTestOp, type TestOp } from '../support/oidc-provider.ts';
import {
  buildConsole,
  type ConsoleBrowser,
  expectNoSeriousAxeViolations,
  launch,
  measureFirstLoad,
  measureLoad,
  type Page,
  recordLoad,
  screenshot,
  signInDev,
} from './browser.ts';

const CLIENT_ID = 'govshare-console';
const GATEWAY = { indicator: 'urn:govshare:gateway', audience: 'urn:govshare:gateway', scope: 'govshare' };

/** Every bearer token the page sent to the gateway, in order. */
function captureTokens(page: Page, gatewayUrl: string): string[] {
  const tokens: string[] = [];
  page.on('request', (r) => {
    const auth = r.headers().authorization;
    if (r.url().startsWith(gatewayUrl) && auth?.startsWith('Bearer ')) tokens.push(auth.slice('Bearer '.length));
  });
  return tokens;
}

/** What the page keeps in web storage and cookies, as one list of strings. */
const storedValues = async (page: Page) => [
  ...(await page.evaluate(() => [...Object.entries(localStorage), ...Object.entries(sessionStorage)].flat())),
  ...(await page.context().cookies()).map((c) => c.value),
];

const signInButton = (page: Page) => page.getByRole('button', { name: /^(使用 .+ 登录|Sign in with .+)$/ });
const headerSignOut = (page: Page) => page.getByRole('banner').getByRole('button', { name: /^(退出|Sign out)$/ });

describe('OIDC sign-in (code flow + PKCE) in the browser against a real provider', () => {
  let op: TestOp;
  let hub: Hub;
  let b: ConsoleBrowser;
  beforeAll(async () => {
    // The issuer's URL first (the hub must trust it), the hub next, then the provider with the hub's
    // console callback as the client's redirect URI.
    const [port] = await Promise.all([freePort(), buildConsole()]);
    const issuer = `http://127.0.0.1:${port}`;
    hub = await startHub('pglite', {
      devSignIn: false,
      externalIssuer: { issuer, audience: GATEWAY.audience, jwksUrl: `${issuer}/jwks` },
      consoleSignIn: {
        signIn: 'oidc',
        oidc: { issuer, clientId: CLIENT_ID, scope: `openid ${GATEWAY.scope}`, resource: GATEWAY.indicator },
      },
    });
    [op, b] = await Promise.all([
      startTestOp({
        port,
        clientId: CLIENT_ID,
        // The callback receives the code; the sign-in page is where the provider's sign-out returns.
        redirectUris: [`${hub.gatewayUrl}/console/sign-in/callback`, `${hub.gatewayUrl}/console/sign-in`],
        accounts: [
          { login: 'alice', dept: 'MCA', roles: ['consumer'] },
          // A department the hub does not have: the provider signs the token, the gateway refuses it.
          { login: 'outsider', dept: 'NOWHERE', roles: ['consumer'] },
        ],
        resources: [GATEWAY],
      }),
      launch(),
    ]);
    expect(op.issuer).toBe(issuer);
  });
  afterAll(async () => {
    await b?.close();
    await hub?.close();
    await op?.close();
  });

  /** From the sign-in page's button to the provider's login form. */
  async function toProviderLogin(page: Page) {
    await signInButton(page).click();
    await page.waitForURL((url) => url.href.startsWith(`${op.issuer}/interaction/`));
    await expect.poll(() => page.getByLabel('Login').isVisible()).toBe(true);
  }

  it('signs in at the provider, catalog loads with the token; sign-out revokes it, ends the OP session', async () => {
    const { page } = b;
    const tokens = captureTokens(page, hub.gatewayUrl);
    await measureFirstLoad(page, `${hub.gatewayUrl}/console/sign-in`, 'sign-in, oidc (first load)');
    await expect.poll(() => signInButton(page).textContent()).toContain(new URL(op.issuer).host);
    await expect.poll(() => page.getByText(/刷新或关闭页面即退出登录/).isVisible()).toBe(true);
    // Only the provider's origin is opened to the page's fetches.
    const csp = (await fetch(`${hub.gatewayUrl}/console/sign-in`)).headers.get('content-security-policy');
    expect(csp).toContain(`connect-src 'self' ${op.issuer}`);
    await expectNoSeriousAxeViolations(page);
    await screenshot(page, 'sign-in-oidc');

    await toProviderLogin(page);
    await page.getByLabel('Login').fill('alice');
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Sign in' }).click();
    // A consumer's home: its first page in the navigation (query records).
    await page.waitForURL((url) => url.pathname === '/console/records');
    await page.locator('[data-ready]').waitFor();
    recordLoad('oidc round trip: provider login submitted → home page shown', Date.now() - t0);
    // Landed on the role's home, the code and state gone from the address.
    expect(new URL(page.url()).search).toBe('');
    await expect.poll(() => page.getByRole('banner').textContent()).toContain('alice');
    await measureLoad(page, '/catalog', 'catalog (oidc token)');
    await expect.poll(() => page.locator('tbody tr[data-dataset]').count()).toBeGreaterThan(0);

    // The page called the gateway with the provider's token, which the gateway accepts as alice's.
    expect(tokens.length).toBeGreaterThan(0);
    const token = tokens.at(-1)!;
    expect(new Set(tokens)).toEqual(new Set([token]));
    expect((await hub.gql(token, '{ me { sub dept } }')).body.data.me).toEqual({ sub: 'alice', dept: 'MCA' });
    // In memory only: no web storage value (nor cookie) holds it, and the round trip's record is gone.
    const stored = await storedValues(page);
    expect(stored.some((v) => v.includes(token))).toBe(false);
    expect(await page.evaluate(() => sessionStorage.getItem('govshare.oidc.pending'))).toBeNull();

    // Sign out: the gateway refuses that very token; the provider's sign-out page, then back here.
    await headerSignOut(page).click();
    await page.waitForURL((url) => url.href.startsWith(`${op.issuer}/session/end`));
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${hub.gatewayUrl}/console/sign-in`);
    const after = await hub.gql(token, '{ me { sub } }');
    expect(codes(after.body)).toEqual(['UNAUTHENTICATED']);
    expect(after.body.errors[0].message).toMatch(/revoked/);
    // Signed out of the console too: a page that needs a session sends to the sign-in page.
    await expect.poll(() => signInButton(page).isVisible()).toBe(true);
    expect(
      await page
        .getByRole('banner')
        .getByRole('button', { name: /^(退出|Sign out)$/ })
        .count(),
    ).toBe(0);

    // The provider's session ended: signing in again asks for the login again.
    await toProviderLogin(page);
  });

  it('refuses a callback whose state is not the one this tab sent, and says so', async () => {
    const { page } = b;
    await page.goto(`${hub.gatewayUrl}/console/sign-in`);
    await toProviderLogin(page);
    // The provider's answer to another sign-in (a forged or stale redirect) arrives in this tab.
    await page.goto(`${hub.gatewayUrl}/console/sign-in/callback?code=stolen&state=forged&iss=${op.issuer}`);
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain('STATE_MISMATCH');
    await expect.poll(() => page.getByText(/state 不符/).isVisible()).toBe(true);
    expect(new URL(page.url()).search).toBe('');
    expect(await page.evaluate(() => sessionStorage.getItem('govshare.oidc.pending'))).toBeNull();
    await expectNoSeriousAxeViolations(page);
    // Opening the callback again (nothing started in this tab) is refused in words too.
    await page.goto(`${hub.gatewayUrl}/console/sign-in/callback?code=stolen&state=forged&iss=${op.issuer}`);
    await expect.poll(() => alert.textContent()).toContain('SIGN_IN_NOT_STARTED');
    await page.getByRole('link', { name: /返回登录页|Back to sign-in/ }).click();
    await expect.poll(() => signInButton(page).isVisible()).toBe(true);
  });

  it("shows the provider's error with its code", async () => {
    const { page } = b;
    await page.goto(`${hub.gatewayUrl}/console/sign-in`);
    const authorize = page.waitForRequest((r) => r.url().startsWith(`${op.issuer}/auth`));
    await toProviderLogin(page);
    const state = new URL((await authorize).url()).searchParams.get('state')!;
    // What the provider sends when the person declines (RFC 6749 §4.1.2.1), for this tab's own sign-in.
    const callback = new URL(`${hub.gatewayUrl}/console/sign-in/callback`);
    callback.search = new URLSearchParams({
      error: 'access_denied',
      error_description: 'the person declined',
      state,
      iss: op.issuer,
    }).toString();
    await page.goto(callback.href);
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain('access_denied');
    expect(await alert.textContent()).toContain('the person declined');
    await expect.poll(() => page.getByText('身份提供方拒绝了登录。').isVisible()).toBe(true);
  });

  it('refuses a token the provider issued but the gateway does not accept: no session', async () => {
    const { page } = b;
    await page.goto(`${hub.gatewayUrl}/console/sign-in`);
    await toProviderLogin(page);
    await page.getByLabel('Login').fill('outsider');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/console/sign-in/callback');
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain('UNAUTHENTICATED');
    expect(await alert.textContent()).toMatch(/claim "dept"/);
    await expect.poll(() => page.getByText(/数据共享中心拒绝了它/).isVisible()).toBe(true);
    expect(await headerSignOut(page).count()).toBe(0);
    await screenshot(page, 'sign-in-oidc-refused');
  });
});

describe('dev sign-in: the header sign-out revokes the dev token', () => {
  let hub: Hub;
  let b: ConsoleBrowser;
  beforeAll(async () => {
    await buildConsole();
    [hub, b] = await Promise.all([startHub('pglite'), launch()]);
  });
  afterAll(async () => {
    await b?.close();
    await hub?.close();
  });

  it('signs out at the gateway, then the token is refused', async () => {
    const { page } = b;
    const tokens = captureTokens(page, hub.gatewayUrl);
    await signInDev(page, hub.gatewayUrl, 'MCA', 'consumer');
    await expect.poll(() => tokens.length).toBeGreaterThan(0);
    const token = tokens.at(-1)!;
    expect((await hub.gql(token, '{ me { sub } }')).body.data.me.sub).toBe('mca-consumer');
    expect((await storedValues(page)).some((v) => v.includes(token))).toBe(false);
    // No provider to reach in dev mode: the page's fetches stay on its own origin.
    const csp = (await fetch(`${hub.gatewayUrl}/console/sign-in`)).headers.get('content-security-policy');
    expect(csp).not.toContain('connect-src');

    await headerSignOut(page).click();
    await expect.poll(() => page.getByText(/已退出：令牌已被吊销/).isVisible()).toBe(true);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    const after = await hub.gql(token, '{ me { sub } }');
    expect(codes(after.body)).toEqual(['UNAUTHENTICATED']);
    expect(after.body.errors[0].message).toMatch(/revoked/);
    // The dev form is back, and signing in again works with a new token.
    await signInDev(page, hub.gatewayUrl, 'MCA', 'consumer');
    expect(tokens.at(-1)).not.toBe(token);
  });
});
