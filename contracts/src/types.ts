// TypeScript shapes of the contracts, each the Static type of its TypeBox definition in ./model (the
// one description: the same definition is the JSON Schema ajv checks and contracts/schemas holds).
import type { Static } from '@sinclair/typebox';
import type * as M from './model/index.ts';

type Values<T extends readonly unknown[]> = T[number];

// ---- common.v1.json ----
export type Tier = Static<typeof M.Tier>;
export type Role = Static<typeof M.Role>;
export type ErrorCode = Static<typeof M.ErrorCode>;
export type ErrorBody = Static<typeof M.ErrorBody>;
export type Scalar = Static<typeof M.Scalar>;
export type FilterOp = Static<typeof M.FilterOp>;
export type Filter = Static<typeof M.Filter>;

// ---- department.v1.json, grant.v1.json ----
export type Department = Static<typeof M.Department>;
export type Grant = Static<typeof M.Grant>;
export type GrantCreate = Static<typeof M.GrantCreate>;

// ---- dataset.v1.json ----
export type Sensitivity = Values<typeof M.SENSITIVITIES>;
export type MaskStyle = Values<typeof M.MASK_STYLES>;
export type FieldSchema = M.FieldSchema;
export type DatasetSchema = M.DatasetSchema;
export type Dataset = Static<typeof M.Dataset>;
export type DatasetCreate = Static<typeof M.DatasetCreate>;
export type DatasetListQuery = Static<typeof M.DatasetListQuery>;
export type DatasetPage = Static<typeof M.DatasetPage>;
export type DatasetVersionList = Static<typeof M.DatasetVersionList>;
/** A dataset and the active grants one department holds on it: what a read is decided on. */
export type AccessContext = Static<typeof M.AccessContext>;

// ---- records.v1.json ----
export type RecordsQuery = Static<typeof M.RecordsQuery>;
export type StoredRecord = Static<typeof M.StoredRecord>;
export type RecordsPage = Static<typeof M.RecordsPage>;
export type IngestBatch = Static<typeof M.IngestBatch>;
export type IngestResult = Static<typeof M.IngestResult>;
export type RowError = Static<typeof M.RowError>;

// ---- audit-event.v1.json, audit-api.v1.json ----
export type AuditActor = Static<typeof M.AuditActor>;
export type AuditEvent = Static<typeof M.AuditEvent>;
export type AuditAppendResponse = Static<typeof M.AuditAppendResponse>;
/** An audit event as stored: one Merkle leaf (no clear subjects; subjectKeys are HMACs). */
export type AuditStoredEvent = Static<typeof M.AuditStoredEvent>;
export type AuditEventPage = Static<typeof M.AuditEventPage>;
export type AuditEventsQuery = Static<typeof M.AuditEventsQuery>;
export type AuditCheckpoint = Static<typeof M.AuditCheckpoint>;
export type AuditInclusionProof = Static<typeof M.AuditInclusionProof>;
export type AuditConsistencyProof = Static<typeof M.AuditConsistencyProof>;
export type AuditAlertKind = Static<typeof M.AuditAlertKind>;
export type AuditAlert = Static<typeof M.AuditAlert>;
export type AuditAlertReviewOutcome = Static<typeof M.AuditAlertReviewOutcome>;
export type AuditAlertReviewRequest = Static<typeof M.AuditAlertReviewRequest>;
export type AuditAlertReview = Static<typeof M.AuditAlertReview>;
export type AuditAlertPage = Static<typeof M.AuditAlertPage>;

// ---- access-request.v1.json (catalog: the access workflow) ----
export type AccessRequestStatus = Values<typeof M.ACCESS_REQUEST_STATUSES>;
export type RejectReasonCode = Values<typeof M.REJECT_REASON_CODES>;
export type DeadlineStatus = Values<typeof M.DEADLINE_STATUSES>;
export type DeclaredField = Static<typeof M.DeclaredField>;
export type FieldProblem = Static<typeof M.FieldProblem>;
/** Who acts on an access request: the verified caller (never a field of the request). */
export type AccessActor = Pick<AuditActor, 'sub' | 'dept' | 'roles'>;
export type AccessRequestEvent = Static<typeof M.AccessRequestEvent>;
export type AccessRequest = Static<typeof M.AccessRequest>;
export type AccessRequestCreate = Static<typeof M.AccessRequestCreate>;
/** A state change of an access request; who makes it is the verified caller. */
export type AccessTransition = Static<typeof M.AccessTransition>;
export type AccessTransfer = Static<typeof M.AccessTransfer>;
export type AccessApprove = Static<typeof M.AccessApprove>;
export type AccessReject = Static<typeof M.AccessReject>;
export type AccessRevoke = Static<typeof M.AccessRevoke>;
export type AccessSettings = Static<typeof M.AccessSettings>;
export type GovernanceWarning = Static<typeof M.GovernanceWarning>;
export type GovernanceFigures = Static<typeof M.GovernanceFigures>;

// ---- sandbox.v1.json (catalog: aggregate-only analysis, 可用不可见) ----
export type AggregateFn = Values<typeof M.AGGREGATE_FNS>;
export type SandboxQuery = Static<typeof M.SandboxQuery>;
export type SandboxGroup = Static<typeof M.SandboxGroup>;
export type SandboxPrivacy = Static<typeof M.SandboxPrivacy>;
export type SandboxResult = Static<typeof M.SandboxResult>;
export type SandboxBudget = Static<typeof M.SandboxBudget>;
export type SandboxBudgetUpdate = Static<typeof M.SandboxBudgetUpdate>;
export type SandboxStandardRelease = Static<typeof M.SandboxStandardRelease>;
