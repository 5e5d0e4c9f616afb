import { describe, expect, it } from 'vitest';
import { commonEnvSpec, loadEnv, logStartupConfig, REDACTED, redactUrl, redactedConfig, type EnvSpec } from './env.ts';

const spec = {
  ...commonEnvSpec,
  SOME_PORT: { type: 'integer', default: 4000, description: 'a port' },
  MARKED: { type: 'string', secret: true, description: 'marked secret by the spec' },
  SERVICE_API_KEY: { type: 'string', description: 'secret by its name' },
  GITHUB_TOKEN_FILE: { type: 'string', description: 'secret by its name' },
  CLIENT_SECRET: { type: 'string', description: 'secret by its name' },
  UPSTREAM_URL: { type: 'string', description: 'a URL that may carry credentials' },
} satisfies EnvSpec;

describe('start-up configuration, as logged', () => {
  it('redacts the password of a URL, also a multi-host Postgres URL, and secret query parameters', () => {
    expect(redactUrl('postgres://govshare:s3cr%40t@db.internal:5432/hub')).toBe(
      `postgres://govshare:${REDACTED}@db.internal:5432/hub`,
    );
    expect(redactUrl('postgresql://u:p:w@h1:5432,h2:5433/db?target_session_attrs=read-write')).toBe(
      `postgresql://u:${REDACTED}@h1:5432,h2:5433/db?target_session_attrs=read-write`,
    );
    expect(redactUrl('postgres://h/db?sslmode=require&password=pw&sslpassword=x&user=u')).toBe(
      `postgres://h/db?sslmode=require&password=${REDACTED}&sslpassword=${REDACTED}&user=u`,
    );
    expect(redactUrl('https://issuer.example/jwks')).toBe('https://issuer.example/jwks');
    expect(redactUrl('postgres://user@h/db')).toBe('postgres://user@h/db');
    expect(redactUrl('not a url: with @ and :')).toBe('not a url: with @ and :');
  });

  it('shows every variable with its value after defaults, unset ones as null, secrets as [redacted]', () => {
    const source = {
      DATABASE_URL: 'postgres://govshare:hunter2hunter2@127.0.0.1:5432/hub',
      MARKED: 'marked-value',
      SERVICE_API_KEY: 'k'.repeat(40),
      GITHUB_TOKEN_FILE: '/run/secrets/t',
      CLIENT_SECRET: 'cs',
      UPSTREAM_URL: 'https://user:pw@up.example/x?token=abc',
      LOG_LEVEL: 'debug',
    };
    const env = loadEnv<Record<string, unknown>>(spec, source);
    const shown = redactedConfig(spec, env);
    expect(shown).toEqual({
      GOVSHARE_DATA_DIR: 'data',
      DATABASE_URL: `postgres://govshare:${REDACTED}@127.0.0.1:5432/hub`,
      GOVSHARE_DB_SCHEMA_PREFIX: 'govshare',
      LOG_LEVEL: 'debug',
      GOVSHARE_HOST: '127.0.0.1',
      GOVSHARE_METRICS: 'internal',
      SOME_PORT: 4000,
      MARKED: REDACTED,
      SERVICE_API_KEY: REDACTED,
      GITHUB_TOKEN_FILE: REDACTED,
      CLIENT_SECRET: REDACTED,
      UPSTREAM_URL: `https://user:${REDACTED}@up.example/x?token=${REDACTED}`,
    });
    const lines: { obj: any; msg: string }[] = [];
    logStartupConfig({ info: (obj, msg) => void lines.push({ obj, msg }) }, spec, env);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.msg).toBe('start-up configuration');
    const text = JSON.stringify(lines);
    for (const secret of ['hunter2hunter2', 'marked-value', 'k'.repeat(40), '/run/secrets/t', '"cs"', ':pw@', 'abc'])
      expect(text).not.toContain(secret);
  });

  it('a spec marked secret still validates its variable (secret is not a JSON Schema keyword ajv sees)', () => {
    expect(() => loadEnv(spec, { SOME_PORT: 'x' })).toThrow(/SOME_PORT="x": must be integer/);
    expect(loadEnv<Record<string, unknown>>(spec, { MARKED: 'v' }).MARKED).toBe('v');
  });
});
