// TypeScript shapes of the JSON Schemas in contracts/schemas. The schemas are the source of truth;
// contracts.test.ts checks examples of each type against its schema.

export type Tier = 'PUBLIC' | 'INTERNAL' | 'RESTRICTED' | 'SECRET';
export type Role = 'consumer' | 'steward' | 'auditor' | 'admin';
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'QUERY_TOO_COMPLEX'
  | 'UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export interface Department {
  code: string;
  nameZh: string;
  nameEn: string;
}

export type Scalar = string | number | boolean;
export type FilterOp = 'eq' | 'ne' | 'in' | 'lt' | 'lte' | 'gt' | 'gte' | 'prefix' | 'isNull';
export type Filter = { and: Filter[] } | { or: Filter[] } | { field: string; op: FilterOp; value?: Scalar | Scalar[] };

export type Sensitivity = 'public' | 'personal' | 'sensitive';
export type MaskStyle = 'partial' | 'hash' | 'redact';

/** The JSON Schema of one field of a dataset, with govshare's keywords. */
export interface FieldSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  'x-sensitivity'?: Sensitivity;
  'x-mask'?: MaskStyle;
  'x-key'?: boolean;
  /** A sandbox dimension: aggregates may be grouped by it (public fields only). */
  'x-dimension'?: boolean;
  /** Identifies the person or company a record is about (a string field): sandbox answers are compared across datasets by it. */
  'x-subject'?: boolean;
  /** The most one subject may contribute to a sandbox sum of this field (clamped); needed for SUM/AVG under differential privacy. */
  'x-contribution-bound'?: number;
  /** Records are often filtered on this field: the catalog keeps an index for it (not on boolean fields or a single string key). */
  'x-index'?: boolean;
  [k: string]: unknown;
}

export interface DatasetSchema {
  $schema?: string;
  type: 'object';
  properties: Record<string, FieldSchema>;
  required?: string[];
  additionalProperties?: boolean;
  [k: string]: unknown;
}

export interface Dataset {
  id: string;
  title: string;
  description: string;
  ownerDept: string;
  tier: Tier;
  keyFields: string[];
  version: number;
  schema: DatasetSchema;
  recordCount: number;
  updatedAt: string;
}

export interface DatasetCreate {
  id: string;
  title: string;
  description?: string;
  ownerDept: string;
  tier: Tier;
  schema: DatasetSchema;
}

export interface DatasetListQuery {
  tier?: Tier;
  ownerDept?: string;
  search?: string;
  first?: number;
  after?: string;
}

/** A dataset and the active grants one department holds on it: what a read is decided on. */
export interface AccessContext {
  dataset: Dataset;
  grants: Grant[];
}

export interface DatasetPage {
  datasets: Dataset[];
  totalCount: number;
  endCursor?: string | null;
  hasNextPage: boolean;
}

export interface RecordsQuery {
  fields: string[];
  where?: Filter;
  first?: number;
  after?: string;
  withTotal?: boolean;
}

export interface StoredRecord {
  /** Catalog record id (decimal string); set on export lines (the catalog's exportRecords), the resume point for `after`. */
  id?: string;
  key: string;
  version: number;
  ingestedAt: string;
  data: Record<string, unknown>;
}

export interface RecordsPage {
  records: StoredRecord[];
  totalCount?: number | null;
  endCursor?: string | null;
  hasNextPage: boolean;
  datasetVersion: number;
}

export interface IngestBatch {
  mode: 'append' | 'replace';
  records: Record<string, unknown>[];
  /** `replace` with no records empties the dataset only when this is true. */
  confirmEmpty?: boolean;
}

export interface IngestResult {
  datasetId: string;
  mode: 'append' | 'replace';
  accepted: number;
  recordCount: number;
}

export interface RowError {
  row: number;
  field: string;
  rule: string;
  message: string;
}

export interface Grant {
  id: string;
  datasetId: string;
  granteeDept: string;
  fields: string[];
  unmaskedFields: string[];
  purpose: string;
  expiresAt: string;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
}

export interface GrantCreate {
  datasetId: string;
  granteeDept: string;
  fields: string[];
  unmaskedFields?: string[];
  purpose: string;
  expiresAt: string;
}

export interface AuditActor {
  sub: string;
  dept: string;
  roles: string[];
  jti?: string;
}

export interface AuditEvent {
  id: string;
  at: string;
  requestId: string;
  actor: AuditActor;
  action: string;
  dataset?: string;
  datasetVersion?: number;
  fields?: string[];
  maskedFields?: string[];
  filter?: unknown;
  recordCount?: number;
  grantId?: string;
  purpose?: string;
  grantExpiresAt?: string;
  /** The access request the event concerns. */
  accessRequestId?: string;
  /** Transport only: clear identifiers, hashed by the audit service into subjectKeys. */
  subjects?: string[];
  subjectKeys?: string[];
  outcome: 'allowed' | 'denied' | 'error';
  reason?: string;
  errorCode?: string;
  client?: string;
  /** On a `<area>.withheld` event: the earlier allowed event whose data was not delivered. */
  withholds?: string;
}

export interface AuditAppendResponse {
  accepted: { id: string; seq: number }[];
  /** Events of the call that were not stored (the others were), with the reason. */
  rejected?: { id: string; code: string; message: string }[];
}

// ---- audit-api.v1.json (audit service) ----

/** An audit event as stored: one Merkle leaf (no clear subjects; subjectKeys are HMACs). */
export type AuditStoredEvent = Omit<AuditEvent, 'subjects'> & { seq: number };

export interface AuditEventPage {
  events: AuditStoredEvent[];
  endCursor: string | null;
  hasNextPage: boolean;
  subjectKey?: string;
}

export interface AuditEventsQuery {
  dept?: string;
  sub?: string;
  dataset?: string;
  action?: string;
  outcome?: 'allowed' | 'denied' | 'error';
  from?: string;
  to?: string;
  requestId?: string;
  accessRequestId?: string;
  first?: number;
  after?: string;
  /** Default newest (highest seq first). */
  order?: 'newest' | 'oldest';
}

export interface AuditCheckpoint {
  treeSize: number;
  /** base64 of the 32-byte Merkle root */
  rootHash: string;
  timestamp: string;
  /** JWS compact, EdDSA, payload {treeSize, rootHash, timestamp} */
  jws: string;
}

export interface AuditInclusionProof {
  leafIndex: number;
  treeSize: number;
  /** base64 leaf bytes */
  leaf: string;
  leafHash: string;
  proof: string[];
  rootHash: string;
  checkpoint: AuditCheckpoint | null;
}

export interface AuditConsistencyProof {
  from: number;
  to: number;
  proof: string[];
  fromRoot: string;
  toRoot: string;
  fromCheckpoint?: AuditCheckpoint | null;
  toCheckpoint?: AuditCheckpoint | null;
}

export type AuditAlertKind =
  | 'repeated_denials'
  | 'grant_purpose_mismatch'
  | 'grant_used_after_revoke'
  | 'grant_used_after_expiry'
  | 'large_read'
  | 'sandbox_probing'
  | 'sandbox_budget_burn';

export interface AuditAlert {
  id: number;
  kind: AuditAlertKind;
  actor: { sub: string; dept: string };
  seq: number;
  at: string;
  message: string;
  details: Record<string, unknown>;
  /** The latest review; null while the alert is open. */
  review: AuditAlertReview | null;
}

export type AuditAlertReviewOutcome = 'confirmed' | 'false_positive';

export interface AuditAlertReviewRequest {
  outcome: AuditAlertReviewOutcome;
  note: string;
  reviewer: { sub: string; dept: string };
}

export interface AuditAlertReview extends AuditAlertReviewRequest {
  id: number;
  alertId: number;
  at: string;
}

export interface AuditAlertPage {
  alerts: AuditAlert[];
  endCursor: string | null;
  hasNextPage: boolean;
}

// ---- access-request.v1.json (catalog: the access workflow) ----

export type AccessRequestStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn';
export type RejectReasonCode = 'standards_mismatch' | 'security' | 'no_legal_basis' | 'data_not_held' | 'other';
export type DeadlineStatus = 'green' | 'yellow' | 'red' | 'closed';

/** A field as the requester names it, in the shared data dictionary's terms. */
export interface DeclaredField {
  name: string;
  type?: 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  title?: string;
}

export interface FieldProblem {
  field: string;
  rule:
    | 'field-unknown'
    | 'type-mismatch'
    | 'format-mismatch'
    | 'meaning-differs'
    | 'unmasked-not-requested'
    | 'field-duplicate';
  severity: 'error' | 'warning';
  declared?: string;
  actual?: string;
  suggestions?: string[];
  message: string;
}

/** Who acts on an access request: the verified caller (never a field of the request). */
export interface AccessActor {
  sub: string;
  dept: string;
  roles: string[];
}

export interface AccessRequestEvent {
  at: string;
  actor: string;
  kind: 'filed' | 'assigned' | 'transferred' | 'approved' | 'rejected' | 'withdrawn' | 'grant-revoked';
  details: Record<string, unknown>;
}

export interface AccessRequest {
  id: string;
  datasetId: string;
  ownerDept: string;
  requesterDept: string;
  requestedBy: string;
  purpose: string;
  legalBasis: string;
  fields: DeclaredField[];
  unmaskedFields: string[];
  durationDays: number;
  renewsGrantId: string | null;
  status: AccessRequestStatus;
  assignee: string | null;
  filedAt: string;
  deadline: string;
  deadlineStatus: DeadlineStatus;
  workingDaysLeft: number | null;
  decidedAt: string | null;
  decidedBy: string | null;
  decision: { fields: string[]; unmaskedFields: string[]; durationDays: number; note?: string } | null;
  rejectCode: RejectReasonCode | null;
  rejectText: string | null;
  grantId: string | null;
  grant: Grant | null;
  history: AccessRequestEvent[];
}

export interface AccessRequestCreate {
  /** Optional: the gateway derives it from the idempotency key so the audit names it before filing. */
  id?: string;
  datasetId: string;
  purpose: string;
  legalBasis: string;
  fields: DeclaredField[];
  unmaskedFields?: string[];
  durationDays: number;
  renewsGrantId?: string;
  idempotencyKey?: string;
}

/** A state change of an access request; who makes it is the verified caller. */
export interface AccessTransition {
  idempotencyKey?: string;
}
export interface AccessTransfer extends AccessTransition {
  to: string;
  reason: string;
}
export interface AccessApprove extends AccessTransition {
  fields?: string[];
  unmaskedFields?: string[];
  durationDays?: number;
  note?: string;
}
export interface AccessReject extends AccessTransition {
  code: RejectReasonCode;
  text: string;
}
export interface AccessRevoke extends AccessTransition {
  reason: string;
}

export interface AccessSettings {
  dept: string;
  deadlineWorkingDays: number;
  stewards: string[];
  refusalRateTarget: number;
}

export interface GovernanceWarning {
  figure: string;
  value: number;
  target: number;
  message: string;
}

export interface GovernanceFigures {
  dept: string;
  from: string;
  to: string;
  received: number;
  filed: number;
  decided: number;
  approved: number;
  rejected: number;
  refusalRate: number | null;
  /** Approvals narrower than the request (fewer fields or unmasked fields, shorter), counted in `approved`. */
  approvedNarrower: number;
  /** approvedNarrower / decided, beside refusalRate. */
  narrowedRate: number | null;
  refusalReasons: { code: RejectReasonCode; count: number; share: number }[];
  decisionDaysMedian: number | null;
  decisionDaysP90: number | null;
  decidedLate: number;
  overdueNow: number;
  pendingNow: number;
  activeGrants: number;
  targets: { refusalRate: number; decisionDaysP90: number; overdue: number };
  warnings: GovernanceWarning[];
}

// ---- sandbox.v1.json (catalog: aggregate-only analysis, 可用不可见) ----

export type AggregateFn = 'count' | 'sum' | 'avg' | 'min' | 'max';

/** An aggregate query; the asking department is the verified caller's. */
export interface SandboxQuery {
  dataset: string;
  where?: Filter;
  join?: { dataset: string; on: string; where?: Filter };
  groupBy?: string[];
  measures: { fn: AggregateFn; field?: string }[];
}

export interface SandboxGroup {
  key: Record<string, Scalar | null>;
  /** Records (exact answers) or the noisy number of subjects (private answers). */
  count: number;
  subjects: number;
  values: (number | null)[];
  /** Per measure, the half-width of a 95% interval around the value (0 when exact). */
  margins: number[];
}

export interface SandboxPrivacy {
  mode: 'exact' | 'differential';
  mechanism: 'none' | 'discrete-laplace';
  /** ε this answer spent (0: exact, or given before and stored). */
  epsilon: number;
  cached: boolean;
  epsilonPerStatistic?: number;
  /** ε left this year for the dataset, and for the asking department, after this answer. */
  datasetEpsilonLeft?: number;
  departmentEpsilonLeft?: number | null;
  /** The yearly budget: the dataset's, and one department's share of it. */
  datasetEpsilonPerYear?: number;
  departmentEpsilonPerYear?: number;
}

export interface SandboxResult {
  k: number;
  groups: SandboxGroup[];
  measures: string[];
  scope: string;
  privacy: SandboxPrivacy;
  /** Catalog to gateway only: the subjects a filtered query touched (clear; the audit log keeps their HMACs), when few. */
  touchedSubjects?: string[];
}

export interface SandboxBudget {
  dataset: string;
  epsilonPerYear: number;
  epsilonPerQuery: number;
  departmentShare: number;
  dominanceShare: number;
  /** ε spent in the last 365 days, in all and by account (a department, or "release"). */
  spent: number;
  left: number;
  byAccount: { account: string; spent: number }[];
  updatedBy?: string;
  updatedAt?: string;
}

/** A change of a dataset's privacy budget; who made it is the verified caller. */
export interface SandboxBudgetUpdate {
  epsilonPerYear?: number;
  epsilonPerQuery?: number;
  departmentShare?: number;
  dominanceShare?: number;
}

export interface SandboxStandardRelease {
  digest: string;
  query: SandboxQuery;
  result: SandboxResult;
  epsilon: number;
  at: string;
}
