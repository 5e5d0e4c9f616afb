import { commonEnvSpec, loadEnv } from '@govshare/platform';

export const auditEnvSpec = {
  ...commonEnvSpec,
  AUDIT_PORT: {
    type: 'integer',
    minimum: 0,
    maximum: 65535,
    default: 4102,
    description: 'Port the audit service listens on',
  },
  AUDIT_SUBJECT_KEY: {
    type: 'string',
    minLength: 32,
    secret: true,
    description:
      'Secret key (>= 32 characters) for the keyed HMAC-SHA256 of subject identifiers; unset = dev key file <GOVSHARE_DATA_DIR>/keys/audit-subject.key',
  },
  AUDIT_CHECKPOINT_INTERVAL_MS: {
    type: 'integer',
    minimum: 10,
    maximum: 600000,
    default: 1000,
    description:
      'Longest wait between a committed batch and the signed checkpoint covering it (also the minimum spacing of checkpoints)',
  },
  AUDIT_ADVERTISE_URL: {
    type: 'string',
    pattern: '^https?://[^\\s/]+$',
    description:
      'Postgres server: the URL (scheme://host:port) the other audit instances use to forward appends while this one is the sequencer; unset = the address it listens on',
  },
  AUDIT_SEQUENCER_RETRY_MS: {
    type: 'integer',
    minimum: 50,
    maximum: 60000,
    default: 1000,
    description:
      'Postgres server: how often a standby tries to become the sequencer and the sequencer checks it still holds its lock (bounds the takeover time after a leader dies)',
  },
} as const;

export interface AuditEnv {
  GOVSHARE_DATA_DIR: string;
  DATABASE_URL?: string;
  GOVSHARE_DB_SCHEMA_PREFIX: string;
  LOG_LEVEL: string;
  GOVSHARE_HOST: string;
  GOVSHARE_METRICS: 'internal' | 'public' | 'off';
  AUDIT_PORT: number;
  AUDIT_SUBJECT_KEY?: string;
  AUDIT_CHECKPOINT_INTERVAL_MS: number;
  AUDIT_ADVERTISE_URL?: string;
  AUDIT_SEQUENCER_RETRY_MS: number;
}

export function loadAuditEnv(source: Record<string, string | undefined> = process.env): AuditEnv {
  return loadEnv<AuditEnv>(auditEnvSpec, source);
}
