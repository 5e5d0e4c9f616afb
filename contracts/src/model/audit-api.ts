import { Type, type TSchema } from '@sinclair/typebox';
import { anyObject, contractFile, literals, local, oneOf, typeList } from './build.ts';
import { AUDIT_OUTCOMES, eventProperty } from './audit-event.ts';

export const AUDIT_ALERT_KINDS = [
  'repeated_denials',
  'grant_purpose_mismatch',
  'grant_used_after_revoke',
  'grant_used_after_expiry',
  'large_read',
  'sandbox_probing',
  'sandbox_budget_burn',
] as const;
export const AUDIT_ALERT_REVIEW_OUTCOMES = ['confirmed', 'false_positive'] as const;

const closed = { additionalProperties: false } as const;
const strict = <T extends Record<string, TSchema>>(properties: T) => Type.Object(properties, closed);
const { Optional } = Type;

export const Hex32 = Type.String({ pattern: '^[0-9a-f]{64}$' });
export const Seq = Type.Integer({ minimum: 0 });
export const Size = Type.Integer({ minimum: 0 });
const hex32 = () => local(Hex32, 'Hex32');
const seq = (description?: string) => local(Seq, 'Seq', description ? { description } : undefined);
const size = (description?: string) => local(Size, 'Size', description ? { description } : undefined);
/** The seq after which the next page starts. */
const afterSeq = (description?: string) =>
  Type.String({ pattern: '^[0-9]{1,15}$', ...(description ? { description } : {}) });
const pageSize = (maximum: number, dflt: number) => Type.Integer({ minimum: 1, maximum, default: dflt });
const nonEmpty = () => Type.String({ minLength: 1 });

export const AuditStoredEvent = Type.Object(
  {
    seq: seq(),
    id: eventProperty('id'),
    at: eventProperty('at'),
    requestId: eventProperty('requestId'),
    actor: eventProperty('actor'),
    action: eventProperty('action'),
    dataset: Optional(Type.String()),
    datasetVersion: Optional(Type.Integer()),
    fields: Optional(Type.Array(Type.String())),
    maskedFields: Optional(Type.Array(Type.String())),
    filter: Optional(Type.Unknown()),
    recordCount: Optional(Type.Integer({ minimum: 0 })),
    grantId: Optional(Type.String()),
    purpose: Optional(Type.String()),
    grantExpiresAt: Optional(eventProperty('grantExpiresAt')),
    accessRequestId: Optional(eventProperty('accessRequestId')),
    subjectKeys: Optional(Type.Array(hex32())),
    outcome: literals(AUDIT_OUTCOMES),
    reason: Optional(Type.String()),
    errorCode: Optional(Type.String()),
    client: Optional(Type.String()),
    withholds: Optional(eventProperty('withholds')),
  },
  {
    additionalProperties: false,
    description:
      'An audit event as stored (one Merkle leaf): the v1 event without subjects, with subjectKeys computed by the audit service, plus its seq (= leaf index).',
  },
);

export const AuditEventsQuery = strict({
  dept: Optional(nonEmpty()),
  sub: Optional(nonEmpty()),
  dataset: Optional(nonEmpty()),
  action: Optional(nonEmpty()),
  outcome: Optional(literals(AUDIT_OUTCOMES)),
  from: Optional(Type.String({ format: 'date-time', description: 'at >= from' })),
  to: Optional(Type.String({ format: 'date-time', description: 'at < to' })),
  requestId: Optional(nonEmpty()),
  accessRequestId: Optional(eventProperty('accessRequestId')),
  first: Optional(pageSize(500, 50)),
  after: Optional(afterSeq('endCursor of the previous page (a seq); results are in seq order')),
  order: Optional(
    literals(['newest', 'oldest'], {
      default: 'newest',
      description: 'newest: descending seq (the default); oldest: ascending',
    }),
  ),
});

export const AuditSubjectLookup = strict({
  identifier: Type.String({ minLength: 1, maxLength: 100 }),
  first: Optional(pageSize(500, 50)),
  after: Optional(afterSeq()),
});

export const AuditEventPage = Type.Object({
  events: Type.Array(local(AuditStoredEvent, 'StoredEvent')),
  endCursor: typeList(['string', 'null']),
  hasNextPage: Type.Boolean(),
  subjectKey: Optional(hex32()),
});

export const AuditCheckpoint = strict({
  treeSize: size(),
  rootHash: Type.String({ description: 'base64 of the 32-byte root' }),
  timestamp: Type.String({ format: 'date-time' }),
  jws: Type.String({ description: 'JWS compact (EdDSA/Ed25519) over {treeSize, rootHash, timestamp}' }),
});
const checkpointOrNull = () => oneOf([local(AuditCheckpoint, 'Checkpoint'), Type.Null()]);

export const AuditCheckpointsQuery = strict({
  from: Optional(size('treeSize >= from')),
  to: Optional(size('treeSize <= to')),
  first: Optional(pageSize(1000, 100)),
});
export const AuditCheckpointList = Type.Object({ checkpoints: Type.Array(local(AuditCheckpoint, 'Checkpoint')) });

export const AuditInclusionQuery = strict({
  seq: seq(),
  treeSize: Optional(
    Type.Integer({
      minimum: 1,
      description: "default: the latest checkpoint's size (a fresh checkpoint is signed if it does not cover seq)",
    }),
  ),
});

export const AuditInclusionProof = Type.Object({
  leafIndex: seq(),
  treeSize: size(),
  leaf: Type.String({ description: 'base64 of the stored leaf bytes (RFC 8785 JSON of the StoredEvent)' }),
  leafHash: hex32(),
  proof: Type.Array(hex32()),
  rootHash: hex32(),
  checkpoint: checkpointOrNull(),
});

export const AuditConsistencyQuery = strict({
  from: size(),
  to: Optional(size("default: the latest checkpoint's size")),
});

export const AuditConsistencyProof = Type.Object({
  from: size(),
  to: size(),
  proof: Type.Array(hex32()),
  fromRoot: hex32(),
  toRoot: hex32(),
  fromCheckpoint: Optional(checkpointOrNull()),
  toCheckpoint: Optional(checkpointOrNull()),
});

export const AuditAlertKind = literals(AUDIT_ALERT_KINDS, {
  description:
    'sandbox_probing and sandbox_budget_burn concern a department (actor.dept) and a dataset (details.dataset); actor.sub is the caller of the event that raised them',
});
export const AuditAlertReviewOutcome = literals(AUDIT_ALERT_REVIEW_OUTCOMES, {
  description: 'confirmed: real misuse, followed up; false_positive: the access was legitimate',
});
export const AuditReviewer = strict({ sub: nonEmpty(), dept: nonEmpty() });
const reviewOutcome = () => local(AuditAlertReviewOutcome, 'AlertReviewOutcome');
const reviewer = () => local(AuditReviewer, 'Reviewer');

export const AuditAlertReviewRequest = strict({
  outcome: reviewOutcome(),
  note: Type.String({ minLength: 3, maxLength: 2000 }),
  reviewer: reviewer(),
});

export const AuditAlertReview = strict({
  id: Type.Integer(),
  alertId: Type.Integer(),
  outcome: reviewOutcome(),
  note: Type.String(),
  reviewer: reviewer(),
  at: Type.String({ format: 'date-time' }),
});

export const AuditAlert = Type.Object({
  id: Type.Integer(),
  kind: local(AuditAlertKind, 'AlertKind'),
  actor: Type.Object({ sub: Type.String(), dept: Type.String() }),
  seq: seq('the event that raised the alert'),
  at: Type.String({ format: 'date-time' }),
  message: Type.String(),
  details: anyObject(),
  review: oneOf([local(AuditAlertReview, 'AlertReview'), Type.Null()], {
    description: 'the latest review; null while the alert is open',
  }),
});

export const AuditAlertsQuery = strict({
  kind: Optional(local(AuditAlertKind, 'AlertKind')),
  sub: Optional(nonEmpty()),
  dept: Optional(nonEmpty()),
  since: Optional(Type.String({ format: 'date-time' })),
  status: Optional(literals(['open', 'reviewed'], { description: 'open: not reviewed yet' })),
  first: Optional(pageSize(500, 50)),
  after: Optional(afterSeq()),
});

export const AuditAlertPage = Type.Object({
  alerts: Type.Array(local(AuditAlert, 'Alert')),
  endCursor: typeList(['string', 'null']),
  hasNextPage: Type.Boolean(),
});

export const AuditExportQuery = strict({
  fromSeq: Optional(seq()),
  toSeq: Optional(seq('inclusive; default: last seq of the latest checkpoint')),
  consistencyFrom: Optional(
    Type.Integer({
      minimum: 1,
      description: "also include a consistency proof from this earlier tree size to the export's checkpoint",
    }),
  ),
});

export const AuditJwks = Type.Object({ keys: Type.Array(anyObject()) });

export const auditApi = contractFile('audit-api.v1.json', {
  title: 'Audit service API: stored events, search, checkpoints, proofs, alerts, export',
  description:
    "Hashes in proofs are lowercase hex; a checkpoint's rootHash is base64 (it is what the Ed25519 JWS signs).",
  $defs: {
    Hex32,
    Seq,
    Size,
    StoredEvent: AuditStoredEvent,
    EventsQuery: AuditEventsQuery,
    SubjectLookup: AuditSubjectLookup,
    EventPage: AuditEventPage,
    Checkpoint: AuditCheckpoint,
    CheckpointsQuery: AuditCheckpointsQuery,
    CheckpointList: AuditCheckpointList,
    InclusionQuery: AuditInclusionQuery,
    InclusionProof: AuditInclusionProof,
    ConsistencyQuery: AuditConsistencyQuery,
    ConsistencyProof: AuditConsistencyProof,
    AlertKind: AuditAlertKind,
    AlertReviewOutcome: AuditAlertReviewOutcome,
    AlertReviewRequest: AuditAlertReviewRequest,
    Reviewer: AuditReviewer,
    AlertReview: AuditAlertReview,
    Alert: AuditAlert,
    AlertsQuery: AuditAlertsQuery,
    AlertPage: AuditAlertPage,
    ExportQuery: AuditExportQuery,
    Jwks: AuditJwks,
  },
});
