import { createLogger } from '@govshare/platform';
import type { ServiceStartOptions } from '@govshare/platform';
import { buildAudit, type AuditService, type BuildAuditOptions } from './app.ts';
import type { AuditFace } from './face.ts';

export { buildAudit, openAuditModule } from './app.ts';
export { auditEnvSpec, loadAuditEnv, type AuditEnv } from './environment.ts';
export type { AuditModule, AuditModuleOptions, AuditService, BuildAuditOptions } from './app.ts';
export { auditFaceSpec, createAuditFace, EXPORT_CONTENT_TYPE } from './face.ts';
export type { AuditFace, AuditFaceDeps } from './face.ts';
export { verifyExport } from './verify-export.ts';
export { verifyCheckpoint } from './checkpoints.ts';
export * as merkle from './merkle.ts';

export interface StartAuditOptions extends ServiceStartOptions {
  /** AUDIT_SUBJECT_KEY; unset = dev key file under <dataDir>/keys/. */
  subjectKey?: string;
  checkpointIntervalMs?: number;
  maxBatch?: number;
  alertRules?: BuildAuditOptions['alertRules'];
  integrity?: BuildAuditOptions['integrity'];
  /** AUDIT_ADVERTISE_URL: where the other instances reach this one; default: the address it listens on. */
  advertiseUrl?: string;
  /** AUDIT_SEQUENCER_RETRY_MS */
  sequencerRetryMs?: number;
}

export interface StartedAudit {
  url: string;
  /** The module's in-process face (the one the HTTP routes serve). */
  face: AuditFace;
  close(): Promise<void>;
  service: AuditService;
}

/** Builds the audit service and listens; for in-process use by tests, benchmarks and main.ts. */
export async function startAudit(opts: StartAuditOptions): Promise<StartedAudit> {
  const service = await buildAudit({
    databaseUrl: opts.databaseUrl,
    dataDir: opts.dataDir,
    schemaPrefix: opts.schemaPrefix,
    servicePublicJwk: opts.servicePublicJwk,
    logger: opts.logger ?? createLogger('audit'),
    subjectKey: opts.subjectKey,
    checkpointIntervalMs: opts.checkpointIntervalMs,
    maxBatch: opts.maxBatch,
    alertRules: opts.alertRules,
    integrity: opts.integrity,
    metrics: opts.metrics,
    sequencerRetryMs: opts.sequencerRetryMs,
  });
  try {
    const host = opts.host ?? '127.0.0.1';
    await service.app.listen({ host, port: opts.port ?? 4102 });
    const addr = service.app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : opts.port;
    const url = `http://${host}:${port}`;
    // On a Postgres server: compete for the sequencer lock now that the URL to advertise is known.
    await service.elect(opts.advertiseUrl ?? url);
    return { url, face: service.face, close: service.close, service };
  } catch (err) {
    await service.close();
    throw err;
  }
}
