import { fileURLToPath } from 'node:url';
import type { JWK } from 'jose';
import {
  createMetricsRegistry,
  AppError,
  createServiceApp,
  createServiceTokenSigner,
  createServiceTokenVerifier,
  openDatabase,
  serveFace,
  SERVICE_TOKEN_ISSUER,
  type Database,
  type Db,
  type KeyPairJwk,
  type Logger,
  type MetricsExposure,
  type Registry,
} from '@govshare/platform';
import { AuditLog, type CommittedLeaf } from './append.ts';
import { AlertEngine, defaultAlertRules, type AlertRules } from './alerts.ts';
import { Checkpointer, keptCheckpointFile, readKeptCheckpoint } from './checkpoints.ts';
import {
  auditFaceSpec,
  createAuditFace,
  createRoutedAuditFace,
  createSequencedFace,
  SEQUENCED,
  type AuditFace,
} from './face.ts';
import { checkIntegrity, checkKeptCheckpoint, type IntegrityOptions, type IntegrityResult } from './integrity.ts';
import {
  AUDIT_PEER_CALLER,
  checkpointPublicKeys,
  loadCheckpointKeys,
  loadPeerKeys,
  loadSubjectKey,
  type CheckpointKeys,
} from './keys.ts';
import { Sequencer } from './sequencer.ts';
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
  /**
   * Postgres server: start competing for the sequencer lock at once (default true), advertising
   * `advertiseUrl` to the followers. The audit service starts it once it listens (see elect).
   */
  elect?: boolean;
  /** Where the other instances reach this one's face while it is the sequencer. */
  advertiseUrl?: string;
  /** How often a standby tries to become the sequencer, and the leader checks it still is (default 1000). */
  sequencerRetryMs?: number;
  /** The key pair forwarded calls are signed with; default: <dataDir>/keys/audit-peer.jwk.json. */
  peerKeys?: KeyPairJwk;
}

/** The audit module without HTTP: its face and what is behind it. */
export interface AuditModule {
  /** What other modules may call (in process; serveFace makes it remote). */
  face: AuditFace;
  database: Database<typeof tables>;
  db: Db;
  /** The log and checkpointer of the current term (PGlite: always); UNAVAILABLE while not the sequencer. */
  readonly log: AuditLog;
  readonly checkpoints: Checkpointer;
  /** Postgres server: the election (null on PGlite, which is one process and always the writer). */
  sequencer: Sequencer | null;
  /** Starts competing for the sequencer lock (once; no-op on PGlite or when already started). */
  elect(advertiseUrl?: string): Promise<void>;
  /** The public key of the forwarded calls (the service accepts them for the sequenced functions). */
  peerPublicJwk: JWK;
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
  `GRANT SELECT, INSERT ON "${schema}".events, "${schema}".tree_nodes, "${schema}".checkpoints, "${schema}".alerts, "${schema}".alert_reviews, "${schema}".sequencer_terms TO "${role}"`,
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
  const sequencerMode = database.kind === 'postgres' && database.openSession !== undefined;
  try {
    const publicKeys = checkpointPublicKeys(checkpointKeys);
    const keptFile = keptCheckpointFile(opts.dataDir, database.schema);
    // Read before the log is counted: another instance (the sequencer) may keep a newer one meanwhile.
    const kept = keptFile ? await readKeptCheckpoint(keptFile) : null;
    const integrity = await checkIntegrity(db, { publicKeys, ...opts.integrity });
    if (keptFile) await checkKeptCheckpoint(db, integrity.size, kept, keptFile, publicKeys);
    opts.logger.info({ size: integrity.size, mode: integrity.mode }, 'audit log integrity verified');
    const alerts = new AlertEngine(db, opts.logger, { ...defaultAlertRules, ...opts.alertRules });
    const peerKeys = opts.peerKeys ?? (await loadPeerKeys(opts.dataDir));
    const intervalMs = opts.checkpointIntervalMs ?? 1000;

    /** Set once metrics are registered: hooks each new term's log. */
    let attachMetrics: ((log: AuditLog) => void) | undefined;
    /** A writer's log and checkpointer: on PGlite the one for good, on a server one per term. */
    const startWriter = async (writeDb: Db, fence?: { sql: string; onFenced: () => void }) => {
      let checkpoints: Checkpointer | undefined;
      const log = new AuditLog({
        db: writeDb,
        subjectKey,
        logger: opts.logger,
        maxBatch: opts.maxBatch,
        fence: fence?.sql,
        onFenced: fence?.onFenced,
        // Read-only or terminated connections are replaced at once, not kept until their lifetime ends.
        onStoreError: (err) => database.recycleIfBroken(err),
        onCommitted: (leaves: CommittedLeaf[]) => {
          checkpoints?.notify();
          alerts.onCommitted(leaves);
        },
      });
      await log.load();
      attachMetrics?.(log);
      checkpoints = new Checkpointer({
        db,
        log,
        privateJwk: checkpointKeys.privateJwk,
        intervalMs,
        logger: opts.logger,
        keptFile,
        ...(fence ? { writer: { db: writeDb, fence: fence.sql } } : {}),
      });
      await checkpoints.init();
      const cps = checkpoints;
      /** Stops the writer; `final` signs a last checkpoint first (a graceful stop, not a lost lock). */
      const stop = async (final: boolean) => {
        await log.close();
        if (final) await cps.signNow().catch((err) => opts.logger.error({ err }, 'final checkpoint failed'));
        await cps.close();
      };
      return { log, checkpoints: cps, stop };
    };

    let writer: Awaited<ReturnType<typeof startWriter>> | null = null;
    let sequencer: Sequencer | null = null;
    let face: AuditFace;
    if (!sequencerMode) {
      writer = await startWriter(db);
      face = createAuditFace({ db, log: writer.log, checkpoints: writer.checkpoints, publicKeys, subjectKey });
    } else {
      sequencer = new Sequencer({
        database,
        retryMs: opts.sequencerRetryMs ?? 1000,
        logger: opts.logger,
        peerSigner: createServiceTokenSigner(peerKeys.privateJwk, AUDIT_PEER_CALLER),
        get advertiseUrl() {
          return advertised;
        },
        async startTerm(session, fence, onFenced) {
          const w = await startWriter(session, { sql: fence, onFenced });
          writer = w;
          return {
            face: createSequencedFace({ db, log: w.log, checkpoints: w.checkpoints }),
            close: async (final = false) => {
              if (writer === w) writer = null;
              await w.stop(final);
            },
          };
        },
      });
      const seq = sequencer;
      face = createRoutedAuditFace({ db, publicKeys, subjectKey, sequenced: () => seq.sequenced() });
    }
    let advertised = opts.advertiseUrl;
    let electing: Promise<void> | undefined;
    const elect = (url?: string) => {
      if (url !== undefined && !electing) advertised = url;
      return (electing ??= sequencer?.start() ?? Promise.resolve());
    };
    if (opts.elect !== false) await elect();
    const current = () => {
      if (!writer) throw new AppError('UNAVAILABLE', 'this audit instance is not the sequencer at the moment');
      return writer;
    };

    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        if (sequencer) await sequencer.close();
        else await writer!.stop(true);
        await alerts.idle();
        await database.close();
      })());
    return {
      face,
      database,
      db,
      get log() {
        return current().log;
      },
      get checkpoints() {
        return current().checkpoints;
      },
      sequencer,
      elect,
      peerPublicJwk: peerKeys.publicJwk,
      alerts,
      integrity,
      publicKeys,
      subjectKey,
      ready: async () => {
        await database.probe({ writable: true });
        if (sequencer && !sequencer.hasLeader()) throw new Error('no audit sequencer is elected');
      },
      registerMetrics: (registry) => {
        attachMetrics = registerAuditMetrics(registry, () => writer?.log ?? null, database);
      },
      close,
    };
  } catch (err) {
    await database.close();
    throw err;
  }
}

const PEER_ROUTES = new Set(SEQUENCED.map((name) => `/rpc/${name}`));

/** The audit module and its HTTP app: its face served to the gateway's service token only. */
export async function buildAudit(opts: BuildAuditOptions): Promise<AuditService> {
  // The election starts once the service listens (startAudit), so the leader can advertise its URL.
  const mod = await openAuditModule({ ...opts, elect: false });
  try {
    const registry = createMetricsRegistry();
    mod.registerMetrics(registry);
    const app = createServiceApp({
      metrics: { registry, serve: opts.metrics !== 'off' },
      logger: opts.logger,
      // The gateway's tokens (issuer govshare-gateway, audience audit), and the other audit
      // instances' forwarded calls (issuer govshare-audit), which may only reach the sequenced functions.
      verifyServiceToken: createServiceTokenVerifier(
        [
          { publicJwk: opts.servicePublicJwk, issuer: SERVICE_TOKEN_ISSUER },
          { publicJwk: mod.peerPublicJwk, issuer: AUDIT_PEER_CALLER.issuer },
        ],
        'audit',
      ),
      mayCall: (caller, req) => caller.iss !== AUDIT_PEER_CALLER.issuer || PEER_ROUTES.has(req.url.split('?')[0]!),
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
    // Copied with their descriptors: `log` and `checkpoints` are getters (the current term's).
    return Object.defineProperties({} as AuditService, {
      ...Object.getOwnPropertyDescriptors(mod),
      app: { value: app, enumerable: true },
      close: { value: close, enumerable: true },
    });
  } catch (err) {
    await mod.close();
    throw err;
  }
}
