import { Type, type TSchema } from '@sinclair/typebox';
import { anyObject, contractFile, literals, local, oneOf, openLiterals, self, typeList } from './build.ts';
import { common } from './common.ts';
import { grant } from './grant.ts';

export const ACCESS_REQUEST_STATUSES = ['pending', 'approved', 'rejected', 'withdrawn'] as const;
export const REJECT_REASON_CODES = [
  'standards_mismatch',
  'security',
  'no_legal_basis',
  'data_not_held',
  'other',
] as const;
export const DEADLINE_STATUSES = ['green', 'yellow', 'red', 'closed'] as const;
export const ACCESS_REQUEST_EVENT_KINDS = [
  'filed',
  'assigned',
  'transferred',
  'approved',
  'rejected',
  'withdrawn',
  'grant-revoked',
] as const;
export const FIELD_PROBLEM_RULES = [
  'field-unknown',
  'type-mismatch',
  'format-mismatch',
  'meaning-differs',
  'unmasked-not-requested',
  'field-duplicate',
] as const;
export const DECLARED_FIELD_TYPES = ['string', 'integer', 'number', 'boolean'] as const;

const uuid = () => Type.String({ format: 'uuid' });
const dateTime = () => Type.String({ format: 'date-time' });
const idempotencyKey = () => Type.Optional(Type.String({ minLength: 1, maxLength: 200 }));
/** Field names a steward or requester lists: at most 200, each once. */
const fieldNameSet = (options?: { minItems?: number; default?: unknown }) =>
  Type.Array(common.ref('FieldName'), { uniqueItems: true, maxItems: 200, ...options });
const closed = { additionalProperties: false } as const;
const strict = <T extends Record<string, TSchema>>(properties: T) => Type.Object(properties, closed);

/** A field as the requester names it, in the shared data dictionary's terms. */
export const DeclaredField = strict({
  name: common.ref('FieldName'),
  type: Type.Optional(literals(DECLARED_FIELD_TYPES)),
  format: Type.Optional(Type.String({ maxLength: 50 })),
  title: Type.Optional(Type.String({ maxLength: 200 })),
});
const declaredFields = () => Type.Array(local(DeclaredField, 'DeclaredField'), { minItems: 1, maxItems: 200 });

export const AccessRequestEvent = strict({
  at: dateTime(),
  actor: Type.String(),
  kind: openLiterals(ACCESS_REQUEST_EVENT_KINDS),
  details: anyObject(),
});

export const AccessRequest = strict({
  id: uuid(),
  datasetId: common.ref('DatasetId'),
  ownerDept: common.ref('DeptCode'),
  requesterDept: common.ref('DeptCode'),
  requestedBy: Type.String(),
  purpose: Type.String(),
  legalBasis: Type.String(),
  fields: Type.Array(local(DeclaredField, 'DeclaredField')),
  unmaskedFields: Type.Array(common.ref('FieldName')),
  durationDays: Type.Integer(),
  renewsGrantId: typeList(['string', 'null']),
  status: literals(ACCESS_REQUEST_STATUSES),
  assignee: typeList(['string', 'null']),
  filedAt: dateTime(),
  deadline: dateTime(),
  deadlineStatus: literals(DEADLINE_STATUSES),
  workingDaysLeft: typeList(['number', 'null']),
  decidedAt: typeList(['string', 'null']),
  decidedBy: typeList(['string', 'null']),
  decision: oneOf([
    Type.Null(),
    strict({
      fields: Type.Array(Type.String()),
      unmaskedFields: Type.Array(Type.String()),
      durationDays: Type.Integer(),
      note: Type.Optional(Type.String()),
    }),
  ]),
  rejectCode: literals([...REJECT_REASON_CODES, null]),
  rejectText: typeList(['string', 'null']),
  grantId: typeList(['string', 'null']),
  grant: oneOf([Type.Null(), grant.refRoot()]),
  history: Type.Array(AccessRequestEvent),
});

export const AccessRequestCreate = strict({
  /** Optional: the gateway derives it from the idempotency key so the audit names it before filing. */
  id: Type.Optional(uuid()),
  datasetId: common.ref('DatasetId'),
  purpose: Type.String({ minLength: 3, maxLength: 500 }),
  legalBasis: Type.String({ minLength: 3, maxLength: 500 }),
  fields: declaredFields(),
  unmaskedFields: Type.Optional(fieldNameSet({ default: [] })),
  durationDays: Type.Integer({ minimum: 1, maximum: 730 }),
  renewsGrantId: Type.Optional(uuid()),
  idempotencyKey: idempotencyKey(),
});

export const FieldCheck = strict({
  datasetId: common.ref('DatasetId'),
  fields: declaredFields(),
  unmaskedFields: Type.Optional(fieldNameSet({ default: [] })),
});

export const FieldProblem = Type.Object({
  field: Type.String(),
  rule: openLiterals(FIELD_PROBLEM_RULES),
  severity: literals(['error', 'warning']),
  declared: Type.Optional(Type.String()),
  actual: Type.Optional(Type.String()),
  suggestions: Type.Optional(Type.Array(Type.String())),
  message: Type.String(),
});
export const FieldCheckResult = strict({ ok: Type.Boolean(), problems: Type.Array(FieldProblem) });

/** A state change of an access request; who makes it is the verified caller. */
export const AccessTransition = strict({ idempotencyKey: idempotencyKey() });
export const AccessTransfer = strict({
  idempotencyKey: idempotencyKey(),
  to: Type.String({ minLength: 1, maxLength: 200 }),
  reason: Type.String({ minLength: 3, maxLength: 1000 }),
});
export const AccessApprove = strict({
  idempotencyKey: idempotencyKey(),
  fields: Type.Optional(fieldNameSet({ minItems: 1 })),
  unmaskedFields: Type.Optional(fieldNameSet()),
  durationDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 730 })),
  note: Type.Optional(Type.String({ maxLength: 1000 })),
});
export const AccessReject = strict({
  idempotencyKey: idempotencyKey(),
  code: literals(REJECT_REASON_CODES),
  text: Type.String({ minLength: 3, maxLength: 2000 }),
});
export const AccessRevoke = strict({
  idempotencyKey: idempotencyKey(),
  reason: Type.String({ minLength: 3, maxLength: 1000 }),
});

export const AccessRequestListQuery = strict({
  ownerDept: Type.Optional(common.ref('DeptCode')),
  requesterDept: Type.Optional(common.ref('DeptCode')),
  involvingDept: Type.Optional(common.ref('DeptCode')),
  datasetId: Type.Optional(common.ref('DatasetId')),
  status: Type.Optional(literals(ACCESS_REQUEST_STATUSES)),
  assignee: Type.Optional(Type.String({ maxLength: 200 })),
  overdue: Type.Optional(Type.Boolean()),
  /** newest: newest filed first; deadline: earliest deadline first (an inbox). Overdue lists go by deadline. */
  order: Type.Optional(literals(['newest', 'deadline'] as const, { default: 'newest' })),
  first: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
});

const deadlineWorkingDays = () => Type.Integer({ minimum: 1, maximum: 60 });
const refusalRateTarget = () => Type.Number({ minimum: 0, maximum: 1 });
export const AccessSettings = strict({
  dept: common.ref('DeptCode'),
  deadlineWorkingDays: deadlineWorkingDays(),
  stewards: Type.Array(Type.String()),
  refusalRateTarget: refusalRateTarget(),
});
export const AccessSettingsUpdate = strict({
  deadlineWorkingDays: Type.Optional(deadlineWorkingDays()),
  stewards: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { uniqueItems: true, maxItems: 50 }),
  ),
  refusalRateTarget: Type.Optional(refusalRateTarget()),
});

export const GovernanceQuery = strict({ from: Type.Optional(dateTime()), to: Type.Optional(dateTime()) });

export const GovernanceWarning = Type.Object({
  figure: Type.String(),
  value: Type.Number(),
  target: Type.Number(),
  message: Type.String(),
});
const rateOrNull = (description?: string) => typeList(['number', 'null'], description ? { description } : undefined);
export const GovernanceFigures = Type.Object({
  dept: Type.String(),
  from: Type.String(),
  to: Type.String(),
  received: Type.Integer(),
  filed: Type.Integer(),
  decided: Type.Integer(),
  approved: Type.Integer(),
  rejected: Type.Integer(),
  refusalRate: rateOrNull(),
  approvedNarrower: Type.Integer({
    minimum: 0,
    description:
      'Approvals narrower than the request asked (fewer fields or unmasked fields, shorter duration); counted in approved',
  }),
  narrowedRate: rateOrNull('approvedNarrower / decided, beside refusalRate'),
  refusalReasons: Type.Array(
    Type.Object({ code: openLiterals(REJECT_REASON_CODES), count: Type.Integer(), share: Type.Number() }),
  ),
  decisionDaysMedian: rateOrNull(),
  decisionDaysP90: rateOrNull(),
  decidedLate: Type.Integer(),
  overdueNow: Type.Integer(),
  pendingNow: Type.Integer(),
  activeGrants: Type.Integer(),
  targets: Type.Object({ refusalRate: Type.Number(), decisionDaysP90: Type.Number(), overdue: Type.Number() }),
  warnings: Type.Array(GovernanceWarning),
});

export const accessRequest = contractFile('access-request.v1.json', {
  title: "Access request: a department asks for a RESTRICTED dataset; the owner's steward decides",
  root: AccessRequest,
  $defs: {
    DeclaredField,
    Create: AccessRequestCreate,
    FieldCheck,
    FieldCheckResult,
    Transfer: AccessTransfer,
    Approve: AccessApprove,
    Reject: AccessReject,
    Withdraw: AccessTransition,
    Revoke: AccessRevoke,
    ListQuery: AccessRequestListQuery,
    List: Type.Object({ requests: Type.Array(self(AccessRequest)) }),
    Settings: AccessSettings,
    SettingsUpdate: AccessSettingsUpdate,
    GovernanceQuery,
    Governance: GovernanceFigures,
  },
});
