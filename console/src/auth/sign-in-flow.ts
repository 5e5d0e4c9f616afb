// The console's sign-in and sign-out in the browser, around oidc.ts: the gateway's console routes, where
// the provider sends the browser back, which role the console shows, why a sign-in failed, and the
// sign-out of either kind of token (the provider's or the dev issuer's).
import { AuthorizationResponseError, OperationProcessingError, ResponseBodyError } from 'oauth4webapi';
import type { ProblemLike } from '../components/ApiError.tsx';
import { type OidcSignInConfig, revokeAtGateway, type SignedIn, completeSignIn, signOut, startSignIn } from './oidc.ts';
import type { Role, Session } from './session.tsx';

/** What GET /console/config.json answers (gateway/src/http/oidc-config.ts). */
export type SignInConfig = { signIn: 'oidc'; oidc: OidcSignInConfig } | { signIn: 'dev' } | { signIn: 'none' };

/** Where the provider sends the browser back with the code: register it at the provider. */
export const CALLBACK_PATH = '/console/sign-in/callback';
/** Where the provider sends the browser after its own sign-out: register it as a post-logout URI. */
export const SIGNED_OUT_PATH = '/console/sign-in';

/** JSON from a console route, or its { error: { code, message } } thrown as a ProblemLike. */
export async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  const body = await res.json().catch(() => null);
  if (!res.ok) throw (body?.error as ProblemLike) ?? { code: `HTTP_${res.status}`, message: res.statusText };
  return body as T;
}

export const loadSignInConfig = () => getJson<SignInConfig>('/console/config.json');

// fetch is called on window: oauth4webapi calls it as a method of its options, which the browser refuses
// ("Illegal invocation") for the bare function.
const browserEnv = () => ({
  fetch: ((input, init) => fetch(input, init)) as typeof fetch,
  storage: sessionStorage,
});

/** Sends the browser to the provider's login (the page is left: the token comes after the way back). */
export async function goToProvider(config: OidcSignInConfig): Promise<void> {
  const url = await startSignIn(config, `${location.origin}${CALLBACK_PATH}`, browserEnv());
  location.assign(url.href);
}

/** On the way back: checks the state, redeems the code with the PKCE verifier. */
export const finishAtProvider = (config: OidcSignInConfig, currentUrl: string): Promise<SignedIn> =>
  completeSignIn(config, currentUrl, browserEnv());

// The console shows one role's pages; a token with several shows the broadest one's (the gateway still
// authorizes every call with all of them).
const BROADEST_FIRST: Role[] = ['admin', 'steward', 'auditor', 'consumer'];
export const consoleRole = (roles: readonly string[]): Role | undefined =>
  BROADEST_FIRST.find((r) => roles.includes(r));

/** Why a sign-in with the provider failed, for the page to say in words (with the code). */
export type SignInFailure = 'provider' | 'state' | 'exchange' | 'notStarted' | 'network' | 'other';

export function classifySignInError(err: unknown): { kind: SignInFailure; problem: ProblemLike } {
  if (err instanceof AuthorizationResponseError)
    return { kind: 'provider', problem: { code: err.error, message: err.error_description ?? err.message } };
  if (err instanceof ResponseBodyError)
    return { kind: 'exchange', problem: { code: err.error, message: err.error_description ?? err.message } };
  if (err instanceof OperationProcessingError)
    return /"state"/.test(err.message)
      ? { kind: 'state', problem: { code: 'STATE_MISMATCH', message: err.message } }
      : { kind: 'exchange', problem: { code: err.code ?? 'OAUTH_ERROR', message: err.message } };
  // fetch rejects with a TypeError when the provider cannot be reached (or refuses CORS).
  if (err instanceof TypeError) return { kind: 'network', problem: { code: 'NETWORK', message: err.message } };
  const message = err instanceof Error ? err.message : String(err);
  if (message.includes('no sign-in was started'))
    return { kind: 'notStarted', problem: { code: 'SIGN_IN_NOT_STARTED', message } };
  return { kind: 'other', problem: { code: 'SIGN_IN_FAILED', message } };
}

/**
 * Signs the session's token out: a provider's token at the gateway and the provider (then the provider's
 * end-session URL, to navigate to), a dev token at the gateway. The caller has already dropped the token
 * from memory; this only makes it worthless elsewhere.
 */
export async function endSession(session: Session): Promise<{ endSessionUrl?: URL }> {
  const env = browserEnv();
  if (session.oidc)
    return signOut(session.oidc, session.token, location.origin, `${location.origin}${SIGNED_OUT_PATH}`, env);
  await revokeAtGateway(session.token, location.origin, env.fetch);
  return {};
}
