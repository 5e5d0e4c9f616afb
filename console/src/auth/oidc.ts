// The console's production sign-in: OpenID Connect authorization code flow with PKCE (S256) against
// the issuer the gateway names in /console/config.json, for a public client. Only the PKCE verifier,
// the state and the redirect URI outlive the page, in sessionStorage, for the redirect round trip; the
// access token is handed to the caller, which keeps it in memory (never in web storage). Browser
// globals are parameters so the same code runs in Node tests against a real provider.
import * as oauth from 'oauth4webapi';

/** What the gateway publishes as `oidc` in /console/config.json (gateway/src/http/oidc-config.ts). */
export interface OidcSignInConfig {
  issuer: string;
  clientId: string;
  /** Space-separated scopes asked for, e.g. "openid govshare". */
  scope: string;
  /** The resource indicator (RFC 8707) of the gateway: the access token is issued for it. */
  resource: string;
}

/** The part of the Web Storage API used (window.sessionStorage satisfies it). */
export interface PendingStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface OidcBrowserEnv {
  fetch: typeof fetch;
  /** sessionStorage in the browser: it holds the round trip's verifier and state, never a token. */
  storage: PendingStorage;
}

export interface SignedIn {
  accessToken: string;
  /** When the access token expires (ms since epoch), from expires_in, if the provider said. */
  expiresAt?: number;
}

const PENDING_KEY = 'govshare.oidc.pending';

interface Pending {
  verifier: string;
  state: string;
  redirectUri: string;
}

/**
 * Plain http only for an issuer on this machine (tests, local development: the gateway accepts no
 * other http issuer); oauth4webapi refuses http otherwise.
 */
const onLoopback = (issuer: string) => /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?(\/|$)/.test(issuer);

const requestOptions = (config: OidcSignInConfig, env: OidcBrowserEnv) => ({
  [oauth.customFetch]: env.fetch,
  ...(onLoopback(config.issuer) ? { [oauth.allowInsecureRequests]: true } : {}),
});

/** Fetches and checks the issuer's discovery document (its issuer must be the configured one). */
export async function discover(config: OidcSignInConfig, env: OidcBrowserEnv): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(config.issuer);
  const response = await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...requestOptions(config, env) });
  return oauth.processDiscoveryResponse(issuer, response);
}

/**
 * Starts a sign-in: a fresh PKCE verifier and state are kept for the round trip, and the URL of the
 * provider's authorization endpoint is returned for the app to navigate to (location.assign).
 */
export async function startSignIn(config: OidcSignInConfig, redirectUri: string, env: OidcBrowserEnv): Promise<URL> {
  const as = await discover(config, env);
  if (!as.authorization_endpoint) throw new Error(`sign-in: ${config.issuer} publishes no authorization endpoint`);
  const pending: Pending = {
    verifier: oauth.generateRandomCodeVerifier(),
    state: oauth.generateRandomState(),
    redirectUri,
  };
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', config.scope);
  url.searchParams.set('resource', config.resource);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(pending.verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', pending.state);
  env.storage.setItem(PENDING_KEY, JSON.stringify(pending));
  return url;
}

/**
 * Finishes a sign-in on the redirect back (currentUrl: location.href): checks the state and the
 * issuer, redeems the code with the verifier, and returns the access token. The round trip's record
 * is removed whatever happens, so a code cannot be redeemed twice from this browser.
 */
export async function completeSignIn(
  config: OidcSignInConfig,
  currentUrl: string | URL,
  env: OidcBrowserEnv,
): Promise<SignedIn> {
  const raw = env.storage.getItem(PENDING_KEY);
  env.storage.removeItem(PENDING_KEY);
  if (!raw) throw new Error('sign-in: no sign-in was started in this tab (or it was already completed)');
  const pending = JSON.parse(raw) as Pending;
  const as = await discover(config, env);
  const client: oauth.Client = { client_id: config.clientId };
  const params = oauth.validateAuthResponse(as, client, new URL(currentUrl), pending.state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    params,
    pending.redirectUri,
    pending.verifier,
    { additionalParameters: { resource: config.resource }, ...requestOptions(config, env) },
  );
  const result = await oauth.processAuthorizationCodeResponse(as, client, response);
  return {
    accessToken: result.access_token,
    ...(result.expires_in ? { expiresAt: Date.now() + result.expires_in * 1000 } : {}),
  };
}

/**
 * Signs out. The gateway refuses the token from now on: its signOut mutation revokes the token's jti,
 * audited (a token the gateway already refuses, expired or revoked, counts as signed out there). Then
 * the provider's revocation endpoint is asked to revoke it too (RFC 7009); a provider that issues JWT
 * access tokens may answer unsupported_token_type (it cannot take back a self-contained token: the
 * gateway's refusal is what counts). Returns the provider's end-session URL (RP-initiated logout), if
 * it has one, for the app to navigate to: the provider's own session ends, so the next sign-in asks
 * for the login again. Both revocations are attempted; an error says which one failed (e.g. the gateway
 * refuses to change anything while its audit log is unavailable). The app drops the token from memory
 * whatever the outcome.
 */
export async function signOut(
  config: OidcSignInConfig,
  accessToken: string,
  gatewayUrl: string,
  postLogoutRedirectUri: string,
  env: OidcBrowserEnv,
): Promise<{ endSessionUrl?: URL }> {
  const failures: string[] = [];
  try {
    await revokeAtGateway(accessToken, gatewayUrl, env.fetch);
  } catch (err) {
    failures.push((err as Error).message);
  }
  let endSessionUrl: URL | undefined;
  try {
    const as = await discover(config, env);
    const client: oauth.Client = { client_id: config.clientId };
    if (as.revocation_endpoint) {
      const response = await oauth.revocationRequest(as, client, oauth.None(), accessToken, {
        additionalParameters: { token_type_hint: 'access_token' },
        ...requestOptions(config, env),
      });
      try {
        await oauth.processRevocationResponse(response);
      } catch (err) {
        if (!(err instanceof oauth.ResponseBodyError && err.error === 'unsupported_token_type')) throw err;
      }
    }
    if (as.end_session_endpoint) {
      endSessionUrl = new URL(as.end_session_endpoint);
      endSessionUrl.searchParams.set('client_id', config.clientId);
      endSessionUrl.searchParams.set('post_logout_redirect_uri', postLogoutRedirectUri);
    }
  } catch (err) {
    failures.push(`provider: ${(err as Error).message}`);
  }
  if (failures.length) throw new Error(`sign-out incomplete: ${failures.join('; ')}`);
  return endSessionUrl ? { endSessionUrl } : {};
}

/**
 * The gateway's part of a sign-out, for any token (the OIDC provider's or the dev issuer's): its signOut
 * mutation revokes the jti of the token it is called with. A token the gateway already refuses
 * (expired or revoked) counts as signed out; anything else that is not `true` throws, naming the answer.
 */
export async function revokeAtGateway(accessToken: string, gatewayUrl: string, fetchFn: typeof fetch): Promise<void> {
  let res: Response;
  try {
    res = await fetchFn(new URL('/graphql', gatewayUrl), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        authorization: `Bearer ${accessToken}`,
      },
      body: JSON.stringify({ query: 'mutation SignOut { signOut }' }),
    });
  } catch (err) {
    throw new Error(`gateway: ${(err as Error).message}`);
  }
  const body = (await res.json().catch(() => ({}))) as {
    data?: { signOut?: boolean };
    errors?: { extensions?: { code?: string } }[];
  };
  const refused = body.errors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
  if (body.data?.signOut !== true && !refused) {
    const codes = (body.errors ?? []).map((e) => e.extensions?.code).filter(Boolean);
    throw new Error(`gateway answered ${res.status}${codes.length ? ` (${codes.join(', ')})` : ''}`);
  }
}
