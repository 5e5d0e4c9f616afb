// The audit module's face: what other modules (the gateway) may ask of the audit log, one function
// per question, described once by auditFaceSpec. In one process the gateway calls createAuditFace's
// functions directly; when the audit module runs as its own service, serveFace serves the same
// functions at POST /rpc/<name> and remoteFace(auditFaceSpec, client) calls them there.
import { Readable } from 'node:stream';
import type { JWK } from 'jose';
import {
  AppError,
  isDatabaseUnavailable,
  localFace,
  recycleBrokenPools,
  type ByteStream,
  type CallContext,
  type Db,
  type FaceSpec,
  type Operation,
} from '@govshare/platform';
import {
  ref,
  type AuditAlertPage,
  type AuditAlertReview,
  type AuditAlertReviewRequest,
  type AuditAppendResponse,
  type AuditCheckpoint,
  type AuditConsistencyProof,
  type AuditEvent,
  type AuditEventPage,
  type AuditEventsQuery,
  type AuditInclusionProof,
} from '@govshare/contracts';
import { isAccepted, type AuditLog } from './append.ts';
import { listCheckpoints, type Checkpointer } from './checkpoints.ts';
import { listAlerts, reviewAlert, type AlertsQuery } from './alerts.ts';
import { prepareExport, type ExportQuery } from './export.ts';
import { getConsistencyProof, getInclusionProof } from './proofs.ts';
import { lookupSubject, searchEvents } from './search.ts';

export type { AlertsQuery } from './alerts.ts';
export type { ExportQuery } from './export.ts';

export interface SubjectLookupInput {
  /** A clear identifier (resident ID, credit code, dataset key): hashed here, never stored or logged. */
  identifier: string;
  first?: number;
  after?: string;
}

export interface CheckpointsQuery {
  /** treeSize >= from */
  from?: number;
  /** treeSize <= to */
  to?: number;
  first?: number;
}

export interface InclusionQuery {
  seq: number;
  /** Default: the latest checkpoint's size (a fresh one is signed if it does not cover seq). */
  treeSize?: number;
}

export interface ConsistencyQuery {
  from: number;
  /** Default: the latest checkpoint's size. */
  to?: number;
}

export interface AlertReviewInput {
  alertId: number;
  review: AuditAlertReviewRequest;
}

/** NDJSON export of a range of the log, with its checkpoint and proofs (see export.ts). */
export const EXPORT_CONTENT_TYPE = 'application/x-ndjson; charset=utf-8';

export interface AuditFace {
  /**
   * Appends events; each stands alone. One the database refuses is reported in `rejected` and the
   * others are committed. Only when nothing was committed does the whole call fail (UNAVAILABLE if
   * the log could not commit, else the refusal).
   */
  append(input: { events: AuditEvent[] }, ctx: CallContext): Promise<AuditAppendResponse>;
  /** Search for auditors (the gateway checks the auditor role); newest first unless asked. */
  searchEvents(input: AuditEventsQuery, ctx: CallContext): Promise<AuditEventPage>;
  /** Events that returned or asked about this subject (found by its keyed HMAC). */
  lookupSubject(input: SubjectLookupInput, ctx: CallContext): Promise<AuditEventPage>;
  /** The latest signed checkpoint (one is signed if the log has grown past it). */
  latestCheckpoint(input: Record<string, never>, ctx: CallContext): Promise<AuditCheckpoint>;
  listCheckpoints(input: CheckpointsQuery, ctx: CallContext): Promise<{ checkpoints: AuditCheckpoint[] }>;
  /** The checkpoint-signing public keys: the current one first, then the retired ones. */
  publicKeys(input: Record<string, never>, ctx: CallContext): Promise<{ keys: JWK[] }>;
  inclusionProof(input: InclusionQuery, ctx: CallContext): Promise<AuditInclusionProof>;
  consistencyProof(input: ConsistencyQuery, ctx: CallContext): Promise<AuditConsistencyProof>;
  listAlerts(input: AlertsQuery, ctx: CallContext): Promise<AuditAlertPage>;
  /** Appends a review to an alert (the reviewer is the auditor the gateway authenticated). */
  reviewAlert(input: AlertReviewInput, ctx: CallContext): Promise<AuditAlertReview>;
  /** NDJSON lines (EXPORT_CONTENT_TYPE) for offline verification with verifyExport. */
  exportLog(input: ExportQuery, ctx: CallContext): Promise<ByteStream>;
}

const api = (def: string) => ({ $ref: ref('audit-api.v1.json', def) });
const noInput = { type: 'object', additionalProperties: false, properties: {} };

export const auditFaceSpec: FaceSpec<AuditFace> = {
  append: {
    input: { $ref: ref('audit-event.v1.json', 'AppendRequest') },
    output: { $ref: ref('audit-event.v1.json', 'AppendResponse') },
  },
  searchEvents: { input: api('EventsQuery'), output: api('EventPage') },
  lookupSubject: { input: api('SubjectLookup'), output: api('EventPage') },
  latestCheckpoint: { input: noInput, output: api('Checkpoint') },
  listCheckpoints: { input: api('CheckpointsQuery'), output: api('CheckpointList') },
  publicKeys: { input: noInput, output: api('Jwks') },
  inclusionProof: { input: api('InclusionQuery'), output: api('InclusionProof') },
  consistencyProof: { input: api('ConsistencyQuery'), output: api('ConsistencyProof') },
  listAlerts: { input: api('AlertsQuery'), output: api('AlertPage') },
  reviewAlert: {
    input: {
      type: 'object',
      required: ['alertId', 'review'],
      additionalProperties: false,
      properties: { alertId: { type: 'integer', minimum: 1 }, review: api('AlertReviewRequest') },
    },
    output: api('AlertReview'),
  },
  exportLog: { input: api('ExportQuery'), stream: 'download' },
};

export interface AuditFaceDeps {
  db: Db;
  log: AuditLog;
  checkpoints: Checkpointer;
  /** The current checkpoint key first, then the retired ones. */
  publicKeys: JWK[];
  subjectKey: Uint8Array;
}

/**
 * The functions only the sequencer (the one writer of the log) can answer: appends, and whatever
 * may need a checkpoint signed at the current size (latest checkpoint, proofs, exports).
 */
export const SEQUENCED = ['append', 'latestCheckpoint', 'inclusionProof', 'consistencyProof', 'exportLog'] as const;
export type SequencedFace = Pick<AuditFace, (typeof SEQUENCED)[number]>;
type ReadFace = Omit<AuditFace, (typeof SEQUENCED)[number]>;

/**
 * A database that cannot answer (an outage, a broken connection) is UNAVAILABLE to the caller in
 * process too, as the service's error handler makes it over HTTP; the broken pool is replaced.
 */
async function unavailableIfDatabaseIs<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof AppError || !isDatabaseUnavailable(err)) throw err;
    recycleBrokenPools(err);
    throw new AppError('UNAVAILABLE', 'database unavailable');
  }
}

/** The sequenced functions over one writer's log and checkpointer (inputs not checked here). */
export function createSequencedFace(d: Pick<AuditFaceDeps, 'db' | 'log' | 'checkpoints'>): SequencedFace {
  return {
    async append({ events }) {
      const outcomes = await d.log.appendEach(events);
      const accepted = outcomes.filter(isAccepted);
      const failed = outcomes.flatMap((o) => (isAccepted(o) ? [] : [o]));
      if (failed.length === 0) return { accepted };
      if (accepted.length === 0) throw (failed.find((o) => o.error.code === 'UNAVAILABLE') ?? failed[0]!).error;
      return { accepted, rejected: failed.map((o) => ({ id: o.id, code: o.error.code, message: o.error.message })) };
    },
    latestCheckpoint: () => unavailableIfDatabaseIs(() => d.checkpoints.covering(0)),
    inclusionProof: (q) => unavailableIfDatabaseIs(() => getInclusionProof(d.db, d.log, d.checkpoints, q)),
    consistencyProof: (q) => unavailableIfDatabaseIs(() => getConsistencyProof(d.db, d.log, d.checkpoints, q)),
    exportLog: (q) =>
      unavailableIfDatabaseIs(async () => ({
        contentType: EXPORT_CONTENT_TYPE,
        body: Readable.from(await prepareExport(d.db, d.log, d.checkpoints, q)),
      })),
  };
}

/** Plain reads of the database: any instance answers them, leader or not. */
function createReadFace(d: Pick<AuditFaceDeps, 'db' | 'publicKeys' | 'subjectKey'>): ReadFace {
  return {
    searchEvents: (q) => unavailableIfDatabaseIs(() => searchEvents(d.db, q)),
    lookupSubject: (q) => unavailableIfDatabaseIs(() => lookupSubject(d.db, d.subjectKey, q)),
    listCheckpoints: (q) => unavailableIfDatabaseIs(async () => ({ checkpoints: await listCheckpoints(d.db, q) })),
    publicKeys: async () => ({ keys: d.publicKeys }),
    listAlerts: (q) => unavailableIfDatabaseIs(() => listAlerts(d.db, q)),
    reviewAlert: ({ alertId, review }) => unavailableIfDatabaseIs(() => reviewAlert(d.db, alertId, review)),
  };
}

/** Inputs checked against the spec; each function rejects (never throws) as it does remote. */
function settledFace(impl: AuditFace): AuditFace {
  const face = localFace(auditFaceSpec, impl, 'audit');
  // localFace checks the input before any promise exists, so a refused input is thrown, not returned:
  // each function here rejects instead, as it does remote (`face.append(x).catch(...)` sees it).
  const settled = {} as Record<string, Operation>;
  for (const [name, fn] of Object.entries(face) as [string, Operation][])
    settled[name] = async (input, ctx) => fn(input, ctx);
  return settled as unknown as AuditFace;
}

/** The audit module's functions over its log, checkpointer and database; inputs checked against the spec. */
export function createAuditFace(d: AuditFaceDeps): AuditFace {
  return settledFace({ ...createReadFace(d), ...createSequencedFace(d) });
}

/**
 * The face of one instance among several on a Postgres server: reads from the database here, the
 * sequenced functions wherever `sequenced()` says (this instance's log while it leads, the leader's
 * face over HTTP otherwise; it throws UNAVAILABLE while no leader is known).
 */
export function createRoutedAuditFace(
  d: Pick<AuditFaceDeps, 'db' | 'publicKeys' | 'subjectKey'> & { sequenced: () => SequencedFace },
): AuditFace {
  const routed = Object.fromEntries(
    SEQUENCED.map((name) => [name, (input: any, ctx: CallContext) => (d.sequenced()[name] as Operation)(input, ctx)]),
  ) as unknown as SequencedFace;
  return settledFace({ ...createReadFace(d), ...routed });
}
