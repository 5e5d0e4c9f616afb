// A real OpenID Provider (panva's oidc-provider) on 127.0.0.1 for the console's sign-in tests: the
// authorization code flow with PKCE for a public client, JWT access tokens for the gateway's audience
// carrying the govshare claims, a JWKS, revocation, introspection and RP-initiated logout. Its login and
// logout pages are plain HTML forms (hidden fields, one text field, one submit), so a test can drive
// them over HTTP and a browser can too; consent is granted without a page, as for a first-party client.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Role } from '@govshare/contracts';

export interface TestAccount {
  /** The login typed in the form; also the token's sub. */
  login: string;
  dept: string;
  roles: Role[];
}

export interface TestOpOptions {
  clientId: string;
  /** Where the console receives the code (the test's or the browser's page). */
  redirectUris: string[];
  accounts: TestAccount[];
  /**
   * Resource indicators the OP issues access tokens for, each with the aud its tokens carry and the
   * scope that selects it (the gateway's, and others, to check a token for another audience is refused).
   */
  resources: { indicator: string; audience: string; scope: string }[];
  /** Access token lifetime, seconds (default 600). */
  accessTokenTtl?: number;
  /** Port on 127.0.0.1 (default: any free one); lets a test fix the issuer before it knows the redirect URI. */
  port?: number;
}

export interface TestOp {
  issuer: string;
  jwksUrl: string;
  provider: Provider;
  close(): Promise<void>;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

export async function startTestOp(o: TestOpOptions): Promise<TestOp> {
  // The gateway accepts asymmetric algorithms only: ES256 signs every token of this OP.
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'test-op-es256', alg: 'ES256', use: 'sig' };
  const accounts = new Map(o.accounts.map((a) => [a.login, a]));
  const byIndicator = new Map(o.resources.map((r) => [r.indicator, r]));

  const server = createServer();
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const configuration: Configuration = {
    clients: [
      {
        client_id: o.clientId,
        token_endpoint_auth_method: 'none',
        redirect_uris: o.redirectUris,
        post_logout_redirect_uris: o.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        id_token_signed_response_alg: 'ES256',
      },
    ],
    jwks: { keys: [signingKey as never] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    pkce: { required: () => true },
    scopes: ['openid', ...new Set(o.resources.map((r) => r.scope))],
    claims: { openid: ['sub'], profile: ['name'] },
    ttl: {
      AccessToken: o.accessTokenTtl ?? 600,
      AuthorizationCode: 60,
      IdToken: 600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      introspection: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        // The provider's form (its xsrf field) with the confirmation inside it, so a plain submit signs out.
        logoutSource: (ctx, form) => {
          ctx.type = 'html';
          ctx.body = `<!doctype html><title>Test OP sign-out</title>${form.replace(
            '</form>',
            '<input type="hidden" name="logout" value="yes"><button type="submit">Sign out</button></form>',
          )}`;
        },
      },
      resourceIndicators: {
        enabled: true,
        // The token request need not repeat the resource: the one granted at authorization is used.
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          const resource = byIndicator.get(indicator);
          if (!resource) throw new Error(`test OP: unknown resource ${indicator}`);
          return {
            scope: resource.scope,
            audience: resource.audience,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    findAccount: (_ctx, sub) => {
      const account = accounts.get(sub);
      return account ? { accountId: sub, claims: () => ({ sub, name: account.login }) } : undefined;
    },
    // The gateway's claims ride on the access token, not only on the ID token or userinfo.
    extraTokenClaims: (_ctx, token) => {
      if (token.kind !== 'AccessToken' || !('accountId' in token)) return undefined;
      const account = accounts.get(token.accountId as string);
      return account ? { dept: account.dept, roles: account.roles } : undefined;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: (ctx: KoaContextWithOIDC, out) => {
      ctx.type = 'text/plain';
      ctx.body = `${out.error}: ${out.error_description ?? ''}`;
    },
  };
  const provider = new Provider(issuer, configuration);
  const oidc = provider.callback();

  const interaction = async (req: IncomingMessage, res: ServerResponse, uid: string) => {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('test OP: interaction mismatch');
    if (details.prompt.name === 'login') {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          `<!doctype html><title>Test OP sign-in</title><form method="post" action="/interaction/${escapeHtml(uid)}">` +
            '<label>Login <input name="login" autocomplete="username" autofocus></label>' +
            '<button type="submit">Sign in</button></form>',
        );
        return;
      }
      const login = (await readForm(req)).get('login') ?? '';
      if (!accounts.has(login)) {
        res.writeHead(401, { 'content-type': 'text/plain' });
        res.end('unknown login');
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
      return;
    }
    // Consent: the console is first-party; what it asked for is granted.
    const { accountId } = details.session!;
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    const grant = details.grantId
      ? (await provider.Grant.find(details.grantId))!
      : new provider.Grant({ accountId, clientId: details.params.client_id as string });
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {}))
      grant.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  };

  server.on('request', (req, res) => {
    const match = /^\/interaction\/([A-Za-z0-9_-]+)$/.exec(new URL(req.url ?? '/', issuer).pathname);
    if (!match) return void oidc(req, res);
    interaction(req, res, match[1]).catch((err: Error) => {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`interaction failed: ${err.message}`);
    });
  });
  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    provider,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
