import { describe, expect, it } from 'vitest';
import { ConfigError } from '@govshare/platform';
import { readGatewayEnv } from './environment.ts';

describe('gateway environment', () => {
  it('caps caller token lifetimes at 12 h unless GOVSHARE_JWT_MAX_LIFETIME says otherwise, and refuses a bad value at start-up', () => {
    expect(readGatewayEnv({}).GOVSHARE_JWT_MAX_LIFETIME).toBe(43_200);
    expect(readGatewayEnv({ GOVSHARE_JWT_MAX_LIFETIME: '3600' }).GOVSHARE_JWT_MAX_LIFETIME).toBe(3600);
    for (const [value, rule] of [
      ['12h', /must be integer/],
      ['0', /must be >= 60/],
      ['99999999', /must be <= 2592000/],
    ] as const) {
      expect(() => readGatewayEnv({ GOVSHARE_JWT_MAX_LIFETIME: value }), value).toThrow(ConfigError);
      expect(() => readGatewayEnv({ GOVSHARE_JWT_MAX_LIFETIME: value }), value).toThrow(
        new RegExp(`GOVSHARE_JWT_MAX_LIFETIME="${value}": ${rule.source}`),
      );
    }
  });
});
