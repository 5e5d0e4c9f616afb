import { fileURLToPath } from 'node:url';
import type { JWK } from 'jose';
import {
  createMetricsRegistry,
  createServiceApp,
  createServiceTokenVerifier,
  openDatabase,
  serveFace,
  type Database,
  type Db,
  type Logger,
  type MetricsExposure,
  type Registry,
} from '@govshare/platform';
import { AuditLog } from './append.ts';
import { AlertEngine, defaultAlertRules, type AlertRules } from './alerts.ts';
import { Checkpointer, keptCheckpointFile, readKeptCheckpoint } from './checkpoints.ts';
import { auditFaceSpec, createAuditFace, type AuditFace } from './face.ts';
import { checkIntegrity, checkKeptCheckpoint, type IntegrityOptions, type IntegrityResult } from './integrity.ts';
import { checkpointPublicKeys, loadCheckpointKeys, loadSubjectKey, type CheckpointKeys } from './keys.ts';
import { tables } from './schema.ts';
import { registerAuditMetrics } from './metrics.ts';

export const migrationsFolder = fileURLToPath(new URL('../migrations/', import.meta.url));

type FastifyInstance = ReturnType<typeof createServiceApp>;

export interface AuditModuleOptions {
  databaseUrl?: string;
  dataDir: string;
  schemaPrefix?: string;
  logger: Logger;
  /** The audit module's own checkpoint-signing key pair; default: the key files under <dataDir>/keys/. */
  checkpointKeys?: CheckpointKeys;
  /** Secret of the subject HMAC (text: AUDIT_SUBJECT_KEY); default: the dev key file under <dataDir>/keys/. */
  subjectKey?: Uint8Array | string;
  checkpointIntervalMs?: number;
  maxBatch?: number;
  alertRules?: Partial<AlertRules>;
  integrity?: Omit<IntegrityOptions, 'publicKeys'>;
  poolSize?: number;
}

/** The audit module without HTTP: its face and what is behind it. */
export interface AuditModule {
  /** What other modules may call (in process; serveFace makes it remote). */
  face: AuditFace;
  database: Database<typeof tables>;
  db: Db;
  log: AuditLog;
  checkpoints: Checkpointer;
  alerts: AlertEngine;
  integrity: IntegrityResult;
  /** The current checkpoint key first, then the retired ones. */
  publicKeys: JWK[];
  /** Resolves when the log can commit: the database answers within a second and the connection is writable. */
  ready(): Promise<void>;
  /** The subject HMAC's secret (tests compute the keys they look for). */
  subjectKey: Uint8Array;
  /** Adds the module's metrics (group commit, queue, pool) to the registry of the process serving /metrics. */
  registerMetrics(registry: Registry): void;
  /** Stops accepting events, commits the queued ones, signs a last checkpoint, closes the database. */
  close(): Promise<void>;
}

export interface BuildAuditOptions extends AuditModuleOptions {
  /** The gateway's public key: only its service tokens with aud "audit" are accepted. */
  servicePublicJwk: JWK;
  /** 'off': no /metrics route; otherwise served on the service's (internal) port. Default 'internal'. */
  metrics?: MetricsExposure;
}

/** The audit service: the module served over HTTP (POST /rpc/<name> per function of its face). */
export interface AuditService extends AuditModule {
  app: FastifyInstance;
}

export const AUDIT_RUNTIME_ROLE = 'govshare_audit_appender';
const appendOnlyGrants = (schema: string, role: string) => [
  `GRANT SELECT, INSERT ON "${schema}".events, "${schema}".tree_nodes, "${schema}".checkpoints, "${schema}".alerts, "${schema}".alert_reviews TO "${role}"`,
  `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "${schema}" TO "${role}"`,
];

/**
 * Opens the database, checks the stored log, loads the tree edge, starts the group-committing log,
 * the checkpointer and the alert engine: everything of the audit module but HTTP.
 */
export async function openAuditModule(opts: AuditModuleOptions): Promise<AuditModule> {
  const checkpointKeys = opts.checkpointKeys ?? (await loadCheckpointKeys(opts.dataDir));
  const subjectKey =
    typeof opts.subjectKey === 'string' || opts.subjectKey === undefined
      ? loadSubjectKey(opts.dataDir, opts.subjectKey)
      : opts.subjectKey;
  const database = await openDatabase({
    service: 'audit',
    tables,
    migrationsFolder,
    databaseUrl: opts.databaseUrl,
    dataDir: opts.dataDir,
    schemaPrefix: opts.schemaPrefix,
    poolSize: opts.poolSize,
    // In server mode the module does not run as the owner of its tables: it may read and append,
    // nothing else (it cannot update, delete, truncate, or disable the append-only triggers).
    runtimeRole: { name: AUDIT_RUNTIME_ROLE, grants: appendOnlyGrants },
    // An acknowledged event is on the synchronous standby too (when the primary names one): a failover
    // loses no acked event, whatever synchronous_commit the server gives the other modules.
    synchronousCommit: 'on',
  });
  if (database.kind === 'postgres' && !database.role) {
    opts.logger.warn(
      'the database user may not create roles: the audit module runs as the owner of its tables (triggers still refuse changes)',
    );
  }
  const { db } = database;
  try {
    const publicKeys = checkpointPublicKeys(checkpointKeys);
    const integrity = await checkIntegrity(db, { publicKeys, ...opts.integrity });
    const keptFile = keptCheckpointFile(opts.dataDir, database.schema);
    if (keptFile)
      await checkKeptCheckpoint(db, integrity.size, await readKeptCheckpoint(keptFile), keptFile, publicKeys);
    opts.logger.info({ size: integrity.size, mode: integrity.mode }, 'audit log integrity verified');
    const alerts = new AlertEngine(db, opts.logger, { ...defaultAlertRules, ...opts.alertRules });
    let checkpoints: Checkpointer | undefined;
    const log = new AuditLog({
      db,
      subjectKey,
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
      privateJwk: checkpointKeys.privateJwk,
      intervalMs: opts.checkpointIntervalMs ?? 1000,
      logger: opts.logger,
      keptFile,
    });
    await checkpoints.init();
    const face = createAuditFace({ db, log, checkpoints, publicKeys, subjectKey });

    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        await log.close();
        await checkpoints!.signNow().catch((err) => opts.logger.error({ err }, 'final checkpoint failed'));
        await checkpoints!.close();
        await alerts.idle();
        await database.close();
      })());
    return {
      face,
      database,
      db,
      log,
      checkpoints,
      alerts,
      integrity,
      publicKeys,
      subjectKey,
      ready: () => database.probe({ writable: true }),
      registerMetrics: (registry) => registerAuditMetrics(registry, log, database),
      close,
    };
  } catch (err) {
    await database.close();
    throw err;
  }
}

/** The audit module and its HTTP app: its face served to the gateway's service token only. */
export async function buildAudit(opts: BuildAuditOptions): Promise<AuditService> {
  const mod = await openAuditModule(opts);
  try {
    const registry = createMetricsRegistry();
    mod.registerMetrics(registry);
    const app = createServiceApp({
      metrics: { registry, serve: opts.metrics !== 'off' },
      logger: opts.logger,
      // A bare key: the gateway's tokens only (issuer govshare-gateway, audience audit).
      verifyServiceToken: createServiceTokenVerifier(opts.servicePublicJwk, 'audit'),
      bodyLimit: 8 * 1024 * 1024,
      ready: mod.ready,
    });
    serveFace(app, auditFaceSpec, mod.face);
    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        // In-flight requests finish first, then the log drains.
        await app.close();
        await mod.close();
      })());
    return { ...mod, app, close };
  } catch (err) {
    await mod.close();
    throw err;
  }
}
