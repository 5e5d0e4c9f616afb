import { commonEnvSpec, loadEnv, maskKeyEnvSpec } from '@govshare/platform';

export const qualityEnvSpec = {
  ...commonEnvSpec,
  ...maskKeyEnvSpec,
  QUALITY_PORT: {
    type: 'integer',
    minimum: 0,
    maximum: 65535,
    default: 4103,
    description: 'Port of the quality service',
  },
  CATALOG_URL: {
    type: 'string',
    pattern: '^https?://',
    default: 'http://127.0.0.1:4101',
    description: 'Base URL of the catalog service',
  },
  QUALITY_SCORE_ON_START: {
    type: 'boolean',
    default: true,
    description: 'At start, score every dataset never scored or changed in the catalog since its last successful run',
  },
  QUALITY_DEBOUNCE_MS: {
    type: 'integer',
    minimum: 0,
    default: 2000,
    description: 'A requested run waits this long; further requests join it',
  },
} as const;

export interface QualityEnv {
  GOVSHARE_DATA_DIR: string;
  DATABASE_URL?: string;
  GOVSHARE_DB_SCHEMA_PREFIX: string;
  LOG_LEVEL: string;
  GOVSHARE_HOST: string;
  GOVSHARE_METRICS: 'internal' | 'public' | 'off';
  QUALITY_PORT: number;
  CATALOG_URL: string;
  QUALITY_DEBOUNCE_MS: number;
  QUALITY_SCORE_ON_START: boolean;
  GOVSHARE_MASK_KEY?: string;
}

export function loadQualityEnv(source: Record<string, string | undefined> = process.env): QualityEnv {
  return loadEnv<QualityEnv>(qualityEnvSpec as any, source);
}
