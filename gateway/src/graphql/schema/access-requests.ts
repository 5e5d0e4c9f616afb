import type {
  AccessRequest,
  AccessRequestEvent,
  AccessSettings,
  FieldProblem,
  GovernanceFigures,
  GovernanceWarning,
  Grant,
} from '@govshare/contracts';
import { model } from '@govshare/contracts';
import { AUDIT_ACCESS_REQUEST_ARG, builder } from '../builder.ts';
import {
  changeAccessRequest,
  checkAccessFields,
  fileAccessRequest,
  getAccessRequest,
  getAccessSettings,
  governanceFigures,
  listAccessRequests,
  overdueAccessRequests,
  setAccessSettings,
} from '../../operations/access-requests.ts';

/** The argument naming an access request, so that even a refusal by role is traced to the request (builder.ts). */
const namesAccessRequest = { extensions: { [AUDIT_ACCESS_REQUEST_ARG]: 'id' } };

const AccessRequestStatusEnum = builder.enumType('AccessRequestStatus', {
  values: {
    PENDING: { value: 'pending' },
    APPROVED: { value: 'approved' },
    REJECTED: { value: 'rejected' },
    WITHDRAWN: { value: 'withdrawn' },
  } as const,
});
const DeadlineStatusEnum = builder.enumType('DeadlineStatus', {
  description: 'Time limit (限时办结) status of a request',
  values: {
    GREEN: { value: 'green', description: 'Half or more of the working time left' },
    YELLOW: { value: 'yellow', description: 'Under half of the working time left' },
    RED: { value: 'red', description: 'Past the deadline' },
    CLOSED: { value: 'closed', description: 'Decided or withdrawn' },
  } as const,
});
const RejectReasonEnum = builder.enumType('RejectReason', {
  values: {
    STANDARDS_MISMATCH: { value: 'standards_mismatch', description: 'Fields or types differ from the data dictionary' },
    SECURITY: { value: 'security' },
    NO_LEGAL_BASIS: { value: 'no_legal_basis' },
    DATA_NOT_HELD: { value: 'data_not_held' },
    OTHER: { value: 'other' },
  } as const,
});
const FieldTypeEnum = builder.enumType('DeclaredFieldType', { values: model.DECLARED_FIELD_TYPES });
const AccessRequestBoxEnum = builder.enumType('AccessRequestBox', {
  values: {
    FILED: { value: 'filed', description: 'Filed by the department' },
    RECEIVED: { value: 'received', description: 'Addressed to the department (stewards)' },
    ALL: { value: 'all' },
  } as const,
});
const AccessRequestOrderEnum = builder.enumType('AccessRequestOrder', {
  values: {
    NEWEST_FIRST: { value: 'newest', description: 'Newest filed first' },
    DEADLINE_FIRST: { value: 'deadline', description: 'Earliest deadline first (an inbox: the most urgent on top)' },
  } as const,
});

const DeclaredFieldRef = builder.objectRef<AccessRequest['fields'][number]>('DeclaredField').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    type: t.string({ nullable: true, resolve: (f) => f.type ?? null }),
    format: t.string({ nullable: true, resolve: (f) => f.format ?? null }),
    title: t.string({ nullable: true, resolve: (f) => f.title ?? null }),
  }),
});

const DeclaredFieldInput = builder.inputType('DeclaredFieldInput', {
  description: 'A field in the shared data dictionary’s terms; type, format and title are what you expect it to be',
  fields: (t) => ({
    name: t.string({ required: true }),
    type: t.field({ type: FieldTypeEnum, required: false }),
    format: t.string({ required: false }),
    title: t.string({ required: false }),
  }),
});
type DeclaredIn = {
  name: string;
  type?: 'string' | 'integer' | 'number' | 'boolean' | null;
  format?: string | null;
  title?: string | null;
};
const toDeclared = (fs: DeclaredIn[]) =>
  fs.map((f) => ({
    name: f.name,
    ...(f.type ? { type: f.type } : {}),
    ...(f.format ? { format: f.format } : {}),
    ...(f.title ? { title: f.title } : {}),
  }));

const AccessGrantRef = builder.objectRef<Grant>('AccessRequestGrant').implement({
  description: 'The grant an approved request created',
  fields: (t) => ({
    id: t.exposeID('id'),
    fields: t.exposeStringList('fields'),
    unmaskedFields: t.exposeStringList('unmaskedFields'),
    expiresAt: t.field({ type: 'DateTime', resolve: (g) => g.expiresAt }),
    revokedAt: t.field({ type: 'DateTime', nullable: true, resolve: (g) => g.revokedAt }),
    active: t.boolean({ resolve: (g) => g.revokedAt === null && Date.parse(g.expiresAt) > Date.now() }),
  }),
});

const DecisionRef = builder.objectRef<NonNullable<AccessRequest['decision']>>('AccessDecision').implement({
  fields: (t) => ({
    fields: t.exposeStringList('fields'),
    unmaskedFields: t.exposeStringList('unmaskedFields'),
    durationDays: t.exposeInt('durationDays'),
    note: t.string({ nullable: true, resolve: (d) => d.note ?? null }),
  }),
});

const HistoryRef = builder.objectRef<AccessRequestEvent>('AccessRequestEvent').implement({
  fields: (t) => ({
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
    actor: t.exposeString('actor'),
    kind: t.exposeString('kind', {
      description: 'filed, assigned, transferred, approved, rejected, withdrawn, grant-revoked',
    }),
    details: t.field({ type: 'JSON', resolve: (e) => e.details }),
  }),
});

const AccessRequestRef = builder.objectRef<AccessRequest>('AccessRequest').implement({
  description: 'A department’s request for a RESTRICTED dataset, handled by a named steward of the owner department',
  fields: (t) => ({
    id: t.exposeID('id'),
    datasetId: t.exposeString('datasetId'),
    ownerDept: t.exposeString('ownerDept'),
    requesterDept: t.exposeString('requesterDept'),
    requestedBy: t.exposeString('requestedBy'),
    purpose: t.exposeString('purpose'),
    legalBasis: t.exposeString('legalBasis'),
    fields: t.field({ type: [DeclaredFieldRef], resolve: (r) => r.fields }),
    unmaskedFields: t.exposeStringList('unmaskedFields'),
    durationDays: t.exposeInt('durationDays'),
    renewsGrantId: t.exposeString('renewsGrantId', { nullable: true }),
    status: t.field({ type: AccessRequestStatusEnum, resolve: (r) => r.status }),
    assignee: t.exposeString('assignee', {
      nullable: true,
      description: 'The steward handling it (first responder, 首问负责)',
    }),
    filedAt: t.field({ type: 'DateTime', resolve: (r) => r.filedAt }),
    deadline: t.field({ type: 'DateTime', resolve: (r) => r.deadline }),
    deadlineStatus: t.field({ type: DeadlineStatusEnum, resolve: (r) => r.deadlineStatus }),
    workingDaysLeft: t.float({
      nullable: true,
      description: 'Negative when overdue; null once closed',
      resolve: (r) => r.workingDaysLeft,
    }),
    decidedAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.decidedAt }),
    decidedBy: t.exposeString('decidedBy', { nullable: true }),
    decision: t.field({ type: DecisionRef, nullable: true, resolve: (r) => r.decision }),
    rejectReason: t.field({ type: RejectReasonEnum, nullable: true, resolve: (r) => r.rejectCode }),
    rejectText: t.exposeString('rejectText', { nullable: true }),
    grant: t.field({ type: AccessGrantRef, nullable: true, resolve: (r) => r.grant }),
    history: t.field({ type: [HistoryRef], resolve: (r) => r.history }),
  }),
});

const FieldProblemRef = builder.objectRef<FieldProblem>('FieldProblem').implement({
  description: 'Where a request and the data dictionary disagree, and how to fix it',
  fields: (t) => ({
    field: t.exposeString('field'),
    rule: t.exposeString('rule'),
    severity: t.exposeString('severity'),
    declared: t.string({ nullable: true, resolve: (p) => p.declared ?? null }),
    actual: t.string({ nullable: true, resolve: (p) => p.actual ?? null }),
    suggestions: t.stringList({ resolve: (p) => p.suggestions ?? [] }),
    message: t.exposeString('message'),
  }),
});
const FieldCheckRef = builder.objectRef<{ ok: boolean; problems: FieldProblem[] }>('FieldCheck').implement({
  fields: (t) => ({
    ok: t.exposeBoolean('ok'),
    problems: t.field({ type: [FieldProblemRef], resolve: (c) => c.problems }),
  }),
});

const AccessSettingsRef = builder.objectRef<AccessSettings>('AccessSettings').implement({
  fields: (t) => ({
    dept: t.exposeString('dept'),
    deadlineWorkingDays: t.exposeInt('deadlineWorkingDays'),
    stewards: t.exposeStringList('stewards', {
      description: 'Named stewards (token subjects) requests are assigned to',
    }),
    refusalRateTarget: t.exposeFloat('refusalRateTarget'),
  }),
});

const ReasonShareRef = builder.objectRef<GovernanceFigures['refusalReasons'][number]>('RefusalReasonShare').implement({
  fields: (t) => ({
    reason: t.field({ type: RejectReasonEnum, resolve: (r) => r.code }),
    count: t.exposeInt('count'),
    share: t.exposeFloat('share'),
  }),
});
/** A figure more than 10% off its target; also the quality figures' (DepartmentScore.warnings). */
export const WarningRef = builder.objectRef<GovernanceWarning>('GovernanceWarning').implement({
  fields: (t) => ({
    figure: t.exposeString('figure'),
    value: t.exposeFloat('value'),
    target: t.exposeFloat('target'),
    message: t.exposeString('message'),
  }),
});
const TargetsRef = builder.objectRef<GovernanceFigures['targets']>('GovernanceTargets').implement({
  fields: (t) => ({
    refusalRate: t.exposeFloat('refusalRate'),
    decisionDaysP90: t.exposeFloat('decisionDaysP90'),
    overdue: t.exposeFloat('overdue'),
  }),
});
const GovernanceRef = builder.objectRef<GovernanceFigures>('GovernanceFigures').implement({
  description:
    'The access workflow of one department over the period [from, to) (from inclusive, to exclusive), against the plans’ targets',
  fields: (t) => ({
    dept: t.exposeString('dept'),
    from: t.field({ type: 'DateTime', resolve: (g) => g.from }),
    to: t.field({ type: 'DateTime', resolve: (g) => g.to }),
    received: t.exposeInt('received', { description: 'Requests addressed to the department, filed in the period' }),
    filed: t.exposeInt('filed', { description: 'Requests the department filed in the period' }),
    decided: t.exposeInt('decided'),
    approved: t.exposeInt('approved'),
    rejected: t.exposeInt('rejected'),
    refusalRate: t.float({
      nullable: true,
      description: 'Rejected / decided in the period',
      resolve: (g) => g.refusalRate,
    }),
    approvedNarrower: t.exposeInt('approvedNarrower', {
      description: 'Approvals narrower than asked (fewer fields or unmasked fields, shorter); counted in approved',
    }),
    narrowedRate: t.float({
      nullable: true,
      description: 'Approved narrower / decided in the period, beside refusalRate',
      resolve: (g) => g.narrowedRate,
    }),
    refusalReasons: t.field({ type: [ReasonShareRef], resolve: (g) => g.refusalReasons }),
    decisionDaysMedian: t.float({
      nullable: true,
      description: 'Working days from filing to decision',
      resolve: (g) => g.decisionDaysMedian,
    }),
    decisionDaysP90: t.float({ nullable: true, resolve: (g) => g.decisionDaysP90 }),
    decidedLate: t.exposeInt('decidedLate'),
    overdueNow: t.exposeInt('overdueNow'),
    pendingNow: t.exposeInt('pendingNow'),
    activeGrants: t.exposeInt('activeGrants', { description: 'Grants on the department’s datasets in force now' }),
    targets: t.field({ type: TargetsRef, resolve: (g) => g.targets }),
    warnings: t.field({
      type: [WarningRef],
      description: 'Figures more than 10% off their target',
      resolve: (g) => g.warnings,
    }),
  }),
});

builder.queryFields((t) => ({
  accessRequests: t.field({
    type: [AccessRequestRef],
    description:
      'Access requests your department filed, or (stewards) received; admins may name any department or see all',
    authScopes: { consumer: true, steward: true, admin: true },
    args: {
      box: t.arg({ type: AccessRequestBoxEnum, required: false, defaultValue: 'all' }),
      dept: t.arg.string({ required: false }),
      status: t.arg({ type: AccessRequestStatusEnum, required: false }),
      overdueOnly: t.arg.boolean({ required: false, defaultValue: false }),
      assignedToMe: t.arg.boolean({ required: false, defaultValue: false }),
      dataset: t.arg.id({ required: false }),
      order: t.arg({ type: AccessRequestOrderEnum, required: false, defaultValue: 'newest' }),
      first: t.arg.int({ required: false, defaultValue: 50 }),
    },
    complexity: (args) => ({ field: 2, multiplier: Math.min(Math.max(args.first ?? 50, 1), 100) }),
    resolve: (_r, a, ctx) =>
      listAccessRequests(ctx.deps, ctx.scope, {
        box: a.box ?? 'all',
        dept: a.dept ?? undefined,
        status: a.status ?? undefined,
        overdueOnly: a.overdueOnly ?? false,
        assignedToMe: a.assignedToMe ?? false,
        datasetId: a.dataset ? String(a.dataset) : undefined,
        order: a.order ?? 'newest',
        first: Math.min(Math.max(a.first ?? 50, 1), 100),
      }),
  }),
  accessRequest: t.field({
    ...namesAccessRequest,
    type: AccessRequestRef,
    authScopes: { consumer: true, steward: true, admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, a, ctx) => getAccessRequest(ctx.deps, ctx.scope, String(a.id)),
  }),
  overdueAccessRequests: t.field({
    type: [AccessRequestRef],
    description:
      'Pending requests past their deadline, most overdue first: your department’s (stewards), any or all (admins)',
    authScopes: { steward: true, admin: true },
    args: { dept: t.arg.string({ required: false }) },
    complexity: { field: 2, multiplier: 20 },
    resolve: (_r, a, ctx) => overdueAccessRequests(ctx.deps, ctx.scope, a.dept ?? undefined),
  }),
  checkAccessRequestFields: t.field({
    type: FieldCheckRef,
    description: 'Compares the fields you would request with the data dictionary before you file',
    authScopes: { consumer: true, steward: true, admin: true },
    args: {
      dataset: t.arg.id({ required: true }),
      fields: t.arg({ type: [DeclaredFieldInput], required: true }),
      unmaskedFields: t.arg.stringList({ required: false }),
    },
    resolve: (_r, a, ctx) =>
      checkAccessFields(ctx.deps, ctx.scope, String(a.dataset), toDeclared(a.fields), a.unmaskedFields ?? []),
  }),
  accessSettings: t.field({
    type: AccessSettingsRef,
    authScopes: { consumer: true, steward: true, admin: true },
    args: { dept: t.arg.string({ required: true }) },
    resolve: (_r, a, ctx) => getAccessSettings(ctx.deps, ctx.scope, a.dept),
  }),
  governanceFigures: t.field({
    type: GovernanceRef,
    description:
      'Requests received and filed, refusal rate and reasons, decision time, overdue, grants, with warnings against the targets',
    authScopes: { steward: true, admin: true },
    args: {
      dept: t.arg.string({ required: false, description: 'Default: your department' }),
      from: t.arg({ type: 'DateTime', required: false }),
      to: t.arg({ type: 'DateTime', required: false }),
    },
    resolve: (_r, a, ctx) =>
      governanceFigures(ctx.deps, ctx.scope, a.dept ?? undefined, {
        from: a.from?.toISOString(),
        to: a.to?.toISOString(),
      }),
  }),
}));

const FileAccessRequestInput = builder.inputType('FileAccessRequestInput', {
  fields: (t) => ({
    datasetId: t.string({ required: true }),
    purpose: t.string({ required: true }),
    legalBasis: t.string({ required: true }),
    fields: t.field({ type: [DeclaredFieldInput], required: true }),
    unmaskedFields: t.stringList({ required: false }),
    durationDays: t.int({ required: true }),
    renewsGrantId: t.id({ required: false, description: 'Renewal: the grant this request extends' }),
  }),
});

const ApproveAccessInput = builder.inputType('ApproveAccessInput', {
  description: 'Leave out to approve as requested; an approval may only narrow',
  fields: (t) => ({
    fields: t.stringList({ required: false }),
    unmaskedFields: t.stringList({ required: false }),
    durationDays: t.int({ required: false }),
    note: t.string({ required: false }),
  }),
});

const idem = { description: 'Retrying with the same key does not apply the change twice' };

builder.mutationFields((t) => ({
  fileAccessRequest: t.field({
    type: AccessRequestRef,
    authScopes: { consumer: true, steward: true },
    args: {
      input: t.arg({ type: FileAccessRequestInput, required: true }),
      idempotencyKey: t.arg.string({ required: false, ...idem }),
    },
    resolve: (_r, { input, idempotencyKey }, ctx) =>
      fileAccessRequest(ctx.deps, ctx.scope, {
        datasetId: input.datasetId,
        purpose: input.purpose,
        legalBasis: input.legalBasis,
        fields: toDeclared(input.fields),
        unmaskedFields: input.unmaskedFields ?? [],
        durationDays: input.durationDays,
        ...(input.renewsGrantId ? { renewsGrantId: String(input.renewsGrantId) } : {}),
        ...(idempotencyKey ? { idempotencyKey } : {}),
      }),
  }),
  transferAccessRequest: t.field({
    ...namesAccessRequest,
    type: AccessRequestRef,
    description: 'Hands the request to another named steward of the owner department; the deadline stays',
    authScopes: { steward: true, admin: true },
    args: {
      id: t.arg.id({ required: true }),
      to: t.arg.string({ required: true }),
      reason: t.arg.string({ required: true }),
      idempotencyKey: t.arg.string({ required: false, ...idem }),
    },
    resolve: (_r, a, ctx) =>
      changeAccessRequest(
        ctx.deps,
        ctx.scope,
        String(a.id),
        { kind: 'transfer', to: a.to, reason: a.reason },
        a.idempotencyKey ?? undefined,
      ),
  }),
  approveAccessRequest: t.field({
    ...namesAccessRequest,
    type: AccessRequestRef,
    description: 'Creates the grant (possibly narrower than requested)',
    authScopes: { steward: true, admin: true },
    args: {
      id: t.arg.id({ required: true }),
      input: t.arg({ type: ApproveAccessInput, required: false }),
      idempotencyKey: t.arg.string({ required: false, ...idem }),
    },
    resolve: (_r, a, ctx) =>
      changeAccessRequest(
        ctx.deps,
        ctx.scope,
        String(a.id),
        {
          kind: 'approve',
          ...(a.input?.fields ? { fields: a.input.fields } : {}),
          ...(a.input?.unmaskedFields ? { unmaskedFields: a.input.unmaskedFields } : {}),
          ...(a.input?.durationDays ? { durationDays: a.input.durationDays } : {}),
          ...(a.input?.note ? { note: a.input.note } : {}),
        },
        a.idempotencyKey ?? undefined,
      ),
  }),
  rejectAccessRequest: t.field({
    ...namesAccessRequest,
    type: AccessRequestRef,
    authScopes: { steward: true, admin: true },
    args: {
      id: t.arg.id({ required: true }),
      reason: t.arg({ type: RejectReasonEnum, required: true }),
      text: t.arg.string({ required: true }),
      idempotencyKey: t.arg.string({ required: false, ...idem }),
    },
    resolve: (_r, a, ctx) =>
      changeAccessRequest(
        ctx.deps,
        ctx.scope,
        String(a.id),
        { kind: 'reject', code: a.reason, text: a.text },
        a.idempotencyKey ?? undefined,
      ),
  }),
  withdrawAccessRequest: t.field({
    ...namesAccessRequest,
    type: AccessRequestRef,
    authScopes: { consumer: true, steward: true, admin: true },
    args: { id: t.arg.id({ required: true }), idempotencyKey: t.arg.string({ required: false, ...idem }) },
    resolve: (_r, a, ctx) =>
      changeAccessRequest(ctx.deps, ctx.scope, String(a.id), { kind: 'withdraw' }, a.idempotencyKey ?? undefined),
  }),
  revokeAccessRequestGrant: t.field({
    ...namesAccessRequest,
    type: AccessRequestRef,
    description:
      'Revokes the grant an approved request created (owner’s stewards, admins); takes effect on the next query',
    authScopes: { steward: true, admin: true },
    args: {
      id: t.arg.id({ required: true }),
      reason: t.arg.string({ required: true }),
      idempotencyKey: t.arg.string({ required: false, ...idem }),
    },
    resolve: (_r, a, ctx) =>
      changeAccessRequest(
        ctx.deps,
        ctx.scope,
        String(a.id),
        { kind: 'revoke-grant', reason: a.reason },
        a.idempotencyKey ?? undefined,
      ),
  }),
  setAccessSettings: t.field({
    type: AccessSettingsRef,
    authScopes: { admin: true },
    args: {
      dept: t.arg.string({ required: true }),
      deadlineWorkingDays: t.arg.int({ required: false }),
      stewards: t.arg.stringList({ required: false }),
      refusalRateTarget: t.arg.float({ required: false }),
    },
    resolve: (_r, a, ctx) =>
      setAccessSettings(ctx.deps, ctx.scope, a.dept, {
        ...(a.deadlineWorkingDays != null ? { deadlineWorkingDays: a.deadlineWorkingDays } : {}),
        ...(a.stewards != null ? { stewards: a.stewards } : {}),
        ...(a.refusalRateTarget != null ? { refusalRateTarget: a.refusalRateTarget } : {}),
      }),
  }),
}));
