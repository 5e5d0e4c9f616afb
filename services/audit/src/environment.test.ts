import { describe, expect, it } from 'vitest';
import { ConfigError } from '@govshare/platform';
import { loadAuditEnv } from './environment.ts';

describe('audit environment', () => {
  it('defaults the port and checkpoint interval, and leaves the subject key unset', () => {
    const env = loadAuditEnv({});
    expect(env).toMatchObject({ AUDIT_PORT: 4102, AUDIT_CHECKPOINT_INTERVAL_MS: 1000, GOVSHARE_DATA_DIR: 'data' });
    expect(env.AUDIT_SUBJECT_KEY).toBeUndefined();
  });

  it('names every bad variable and its rule', () => {
    try {
      loadAuditEnv({ AUDIT_PORT: 'x', AUDIT_SUBJECT_KEY: 'short' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as Error).message).toMatch(/AUDIT_PORT/);
      expect((e as Error).message).toMatch(/AUDIT_SUBJECT_KEY/);
    }
  });
});
