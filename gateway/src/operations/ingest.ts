import type { Readable } from 'node:stream';
import { AppError } from '@govshare/platform';
import { enforce, mayChangeDataset } from '@govshare/platform/policy';
import type { IngestResult } from '@govshare/contracts';
import { callContext, type GatewayDeps, type RequestScope } from '../deps.ts';
import { auditedWrite } from './audited.ts';

export type IngestBody = (
  | { kind: 'json'; records: Record<string, unknown>[] }
  /** contentType: text/csv or application/x-ndjson, optionally with a charset (the catalog decodes). */
  | { kind: 'stream'; contentType: string; body: Readable }
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
  const result = await auditedWrite(
    deps,
    scope,
    'records.ingest',
    { dataset: datasetId, reason: `mode=${mode}${input.confirmEmpty ? ' confirmEmpty' : ''}` },
    async () => {
      const dataset = await deps.catalog.getDataset({ id: datasetId }, callContext(scope));
      enforce(mayChangeDataset(scope.caller, dataset.ownerDept));
    },
    () => {
      const confirmEmpty = input.confirmEmpty ? { confirmEmpty: true } : {};
      if (input.kind === 'json')
        return deps.catalog.ingestBatch(
          { id: datasetId, mode, records: input.records, ...confirmEmpty },
          callContext(scope),
        );
      return deps.catalog.ingestUpload(
        { id: datasetId, mode, ...confirmEmpty, upload: { contentType: input.contentType, body: input.body } },
        callContext(scope),
      );
    },
  );
  notifyQuality(deps, scope, datasetId);
  return result;
}

/** Asks the quality service to rescore; best effort, the ingest has already succeeded. */
function notifyQuality(deps: GatewayDeps, scope: RequestScope, datasetId: string) {
  if (!deps.quality) return;
  deps.quality
    .requestRun({ datasetId }, callContext(scope))
    .catch((err) =>
      deps.logger.warn({ err: (err as Error).message, reqId: scope.requestId }, 'quality run not started'),
    );
}

export function assertMode(mode: unknown): 'append' | 'replace' {
  if (mode === 'append' || mode === 'replace') return mode;
  throw new AppError('BAD_USER_INPUT', 'mode: must be append or replace');
}
