import type { GatewayEnv } from '../environment.ts';

/** How the console signs in, as served at /console/config.json. */
export type ConsoleSignInConfig =
  | { signIn: 'oidc'; oidc: { issuer: string; clientId: string; scope: string; resource: string } }
  /** The dev issuer's sign-in: only when the gateway trusts no external issuer. */
  | { signIn: 'dev' }
  /** An external issuer without an OIDC client for the console: callers bring their own tokens. */
  | { signIn: 'none' };

type SignInEnv = Pick<
  GatewayEnv,
  | 'GOVSHARE_JWKS_URL'
  | 'GOVSHARE_OIDC_ISSUER'
  | 'GOVSHARE_OIDC_CLIENT_ID'
  | 'GOVSHARE_OIDC_SCOPE'
  | 'GOVSHARE_OIDC_RESOURCE'
>;

/** The dev sign-in (and the dev issuer) serve only a gateway that trusts neither an OP nor an external JWKS. */
export const devSignInAllowed = (env: SignInEnv): boolean => !env.GOVSHARE_OIDC_ISSUER && !env.GOVSHARE_JWKS_URL;

/**
 * The console's sign-in configuration from the validated environment (readGatewayEnv checked that the
 * OIDC variables come together, and defaulted the resource). Nothing in it is secret: a public client.
 */
export function consoleSignInConfig(env: SignInEnv): ConsoleSignInConfig {
  if (env.GOVSHARE_OIDC_ISSUER) {
    return {
      signIn: 'oidc',
      oidc: {
        issuer: env.GOVSHARE_OIDC_ISSUER,
        clientId: env.GOVSHARE_OIDC_CLIENT_ID!,
        scope: env.GOVSHARE_OIDC_SCOPE,
        resource: env.GOVSHARE_OIDC_RESOURCE!,
      },
    };
  }
  return devSignInAllowed(env) ? { signIn: 'dev' } : { signIn: 'none' };
}
