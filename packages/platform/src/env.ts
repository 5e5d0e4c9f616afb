import Ajv2020Module from 'ajv/dist/2020.js';

const Ajv2020 = (Ajv2020Module as any).default ?? Ajv2020Module;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** One JSON Schema per variable; `secret: true` marks a value never to be logged (a key, a password). */
export type EnvSpec = Record<string, Record<string, unknown> & { description: string; secret?: boolean }>;

/** Strips the spec's own annotations (`secret`) from what ajv validates. */
const schemaOf = ({ secret: _secret, ...schema }: EnvSpec[string]) => schema;

/**
 * Reads the variables named in `spec` (a JSON Schema per variable) from the environment, coerces
 * and defaults them with ajv, and throws one ConfigError that names every bad variable and its rule.
 */
export function loadEnv<T>(spec: EnvSpec, source: Record<string, string | undefined> = process.env): T {
  const input: Record<string, unknown> = {};
  for (const name of Object.keys(spec)) {
    const raw = source[name];
    if (raw !== undefined && raw !== '') input[name] = raw;
  }
  const properties = Object.fromEntries(Object.entries(spec).map(([name, v]) => [name, schemaOf(v)]));
  const schema = { type: 'object', properties, additionalProperties: false };
  const ajv = new Ajv2020({ allErrors: true, coerceTypes: true, useDefaults: true, strict: false });
  const validate = ajv.compile(schema);
  if (!validate(input)) {
    const problems = (validate.errors ?? []).map((e: any) => {
      const name = e.instancePath.replace(/^\//, '') || e.params?.missingProperty || '(env)';
      return `${name}=${JSON.stringify(source[name] ?? '')}: ${e.message}`;
    });
    throw new ConfigError(problems);
  }
  return input as T;
}

/** Shared variables every service reads. */
export const commonEnvSpec = {
  GOVSHARE_DATA_DIR: {
    type: 'string',
    default: 'data',
    description: 'Directory for embedded databases and dev keys (git-ignored)',
  },
  DATABASE_URL: {
    type: 'string',
    pattern: '^postgres(ql)?://',
    description: 'Postgres server URL; unset = embedded PGlite (its password is redacted in the start-up log)',
  },
  GOVSHARE_DB_SCHEMA_PREFIX: {
    type: 'string',
    pattern: '^[a-z][a-z0-9_]{0,40}$',
    default: 'govshare',
    description: 'Prefix of the per-service Postgres schema in server mode',
  },
  LOG_LEVEL: {
    enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    description: 'pino log level',
  },
  GOVSHARE_HOST: { type: 'string', default: '127.0.0.1', description: 'Interface to listen on' },
  GOVSHARE_METRICS: {
    enum: ['internal', 'public', 'off'],
    default: 'internal',
    description:
      'Where /metrics is served: internal = the hub on its own listener (GOVSHARE_METRICS_HOST:PORT), ' +
      'the internal services on their port; public = also on the hub’s public port; off = nowhere',
  },
} as const;

export const REDACTED = '[redacted]';

/** Names that say "secret" whatever the spec marks: keys, secrets, tokens, passwords. */
const SECRET_NAME = /(_KEY|_SECRET|TOKEN|PASSWORD|PASSPHRASE)/i;
/** Query parameters of a URL that carry a secret (libpq's password, sslpassword, a token...). */
const SECRET_PARAM = /(pass|secret|token|key)/i;

/**
 * A URL's password (user:password@, also in a multi-host Postgres URL that URL() does not parse)
 * and secret query parameters replaced by [redacted]; anything else is returned as it is.
 */
export function redactUrl(value: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
  const [head, ...rest] = value.split('?');
  const userinfo = head!.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^@/?#]*@/i, `$1:${REDACTED}@`);
  if (rest.length === 0) return userinfo;
  const query = rest
    .join('?')
    .split('&')
    .map((pair) => {
      const [k, ...v] = pair.split('=');
      return v.length && SECRET_PARAM.test(decodeURIComponent(k!)) ? `${k}=${REDACTED}` : pair;
    })
    .join('&');
  return `${userinfo}?${query}`;
}

/**
 * The configuration as it may be logged: every variable of the spec with its value (after defaults),
 * unset ones as null; secret ones (marked `secret: true`, or named like a key, secret, token or
 * password) as [redacted] when set, and URLs without their password.
 */
export function redactedConfig(spec: EnvSpec, env: object): Record<string, unknown> {
  const values = env as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(spec)) {
    const value = values[name];
    if (value === undefined || value === null || value === '') out[name] = null;
    else if (spec[name]!.secret || SECRET_NAME.test(name)) out[name] = REDACTED;
    else out[name] = typeof value === 'string' ? redactUrl(value) : value;
  }
  return out;
}

/** Logs, once at start, what the process was configured with (secrets redacted): the first thing to check in an incident. */
export function logStartupConfig(logger: { info(obj: object, msg: string): void }, spec: EnvSpec, env: object): void {
  logger.info({ config: redactedConfig(spec, env) }, 'start-up configuration');
}
