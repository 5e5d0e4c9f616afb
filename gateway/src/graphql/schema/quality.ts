import { AppError } from '@govshare/platform';
import { builder } from '../builder.ts';
import { WarningRef } from './access-requests.ts';
import {
  decideAppeal,
  departmentScores,
  fileAppeal,
  getPublication,
  listAppeals,
  listPublications,
  publishRedBlackList,
  publicationKey,
  qualityAlerts,
  qualityHistory,
  qualityReport,
  qualityRules,
  runQuality,
  setQualityRules,
  type QualityReportView,
} from '../../operations/quality.ts';

type Obj = Record<string, any>;

const QualityReportRef = builder.objectRef<QualityReportView>('QualityReport').implement({
  description:
    'The latest quality run of a dataset. Stewards of the owner and admins get the detail; everyone else the score and status.',
  fields: (t) => ({
    datasetId: t.exposeString('datasetId'),
    score: t.float({
      nullable: true,
      description: '0–100; null until the dataset was scored',
      resolve: (r) => r.score,
    }),
    status: t.string({ nullable: true, description: 'green, yellow or red', resolve: (r) => r.status }),
    scoredAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.scoredAt }),
    detailed: t.exposeBoolean('detail'),
    metrics: t.field({
      type: 'JSON',
      nullable: true,
      description: 'completeness, uniqueness, accuracy, near duplicates, per field and per rule',
      resolve: (r) => r.report?.metrics ?? null,
    }),
    examples: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Up to five failing records per rule, masked',
      resolve: (r) => r.report?.examples ?? null,
    }),
    datasetVersion: t.int({ nullable: true, resolve: (r) => r.report?.datasetVersion ?? null }),
    ruleSetVersion: t.int({ nullable: true, resolve: (r) => r.report?.ruleSetVersion ?? null }),
    openAlerts: t.field({ type: 'JSON', nullable: true, resolve: (r) => r.report?.openAlerts ?? null }),
    run: t.field({ type: 'JSON', nullable: true, resolve: (r) => r.report?.run ?? null }),
  }),
});

const QualityRunRef = builder.objectRef<Obj>('QualityRun').implement({
  fields: (t) => ({
    id: t.id({ resolve: (r) => r.id }),
    datasetId: t.string({ resolve: (r) => r.datasetId }),
    status: t.string({ resolve: (r) => r.status }),
    score: t.float({ nullable: true, resolve: (r) => r.score ?? r.metrics?.score ?? null }),
    progress: t.field({ type: 'JSON', nullable: true, resolve: (r) => r.progress ?? null }),
    metrics: t.field({ type: 'JSON', nullable: true, resolve: (r) => r.metrics ?? null }),
    createdAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.createdAt ?? null }),
    finishedAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.finishedAt ?? null }),
  }),
});

const DepartmentScoreRef = builder.objectRef<Obj>('DepartmentScore').implement({
  description: 'Record-weighted mean of the department’s dataset scores for a period',
  fields: (t) => ({
    dept: t.string({ resolve: (d) => d.dept }),
    score: t.float({ nullable: true, resolve: (d) => d.score ?? null }),
    accuracy: t.float({
      nullable: true,
      description: 'Record-weighted mean of the datasets’ accuracy, 0–1; null when they hold no records',
      resolve: (d) => d.accuracy ?? null,
    }),
    accuracyTarget: t.float({ description: 'The plans’ target: 0.95', resolve: (d) => d.accuracyTarget }),
    warnings: t.field({
      type: [WarningRef],
      description: 'Accuracy more than 10% below its target (figure: accuracy)',
      resolve: (d) => d.warnings ?? [],
    }),
    records: t.int({ resolve: (d) => d.records ?? 0 }),
    datasets: t.field({ type: 'JSON', resolve: (d) => d.datasets ?? [] }),
  }),
});

const PlacementRef = builder.objectRef<Obj>('RedBlackPlacement').implement({
  fields: (t) => ({
    dept: t.string({ resolve: (p) => p.dept }),
    list: t.string({ description: 'red (红榜), black (黑榜) or none', resolve: (p) => p.list }),
    score: t.float({ nullable: true, resolve: (p) => p.score ?? null }),
    reasons: t.stringList({ resolve: (p) => p.reasons ?? [] }),
    figures: t.field({
      type: 'JSON',
      description: 'The datasets, runs and alerts behind the placement',
      resolve: (p) => ({ datasets: p.datasets, unresolvedAlerts: p.unresolvedAlerts, history: p.history }),
    }),
  }),
});

const PublicationRef = builder.objectRef<Obj>('RedBlackList').implement({
  description: 'A signed, immutable data-quality red/black list (数据质量红黑榜) for a period',
  fields: (t) => ({
    id: t.id({ resolve: (p) => p.publication?.id ?? p.id }),
    period: t.string({ resolve: (p) => p.publication?.period ?? p.period }),
    issuedAt: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: (p) => p.publication?.issuedAt ?? p.createdAt ?? null,
    }),
    policy: t.field({ type: 'JSON', nullable: true, resolve: (p) => p.publication?.policy ?? null }),
    supersedes: t.string({ nullable: true, resolve: (p) => p.publication?.supersedes ?? p.supersedes ?? null }),
    supersededBy: t.string({ nullable: true, resolve: (p) => p.supersededBy ?? null }),
    changes: t.field({ type: 'JSON', nullable: true, resolve: (p) => p.publication?.changes ?? null }),
    departments: t.field({ type: [PlacementRef], resolve: (p) => p.publication?.departments ?? [] }),
    jws: t.string({
      nullable: true,
      description: 'Compact JWS (EdDSA) over the RFC 8785 canonical JSON of `body`',
      resolve: (p) => p.jws ?? null,
    }),
    body: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The signed publication exactly as signed',
      resolve: (p) => p.publication ?? null,
    }),
  }),
});

const AppealRef = builder.objectRef<Obj>('QualityAppeal').implement({
  fields: (t) => ({
    id: t.id({ resolve: (a) => a.id }),
    publicationId: t.string({ resolve: (a) => a.publicationId }),
    dept: t.string({ resolve: (a) => a.dept }),
    reason: t.string({ resolve: (a) => a.reason }),
    status: t.string({
      resolve: (a) => a.status ?? (a.decision ? (a.decision.accept ? 'accepted' : 'rejected') : 'open'),
    }),
    detail: t.field({ type: 'JSON', resolve: (a) => a }),
  }),
});

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;
const currentPeriod = () => new Date().toISOString().slice(0, 7);

builder.queryFields((t) => ({
  qualityReport: t.field({
    type: QualityReportRef,
    args: { dataset: t.arg.id({ required: true }) },
    resolve: (_r, args, ctx) => qualityReport(ctx.deps, ctx.scope, String(args.dataset)),
  }),
  qualityHistory: t.field({
    type: [QualityRunRef],
    authScopes: { steward: true, admin: true },
    args: { dataset: t.arg.id({ required: true }), limit: t.arg.int({ required: false, defaultValue: 20 }) },
    complexity: (args) => ({ field: 2, multiplier: Math.min(args.limit ?? 20, 100) }),
    resolve: (_r, args, ctx) =>
      qualityHistory(ctx.deps, ctx.scope, String(args.dataset), Math.min(Math.max(args.limit ?? 20, 1), 100)),
  }),
  qualityAlerts: t.field({
    type: 'JSON',
    description: 'Open alerts (or all) with red/yellow/green status per dataset and department',
    authScopes: { steward: true, admin: true },
    args: { includeResolved: t.arg.boolean({ required: false, defaultValue: false }) },
    resolve: (_r, args, ctx) => qualityAlerts(ctx.deps, ctx.scope, args.includeResolved ?? false),
  }),
  qualityRules: t.field({
    type: 'JSON',
    args: { dataset: t.arg.id({ required: true }) },
    resolve: (_r, args, ctx) => qualityRules(ctx.deps, ctx.scope, String(args.dataset)),
  }),
  departmentScores: t.field({
    type: [DepartmentScoreRef],
    args: { period: t.arg.string({ required: false, description: 'YYYY-MM; this month by default' }) },
    resolve: async (_r, args, ctx) =>
      (await departmentScores(ctx.deps, ctx.scope, checkPeriod(args.period ?? currentPeriod()))).departments ?? [],
  }),
  redBlackLists: t.field({
    type: [PublicationRef],
    description: 'Published red/black lists, newest first (the list entries: use redBlackList(id))',
    args: { period: t.arg.string({ required: false }) },
    resolve: (_r, args, ctx) =>
      listPublications(ctx.deps, ctx.scope, args.period ? checkPeriod(args.period) : undefined),
  }),
  redBlackList: t.field({
    type: PublicationRef,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, args, ctx) => getPublication(ctx.deps, ctx.scope, String(args.id)),
  }),
  redBlackListPublicKey: t.field({
    type: 'JSON',
    description: 'The Ed25519 public key (JWK) that signs red/black lists',
    resolve: (_r, _a, ctx) => publicationKey(ctx.deps, ctx.scope),
  }),
  qualityAppeals: t.field({
    type: [AppealRef],
    authScopes: { steward: true, admin: true },
    args: { publicationId: t.arg.id({ required: false }) },
    resolve: (_r, args, ctx) =>
      listAppeals(ctx.deps, ctx.scope, args.publicationId ? String(args.publicationId) : undefined),
  }),
}));

function checkPeriod(p: string): string {
  if (!PERIOD.test(p)) throw new AppError('BAD_USER_INPUT', 'period: must be YYYY-MM');
  return p;
}

builder.mutationFields((t) => ({
  runQuality: t.field({
    type: QualityRunRef,
    description: 'Score a dataset now (steward of the owner, admins); runs are also started after every ingest',
    authScopes: { steward: true, admin: true },
    args: { dataset: t.arg.id({ required: true }) },
    resolve: (_r, args, ctx) => runQuality(ctx.deps, ctx.scope, String(args.dataset)),
  }),
  setQualityRules: t.field({
    type: 'JSON',
    description: 'Replace the dataset’s rule set (a new version): rules, expected fields, weights, targets',
    authScopes: { steward: true, admin: true },
    args: { dataset: t.arg.id({ required: true }), rules: t.arg({ type: 'JSON', required: true }) },
    resolve: (_r, args, ctx) =>
      setQualityRules(ctx.deps, ctx.scope, String(args.dataset), args.rules as Record<string, unknown>),
  }),
  publishRedBlackList: t.field({
    type: PublicationRef,
    authScopes: { admin: true },
    args: { period: t.arg.string({ required: true }) },
    resolve: (_r, args, ctx) => publishRedBlackList(ctx.deps, ctx.scope, checkPeriod(args.period)),
  }),
  fileQualityAppeal: t.field({
    type: AppealRef,
    description: 'A listed department’s steward contests its placement (异议)',
    authScopes: { steward: true },
    args: { publicationId: t.arg.id({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: (_r, args, ctx) => fileAppeal(ctx.deps, ctx.scope, String(args.publicationId), args.reason),
  }),
  decideQualityAppeal: t.field({
    type: 'JSON',
    description:
      'Accept (issues a corrected, signed publication) or reject an appeal, with a reason; by an admin of another department than the appellant’s',
    authScopes: { admin: true },
    args: {
      id: t.arg.id({ required: true }),
      accept: t.arg.boolean({ required: true }),
      reason: t.arg.string({ required: true }),
    },
    resolve: (_r, args, ctx) => decideAppeal(ctx.deps, ctx.scope, String(args.id), args.accept, args.reason),
  }),
}));
