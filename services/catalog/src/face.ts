// The catalog's face: every function other modules may call, one per thing the catalog does, each
// `(input, ctx) => Promise<output>`. The spec below describes each once (input and output as JSON
// Schemas, reusing the contracts); from it come the in-process face (createCatalogFace), the HTTP
// routes when the catalog runs as its own process (serveFace in app.ts) and the client that calls it
// there (remoteFace). Who acts (files, decides, grants, asks the sandbox) is never an input: it is
// the verified caller in `ctx.caller`, and an op done for a person is refused without one.
import type { Readable } from 'node:stream';
import {
  AppError,
  byteStream,
  isAppError,
  isDatabaseUnavailable,
  localFace,
  recycleBrokenPools,
  type ByteStream,
  type CallContext,
  type FaceSpec,
  type Logger,
  type Principal,
} from '@govshare/platform';
import {
  enforce,
  mayAskSandbox,
  mayChangeAccessSettings,
  mayFileAccessRequest,
  mayManageGrants,
  mayPublishSandboxRelease,
  maySetSandboxBudget,
  type Decision,
} from '@govshare/platform/policy';
import {
  CONTRACTS_BASE,
  contractSchemas,
  ref,
  type AccessApprove,
  type AccessContext,
  type AccessReject,
  type AccessRequest,
  type AccessRequestCreate,
  type AccessRevoke,
  type AccessSettings,
  type AccessTransfer,
  type AccessTransition,
  type Dataset,
  type DatasetCreate,
  type DatasetListQuery,
  type DatasetPage,
  type DatasetSchema,
  type DeclaredField,
  type AuditEvent,
  type Department,
  type FieldProblem,
  type GovernanceFigures,
  type Grant,
  type GrantCreate,
  type IngestBatch,
  type IngestResult,
  type RecordsPage,
  type RecordsQuery,
  type SandboxBudget,
  type SandboxBudgetUpdate,
  type SandboxQuery,
  type SandboxResult,
  type SandboxStandardRelease,
} from '@govshare/contracts';
import {
  changeSchema,
  compiledFor,
  createDataset,
  datasetAccess,
  getDataset,
  getDatasetRow,
  listDatasets,
  listDepartments,
  listVersions,
  type CatalogDb,
} from './datasets.ts';
import { createGrant, getGrant, listGrants, revokeGrant } from './grants.ts';
import { markGrantFactsSent, pendingGrantFacts, systemOrigin } from './grant-fact-outbox.ts';
import { batchItems, ingest, STREAM_BODY_LIMIT, streamItems, streamUpload, type IngestMode } from './ingest.ts';
import { exportRecords as exportLines, queryRecords } from './records-query.ts';
import {
  approveAccessRequest,
  checkRequestFields,
  fileAccessRequest,
  getAccessRequest,
  getAccessSettings,
  listAccessRequests,
  rejectAccessRequest,
  revokeRequestGrant,
  setAccessSettings,
  transferAccessRequest,
  withdrawAccessRequest,
  type AccessRequestListQuery,
} from './access-requests.ts';
import { systemClock, WEEKENDS_ONLY, type Clock, type WorkingCalendar } from './deadlines.ts';
import { governanceFigures } from './governance.ts';
import { runSandboxQuery } from './sandbox.ts';
import { listStandardReleases, sandboxBudget, setSandboxBudget } from './sandbox-privacy.ts';

type Ctx = CallContext;
/** An op that takes nothing. */
export type NoInput = Record<string, never>;
export interface DatasetVersion {
  version: number;
  schema: DatasetSchema;
  createdAt: string;
}
export interface GrantListQuery {
  datasetId?: string;
  granteeDept?: string;
  /** true: not revoked and not expired; false: revoked or expired; absent: all. */
  active?: boolean;
  /** Only grants created or revoked at or after this time. */
  changedSince?: string;
}
export interface FieldCheckResult {
  ok: boolean;
  problems: FieldProblem[];
}

export interface CatalogFace {
  listDepartments(input: NoInput, ctx: Ctx): Promise<{ departments: Department[] }>;
  listDatasets(input: DatasetListQuery, ctx: Ctx): Promise<DatasetPage>;
  getDataset(input: { id: string }, ctx: Ctx): Promise<Dataset>;
  createDataset(input: DatasetCreate, ctx: Ctx): Promise<Dataset>;
  /** The dataset and the active grants `dept` holds on it, fresh: what one read is decided on. */
  datasetAccess(input: { id: string; dept: string }, ctx: Ctx): Promise<AccessContext>;
  /** A compatible change makes version+1; an incompatible one is CONFLICT. */
  changeSchema(input: { id: string; schema: DatasetSchema }, ctx: Ctx): Promise<Dataset>;
  listVersions(input: { id: string }, ctx: Ctx): Promise<{ versions: DatasetVersion[] }>;
  /** A JSON batch (up to 10,000 rows), all or nothing. */
  ingestBatch(input: { id: string } & IngestBatch, ctx: Ctx): Promise<IngestResult>;
  /** An NDJSON or CSV upload (`text/csv` / `application/x-ndjson`, `; charset=` utf-8, gb18030 or gbk), all or nothing. */
  ingestUpload(
    input: { id: string; mode?: IngestMode; confirmEmpty?: boolean; upload: ByteStream },
    ctx: Ctx,
  ): Promise<IngestResult>;
  /** One page of records with only the named fields (the caller decided which). */
  queryRecords(input: { id: string } & RecordsQuery, ctx: Ctx): Promise<RecordsPage>;
  /** Every record as NDJSON lines (StoredRecord plus `id`), after the record id `after`, at most `limit`. */
  exportRecords(input: { id: string; after?: string; limit?: number }, ctx: Ctx): Promise<ByteStream>;
  createGrant(input: GrantCreate, ctx: Ctx): Promise<Grant>;
  listGrants(input: GrantListQuery, ctx: Ctx): Promise<{ grants: Grant[] }>;
  getGrant(input: { id: string }, ctx: Ctx): Promise<Grant>;
  revokeGrant(input: { id: string }, ctx: Ctx): Promise<Grant>;
  /** Grant facts written with grant changes (the outbox) that the audit log has not acknowledged yet, oldest first. */
  pendingGrantFacts(input: { limit?: number }, ctx: Ctx): Promise<{ events: AuditEvent[] }>;
  /** Marks grant facts the audit log acknowledged. */
  markGrantFactsSent(input: { ids: string[] }, ctx: Ctx): Promise<{ marked: number }>;
  getAccessSettings(input: { dept: string }, ctx: Ctx): Promise<AccessSettings>;
  setAccessSettings(input: { dept: string } & Partial<Omit<AccessSettings, 'dept'>>, ctx: Ctx): Promise<AccessSettings>;
  checkAccessFields(
    input: { datasetId: string; fields: DeclaredField[]; unmaskedFields?: string[] },
    ctx: Ctx,
  ): Promise<FieldCheckResult>;
  /** Files for the caller's department; a retry with the same idempotency key returns the request filed first. */
  fileAccessRequest(input: AccessRequestCreate, ctx: Ctx): Promise<AccessRequest>;
  listAccessRequests(input: AccessRequestListQuery, ctx: Ctx): Promise<{ requests: AccessRequest[] }>;
  getAccessRequest(input: { id: string }, ctx: Ctx): Promise<AccessRequest>;
  transferAccessRequest(input: { id: string } & AccessTransfer, ctx: Ctx): Promise<AccessRequest>;
  approveAccessRequest(input: { id: string } & AccessApprove, ctx: Ctx): Promise<AccessRequest>;
  rejectAccessRequest(input: { id: string } & AccessReject, ctx: Ctx): Promise<AccessRequest>;
  withdrawAccessRequest(input: { id: string } & AccessTransition, ctx: Ctx): Promise<AccessRequest>;
  /** Revokes the grant an approved request created. */
  revokeAccessRequestGrant(input: { id: string } & AccessRevoke, ctx: Ctx): Promise<AccessRequest>;
  governanceFigures(input: { dept: string; from?: string; to?: string }, ctx: Ctx): Promise<GovernanceFigures>;
  /** An aggregate for the caller's department. */
  sandboxAggregate(input: SandboxQuery, ctx: Ctx): Promise<SandboxResult>;
  /** A standard table: always private, paid from the dataset's budget, free for everyone after. */
  publishSandboxRelease(input: SandboxQuery, ctx: Ctx): Promise<SandboxResult>;
  listSandboxReleases(input: { id: string }, ctx: Ctx): Promise<{ releases: SandboxStandardRelease[] }>;
  getSandboxBudget(input: { id: string }, ctx: Ctx): Promise<SandboxBudget>;
  setSandboxBudget(input: { id: string } & SandboxBudgetUpdate, ctx: Ctx): Promise<SandboxBudget>;
}

// ---- the spec ----

const contract = (file: string, def?: string) => ({ $ref: ref(file, def) });
const DATASET_ID = contract('common.v1.json', 'DatasetId');
const DEPT = contract('common.v1.json', 'DeptCode');
/** Grant and access request ids: any short string (one that is not a uuid names nothing: NOT_FOUND). */
const ROW_ID = { type: 'string', maxLength: 100 };

const object = (properties: Record<string, object>, required: string[] = Object.keys(properties)) => ({
  type: 'object',
  ...(required.length ? { required } : {}),
  properties,
  additionalProperties: false,
});

const contractsById = new Map(contractSchemas.map((s) => [s.$id as string, s]));
/** A copy of `value` whose relative $refs are resolved against `base`, so it compiles outside its file. */
function absoluteRefs(value: unknown, base: string): unknown {
  if (Array.isArray(value)) return value.map((v) => absoluteRefs(v, base));
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      k === '$ref' && typeof v === 'string' ? new URL(v, base).href : absoluteRefs(v, base),
    ]),
  );
}
/**
 * A contract's object def with more properties in front (what a route used to take in its path, such
 * as the dataset's id); the def's own properties, rules and `required` are kept as they are.
 */
function contractWith(file: string, def: string, extra: Record<string, object>): object {
  const base = CONTRACTS_BASE + file;
  const found = contractsById.get(base)?.$defs?.[def];
  if (found?.type !== 'object' || found.additionalProperties !== false)
    throw new Error(`face: ${file}#/$defs/${def} is not a closed object schema`);
  const d = absoluteRefs(found, base) as { required?: string[]; properties?: Record<string, object> };
  return {
    ...d,
    required: [...Object.keys(extra), ...(d.required ?? [])],
    properties: { ...extra, ...d.properties },
  };
}

const byDataset = object({ id: DATASET_ID });
const AR = (def?: string) => contract('access-request.v1.json', def);
const SB = (def: string) => contract('sandbox.v1.json', def);
const change = (def: string) => ({
  input: contractWith('access-request.v1.json', def, { id: ROW_ID }),
  output: AR(),
});

export const catalogFaceSpec: FaceSpec<CatalogFace> = {
  listDepartments: { input: object({}), output: contract('department.v1.json', 'List') },
  listDatasets: { input: contract('dataset.v1.json', 'ListQuery'), output: contract('dataset.v1.json', 'Page') },
  getDataset: { input: byDataset, output: contract('dataset.v1.json') },
  createDataset: { input: contract('dataset.v1.json', 'Create'), output: contract('dataset.v1.json') },
  datasetAccess: {
    input: object({ id: DATASET_ID, dept: DEPT }),
    output: contract('dataset.v1.json', 'AccessContext'),
  },
  changeSchema: {
    input: contractWith('dataset.v1.json', 'SchemaChange', { id: DATASET_ID }),
    output: contract('dataset.v1.json'),
  },
  listVersions: { input: byDataset, output: contract('dataset.v1.json', 'VersionList') },
  ingestBatch: {
    input: contractWith('records.v1.json', 'IngestBatch', { id: DATASET_ID }),
    output: contract('records.v1.json', 'IngestResult'),
  },
  ingestUpload: {
    stream: 'upload',
    input: object(
      {
        id: DATASET_ID,
        mode: { enum: ['append', 'replace'], default: 'append' },
        confirmEmpty: {
          type: 'boolean',
          default: false,
          description: 'replace with no records empties the dataset only when true',
        },
      },
      ['id'],
    ),
    output: contract('records.v1.json', 'IngestResult'),
  },
  queryRecords: {
    input: contractWith('records.v1.json', 'Query', { id: DATASET_ID }),
    output: contract('records.v1.json', 'Page'),
  },
  exportRecords: {
    stream: 'download',
    input: object(
      {
        id: DATASET_ID,
        after: { type: 'string', maxLength: 40, description: 'the `id` of the last line already read' },
        limit: { type: 'integer', minimum: 1, maximum: 100_000_000 },
      },
      ['id'],
    ),
  },
  createGrant: { input: contract('grant.v1.json', 'Create'), output: contract('grant.v1.json') },
  listGrants: {
    input: object(
      {
        datasetId: DATASET_ID,
        granteeDept: DEPT,
        active: { type: 'boolean' },
        changedSince: {
          type: 'string',
          format: 'date-time',
          description: 'only grants created or revoked at or after this time',
        },
      },
      [],
    ),
    output: contract('grant.v1.json', 'List'),
  },
  getGrant: { input: object({ id: ROW_ID }), output: contract('grant.v1.json') },
  revokeGrant: { input: object({ id: ROW_ID }), output: contract('grant.v1.json') },
  pendingGrantFacts: {
    input: object({ limit: { type: 'integer', minimum: 1, maximum: 500 } }, []),
    output: {
      type: 'object',
      required: ['events'],
      properties: { events: { type: 'array', items: { $ref: ref('audit-event.v1.json') } } },
    },
  },
  markGrantFactsSent: {
    input: object({ ids: { type: 'array', maxItems: 500, items: { type: 'string', format: 'uuid' } } }),
  },
  getAccessSettings: { input: object({ dept: DEPT }), output: AR('Settings') },
  setAccessSettings: {
    input: contractWith('access-request.v1.json', 'SettingsUpdate', { dept: DEPT }),
    output: AR('Settings'),
  },
  checkAccessFields: { input: AR('FieldCheck'), output: AR('FieldCheckResult') },
  fileAccessRequest: { input: AR('Create'), output: AR() },
  listAccessRequests: { input: AR('ListQuery'), output: AR('List') },
  getAccessRequest: { input: object({ id: ROW_ID }), output: AR() },
  transferAccessRequest: change('Transfer'),
  approveAccessRequest: change('Approve'),
  rejectAccessRequest: change('Reject'),
  withdrawAccessRequest: change('Withdraw'),
  revokeAccessRequestGrant: change('Revoke'),
  governanceFigures: {
    input: contractWith('access-request.v1.json', 'GovernanceQuery', { dept: DEPT }),
    output: AR('Governance'),
  },
  sandboxAggregate: { input: SB('Query'), output: SB('Result') },
  publishSandboxRelease: { input: SB('Query'), output: SB('Result') },
  listSandboxReleases: { input: byDataset, output: SB('ReleaseList') },
  getSandboxBudget: { input: byDataset, output: SB('Budget') },
  setSandboxBudget: {
    input: contractWith('sandbox.v1.json', 'BudgetUpdate', { id: DATASET_ID }),
    output: SB('Budget'),
  },
};

/** The ops the quality service may call with its own key: it reads what it scores, nothing else. */
export const QUALITY_OPERATIONS: readonly (keyof CatalogFace)[] = ['listDatasets', 'getDataset', 'exportRecords'];

// ---- the in-process face ----

export interface CatalogFaceDeps {
  db: CatalogDb;
  /** "Now" for the access workflow (deadlines, grant expiry) and the sandbox. */
  clock?: Clock;
  /** Public holidays and make-up working days for deadlines. */
  calendar?: WorkingCalendar;
  /** Sandbox minimum group size and queries per department per 24 hours. */
  sandbox?: { k?: number; dailyBudget?: number };
  /** Largest ingested value: a CSV cell, a string in a JSON batch, an NDJSON line (UTF-8 bytes). */
  maxCellBytes?: number;
  /** Where an outage of the database is noted (it is answered UNAVAILABLE). */
  logger?: Logger;
}

/** The verified caller an op acts for; refused without one (the hub's own calls never act for a person). */
function callerOf(ctx: Ctx, what: string): Principal {
  if (!ctx.caller?.sub || !ctx.caller.dept)
    throw new AppError(
      'FORBIDDEN',
      `${what} is done for a person, and this call names no verified caller (no-caller)`,
      {
        rule: 'no-caller',
      },
    );
  return ctx.caller;
}
/** The verified caller, once the policy allows it `decide` (its refusal is thrown as FORBIDDEN). */
function allowedCaller(ctx: Ctx, what: string, decide: (caller: Principal) => Decision): Principal {
  const caller = callerOf(ctx, what);
  enforce(decide(caller));
  return caller;
}
const actorOf = (ctx: Ctx, what: string) => {
  const c = callerOf(ctx, what);
  return { sub: c.sub, dept: c.dept, roles: [...c.roles] };
};

export function createCatalogFace(deps: CatalogFaceDeps): CatalogFace {
  const { db, maxCellBytes } = deps;
  const clock = deps.clock ?? systemClock;
  const cal = deps.calendar ?? WEEKENDS_ONLY;
  const sandbox = { k: deps.sandbox?.k, dailyBudget: deps.sandbox?.dailyBudget };

  const impl: CatalogFace = {
    listDepartments: () => listDepartments(db),
    listDatasets: (q) => listDatasets(db, q),
    getDataset: ({ id }) => getDataset(db, id),
    createDataset: (input) => createDataset(db, input),
    datasetAccess: ({ id, dept }) => datasetAccess(db, id, dept, clock()),
    changeSchema: ({ id, schema }) => changeSchema(db, id, schema),
    listVersions: ({ id }) => listVersions(db, id),
    ingestBatch: ({ id, mode, records, confirmEmpty }) =>
      ingest(db, id, mode, batchItems(records), { maxCellBytes, confirmEmpty }),
    ingestUpload: async ({ id, mode, confirmEmpty, upload }) => {
      if (!upload?.body) throw new AppError('BAD_USER_INPUT', 'upload: the body stream is missing (upload)');
      try {
        const format = streamUpload(upload.contentType);
        const compiled = compiledFor(await getDatasetRow(db, id));
        return await ingest(db, id, mode ?? 'append', streamItems(upload.body, format, compiled, maxCellBytes), {
          maxCellBytes,
          confirmEmpty,
        });
      } catch (err) {
        // Refused before the upload ended (the transaction is already rolled back): read the rest of
        // the body and discard it, so the sender gets the error reply instead of a reset connection.
        await drain(upload.body);
        throw err;
      }
    },
    queryRecords: ({ id, ...q }) => queryRecords(db, id, q),
    exportRecords: async ({ id, after, limit }) => {
      // `after` is the `id` of the last line already read (ids are unique and ascending; keys are not).
      if (after !== undefined && !/^[0-9]{1,15}$/.test(after)) {
        throw new AppError(
          'BAD_USER_INPUT',
          'after: must be the "id" of the last exported line (a record id, not a key) (export-cursor)',
          { path: 'after', rule: 'export-cursor' },
        );
      }
      await getDatasetRow(db, id); // NOT_FOUND before any line is sent
      return byteStream(
        'application/x-ndjson',
        exportLines(db, id, { after: after === undefined ? undefined : Number(after), limit }),
      );
    },
    createGrant: (input, ctx) => {
      const by = allowedCaller(ctx, 'creating a grant', mayManageGrants);
      return createGrant(db, { ...input, createdBy: `${by.sub}@${by.dept}` }, clock(), {
        requestId: ctx.requestId,
        actor: actorOf(ctx, 'creating a grant'),
      });
    },
    listGrants: (q) => listGrants(db, q, clock()),
    getGrant: ({ id }) => getGrant(db, id),
    // The hub's own revocations (no caller: the expiry sweep) are the system's.
    revokeGrant: ({ id }, ctx) => {
      if (ctx.caller) allowedCaller(ctx, 'revoking a grant', mayManageGrants);
      return revokeGrant(db, id, clock(), {
        requestId: ctx.requestId,
        actor: ctx.caller ? actorOf(ctx, 'revoking a grant') : systemOrigin().actor,
      });
    },
    pendingGrantFacts: ({ limit }) => pendingGrantFacts(db, limit),
    markGrantFactsSent: ({ ids }) => markGrantFactsSent(db, ids, clock()),
    getAccessSettings: ({ dept }) => getAccessSettings(db, dept),
    setAccessSettings: ({ dept, ...update }, ctx) => {
      allowedCaller(ctx, 'changing access settings', mayChangeAccessSettings);
      return setAccessSettings(db, dept, update, clock());
    },
    checkAccessFields: ({ datasetId, fields, unmaskedFields }) =>
      checkRequestFields(db, datasetId, fields, unmaskedFields),
    fileAccessRequest: async (input, ctx) => {
      const by = allowedCaller(ctx, 'filing an access request', mayFileAccessRequest);
      const filed = await fileAccessRequest(db, { ...input, requesterDept: by.dept, requestedBy: by.sub }, clock, cal);
      return filed.request;
    },
    listAccessRequests: (q) => listAccessRequests(db, q, clock(), cal),
    getAccessRequest: ({ id }) => getAccessRequest(db, id, clock(), cal),
    transferAccessRequest: ({ id, ...t }, ctx) =>
      transferAccessRequest(db, id, { ...t, actor: actorOf(ctx, 'transferring an access request') }, clock, cal),
    approveAccessRequest: ({ id, ...t }, ctx) =>
      approveAccessRequest(
        db,
        id,
        { ...t, actor: actorOf(ctx, 'approving an access request'), requestId: ctx.requestId },
        clock,
        cal,
      ),
    rejectAccessRequest: ({ id, ...t }, ctx) =>
      rejectAccessRequest(db, id, { ...t, actor: actorOf(ctx, 'rejecting an access request') }, clock, cal),
    withdrawAccessRequest: ({ id, ...t }, ctx) =>
      withdrawAccessRequest(db, id, { ...t, actor: actorOf(ctx, 'withdrawing an access request') }, clock, cal),
    revokeAccessRequestGrant: ({ id, ...t }, ctx) =>
      revokeRequestGrant(
        db,
        id,
        { ...t, actor: actorOf(ctx, 'revoking the grant of an access request'), requestId: ctx.requestId },
        clock,
        cal,
      ),
    governanceFigures: ({ dept, ...period }) => governanceFigures(db, dept, period, clock, cal),
    sandboxAggregate: (q, ctx) =>
      runSandboxQuery(
        db,
        { ...q, callerDept: allowedCaller(ctx, 'a sandbox query', mayAskSandbox).dept },
        { ...sandbox, clock },
      ),
    publishSandboxRelease: async (q, ctx) => {
      const by = callerOf(ctx, 'publishing a standard table');
      enforce(mayPublishSandboxRelease(by, await getDatasetRow(db, q.dataset)));
      return runSandboxQuery(db, { ...q, callerDept: by.dept }, { ...sandbox, clock, release: true });
    },
    listSandboxReleases: async ({ id }) => ({ releases: await listStandardReleases(db, id) }),
    getSandboxBudget: ({ id }) => sandboxBudget(db, id, clock()),
    setSandboxBudget: async ({ id, ...u }, ctx) => {
      const by = callerOf(ctx, 'setting a privacy budget');
      enforce(maySetSandboxBudget(by, await getDatasetRow(db, id)));
      return setSandboxBudget(db, id, { ...u, by: by.sub }, clock());
    },
  };
  return localFace(catalogFaceSpec, withOutagesAnswered(impl, deps.logger), 'catalog');
}

/**
 * The same error in both topologies: a database outage or broken connection is UNAVAILABLE (and the
 * broken pool is rebuilt), as the HTTP shell answers it, whether the caller is in this process or not.
 */
function withOutagesAnswered(impl: CatalogFace, logger?: Logger): CatalogFace {
  const out = {} as Record<string, (input: unknown, ctx: Ctx) => Promise<unknown>>;
  for (const [name, fn] of Object.entries(impl) as [string, (input: unknown, ctx: Ctx) => Promise<unknown>][]) {
    out[name] = async (input, ctx) => {
      try {
        return await fn(input, ctx);
      } catch (err) {
        if (isAppError(err) || !isDatabaseUnavailable(err)) throw err;
        recycleBrokenPools(err);
        const code = (err as { code?: string; cause?: { code?: string } }).code;
        logger?.warn(
          { code: code ?? (err as { cause?: { code?: string } }).cause?.code, reqId: ctx.requestId, op: name },
          'database unavailable',
        );
        throw new AppError('UNAVAILABLE', 'database unavailable');
      }
    };
  }
  return out as unknown as CatalogFace;
}

/** Discards what is left of an upload (bounded by STREAM_BODY_LIMIT; gives up on error). */
function drain(stream: Readable): Promise<void> {
  return new Promise((resolve) => {
    if (stream.readableEnded || stream.destroyed) return resolve();
    let seen = 0;
    stream.unpipe();
    const done = () => {
      stream.off('data', onData);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > STREAM_BODY_LIMIT) {
        stream.destroy();
        done();
      }
    };
    stream.on('data', onData);
    stream.once('end', done);
    stream.once('error', done);
    stream.once('close', done);
    stream.resume();
  });
}
