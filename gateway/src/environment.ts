// The narrow entry points, not the package index (database drivers, Fastify): the CLIs load this and start in a fraction of the time.
import { commonEnvSpec, loadEnv } from '@govshare/platform/env';
import { maskKeyEnvSpec } from '@govshare/platform/masking';

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
} as const;

export interface GatewayEnv {
  GOVSHARE_DATA_DIR: string;
  DATABASE_URL?: string;
  GOVSHARE_DB_SCHEMA_PREFIX: string;
  LOG_LEVEL: string;
  GOVSHARE_HOST: string;
  GATEWAY_PORT: number;
  CATALOG_URL?: string;
  AUDIT_URL?: string;
  QUALITY_URL?: string;
  GOVSHARE_JWT_ISSUER: string;
  GOVSHARE_JWT_AUDIENCE: string;
  GOVSHARE_JWKS_URL?: string;
  GOVSHARE_JWT_MAX_LIFETIME: number;
  GOVSHARE_MASK_KEY?: string;
  GATEWAY_MAX_DEPTH: number;
  GATEWAY_MAX_COMPLEXITY: number;
  GATEWAY_MAX_ALIASES: number;
  GATEWAY_BODY_LIMIT: number;
  GATEWAY_GRANT_FACT_RELAY_MS: number;
}

export const readGatewayEnv = (source: Record<string, string | undefined> = process.env) =>
  loadEnv<GatewayEnv>(gatewayEnvSpec, source);
