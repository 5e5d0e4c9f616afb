import { describe, expect, it } from 'vitest';
import { ConfigError } from '@govshare/platform';
import { loadCatalogEnv } from './environment.ts';

describe('catalog environment', () => {
  it('defaults, coerces and names bad variables', () => {
    expect(loadCatalogEnv({})).toMatchObject({
      CATALOG_PORT: 4101,
      GOVSHARE_DEMO_DATA: true,
      GOVSHARE_HOST: '127.0.0.1',
    });
    expect(loadCatalogEnv({ CATALOG_PORT: '5000', GOVSHARE_DEMO_DATA: 'false' })).toMatchObject({
      CATALOG_PORT: 5000,
      GOVSHARE_DEMO_DATA: false,
    });
    expect(() => loadCatalogEnv({ CATALOG_PORT: 'http' })).toThrow(ConfigError);
    expect(() => loadCatalogEnv({ CATALOG_PORT: 'http' })).toThrow(/CATALOG_PORT/);
  });

  it('refuses a well-shaped impossible date in the working calendar, naming the variable', () => {
    expect(() => loadCatalogEnv({ GOVSHARE_HOLIDAYS: '2026-10-01,2026-13-01' })).toThrow(ConfigError);
    expect(() => loadCatalogEnv({ GOVSHARE_HOLIDAYS: '2026-10-01,2026-13-01' })).toThrow(
      /GOVSHARE_HOLIDAYS="2026-10-01,2026-13-01": "2026-13-01" is not a date/,
    );
    expect(() => loadCatalogEnv({ GOVSHARE_MAKEUP_WORKDAYS: '2026-02-30' })).toThrow(
      /GOVSHARE_MAKEUP_WORKDAYS=.*"2026-02-30" is not a date/,
    );
    expect(loadCatalogEnv({ GOVSHARE_HOLIDAYS: '2026-10-01' }).GOVSHARE_HOLIDAYS).toBe('2026-10-01');
  });

  it('bounds the ingest value size limit', () => {
    expect(loadCatalogEnv({}).GOVSHARE_INGEST_MAX_CELL_BYTES).toBe(65536);
    expect(loadCatalogEnv({ GOVSHARE_INGEST_MAX_CELL_BYTES: '1048576' }).GOVSHARE_INGEST_MAX_CELL_BYTES).toBe(1048576);
    for (const bad of ['0', '100', '64k', String(32 * 1024 * 1024)]) {
      expect(() => loadCatalogEnv({ GOVSHARE_INGEST_MAX_CELL_BYTES: bad })).toThrow(/GOVSHARE_INGEST_MAX_CELL_BYTES/);
    }
  });
});
