import { fileURLToPath } from 'node:url';
import type { JWK } from 'jose';
import {
  createServiceApp,
  createServiceTokenVerifier,
  openDatabase,
  type Database,
  type Logger,
} from '@govshare/platform';
import { AuditLog } from './append.ts';
import { AlertEngine, defaultAlertRules, type AlertRules } from './alerts.ts';
import { Checkpointer, keptCheckpointFile, readKeptCheckpoint } from './checkpoints.ts';
import { checkIntegrity, checkKeptCheckpoint, type IntegrityOptions, type IntegrityResult } from './integrity.ts';
import { checkpointPublicKeys, type CheckpointKeys } from './keys.ts';
import { registerRoutes } from './routes.ts';
import { tables } from './schema.ts';

export const migrationsFolder = fileURLToPath(new URL('../migrations/', import.meta.url));

type FastifyInstance = ReturnType<typeof createServiceApp>;

export interface BuildAuditOptions {
  databaseUrl?: string;
  dataDir: string;
  schemaPrefix?: string;
  /** The gateway's public key: only its service tokens with aud "audit" are accepted. */
  servicePublicJwk: JWK;
  logger: Logger;
  /** The audit service's own checkpoint-signing key pair. */
  checkpointKeys: CheckpointKeys;
  /** Secret of the subject HMAC. */
  subjectKey: Uint8Array;
  checkpointIntervalMs?: number;
  maxBatch?: number;
  alertRules?: Partial<AlertRules>;
  integrity?: Omit<IntegrityOptions, 'publicKeys'>;
  poolSize?: number;
}

export interface AuditService {
  app: FastifyInstance;
  database: Database<typeof tables>;
  log: AuditLog;
  checkpoints: Checkpointer;
  alerts: AlertEngine;
  integrity: IntegrityResult;
  close(): Promise<void>;
}

export const AUDIT_RUNTIME_ROLE = 'govshare_audit_appender';
const appendOnlyGrants = (schema: string, role: string) => [
  `GRANT SELECT, INSERT ON "${schema}".events, "${schema}".tree_nodes, "${schema}".checkpoints, "${schema}".alerts, "${schema}".alert_reviews TO "${role}"`,
  `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "${schema}" TO "${role}"`,
];

/** Opens the database, checks the stored log, loads the tree edge and builds the HTTP app. */
export async function buildAudit(opts: BuildAuditOptions): Promise<AuditService> {
  const database = await openDatabase({
    service: 'audit',
    tables,
    migrationsFolder,
    databaseUrl: opts.databaseUrl,
    dataDir: opts.dataDir,
    schemaPrefix: opts.schemaPrefix,
    poolSize: opts.poolSize,
    // In server mode the service does not run as the owner of its tables: it may read and append,
    // nothing else (it cannot update, delete, truncate, or disable the append-only triggers).
    runtimeRole: { name: AUDIT_RUNTIME_ROLE, grants: appendOnlyGrants },
  });
  if (database.kind === 'postgres' && !database.role) {
    opts.logger.warn(
      'the database user may not create roles: the audit service runs as the owner of its tables (triggers still refuse changes)',
    );
  }
  const { db } = database;
  try {
    const publicKeys = checkpointPublicKeys(opts.checkpointKeys);
    const integrity = await checkIntegrity(db, { publicKeys, ...opts.integrity });
    const keptFile = keptCheckpointFile(opts.dataDir, database.schema);
    if (keptFile)
      await checkKeptCheckpoint(db, integrity.size, await readKeptCheckpoint(keptFile), keptFile, publicKeys);
    opts.logger.info({ size: integrity.size, mode: integrity.mode }, 'audit log integrity verified');
    const alerts = new AlertEngine(db, opts.logger, { ...defaultAlertRules, ...opts.alertRules });
    let checkpoints: Checkpointer | undefined;
    const log = new AuditLog({
      db,
      subjectKey: opts.subjectKey,
      logger: opts.logger,
      maxBatch: opts.maxBatch,
      // Read-only or terminated connections are replaced at once, not kept until their lifetime ends.
      onStoreError: (err) => database.recycleIfBroken(err),
      onCommitted: (leaves) => {
        checkpoints?.notify();
        alerts.onCommitted(leaves);
      },
    });
    await log.load();
    checkpoints = new Checkpointer({
      db,
      log,
      privateJwk: opts.checkpointKeys.privateJwk,
      intervalMs: opts.checkpointIntervalMs ?? 1000,
      logger: opts.logger,
      keptFile,
    });
    await checkpoints.init();

    const app = createServiceApp({
      logger: opts.logger,
      verifyServiceToken: createServiceTokenVerifier(opts.servicePublicJwk, 'audit'),
      bodyLimit: 8 * 1024 * 1024,
      // Ready = can commit: the database answers within a second and the connection is writable.
      ready: () => database.probe({ writable: true }),
    });
    registerRoutes(app, {
      db,
      log,
      checkpoints,
      publicKeys: checkpointPublicKeys(opts.checkpointKeys),
      subjectKey: opts.subjectKey,
    });

    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        await app.close();
        await log.close();
        await checkpoints!.signNow().catch((err) => opts.logger.error({ err }, 'final checkpoint failed'));
        await checkpoints!.close();
        await alerts.idle();
        await database.close();
      })());
    return { app, database, log, checkpoints, alerts, integrity, close };
  } catch (err) {
    await database.close();
    throw err;
  }
}
