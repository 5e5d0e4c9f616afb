// The narrow entry points, not the package index (database drivers, Fastify): the CLIs load this and start in a fraction of the time.
import { commonEnvSpec, ConfigError, loadEnv } from '@govshare/platform/env';
import { maskKeyEnvSpec } from '@govshare/platform/masking';
import { parseRateLimits, type RateLimitsConfig } from './rate-limits/config.ts';

/** 12 hours: a working day and then some. A token valid for longer is refused, whoever issued it. */
export const DEFAULT_MAX_TOKEN_LIFETIME_S = 12 * 3600;

export const gatewayEnvSpec = {
  ...commonEnvSpec,
  GATEWAY_PORT: {
    type: 'integer',
    minimum: 0,
    maximum: 65535,
    default: 4000,
    description: 'Port of the public GraphQL endpoint',
  },
  GOVSHARE_METRICS_HOST: {
    type: 'string',
    default: '127.0.0.1',
    description: 'Interface of the hub’s own /metrics listener (GOVSHARE_METRICS=internal)',
  },
  GOVSHARE_METRICS_PORT: {
    type: 'integer',
    minimum: 0,
    maximum: 65535,
    default: 4190,
    description: 'Port of the hub’s own /metrics listener (GOVSHARE_METRICS=internal)',
  },
  CATALOG_URL: {
    type: 'string',
    pattern: '^https?://',
    description: 'Where the catalog runs when remote (its own process); unset: in the hub process',
  },
  AUDIT_URL: {
    type: 'string',
    pattern: '^https?://',
    description:
      'Where the audit log runs when remote (its own process, e.g. to keep its keys apart); unset: in the hub process',
  },
  QUALITY_URL: { type: 'string', pattern: '^https?://', description: 'Quality service base URL (optional)' },
  GOVSHARE_JWT_ISSUER: {
    type: 'string',
    minLength: 1,
    default: 'govshare-dev-issuer',
    description: 'Expected iss of caller tokens',
  },
  GOVSHARE_JWT_AUDIENCE: {
    type: 'string',
    minLength: 1,
    default: 'govshare',
    description: 'Expected aud of caller tokens',
  },
  GOVSHARE_JWKS_URL: {
    type: 'string',
    pattern: '^https?://',
    description: 'Trust an external issuer’s JWKS instead of the dev issuer',
  },
  GOVSHARE_JWT_MAX_LIFETIME: {
    type: 'integer',
    minimum: 60,
    maximum: 30 * 86400,
    default: DEFAULT_MAX_TOKEN_LIFETIME_S,
    description: 'Longest lifetime (exp - iat, exp - nbf) of a caller token accepted, seconds',
  },
  GOVSHARE_OIDC_ISSUER: {
    type: 'string',
    pattern: '^(https://|http://(127\\.0\\.0\\.1|localhost)[:/])',
    description:
      'OpenID Provider the console signs in with (code flow + PKCE); https (http on loopback for tests). ' +
      'Set: the dev issuer and dev sign-in are off',
  },
  GOVSHARE_OIDC_CLIENT_ID: {
    type: 'string',
    minLength: 1,
    description: 'The console’s client id at GOVSHARE_OIDC_ISSUER (a public client: no secret)',
  },
  GOVSHARE_OIDC_SCOPE: {
    type: 'string',
    pattern: '^openid( [!#-\\[\\]-~]+)*$',
    default: 'openid',
    description: 'Scopes the console asks for, space-separated, starting with openid',
  },
  GOVSHARE_OIDC_RESOURCE: {
    type: 'string',
    pattern: '^[A-Za-z][A-Za-z0-9+.-]*:[^#]+$',
    description:
      'Resource indicator (RFC 8707, an absolute URI) the console asks tokens for; ' +
      'default GOVSHARE_JWT_AUDIENCE when that is a URI',
  },
  ...maskKeyEnvSpec,
  GATEWAY_MAX_DEPTH: { type: 'integer', minimum: 2, maximum: 50, default: 8, description: 'Maximum selection depth' },
  GATEWAY_MAX_COMPLEXITY: { type: 'integer', minimum: 10, default: 3000, description: 'Maximum query cost' },
  GATEWAY_MAX_ALIASES: { type: 'integer', minimum: 1, default: 15, description: 'Maximum aliases per operation' },
  GATEWAY_BODY_LIMIT: {
    type: 'integer',
    minimum: 1024,
    default: 102400,
    description: 'Maximum GraphQL request body, bytes',
  },
  GATEWAY_GRANT_FACT_RELAY_MS: {
    type: 'integer',
    minimum: 0,
    default: 5000,
    description:
      "How often to relay grant facts left in the catalog's outbox to the audit log (after an outage); each grant change is relayed at once (ms; 0 = only then)",
  },
  GOVSHARE_RATE_LIMITS: {
    type: 'string',
    minLength: 2,
    description:
      'Per-department rate limits and daily quotas, JSON: {"default":{"perSecond":50,"burst":100,"perDay":1000000},' +
      '"departments":{"PSB":{"perDay":5000000}},"dayStartsAt":"+08:00"} (docs/operations.md, Quotas); unset: no limits',
  },
  GOVSHARE_REDIS_URL: {
    type: 'string',
    pattern: '^rediss?://',
    description:
      'Redis that every hub process counts the rate limits in (e.g. redis://127.0.0.1:6379); unset: per-process limits',
  },
  GOVSHARE_REDIS_KEY_PREFIX: {
    type: 'string',
    pattern: '^[A-Za-z0-9_:.-]{1,64}$',
    default: 'govshare:',
    description: 'Prefix of the Redis keys the hub writes (one per hub deployment sharing a Redis)',
  },
} as const;

export interface GatewayEnv {
  GOVSHARE_DATA_DIR: string;
  DATABASE_URL?: string;
  GOVSHARE_DB_SCHEMA_PREFIX: string;
  LOG_LEVEL: string;
  GOVSHARE_HOST: string;
  GOVSHARE_METRICS: 'internal' | 'public' | 'off';
  GOVSHARE_METRICS_HOST: string;
  GOVSHARE_METRICS_PORT: number;
  GATEWAY_PORT: number;
  CATALOG_URL?: string;
  AUDIT_URL?: string;
  QUALITY_URL?: string;
  GOVSHARE_JWT_ISSUER: string;
  GOVSHARE_JWT_AUDIENCE: string;
  GOVSHARE_JWKS_URL?: string;
  GOVSHARE_JWT_MAX_LIFETIME: number;
  GOVSHARE_OIDC_ISSUER?: string;
  GOVSHARE_OIDC_CLIENT_ID?: string;
  GOVSHARE_OIDC_SCOPE: string;
  GOVSHARE_OIDC_RESOURCE?: string;
  GOVSHARE_MASK_KEY?: string;
  GATEWAY_MAX_DEPTH: number;
  GATEWAY_MAX_COMPLEXITY: number;
  GATEWAY_MAX_ALIASES: number;
  GATEWAY_BODY_LIMIT: number;
  GATEWAY_GRANT_FACT_RELAY_MS: number;
  GOVSHARE_RATE_LIMITS?: string;
  GOVSHARE_REDIS_URL?: string;
  GOVSHARE_REDIS_KEY_PREFIX: string;
}

export function readGatewayEnv(source: Record<string, string | undefined> = process.env): GatewayEnv {
  const env = loadEnv<GatewayEnv>(gatewayEnvSpec, source);
  checkOidc(env, source);
  rateLimitsOf(env); // a bad value stops the start
  return env;
}

/** The rate limits GOVSHARE_RATE_LIMITS configures (checked), counted in GOVSHARE_REDIS_URL; unset: none. */
export function rateLimitsOf(
  env: Pick<GatewayEnv, 'GOVSHARE_RATE_LIMITS' | 'GOVSHARE_REDIS_URL' | 'GOVSHARE_REDIS_KEY_PREFIX'>,
): { config: RateLimitsConfig; redisUrl?: string; keyPrefix: string } | undefined {
  if (!env.GOVSHARE_RATE_LIMITS) return undefined;
  return {
    config: parseRateLimits(env.GOVSHARE_RATE_LIMITS),
    redisUrl: env.GOVSHARE_REDIS_URL,
    keyPrefix: env.GOVSHARE_REDIS_KEY_PREFIX,
  };
}

/**
 * OIDC sign-in needs its variables together, and the gateway must trust the tokens the provider
 * issues: its issuer and JWKS (so the dev issuer is off). The resource defaults to the audience.
 */
function checkOidc(env: GatewayEnv, source: Record<string, string | undefined>): void {
  const problems: string[] = [];
  const issuer = env.GOVSHARE_OIDC_ISSUER;
  if (!issuer) {
    for (const name of ['GOVSHARE_OIDC_CLIENT_ID', 'GOVSHARE_OIDC_RESOURCE'] as const)
      if (env[name]) problems.push(`${name}=${JSON.stringify(env[name])}: needs GOVSHARE_OIDC_ISSUER`);
  } else {
    if (!env.GOVSHARE_OIDC_CLIENT_ID) problems.push('GOVSHARE_OIDC_CLIENT_ID="": required with GOVSHARE_OIDC_ISSUER');
    if (!env.GOVSHARE_JWKS_URL)
      problems.push(
        'GOVSHARE_JWKS_URL="": required with GOVSHARE_OIDC_ISSUER (the provider’s JWKS; the dev issuer is off)',
      );
    // Unset, the expected iss is the provider's; set, it must be the provider's.
    if (!source.GOVSHARE_JWT_ISSUER) env.GOVSHARE_JWT_ISSUER = issuer;
    else if (env.GOVSHARE_JWT_ISSUER !== issuer)
      problems.push(
        `GOVSHARE_JWT_ISSUER=${JSON.stringify(env.GOVSHARE_JWT_ISSUER)}: ` +
          `must be GOVSHARE_OIDC_ISSUER (${issuer}) or unset`,
      );
    if (!env.GOVSHARE_OIDC_RESOURCE) {
      if (/^[A-Za-z][A-Za-z0-9+.-]*:[^#]+$/.test(env.GOVSHARE_JWT_AUDIENCE))
        env.GOVSHARE_OIDC_RESOURCE = env.GOVSHARE_JWT_AUDIENCE;
      else
        problems.push(
          'GOVSHARE_OIDC_RESOURCE="": required with GOVSHARE_OIDC_ISSUER when GOVSHARE_JWT_AUDIENCE ' +
            `(${env.GOVSHARE_JWT_AUDIENCE}) is not an absolute URI`,
        );
    }
  }
  if (problems.length) throw new ConfigError(problems);
}
