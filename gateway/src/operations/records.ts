import { AppError } from '@govshare/platform';
import type { Filter } from '@govshare/contracts';
import {
  enforce,
  filterFields,
  maskHash,
  maskRecord,
  mayReadRecords,
  subjectFieldsOf,
  type AccessBasis,
  type MaskedField,
} from '@govshare/platform/policy';
import { callContext, type GatewayDeps, type RequestScope } from '../deps.ts';
import { auditedRead } from './audited.ts';
import { loadAccessContext } from './catalog-reads.ts';

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
 * Reads records under the tier policy: decide on a fresh access context, fetch only permitted
 * fields, mask, audit (with the subjects returned), then return. Denials are audited too.
 */
export async function readRecords(deps: GatewayDeps, scope: RequestScope, req: RecordsRequest): Promise<RecordsResult> {
  const first = req.first ?? 20;
  if (!Number.isInteger(first) || first < 1 || first > deps.pageSizeMax) {
    throw new AppError('BAD_USER_INPUT', `first: must be an integer between 1 and ${deps.pageSizeMax}`);
  }
  // The subject fields are known once the dataset is (the access context loaded below).
  let subjectFields: string[] | undefined;
  const baseDetails = () => ({
    dataset: req.datasetId,
    ...(req.where ? { filter: auditedFilter(req.where, subjectFields) } : {}),
  });
  return auditedRead(deps, scope, 'records.read', baseDetails, async () => {
    const { dataset, grants } = await loadAccessContext(deps, scope, req.datasetId);
    const subjectFieldsHere = (subjectFields = subjectFieldsOf(dataset));
    const decision = mayReadRecords({
      caller: scope.caller,
      dataset,
      grants,
      requestedFields: req.fields ?? [],
      filterFields: filterFields(req.where),
    });
    enforce(decision);
    const page = await deps.catalog.queryRecords(
      {
        id: dataset.id,
        fields: decision.fields,
        ...(req.where ? { where: req.where } : {}),
        first,
        ...(req.after !== undefined ? { after: req.after } : {}),
        withTotal: req.withTotal ?? true,
      },
      callContext(scope),
    );

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
