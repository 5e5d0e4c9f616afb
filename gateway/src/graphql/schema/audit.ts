import type {
  AuditAlert,
  AuditAlertReview,
  AuditCheckpoint,
  AuditConsistencyProof,
  AuditInclusionProof,
  AuditStoredEvent,
} from '@govshare/contracts';
import { model } from '@govshare/contracts';
import { builder, PageInfoRef } from '../builder.ts';
import {
  auditAlerts,
  reviewAuditAlert,
  auditConsistencyProof,
  auditInclusionProof,
  auditSubjectAccess,
  latestAuditCheckpoint,
  searchAuditEvents,
} from '../../operations/audit-log.ts';

const OutcomeEnum = builder.enumType('AuditOutcome', { values: model.AUDIT_OUTCOMES });

const AuditActorRef = builder.objectRef<AuditStoredEvent['actor']>('AuditActor').implement({
  fields: (t) => ({
    sub: t.exposeString('sub'),
    dept: t.exposeString('dept'),
    roles: t.exposeStringList('roles'),
    tokenId: t.string({ nullable: true, resolve: (a) => a.jti ?? null }),
  }),
});

const AuditEventRef = builder.objectRef<AuditStoredEvent>('AuditEvent').implement({
  description: 'One access or change, allowed or denied: a leaf of the tamper-evident log',
  fields: (t) => ({
    seq: t.exposeInt('seq', { description: 'Leaf index in the Merkle tree' }),
    id: t.exposeID('id'),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
    requestId: t.exposeString('requestId'),
    actor: t.field({ type: AuditActorRef, resolve: (e) => e.actor }),
    action: t.exposeString('action'),
    outcome: t.field({ type: OutcomeEnum, resolve: (e) => e.outcome }),
    reason: t.string({ nullable: true, resolve: (e) => e.reason ?? null }),
    errorCode: t.string({ nullable: true, resolve: (e) => e.errorCode ?? null }),
    withholds: t.string({
      nullable: true,
      description: 'On a <area>.withheld event: the id of the earlier allowed event whose data was not delivered',
      resolve: (e) => e.withholds ?? null,
    }),
    dataset: t.string({ nullable: true, resolve: (e) => e.dataset ?? null }),
    datasetVersion: t.int({ nullable: true, resolve: (e) => e.datasetVersion ?? null }),
    fields: t.stringList({ nullable: true, resolve: (e) => e.fields ?? null }),
    maskedFields: t.stringList({ nullable: true, resolve: (e) => e.maskedFields ?? null }),
    filter: t.field({ type: 'JSON', nullable: true, resolve: (e) => e.filter ?? null }),
    recordCount: t.int({ nullable: true, resolve: (e) => e.recordCount ?? null }),
    grantId: t.string({ nullable: true, resolve: (e) => e.grantId ?? null }),
    purpose: t.string({ nullable: true, resolve: (e) => e.purpose ?? null }),
    grantExpiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'On a grant creation: when the grant expires',
      resolve: (e) => e.grantExpiresAt ?? null,
    }),
    accessRequestId: t.string({
      nullable: true,
      description: 'The access request the event concerns',
      resolve: (e) => e.accessRequestId ?? null,
    }),
    subjectKeys: t.stringList({
      nullable: true,
      description: 'Keyed HMACs of the people or companies whose records were returned',
      resolve: (e) => e.subjectKeys ?? null,
    }),
    client: t.string({ nullable: true, resolve: (e) => e.client ?? null }),
  }),
});

const AuditEventConnectionRef = builder
  .objectRef<{ events: AuditStoredEvent[]; endCursor: string | null; hasNextPage: boolean }>('AuditEventConnection')
  .implement({
    fields: (t) => ({
      nodes: t.field({ type: [AuditEventRef], resolve: (p) => p.events }),
      pageInfo: t.field({
        type: PageInfoRef,
        resolve: (p) => ({ endCursor: p.endCursor, hasNextPage: p.hasNextPage }),
      }),
    }),
  });

const AlertStatusEnum = builder.enumType('AuditAlertStatus', { values: ['open', 'reviewed'] as const });
const ReviewOutcomeEnum = builder.enumType('AuditAlertReviewOutcome', {
  values: {
    confirmed: { description: 'real misuse, followed up' },
    false_positive: { description: 'the access was legitimate' },
  } as const,
});

const ReviewerRef = builder.objectRef<AuditAlertReview['reviewer']>('AuditReviewer').implement({
  fields: (t) => ({ sub: t.exposeString('sub'), dept: t.exposeString('dept') }),
});

const AuditAlertReviewRef = builder.objectRef<AuditAlertReview>('AuditAlertReview').implement({
  description: "An auditor's conclusion on an alert (appended; the latest counts)",
  fields: (t) => ({
    id: t.exposeID('id'),
    outcome: t.field({ type: ReviewOutcomeEnum, resolve: (r) => r.outcome }),
    note: t.exposeString('note'),
    reviewer: t.field({ type: ReviewerRef, resolve: (r) => r.reviewer }),
    at: t.field({ type: 'DateTime', resolve: (r) => r.at }),
  }),
});

const AuditAlertRef = builder.objectRef<AuditAlert>('AuditAlert').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.exposeString('kind', {
      description:
        'repeated_denials, grant_purpose_mismatch, grant_used_after_revoke, grant_used_after_expiry, large_read, sandbox_probing or sandbox_budget_burn (the sandbox kinds concern a department and details.dataset)',
    }),
    sub: t.string({ resolve: (a) => a.actor.sub }),
    dept: t.string({ resolve: (a) => a.actor.dept }),
    seq: t.exposeInt('seq', { description: 'The event that raised it' }),
    at: t.field({ type: 'DateTime', resolve: (a) => a.at }),
    message: t.exposeString('message'),
    details: t.field({ type: 'JSON', resolve: (a) => a.details }),
    review: t.field({
      type: AuditAlertReviewRef,
      nullable: true,
      description: 'The latest review; null while the alert is open',
      resolve: (a) => a.review,
    }),
  }),
});

const AuditAlertConnectionRef = builder
  .objectRef<{ alerts: AuditAlert[]; endCursor: string | null; hasNextPage: boolean }>('AuditAlertConnection')
  .implement({
    fields: (t) => ({
      nodes: t.field({ type: [AuditAlertRef], resolve: (p) => p.alerts }),
      pageInfo: t.field({
        type: PageInfoRef,
        resolve: (p) => ({ endCursor: p.endCursor, hasNextPage: p.hasNextPage }),
      }),
    }),
  });

const CheckpointRef = builder.objectRef<AuditCheckpoint>('AuditCheckpoint').implement({
  description: 'A signed statement of the log: its size and Merkle root at a time (JWS, EdDSA)',
  fields: (t) => ({
    treeSize: t.exposeInt('treeSize'),
    rootHash: t.exposeString('rootHash', { description: 'base64' }),
    timestamp: t.field({ type: 'DateTime', resolve: (c) => c.timestamp }),
    jws: t.exposeString('jws'),
  }),
});

const InclusionProofRef = builder.objectRef<AuditInclusionProof>('AuditInclusionProof').implement({
  description: 'RFC 6962 audit path from a leaf to the root of a tree size',
  fields: (t) => ({
    leafIndex: t.exposeInt('leafIndex'),
    treeSize: t.exposeInt('treeSize'),
    leaf: t.exposeString('leaf', { description: 'base64 of the canonical JSON bytes that were hashed' }),
    leafHash: t.exposeString('leafHash'),
    proof: t.exposeStringList('proof'),
    rootHash: t.exposeString('rootHash'),
    checkpoint: t.field({ type: CheckpointRef, nullable: true, resolve: (p) => p.checkpoint }),
  }),
});

const ConsistencyProofRef = builder.objectRef<AuditConsistencyProof>('AuditConsistencyProof').implement({
  description: 'RFC 6962 proof that the tree at `to` extends the tree at `from`',
  fields: (t) => ({
    from: t.exposeInt('from'),
    to: t.exposeInt('to'),
    proof: t.exposeStringList('proof'),
    fromRoot: t.exposeString('fromRoot'),
    toRoot: t.exposeString('toRoot'),
  }),
});

const AuditEventFilterInput = builder.inputType('AuditEventFilter', {
  fields: (t) => ({
    dept: t.string({ required: false }),
    sub: t.string({ required: false }),
    dataset: t.string({ required: false }),
    action: t.string({ required: false }),
    outcome: t.field({ type: OutcomeEnum, required: false }),
    from: t.field({ type: 'DateTime', required: false }),
    to: t.field({ type: 'DateTime', required: false }),
    requestId: t.string({ required: false }),
    accessRequestId: t.string({
      required: false,
      description: 'Every event of one access request: filing, decisions, the grant it created or ended, reads of it',
    }),
  }),
});

const auditors = { auditor: true, admin: true } as const;

const AuditEventOrderEnum = builder.enumType('AuditEventOrder', {
  values: { NEWEST_FIRST: { value: 'newest' }, OLDEST_FIRST: { value: 'oldest' } } as const,
});

builder.queryFields((t) => ({
  auditEvents: t.field({
    type: AuditEventConnectionRef,
    description: 'Search the access log (auditors, admins). This read is itself logged.',
    authScopes: auditors,
    args: {
      filter: t.arg({ type: AuditEventFilterInput, required: false }),
      order: t.arg({
        type: AuditEventOrderEnum,
        required: false,
        defaultValue: 'newest',
        description: 'By seq; newest first unless asked',
      }),
      first: t.arg.int({ required: false, defaultValue: 50 }),
      after: t.arg.string({ required: false }),
    },
    complexity: (args) => ({ field: 5, multiplier: Math.min(args.first ?? 50, 200) }),
    resolve: (_r, args, ctx) => {
      const f = args.filter ?? {};
      return searchAuditEvents(ctx.deps, ctx.scope, {
        dept: f.dept ?? undefined,
        sub: f.sub ?? undefined,
        dataset: f.dataset ?? undefined,
        action: f.action ?? undefined,
        outcome: f.outcome ?? undefined,
        from: f.from?.toISOString(),
        to: f.to?.toISOString(),
        requestId: f.requestId ?? undefined,
        accessRequestId: f.accessRequestId ?? undefined,
        first: args.first ?? 50,
        after: args.after ?? undefined,
        order: args.order ?? 'newest',
      });
    },
  }),
  auditSubjectAccess: t.field({
    type: AuditEventConnectionRef,
    description: 'Who accessed the records of this person or company (resident ID, credit code or dataset key)?',
    authScopes: auditors,
    args: {
      identifier: t.arg.string({ required: true }),
      first: t.arg.int({ required: false, defaultValue: 50 }),
      after: t.arg.string({ required: false }),
    },
    complexity: (args) => ({ field: 5, multiplier: Math.min(args.first ?? 50, 200) }),
    resolve: (_r, args, ctx) =>
      auditSubjectAccess(ctx.deps, ctx.scope, args.identifier, args.first ?? 50, args.after ?? undefined),
  }),
  auditAlerts: t.field({
    type: AuditAlertConnectionRef,
    description:
      'Unusual access: repeated denials, grant misuse, unusually large reads, sandbox probing and privacy-budget burn',
    authScopes: auditors,
    args: {
      kind: t.arg.string({ required: false }),
      dept: t.arg.string({ required: false }),
      status: t.arg({ type: AlertStatusEnum, required: false, description: 'open: not reviewed yet' }),
      first: t.arg.int({ required: false, defaultValue: 50 }),
      after: t.arg.string({ required: false }),
    },
    complexity: (args) => ({ field: 5, multiplier: Math.min(args.first ?? 50, 200) }),
    resolve: (_r, args, ctx) =>
      auditAlerts(ctx.deps, ctx.scope, {
        kind: args.kind ?? undefined,
        dept: args.dept ?? undefined,
        status: args.status ?? undefined,
        first: args.first ?? 50,
        after: args.after ?? undefined,
      }),
  }),
  auditCheckpoint: t.field({
    type: CheckpointRef,
    nullable: true,
    description: 'The latest signed checkpoint',
    authScopes: auditors,
    resolve: (_r, _a, ctx) => latestAuditCheckpoint(ctx.deps, ctx.scope),
  }),
  auditInclusionProof: t.field({
    type: InclusionProofRef,
    authScopes: auditors,
    args: { seq: t.arg.int({ required: true }), treeSize: t.arg.int({ required: false }) },
    resolve: (_r, args, ctx) => auditInclusionProof(ctx.deps, ctx.scope, args.seq, args.treeSize ?? undefined),
  }),
  auditConsistencyProof: t.field({
    type: ConsistencyProofRef,
    authScopes: auditors,
    args: { from: t.arg.int({ required: true }), to: t.arg.int({ required: false }) },
    resolve: (_r, args, ctx) => auditConsistencyProof(ctx.deps, ctx.scope, args.from, args.to ?? undefined),
  }),
}));

builder.mutationFields((t) => ({
  reviewAuditAlert: t.field({
    type: AuditAlertReviewRef,
    description: 'Closes an alert with what it turned out to be (auditors, admins); appended, never changed; audited',
    authScopes: auditors,
    args: {
      id: t.arg.id({ required: true }),
      outcome: t.arg({ type: ReviewOutcomeEnum, required: true }),
      note: t.arg.string({ required: true }),
    },
    resolve: (_r, a, ctx) => reviewAuditAlert(ctx.deps, ctx.scope, String(a.id), a.outcome, a.note),
  }),
}));
