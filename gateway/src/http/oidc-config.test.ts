import { describe, expect, it } from 'vitest';
import { ConfigError } from '@govshare/platform';
import { readGatewayEnv } from '../environment.ts';
import { consoleSignInConfig, devSignInAllowed } from './oidc-config.ts';

const OP = {
  GOVSHARE_OIDC_ISSUER: 'https://login.example.gov',
  GOVSHARE_OIDC_CLIENT_ID: 'govshare-console',
  GOVSHARE_JWKS_URL: 'https://login.example.gov/jwks',
  GOVSHARE_JWT_AUDIENCE: 'https://govshare.example.gov/graphql',
};

const problems = (source: Record<string, string>): string[] => {
  try {
    readGatewayEnv(source);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('console sign-in configuration', () => {
  it('is OIDC when an issuer is configured: the gateway expects its iss, the resource defaults to the audience', () => {
    const env = readGatewayEnv({ ...OP, GOVSHARE_OIDC_SCOPE: 'openid govshare' });
    expect(env.GOVSHARE_JWT_ISSUER).toBe(OP.GOVSHARE_OIDC_ISSUER);
    expect(devSignInAllowed(env)).toBe(false);
    expect(consoleSignInConfig(env)).toEqual({
      signIn: 'oidc',
      oidc: {
        issuer: OP.GOVSHARE_OIDC_ISSUER,
        clientId: 'govshare-console',
        scope: 'openid govshare',
        resource: OP.GOVSHARE_JWT_AUDIENCE,
      },
    });
    const named = readGatewayEnv({ ...OP, GOVSHARE_JWT_AUDIENCE: 'govshare', GOVSHARE_OIDC_RESOURCE: 'urn:govshare' });
    expect(consoleSignInConfig(named)).toMatchObject({ oidc: { scope: 'openid', resource: 'urn:govshare' } });
  });

  it('is the dev sign-in only when the gateway trusts no external issuer', () => {
    expect(consoleSignInConfig(readGatewayEnv({}))).toEqual({ signIn: 'dev' });
    const external = readGatewayEnv({ GOVSHARE_JWKS_URL: OP.GOVSHARE_JWKS_URL });
    expect(devSignInAllowed(external)).toBe(false);
    expect(consoleSignInConfig(external)).toEqual({ signIn: 'none' });
  });

  it('refuses at start-up an OIDC configuration that is incomplete or inconsistent, naming the variable', () => {
    const { GOVSHARE_OIDC_CLIENT_ID: _c, GOVSHARE_JWKS_URL: _j, ...issuerOnly } = OP;
    expect(problems(issuerOnly)).toEqual([
      'GOVSHARE_OIDC_CLIENT_ID="": required with GOVSHARE_OIDC_ISSUER',
      expect.stringMatching(/^GOVSHARE_JWKS_URL="": required with GOVSHARE_OIDC_ISSUER/),
    ]);
    expect(problems({ ...OP, GOVSHARE_JWT_ISSUER: 'https://other.example.gov' })).toEqual([
      expect.stringMatching(/^GOVSHARE_JWT_ISSUER="https:\/\/other.example.gov": must be GOVSHARE_OIDC_ISSUER/),
    ]);
    expect(problems({ ...OP, GOVSHARE_JWT_AUDIENCE: 'govshare' })).toEqual([
      expect.stringMatching(
        /^GOVSHARE_OIDC_RESOURCE="": required with GOVSHARE_OIDC_ISSUER when GOVSHARE_JWT_AUDIENCE/,
      ),
    ]);
    expect(problems({ GOVSHARE_OIDC_CLIENT_ID: 'govshare-console' })).toEqual([
      'GOVSHARE_OIDC_CLIENT_ID="govshare-console": needs GOVSHARE_OIDC_ISSUER',
    ]);
    for (const [name, value] of [
      ['GOVSHARE_OIDC_ISSUER', 'http://login.example.gov'],
      ['GOVSHARE_OIDC_SCOPE', 'govshare'],
      ['GOVSHARE_OIDC_SCOPE', 'openid "x"'],
      ['GOVSHARE_OIDC_RESOURCE', 'govshare'],
    ] as const) {
      expect(problems({ ...OP, [name]: value }), value).toEqual([
        expect.stringContaining(`${name}=${JSON.stringify(value)}: must match pattern`),
      ]);
    }
    // Plain http only on loopback (tests, local development).
    expect(
      problems({
        ...OP,
        GOVSHARE_OIDC_ISSUER: 'http://127.0.0.1:4444',
        GOVSHARE_JWKS_URL: 'http://127.0.0.1:4444/jwks',
      }),
    ).toEqual([]);
  });
});
