import { commonEnvSpec, loadEnv } from '@govshare/platform';

export const catalogEnvSpec = {
  ...commonEnvSpec,
  CATALOG_PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 4101, description: 'Port the catalog listens on' },
  GOVSHARE_DEMO_DATA: { type: 'boolean', default: true, description: 'Load the demo departments, datasets and records into an empty catalog' },
} as const;

export interface CatalogEnv {
  GOVSHARE_DATA_DIR: string;
  DATABASE_URL?: string;
  GOVSHARE_DB_SCHEMA_PREFIX: string;
  LOG_LEVEL: string;
  GOVSHARE_HOST: string;
  CATALOG_PORT: number;
  GOVSHARE_DEMO_DATA: boolean;
}

export function loadCatalogEnv(source: Record<string, string | undefined> = process.env): CatalogEnv {
  return loadEnv<CatalogEnv>(catalogEnvSpec, source);
}
