import { AppError } from '@govshare/platform';
import {
  enforce,
  mayDecideAppeal,
  mayFileAppeal,
  mayPublishRedBlackList,
  mayReadQualityAlerts,
  maySeeQualityDetail,
  mayStewardDataset,
  scopedDept,
} from '@govshare/platform/policy';
import { callContext, type GatewayDeps, type RequestScope } from '../deps.ts';
import { auditedRead, auditedWrite } from './audited.ts';

function quality(deps: GatewayDeps) {
  if (!deps.quality) throw new AppError('UNAVAILABLE', 'the quality service is not configured (QUALITY_URL)');
  return deps.quality;
}

async function ownerOf(deps: GatewayDeps, scope: RequestScope, datasetId: string): Promise<string> {
  return (await deps.catalog.getDataset({ id: datasetId }, callContext(scope))).ownerDept;
}

/** Stewards of the owner department and admins, for what only they may do with its quality. */
async function requireOwnerSteward(deps: GatewayDeps, scope: RequestScope, datasetId: string, what: string) {
  enforce(mayStewardDataset(scope.caller, await ownerOf(deps, scope, datasetId), what));
}

export interface QualityReportView {
  datasetId: string;
  score: number | null;
  status: string | null;
  scoredAt: string | null;
  detail: boolean;
  report: Record<string, any> | null;
}

export function qualityReport(deps: GatewayDeps, scope: RequestScope, datasetId: string): Promise<QualityReportView> {
  return auditedRead(deps, scope, 'quality.report', { dataset: datasetId }, async () => {
    const owner = await ownerOf(deps, scope, datasetId);
    let report: Record<string, any>;
    try {
      report = await quality(deps).report({ datasetId }, callContext(scope));
    } catch (err) {
      if (err instanceof AppError && err.code === 'NOT_FOUND')
        return { result: { datasetId, score: null, status: null, scoredAt: null, detail: false, report: null } };
      throw err;
    }
    // Stewards of the owner department and admins see the whole report; others the score and status.
    const detail = maySeeQualityDetail(scope.caller, owner);
    return {
      result: {
        datasetId,
        score: report.score ?? null,
        status: report.status ?? null,
        scoredAt: report.run?.finishedAt ?? null,
        detail,
        report: detail ? report : null,
      },
    };
  });
}

export function qualityHistory(deps: GatewayDeps, scope: RequestScope, datasetId: string, limit: number) {
  return auditedRead(deps, scope, 'quality.history', { dataset: datasetId }, async () => {
    await requireOwnerSteward(deps, scope, datasetId, 'read the quality history');
    const r = await quality(deps).history({ datasetId, limit }, callContext(scope));
    return { result: r.runs, details: { recordCount: r.runs.length } };
  });
}

/** Open alerts and red/yellow/green statuses: admins see all, stewards their department's. */
export function qualityAlerts(deps: GatewayDeps, scope: RequestScope, all: boolean) {
  return auditedRead(deps, scope, 'quality.alerts', {}, async () => {
    enforce(mayReadQualityAlerts(scope.caller));
    const dept = scopedDept(scope.caller);
    const r = await quality(deps).alerts(
      { status: all ? 'all' : 'open', ...(dept ? { dept } : {}) },
      callContext(scope),
    );
    return { result: r };
  });
}

export function departmentScores(deps: GatewayDeps, scope: RequestScope, period: string) {
  return auditedRead(deps, scope, 'quality.departmentScores', { filter: { period } }, async () => ({
    result: await quality(deps).departmentScores({ period }, callContext(scope)),
  }));
}

export function listPublications(deps: GatewayDeps, scope: RequestScope, period?: string) {
  return auditedRead(deps, scope, 'quality.publications', { filter: { period } }, async () => {
    const r = await quality(deps).listPublications(period ? { period } : {}, callContext(scope));
    return { result: r.publications };
  });
}

export function getPublication(deps: GatewayDeps, scope: RequestScope, id: string) {
  return auditedRead(deps, scope, 'quality.publication', { filter: { id } }, async () => ({
    result: await quality(deps).getPublication({ id }, callContext(scope)),
  }));
}

export function runQuality(deps: GatewayDeps, scope: RequestScope, datasetId: string) {
  return auditedWrite(
    deps,
    scope,
    'quality.run',
    { dataset: datasetId },
    () => requireOwnerSteward(deps, scope, datasetId, 'start a quality run'),
    () => quality(deps).requestRun({ datasetId, reason: 'requested by a steward' }, callContext(scope)),
  ).then((r) => r.run);
}

export function setQualityRules(
  deps: GatewayDeps,
  scope: RequestScope,
  datasetId: string,
  body: Record<string, unknown>,
) {
  return auditedWrite(
    deps,
    scope,
    'quality.setRules',
    { dataset: datasetId },
    () => requireOwnerSteward(deps, scope, datasetId, 'change quality rules'),
    // The author recorded is the caller (the module takes it from the call context, not the body).
    () => quality(deps).setRules({ datasetId, ruleSet: body }, callContext(scope)),
  );
}

export function qualityRules(deps: GatewayDeps, scope: RequestScope, datasetId: string) {
  return auditedRead(deps, scope, 'quality.rules', { dataset: datasetId }, async () => ({
    result: await quality(deps).getRules({ datasetId }, callContext(scope)),
  }));
}

export function publishRedBlackList(deps: GatewayDeps, scope: RequestScope, period: string) {
  return auditedWrite(
    deps,
    scope,
    'quality.publish',
    { filter: { period } },
    () => enforce(mayPublishRedBlackList(scope.caller)),
    () => quality(deps).publish({ period }, callContext(scope)),
  );
}

/** A listed department's steward contests its place on a publication. */
export function fileAppeal(deps: GatewayDeps, scope: RequestScope, publicationId: string, reason: string) {
  return auditedWrite(
    deps,
    scope,
    'quality.appeal',
    { reason },
    () => enforce(mayFileAppeal(scope.caller)),
    // The appellant is the caller's department, the filer the caller (both from the call context).
    () =>
      quality(deps)
        .fileAppeal({ publicationId, reason }, callContext(scope))
        .then((r) => r.appeal),
  );
}

export function decideAppeal(deps: GatewayDeps, scope: RequestScope, id: string, accept: boolean, reason: string) {
  return auditedWrite(
    deps,
    scope,
    'quality.appealDecision',
    { reason },
    // Only the role before the appeal is loaded; the quality module asks again with the appeal.
    () => enforce(mayDecideAppeal(scope.caller)),
    // The quality module refuses a decision by the appellant's own department (separation of duties):
    // the decider and their department are the caller's, from the call context.
    () => quality(deps).decideAppeal({ id, accept, reason }, callContext(scope)),
  );
}

export function listAppeals(deps: GatewayDeps, scope: RequestScope, publicationId?: string) {
  return auditedRead(deps, scope, 'quality.appeals', {}, async () => {
    const r = await quality(deps).listAppeals(publicationId ? { publicationId } : {}, callContext(scope));
    return { result: r.appeals };
  });
}

/** The key that signs red/black lists, so anyone can check a publication without trusting govshare. */
export function publicationKey(deps: GatewayDeps, scope: RequestScope) {
  return quality(deps).publicKey({}, callContext(scope));
}
