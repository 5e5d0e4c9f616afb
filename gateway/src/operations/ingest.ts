import { AppError } from '@govshare/platform';
import { ref, type Dataset, type IngestResult } from '@govshare/contracts';
import type { GatewayDeps, RequestScope } from '../deps.ts';
import { auditedWrite } from './audited.ts';
import { requireStewardOf } from './datasets.ts';
import { qualityContext } from './quality.ts';

export type IngestBody = (
  | { kind: 'json'; records: Record<string, unknown>[] }
  /** contentType: text/csv or application/x-ndjson, optionally with a charset (the catalog decodes). */
  | { kind: 'stream'; contentType: string; body: NodeJS.ReadableStream }
) & {
  /** `replace` with no records empties the dataset only when this is true. */
  confirmEmpty?: boolean;
};

/**
 * Appends or replaces a batch of records in a dataset the caller's department owns (steward role).
 * The catalog enforces the structure and applies all or nothing; the quality service is told after.
 */
export async function ingestRecords(
  deps: GatewayDeps,
  scope: RequestScope,
  datasetId: string,
  mode: 'append' | 'replace',
  input: IngestBody,
): Promise<IngestResult> {
  let dataset: Dataset | undefined;
  const result = await auditedWrite(
    deps,
    scope,
    'records.ingest',
    { dataset: datasetId, reason: `mode=${mode}${input.confirmEmpty ? ' confirmEmpty' : ''}` },
    async () => {
      dataset = await deps.catalog.call<Dataset>({
        method: 'GET',
        path: `/datasets/${encodeURIComponent(datasetId)}`,
        requestId: scope.requestId,
      });
      requireStewardOf(scope, dataset.ownerDept);
    },
    () => {
      const path = `/datasets/${encodeURIComponent(datasetId)}/records`;
      if (input.kind === 'json') {
        const body = { mode, records: input.records, ...(input.confirmEmpty ? { confirmEmpty: true } : {}) };
        return deps.catalog.call<IngestResult>({
          method: 'POST',
          path,
          requestId: scope.requestId,
          body,
          responseSchema: ref('records.v1.json', 'IngestResult'),
        });
      }
      return deps.catalog.call<IngestResult>({
        method: 'POST',
        path: `${path}?mode=${mode}${input.confirmEmpty ? '&confirmEmpty=true' : ''}`,
        requestId: scope.requestId,
        raw: { body: input.body, contentType: input.contentType },
        responseSchema: ref('records.v1.json', 'IngestResult'),
      });
    },
  );
  notifyQuality(deps, scope, datasetId);
  return result;
}

/** Asks the quality service to rescore; best effort, the ingest has already succeeded. */
function notifyQuality(deps: GatewayDeps, scope: RequestScope, datasetId: string) {
  if (!deps.quality) return;
  deps.quality
    .requestRun({ datasetId }, qualityContext(scope))
    .catch((err) =>
      deps.logger.warn({ err: (err as Error).message, reqId: scope.requestId }, 'quality run not started'),
    );
}

export function assertMode(mode: unknown): 'append' | 'replace' {
  if (mode === 'append' || mode === 'replace') return mode;
  throw new AppError('BAD_USER_INPUT', 'mode: must be append or replace');
}
