import { and, asc, desc, eq } from 'drizzle-orm';
import { ref } from '@govshare/contracts';
import { AppError, type createServiceApp } from '@govshare/platform';

type FastifyInstance = ReturnType<typeof createServiceApp>;
import type { JWK } from 'jose';
import { examples, runs } from './schema.ts';
import { checkRuleSet, getRuleSet, putRuleSet, type QualityDb } from './rule-sets.ts';
import { runView, type RunManager } from './runs.ts';
import type { RecordSource } from './source.ts';
import { effectiveRules, type RuleSetBody } from './rules/rules.ts';
import { alertOverview, departmentScores } from './departments.ts';
import { datasetStatus, headline, targetsOf } from './alerts.ts';
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
} from './publications.ts';

const Q = (def: string) => ({ $ref: ref('quality-api.v1.json', def) });

export interface RouteDeps {
  db: QualityDb;
  runs: RunManager;
  source: RecordSource;
  publicationKeys: { privateJwk: JWK; publicJwk: JWK };
  /** The service's clock: every stored time comes from it. */
  now: () => Date;
}

export function registerRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { db, now } = deps;

  app.post('/runs', { schema: { body: Q('RunCreate') } }, async (req, reply) => {
    const b = req.body as { datasetId: string; reason?: string; requestedBy?: string };
    const out = await deps.runs.request(
      b.datasetId,
      b.requestedBy ?? String((req as any).serviceToken?.sub ?? 'service'),
      b.reason,
      req.id,
    );
    return reply.code(202).send(out);
  });

  app.get('/runs/:id', { schema: { params: Q('IdParams') } }, async (req) => ({
    run: await deps.runs.get((req.params as any).id),
  }));

  app.get('/datasets/:id/report', { schema: { params: Q('IdParams') } }, async (req) => {
    const datasetId = (req.params as any).id as string;
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
    const byRule: Record<string, { key: string; problem: string; values: unknown }[]> = {};
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
  });

  app.get(
    '/datasets/:id/history',
    { schema: { params: Q('IdParams'), querystring: Q('HistoryQuery') } },
    async (req) => {
      const datasetId = (req.params as any).id as string;
      const limit = (req.query as any).limit ?? 50;
      const rows = await db
        .select()
        .from(runs)
        .where(eq(runs.datasetId, datasetId))
        .orderBy(desc(runs.createdAt))
        .limit(limit);
      return {
        datasetId,
        runs: rows.map((r) => ({ ...runView(r), records: r.records, metrics: headline(r.metrics) })),
      };
    },
  );

  app.get('/datasets/:id/rules', { schema: { params: Q('IdParams'), querystring: Q('RulesQuery') } }, async (req) => {
    const datasetId = (req.params as any).id as string;
    const rs = await getRuleSet(db, datasetId, (req.query as any).version);
    let effective: unknown = null;
    try {
      const ds = await deps.source.getDataset(datasetId, req.id);
      if (ds) effective = effectiveRules(ds.schema, rs.body.rules);
    } catch (err) {
      req.log.warn({ err }, 'catalog unavailable: effective rules omitted');
    }
    return { ...rs, effectiveRules: effective };
  });

  app.put('/datasets/:id/rules', { schema: { params: Q('IdParams'), body: Q('RuleSet') } }, async (req) => {
    const datasetId = (req.params as any).id as string;
    const { updatedBy, ...body } = req.body as RuleSetBody & { updatedBy?: string };
    await checkRuleSet(body, datasetId, (id) => deps.source.getDataset(id, req.id));
    return putRuleSet(db, datasetId, body, updatedBy ?? 'service', now);
  });

  app.get('/alerts', { schema: { querystring: Q('AlertsQuery') } }, async (req) => alertOverview(db, req.query as any));

  app.get('/departments/scores', { schema: { querystring: Q('PeriodQuery') } }, async (req) =>
    departmentScores(db, (req.query as any).period),
  );

  app.get('/policy', async () => currentPolicy(db, now));
  app.put('/policy', { schema: { body: Q('Policy') } }, async (req) => {
    const { updatedBy, ...body } = req.body as any;
    return putPolicy(db, body, updatedBy ?? 'service', now);
  });

  app.post('/publications', { schema: { body: Q('PublicationCreate') } }, async (req, reply) => {
    const out = await publish(db, (req.body as any).period, deps.publicationKeys.privateJwk, now());
    return reply.code(201).send(out);
  });
  app.get('/publications', { schema: { querystring: Q('PublicationsQuery') } }, async (req) =>
    listPublications(db, (req.query as any).period),
  );
  app.get('/publications/:id', { schema: { params: Q('IdParams') } }, async (req) =>
    getPublication(db, (req.params as any).id),
  );
  app.get('/public-key', async () => ({
    jwk: deps.publicationKeys.publicJwk,
    alg: 'EdDSA',
    use: 'publication signatures: compact JWS over RFC 8785 canonical JSON',
  }));

  app.post('/appeals', { schema: { body: Q('AppealCreate') } }, async (req, reply) =>
    reply.code(201).send({ appeal: await fileAppeal(db, req.body as any, now()) }),
  );
  app.get('/appeals', { schema: { querystring: Q('AppealsQuery') } }, async (req) =>
    listAppeals(db, (req.query as any).publicationId),
  );
  app.get('/appeals/:id', { schema: { params: Q('IdParams') } }, async (req) => ({
    appeal: await getAppeal(db, (req.params as any).id),
  }));
  app.post('/appeals/:id/decision', { schema: { params: Q('IdParams'), body: Q('AppealDecision') } }, async (req) =>
    decideAppeal(db, (req.params as any).id, req.body as any, deps.publicationKeys.privateJwk, now()),
  );
}
