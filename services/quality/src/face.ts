// The quality module's face: what other modules (the gateway) may ask of it, as plain functions
// `(input, ctx) => Promise<output>`. One spec describes them; from it come the in-process face
// (createQualityFace), the HTTP routes when the module runs as its own process (serveFace in app.ts)
// and the client the gateway calls it with (remoteFace). Whoever a change or a request is recorded
// as (a run's requestedBy, a rule set's or policy's author, an appeal's filer and decider) is the
// verified end caller in ctx.caller, never a name in the input.
import { and, asc, desc, eq } from 'drizzle-orm';
import type { JWK } from 'jose';
import { ref } from '@govshare/contracts';
import {
  AppError,
  localFace,
  type CallContext,
  type FaceSpec,
  type Logger,
  type Operation,
  type Principal,
} from '@govshare/platform';
import { enforce, mayDecideAppeal, mayFileAppeal } from '@govshare/platform/policy';
import { examples, runs } from './schema.ts';
import { checkRuleSet, getRuleSet, putRuleSet, type QualityDb, type RuleSetRecord } from './rule-sets.ts';
import { runView, type RunManager, type RunView } from './runs.ts';
import type { RecordSource } from './source.ts';
import { effectiveRules, type RuleSetBody, type RuleSpec } from './rules/rules.ts';
import { alertOverview, departmentScores, type DepartmentScore } from './departments.ts';
import { datasetStatus, headline, targetsOf, type AlertView, type Status } from './alerts.ts';
import {
  currentPolicy,
  decideAppeal,
  fileAppeal,
  getAppeal,
  getPublication,
  listAppeals,
  listPublications,
  publish,
  putPolicy,
  type ListName,
  type Policy,
  type PolicyRecord,
  type PublicationBody,
} from './publications.ts';

// Inputs ------------------------------------------------------------------------------------------

export interface DatasetInput {
  datasetId: string;
}
export interface RunRequestInput {
  datasetId: string;
  reason?: string;
}
export interface IdInput {
  id: string;
}
export interface HistoryInput {
  datasetId: string;
  /** 1-500, default 50. */
  limit?: number;
}
export interface RulesInput {
  datasetId: string;
  /** A stored version; the latest when absent. */
  version?: number;
}
export interface SetRulesInput {
  datasetId: string;
  /** The new version's body; an `updatedBy` in it is ignored (the author is ctx.caller). */
  ruleSet: RuleSetBody & { updatedBy?: string };
}
export interface AlertsInput {
  /** Default 'open'. */
  status?: 'open' | 'all';
  datasetId?: string;
  dept?: string;
}
export interface PeriodInput {
  /** YYYY-MM. */
  period: string;
}
/** Changes to the current policy; an `updatedBy` is ignored (the author is ctx.caller). */
export type PolicyInput = Partial<Policy> & { updatedBy?: string };
export interface AppealInput {
  publicationId: string;
  reason: string;
}
export interface AppealDecisionInput {
  /** The appeal. */
  id: string;
  accept: boolean;
  reason: string;
  /** An accepted appeal may name the list outright; otherwise the department is placed again. */
  list?: ListName;
}

// Outputs -----------------------------------------------------------------------------------------

export interface QualityReport {
  datasetId: string;
  run: RunView;
  datasetVersion: number | null;
  ruleSetVersion: number | null;
  rules: unknown[];
  skippedRules: Record<string, unknown>;
  score: number | null;
  status: Status;
  openAlerts: AlertView[];
  metrics: Record<string, any>;
  /** Failing records per rule, masked as the dataset's schema declares. */
  examples: Record<string, { key: string; problem: string; values: unknown }[]>;
  runningNow: RunView | null;
}
export interface RunHistory {
  datasetId: string;
  runs: (RunView & { records: number | null; metrics: Record<string, number> })[];
}
export type AlertOverview = Awaited<ReturnType<typeof alertOverview>>;
export interface DepartmentScores {
  period: string;
  start: string;
  end: string;
  departments: DepartmentScore[];
}
export interface SignedPublication {
  publication: PublicationBody;
  jws: string;
  supersededBy: string | null;
}
export type PublicationList = Awaited<ReturnType<typeof listPublications>>;
export type AppealView = Awaited<ReturnType<typeof getAppeal>>;
export interface AppealOutcome {
  appeal: AppealView;
  /** An accepted appeal's corrected publication, superseding the appealed one. */
  publication?: PublicationBody;
  jws?: string;
}
export interface PublicationKey {
  jwk: JWK;
  alg: 'EdDSA';
  use: string;
}

export interface QualityFace {
  /** Queues a scoring run (202 before): joins a queued one (coalesced), or queues one behind a running one. */
  requestRun(input: RunRequestInput, ctx: CallContext): Promise<{ run: RunView; coalesced: boolean }>;
  getRun(input: IdInput, ctx: CallContext): Promise<{ run: RunView }>;
  /** The dataset's last finished run in full; NOT_FOUND when it has none. */
  report(input: DatasetInput, ctx: CallContext): Promise<QualityReport>;
  /** Runs, newest first, with headline figures. */
  history(input: HistoryInput, ctx: CallContext): Promise<RunHistory>;
  /** A version of the declared rule set, and the rules in effect (null when the catalog cannot be read). */
  getRules(input: RulesInput, ctx: CallContext): Promise<RuleSetRecord & { effectiveRules: RuleSpec[] | null }>;
  /** Stores a new version after checking it against the data dictionary; the author is ctx.caller. */
  setRules(input: SetRulesInput, ctx: CallContext): Promise<RuleSetRecord>;
  alerts(input: AlertsInput, ctx: CallContext): Promise<AlertOverview>;
  departmentScores(input: PeriodInput, ctx: CallContext): Promise<DepartmentScores>;
  getPolicy(input: Record<string, never>, ctx: CallContext): Promise<PolicyRecord>;
  /** A new policy version; the author is ctx.caller. */
  setPolicy(input: PolicyInput, ctx: CallContext): Promise<PolicyRecord>;
  /** Signs and stores the period's red/black list; CONFLICT when the period has one. */
  publish(input: PeriodInput, ctx: CallContext): Promise<SignedPublication>;
  listPublications(input: Partial<PeriodInput>, ctx: CallContext): Promise<PublicationList>;
  getPublication(input: IdInput, ctx: CallContext): Promise<SignedPublication>;
  /** The key that signs publications, so anyone can check one without trusting govshare. */
  publicKey(input: Record<string, never>, ctx: CallContext): Promise<PublicationKey>;
  /** ctx.caller contests their own department's place on a publication. */
  fileAppeal(input: AppealInput, ctx: CallContext): Promise<{ appeal: AppealView }>;
  getAppeal(input: IdInput, ctx: CallContext): Promise<{ appeal: AppealView }>;
  listAppeals(input: { publicationId?: string }, ctx: CallContext): Promise<{ appeals: AppealView[] }>;
  /** ctx.caller decides; refused to an admin of the appellant's own department (separation of duties). */
  decideAppeal(input: AppealDecisionInput, ctx: CallContext): Promise<AppealOutcome>;
}

// Spec --------------------------------------------------------------------------------------------

const Q = (def: string) => ({ $ref: ref('quality-api.v1.json', def) });
/** One property of a contract def, so the face's inputs keep the contract's rules for each field. */
const QP = (def: string, prop: string) => ({ $ref: `${ref('quality-api.v1.json', def)}/properties/${prop}` });
const object = (required: string[], properties: Record<string, object>) => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties,
});
const datasetId = QP('IdParams', 'id');
const noInput = object([], {});

export const qualityFaceSpec: FaceSpec<QualityFace> = {
  requestRun: {
    input: object(['datasetId'], { datasetId: QP('RunCreate', 'datasetId'), reason: QP('RunCreate', 'reason') }),
  },
  getRun: { input: Q('IdParams') },
  report: { input: object(['datasetId'], { datasetId }) },
  history: { input: object(['datasetId'], { datasetId, limit: QP('HistoryQuery', 'limit') }) },
  getRules: { input: object(['datasetId'], { datasetId, version: QP('RulesQuery', 'version') }) },
  setRules: { input: object(['datasetId', 'ruleSet'], { datasetId, ruleSet: Q('RuleSet') }) },
  alerts: { input: Q('AlertsQuery') },
  departmentScores: { input: Q('PeriodQuery') },
  getPolicy: { input: noInput },
  setPolicy: { input: Q('Policy') },
  publish: { input: Q('PublicationCreate') },
  listPublications: { input: Q('PublicationsQuery') },
  getPublication: { input: Q('IdParams') },
  publicKey: { input: noInput },
  fileAppeal: {
    input: object(['publicationId', 'reason'], {
      publicationId: QP('AppealCreate', 'publicationId'),
      reason: QP('AppealCreate', 'reason'),
    }),
  },
  getAppeal: { input: Q('IdParams') },
  listAppeals: { input: Q('AppealsQuery') },
  decideAppeal: {
    input: object(['id', 'accept', 'reason'], {
      id: QP('IdParams', 'id'),
      accept: QP('AppealDecision', 'accept'),
      reason: QP('AppealDecision', 'reason'),
      list: QP('AppealDecision', 'list'),
    }),
  },
};

// Implementation ----------------------------------------------------------------------------------

export interface QualityFaceDeps {
  db: QualityDb;
  runs: RunManager;
  source: RecordSource;
  publicationKeys: { privateJwk: JWK; publicJwk: JWK };
  /** The module's clock: every stored time comes from it. */
  now: () => Date;
  logger: Logger;
}

/** How a person is recorded: `sub@DEPT` of the verified caller. */
const actorName = (p: Principal) => `${p.sub}@${p.dept}`;

/** The verified end caller, for what only a person may do (file or decide an appeal). */
function personOf(ctx: CallContext, what: string): Principal {
  if (!ctx.caller) throw new AppError('FORBIDDEN', `${what} takes a verified end caller; the call named none`);
  return ctx.caller;
}

/** The module's face in this process: inputs checked against qualityFaceSpec, then these functions. */
export function createQualityFace(deps: QualityFaceDeps): QualityFace {
  const { db, now } = deps;
  const impl: QualityFace = {
    async requestRun({ datasetId, reason }, ctx) {
      // The hub's own requests (no end caller) are the service's, as they always were.
      const by = ctx.caller ? actorName(ctx.caller) : 'service';
      return deps.runs.request(datasetId, by, reason, ctx.requestId);
    },

    async getRun({ id }) {
      return { run: await deps.runs.get(id) };
    },

    async report({ datasetId }) {
      const [last] = await db
        .select()
        .from(runs)
        .where(and(eq(runs.datasetId, datasetId), eq(runs.status, 'succeeded')))
        .orderBy(desc(runs.finishedAt))
        .limit(1);
      if (!last) throw new AppError('NOT_FOUND', `dataset ${datasetId} has no finished quality run`);
      const ex = await db
        .select()
        .from(examples)
        .where(eq(examples.runId, last.id))
        .orderBy(asc(examples.ruleId), asc(examples.seq));
      const byRule: QualityReport['examples'] = {};
      for (const e of ex) (byRule[e.ruleId] ??= []).push({ key: e.recordKey, problem: e.problem, values: e.values });
      const { examples: _omit, ...metrics } = last.metrics as any;
      const ruleSet = await getRuleSet(db, datasetId);
      const open = (await alertOverview(db, { datasetId })).alerts;
      const [pending] = await db
        .select()
        .from(runs)
        .where(and(eq(runs.datasetId, datasetId), eq(runs.status, 'running')))
        .limit(1);
      return {
        datasetId,
        run: runView(last),
        datasetVersion: last.datasetVersion,
        ruleSetVersion: last.ruleSetVersion,
        rules: (last.rules as any)?.rules ?? [],
        skippedRules: (last.rules as any)?.skipped ?? {},
        score: last.score,
        status: datasetStatus(open.length, headline(last.metrics), targetsOf(ruleSet.body.targets)),
        openAlerts: open,
        metrics,
        examples: byRule,
        runningNow: pending ? runView(pending) : null,
      };
    },

    async history({ datasetId, limit }) {
      const rows = await db
        .select()
        .from(runs)
        .where(eq(runs.datasetId, datasetId))
        .orderBy(desc(runs.createdAt))
        .limit(limit ?? 50);
      return {
        datasetId,
        runs: rows.map((r) => ({ ...runView(r), records: r.records, metrics: headline(r.metrics) })),
      };
    },

    async getRules({ datasetId, version }, ctx) {
      const rs = await getRuleSet(db, datasetId, version);
      let effective: RuleSpec[] | null = null;
      try {
        const ds = await deps.source.getDataset(datasetId, ctx.requestId);
        if (ds) effective = effectiveRules(ds.schema, rs.body.rules);
      } catch (err) {
        deps.logger.warn({ err, reqId: ctx.requestId }, 'catalog unavailable: effective rules omitted');
      }
      return { ...rs, effectiveRules: effective };
    },

    async setRules({ datasetId, ruleSet }, ctx) {
      const { updatedBy: _ignored, ...body } = ruleSet;
      await checkRuleSet(body, datasetId, (id) => deps.source.getDataset(id, ctx.requestId));
      return putRuleSet(db, datasetId, body, ctx.caller ? actorName(ctx.caller) : 'service', now);
    },

    alerts: async (input) => alertOverview(db, input),
    departmentScores: async ({ period }) => departmentScores(db, period),
    getPolicy: async () => currentPolicy(db, now),

    async setPolicy(input, ctx) {
      const { updatedBy: _ignored, ...body } = input;
      return putPolicy(db, body, ctx.caller ? actorName(ctx.caller) : 'service', now);
    },

    publish: async ({ period }) => publish(db, period, deps.publicationKeys.privateJwk, now()),
    listPublications: async ({ period }) => listPublications(db, period),
    getPublication: async ({ id }) => getPublication(db, id),
    publicKey: async () => ({
      jwk: deps.publicationKeys.publicJwk,
      alg: 'EdDSA',
      use: 'publication signatures: compact JWS over RFC 8785 canonical JSON',
    }),

    async fileAppeal({ publicationId, reason }, ctx) {
      const by = personOf(ctx, 'filing an appeal');
      enforce(mayFileAppeal(by));
      // A department's appeal is filed by one of its own: the caller's department is the appellant.
      return { appeal: await fileAppeal(db, { publicationId, dept: by.dept, reason, filedBy: actorName(by) }, now()) };
    },

    getAppeal: async ({ id }) => ({ appeal: await getAppeal(db, id) }),
    listAppeals: async ({ publicationId }) => listAppeals(db, publicationId),

    async decideAppeal({ id, accept, reason, list }, ctx) {
      const by = personOf(ctx, 'deciding an appeal');
      enforce(mayDecideAppeal(by)); // the role before the appeal is looked at; its department after
      return decideAppeal(
        db,
        id,
        { accept, reason, list, decidedBy: actorName(by), decider: by },
        deps.publicationKeys.privateJwk,
        now(),
      );
    },
  };
  const checked = localFace(qualityFaceSpec, impl, 'quality');
  // localFace checks an input before any promise exists, so a refused input throws where the call is
  // made; callers that chain .catch (the gateway's rescore after an ingest) would miss it. Every
  // function here rejects instead, as the remote face does.
  const face = {} as Record<keyof QualityFace, Operation>;
  for (const name of Object.keys(checked) as (keyof QualityFace)[]) {
    const fn = checked[name] as Operation;
    face[name] = async (input, ctx) => fn(input, ctx);
  }
  return face as unknown as QualityFace;
}
