import { AppError, isAppError } from '@govshare/platform';
import { ref, type Dataset, type Filter, type RecordsPage } from '@govshare/contracts';
import type { GatewayDeps, RequestScope } from '../deps.ts';
import { decideRecordAccess, type AccessBasis } from '../policy/access-policy.ts';
import { filterFields } from '../policy/filter.ts';
import { maskHash, maskRecord, type MaskedField } from '../policy/masking.ts';
import { auditedRead } from './audited.ts';
import { loadAccessContext, rememberedAccessContext, type AccessContext } from './catalog-reads.ts';

export interface RecordsRequest {
  datasetId: string;
  fields?: string[];
  where?: Filter;
  first?: number;
  after?: string;
  /** Count the matching records too (costs a second query). */
  withTotal?: boolean;
}

export interface RecordsResult {
  records: { key: string; version: number; ingestedAt: string; data: Record<string, unknown> }[];
  maskedFields: MaskedField[];
  totalCount: number | null;
  endCursor: string | null;
  hasNextPage: boolean;
  datasetVersion: number;
  basis: AccessBasis;
  grantId: string | null;
}

/** The dataset's x-subject fields (data dictionary): their values name the person or company a record is about. */
export function subjectFieldsOf(dataset: Pick<Dataset, 'schema'>): string[] {
  return Object.entries(dataset.schema.properties ?? {})
    .filter(([, f]) => f['x-subject'] === true)
    .map(([name]) => name);
}

/**
 * The filter as audited: conditions on subject fields are marked `subject: true`, and the audit
 * service stores their values as keyed HMACs (never in clear) that a subject lookup finds. When the
 * dataset's schema is not known (it does not exist, or the read failed before it was loaded), every
 * condition with a value is marked: a probe may name a person whatever field it uses.
 */
export function auditedFilter(filter: Filter, subjectFields: readonly string[] | undefined): unknown {
  if ('and' in filter) return { and: filter.and.map((f) => auditedFilter(f, subjectFields)) };
  if ('or' in filter) return { or: filter.or.map((f) => auditedFilter(f, subjectFields)) };
  const isSubject = subjectFields ? subjectFields.includes(filter.field) : true;
  return isSubject && filter.value !== undefined ? { ...filter, subject: true } : filter;
}

/**
 * Reads records under the tier policy: decide, fetch only permitted fields, mask, audit (with the
 * subjects returned), then return. Denials are audited too.
 */
export async function readRecords(deps: GatewayDeps, scope: RequestScope, req: RecordsRequest): Promise<RecordsResult> {
  const first = req.first ?? 20;
  if (!Number.isInteger(first) || first < 1 || first > deps.pageSizeMax) {
    throw new AppError('BAD_USER_INPUT', `first: must be an integer between 1 and ${deps.pageSizeMax}`);
  }
  // The subject fields are known once the dataset is (a remembered context, or the one loaded below).
  let subjectFields = subjectFieldsOfContext(rememberedAccessContext(deps, scope, req.datasetId));
  const baseDetails = () => ({
    dataset: req.datasetId,
    ...(req.where ? { filter: auditedFilter(req.where, subjectFields) } : {}),
  });
  return auditedRead(deps, scope, 'records.read', baseDetails, async () => {
    const { dataset, decision, page } = await decideAndFetch(
      deps,
      scope,
      req,
      first,
      (ctx) => (subjectFields = subjectFieldsOf(ctx.dataset)),
    );
    const subjectFieldsHere = subjectFieldsOf(dataset);

    const keyMasked =
      decision.masked.some((m) => dataset.keyFields.includes(m.field)) ||
      !dataset.keyFields.every((k) => decision.fields.includes(k));
    const subjects = new Set<string>();
    const records = page.records.map((r) => {
      subjects.add(r.key);
      for (const f of subjectFieldsHere) if (typeof r.data[f] === 'string') subjects.add(r.data[f] as string);
      return {
        ...r,
        key: keyMasked ? maskHash(r.key, deps.maskKey) : r.key,
        data: maskRecord(r.data, decision.masked, deps.maskKey),
      };
    });
    return {
      result: {
        records,
        maskedFields: decision.masked,
        totalCount: page.totalCount ?? null,
        endCursor: page.endCursor ?? null,
        hasNextPage: page.hasNextPage,
        datasetVersion: page.datasetVersion,
        basis: decision.basis,
        grantId: decision.grant?.id ?? null,
      },
      details: {
        datasetVersion: page.datasetVersion,
        fields: decision.fields,
        maskedFields: decision.masked.map((m) => m.field),
        recordCount: records.length,
        ...(decision.grant ? { grantId: decision.grant.id, purpose: decision.grant.purpose } : {}),
        ...(subjects.size ? { subjects: [...subjects].slice(0, 500) } : {}),
      },
    };
  });
}

const isStaleAccess = (err: unknown) =>
  isAppError(err) && err.code === 'CONFLICT' && (err.details as { rule?: string } | undefined)?.rule === 'access-stale';

/**
 * Decides on the remembered access context when there is one, and has the catalog confirm it with the
 * query itself (the context's version and the grant relied on); one catalog call instead of two. A
 * stale context, or a refusal decided on a remembered context, is decided again once on a fresh
 * context, so remembering can neither allow nor refuse what a fresh decision would not.
 */
const subjectFieldsOfContext = (ctx: AccessContext | undefined) => (ctx ? subjectFieldsOf(ctx.dataset) : undefined);

async function decideAndFetch(
  deps: GatewayDeps,
  scope: RequestScope,
  req: RecordsRequest,
  first: number,
  onContext: (ctx: AccessContext) => void,
) {
  const attempt = async (ctx: AccessContext) => {
    onContext(ctx);
    const decision = decideRecordAccess({
      caller: scope.caller,
      dataset: ctx.dataset,
      grants: ctx.grants,
      requestedFields: req.fields ?? [],
      filterFields: filterFields(req.where),
    });
    if (!decision.allowed) throw new AppError('FORBIDDEN', decision.reason);
    const page = await deps.catalog.call<RecordsPage>({
      method: 'POST',
      path: `/datasets/${encodeURIComponent(ctx.dataset.id)}/records/query`,
      requestId: scope.requestId,
      body: {
        fields: decision.fields,
        where: req.where,
        first,
        after: req.after,
        withTotal: req.withTotal ?? true,
        access: { version: ctx.version, ...(decision.grant ? { grantId: decision.grant.id } : {}) },
      },
      responseSchema: ref('records.v1.json', 'Page'),
    });
    return { dataset: ctx.dataset, decision, page };
  };
  const remembered = rememberedAccessContext(deps, scope, req.datasetId);
  try {
    return await attempt(remembered ?? (await loadAccessContext(deps, scope, req.datasetId)));
  } catch (err) {
    const retry = isStaleAccess(err) || (remembered !== undefined && isAppError(err) && err.code === 'FORBIDDEN');
    if (!retry) throw err;
    return attempt(await loadAccessContext(deps, scope, req.datasetId));
  }
}
