import { commonEnvSpec, ConfigError, loadEnv } from '@govshare/platform';
import { workingCalendar } from './deadlines.ts';

const DATE_LIST = '^(\\d{4}-\\d{2}-\\d{2}(,\\d{4}-\\d{2}-\\d{2})*)?$';

export const catalogEnvSpec = {
  ...commonEnvSpec,
  CATALOG_PORT: {
    type: 'integer',
    minimum: 0,
    maximum: 65535,
    default: 4101,
    description: 'Port the catalog listens on',
  },
  GOVSHARE_DEMO_DATA: {
    type: 'boolean',
    default: true,
    description: 'Load the demo departments, datasets and records into an empty catalog',
  },
  GOVSHARE_HOLIDAYS: {
    type: 'string',
    pattern: DATE_LIST,
    default: '',
    description: 'Public holidays for access request deadlines: comma-separated YYYY-MM-DD (China Standard Time)',
  },
  GOVSHARE_MAKEUP_WORKDAYS: {
    type: 'string',
    pattern: DATE_LIST,
    default: '',
    description: 'Make-up working days (调休) on weekends: comma-separated YYYY-MM-DD',
  },
  GOVSHARE_SANDBOX_K: {
    type: 'integer',
    minimum: 2,
    maximum: 1000,
    default: 10,
    description: 'Sandbox: groups with fewer subjects are suppressed',
  },
  GOVSHARE_INGEST_MAX_CELL_BYTES: {
    type: 'integer',
    minimum: 1024,
    maximum: 16 * 1024 * 1024,
    default: 64 * 1024,
    description: 'Largest ingested value (a CSV cell, a JSON string, a whole NDJSON line), UTF-8 bytes',
  },
} as const;

export interface CatalogEnv {
  GOVSHARE_DATA_DIR: string;
  DATABASE_URL?: string;
  GOVSHARE_DB_SCHEMA_PREFIX: string;
  LOG_LEVEL: string;
  GOVSHARE_HOST: string;
  GOVSHARE_METRICS: 'internal' | 'public' | 'off';
  CATALOG_PORT: number;
  GOVSHARE_DEMO_DATA: boolean;
  GOVSHARE_HOLIDAYS: string;
  GOVSHARE_MAKEUP_WORKDAYS: string;
  GOVSHARE_SANDBOX_K: number;
  GOVSHARE_INGEST_MAX_CELL_BYTES: number;
}

export function loadCatalogEnv(source: Record<string, string | undefined> = process.env): CatalogEnv {
  const env = loadEnv<CatalogEnv>(catalogEnvSpec, source);
  // The pattern checks the shape; whether each entry is a real date is the calendar's rule.
  const problems: string[] = [];
  for (const name of ['GOVSHARE_HOLIDAYS', 'GOVSHARE_MAKEUP_WORKDAYS'] as const) {
    try {
      workingCalendar({ holidays: dateList(env[name]) });
    } catch (err) {
      problems.push(
        `${name}=${JSON.stringify(env[name])}: ${(err as Error).message.replace(/^working calendar: /, '')}`,
      );
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return env;
}

/** A comma-separated date list as the environment gives it ('' = none). */
export const dateList = (value: string): string[] => (value ? value.split(',') : []);
