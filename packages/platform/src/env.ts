import Ajv2020Module from 'ajv/dist/2020.js';

const Ajv2020 = (Ajv2020Module as any).default ?? Ajv2020Module;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type EnvSpec = Record<string, Record<string, unknown> & { description: string }>;

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
  const schema = { type: 'object', properties: spec, additionalProperties: false };
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
    description: 'Postgres server URL; unset = embedded PGlite',
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
} as const;
