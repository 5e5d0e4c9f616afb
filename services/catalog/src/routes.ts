import { Readable } from 'node:stream';
import { AppError, type createServiceApp } from '@govshare/platform';
import { ref, validatorFor, describeErrors } from '@govshare/contracts';
import type { DatasetCreate, DatasetListQuery, GrantCreate, IngestBatch, RecordsQuery } from '@govshare/contracts';
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
import { batchItems, ingest, STREAM_BODY_LIMIT, streamItems, streamUpload, type IngestMode } from './ingest.ts';
import { exportRecords, queryRecords } from './records-query.ts';
import type {
  AccessApprove,
  AccessReject,
  AccessRequestCreate,
  AccessRevoke,
  AccessSettings,
  AccessTransfer,
  AccessTransition,
  DeclaredField,
  SandboxBudgetUpdate,
  SandboxQuery,
} from '@govshare/contracts';
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

type App = ReturnType<typeof createServiceApp>;

/** JSON bodies (an IngestBatch holds up to 10,000 rows). Streams (NDJSON, CSV) go up to STREAM_BODY_LIMIT. */
export const JSON_BODY_LIMIT = 32 * 1024 * 1024;
const STREAM_TYPES = ['application/x-ndjson', 'text/csv'];

const idParams = { type: 'object', required: ['id'], properties: { id: { $ref: ref('common.v1.json', 'DatasetId') } } };
const grantIdParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } };

export interface RouteOptions {
  /** The access workflow's "now" (deadlines, grant expiry); tests pass a controllable one. */
  clock?: Clock;
  /** Sandbox minimum group size. */
  sandboxK?: number;
  /** Sandbox queries per department per 24 hours. */
  sandboxDailyBudget?: number;
  /** Public holidays and make-up working days for deadlines. */
  calendar?: WorkingCalendar;
  /** Largest ingested value: a CSV cell, a string in a JSON batch, an NDJSON line (UTF-8 bytes). */
  maxCellBytes?: number;
}

export function registerRoutes(app: App, db: CatalogDb, opts: RouteOptions = {}): void {
  const clock = opts.clock ?? systemClock;
  // NDJSON and CSV bodies reach the handler as the raw request stream.
  app.addContentTypeParser(
    STREAM_TYPES,
    (_req: unknown, payload: unknown, done: (err: Error | null, body?: unknown) => void) => done(null, payload),
  );

  app.get('/departments', async () => listDepartments(db));

  app.get('/datasets', { schema: { querystring: { $ref: ref('dataset.v1.json', 'ListQuery') } } }, async (req) =>
    listDatasets(db, req.query as DatasetListQuery),
  );

  app.post('/datasets', { schema: { body: { $ref: ref('dataset.v1.json', 'Create') } } }, async (req, reply) => {
    reply.code(201);
    return createDataset(db, req.body as DatasetCreate);
  });

  app.get('/datasets/:id', { schema: { params: idParams } }, async (req) =>
    getDataset(db, (req.params as { id: string }).id),
  );

  app.get(
    '/datasets/:id/access',
    {
      schema: {
        params: idParams,
        querystring: {
          type: 'object',
          required: ['dept'],
          additionalProperties: false,
          properties: { dept: { $ref: ref('common.v1.json', 'DeptCode') } },
        },
      },
    },
    async (req) => datasetAccess(db, (req.params as { id: string }).id, (req.query as { dept: string }).dept, clock()),
  );

  app.put(
    '/datasets/:id/schema',
    { schema: { params: idParams, body: { $ref: ref('dataset.v1.json', 'SchemaChange') } } },
    async (req) => changeSchema(db, (req.params as { id: string }).id, (req.body as { schema: unknown }).schema),
  );

  app.get('/datasets/:id/versions', { schema: { params: idParams } }, async (req) =>
    listVersions(db, (req.params as { id: string }).id),
  );

  app.post(
    '/datasets/:id/records',
    {
      schema: {
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            mode: { enum: ['append', 'replace'], default: 'append' },
            confirmEmpty: { type: 'boolean', default: false },
          },
        },
      },
      // Applies to JSON bodies; NDJSON/CSV streams are limited by limitBytes(STREAM_BODY_LIMIT).
      bodyLimit: JSON_BODY_LIMIT,
    },
    async (req) => {
      const id = (req.params as { id: string }).id;
      if (req.body instanceof Readable) {
        // An NDJSON or CSV upload (see the content type parser above).
        const raw = req.body;
        const q = req.query as { mode: IngestMode; confirmEmpty: boolean };
        try {
          const upload = streamUpload(req.headers['content-type']);
          const compiled = compiledFor(await getDatasetRow(db, id));
          return await ingest(db, id, q.mode, streamItems(raw, upload, compiled, opts.maxCellBytes), {
            maxCellBytes: opts.maxCellBytes,
            confirmEmpty: q.confirmEmpty,
          });
        } catch (err) {
          // Refused before the upload ended (the transaction is already rolled back): read the rest of
          // the body and discard it, so the client gets the error reply instead of a reset connection.
          await drain(raw);
          throw err;
        }
      }
      const v = validatorFor(ref('records.v1.json', 'IngestBatch'));
      if (!v(req.body)) {
        throw new AppError(
          'BAD_USER_INPUT',
          `body: ${describeErrors(v.errors)}`,
          (v.errors ?? []).map((e) => ({ path: `body${e.instancePath}`, rule: e.keyword, message: e.message })),
        );
      }
      const batch = req.body as IngestBatch;
      return ingest(db, id, batch.mode, batchItems(batch.records), {
        maxCellBytes: opts.maxCellBytes,
        confirmEmpty: batch.confirmEmpty,
      });
    },
  );

  app.post(
    '/datasets/:id/records/query',
    { schema: { params: idParams, body: { $ref: ref('records.v1.json', 'Query') } } },
    async (req) => queryRecords(db, (req.params as { id: string }).id, req.body as RecordsQuery, clock()),
  );

  app.get(
    '/datasets/:id/records/export',
    {
      schema: {
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            after: { type: 'string', maxLength: 40 },
            limit: { type: 'integer', minimum: 1, maximum: 100_000_000 },
          },
        },
      },
    },
    async (req, reply) => {
      const id = (req.params as { id: string }).id;
      const q = req.query as { after?: string; limit?: number };
      // `after` is the `id` of the last line already read (ids are unique and ascending; keys are not).
      if (q.after !== undefined && !/^[0-9]{1,15}$/.test(q.after)) {
        throw new AppError(
          'BAD_USER_INPUT',
          'after: must be the "id" of the last exported line (a record id, not a key) (export-cursor)',
          { path: 'querystring/after', rule: 'export-cursor' },
        );
      }
      await getDatasetRow(db, id); // 404 before any line is sent
      reply.type('application/x-ndjson');
      return reply.send(
        Readable.from(
          exportRecords(db, id, { after: q.after === undefined ? undefined : Number(q.after), limit: q.limit }),
        ),
      );
    },
  );

  app.post('/grants', { schema: { body: { $ref: ref('grant.v1.json', 'Create') } } }, async (req, reply) => {
    reply.code(201);
    return createGrant(db, req.body as GrantCreate, clock());
  });

  app.get(
    '/grants',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            datasetId: { $ref: ref('common.v1.json', 'DatasetId') },
            granteeDept: { $ref: ref('common.v1.json', 'DeptCode') },
            active: { type: 'boolean' },
            changedSince: {
              type: 'string',
              format: 'date-time',
              description: 'only grants created or revoked at or after this time',
            },
          },
        },
      },
    },
    async (req) =>
      listGrants(
        db,
        req.query as { datasetId?: string; granteeDept?: string; active?: boolean; changedSince?: string },
        clock(),
      ),
  );

  app.get('/grants/:id', { schema: { params: grantIdParams } }, async (req) =>
    getGrant(db, (req.params as { id: string }).id),
  );
  app.post('/grants/:id/revoke', { schema: { params: grantIdParams } }, async (req) =>
    revokeGrant(db, (req.params as { id: string }).id, clock()),
  );

  registerAccessRoutes(app, db, clock, opts.calendar ?? WEEKENDS_ONLY, {
    k: opts.sandboxK,
    dailyBudget: opts.sandboxDailyBudget,
  });
}

const deptParams = {
  type: 'object',
  required: ['dept'],
  properties: { dept: { $ref: ref('common.v1.json', 'DeptCode') } },
};
const AR = (def?: string) => ({ $ref: ref('access-request.v1.json', def) });

/** The access workflow (requests, settings, governance figures) and the sandbox. */
function registerAccessRoutes(
  app: App,
  db: CatalogDb,
  clock: Clock,
  cal: WorkingCalendar,
  sandbox: { k?: number; dailyBudget?: number },
): void {
  app.get('/access-settings/:dept', { schema: { params: deptParams } }, async (req) =>
    getAccessSettings(db, (req.params as { dept: string }).dept),
  );
  app.put('/access-settings/:dept', { schema: { params: deptParams, body: AR('SettingsUpdate') } }, async (req) =>
    setAccessSettings(db, (req.params as { dept: string }).dept, req.body as Partial<AccessSettings>, clock()),
  );

  app.post('/access-requests/check', { schema: { body: AR('FieldCheck') } }, async (req) => {
    const b = req.body as { datasetId: string; fields: DeclaredField[]; unmaskedFields?: string[] };
    return checkRequestFields(db, b.datasetId, b.fields, b.unmaskedFields);
  });
  app.post('/access-requests', { schema: { body: AR('Create') } }, async (req, reply) => {
    const { request, created } = await fileAccessRequest(db, req.body as AccessRequestCreate, clock, cal);
    reply.code(created ? 201 : 200);
    return request;
  });
  app.get('/access-requests', { schema: { querystring: AR('ListQuery') } }, async (req) =>
    listAccessRequests(db, req.query as AccessRequestListQuery, clock(), cal),
  );
  app.get('/access-requests/:id', { schema: { params: grantIdParams } }, async (req) =>
    getAccessRequest(db, (req.params as { id: string }).id, clock(), cal),
  );

  const change = <B>(path: string, def: string, run: (id: string, body: B) => Promise<unknown>) =>
    app.post(`/access-requests/:id/${path}`, { schema: { params: grantIdParams, body: AR(def) } }, async (req) =>
      run((req.params as { id: string }).id, req.body as B),
    );
  change<AccessTransfer>('transfer', 'Transfer', (id, b) => transferAccessRequest(db, id, b, clock, cal));
  change<AccessApprove>('approve', 'Approve', (id, b) => approveAccessRequest(db, id, b, clock, cal));
  change<AccessReject>('reject', 'Reject', (id, b) => rejectAccessRequest(db, id, b, clock, cal));
  change<AccessTransition>('withdraw', 'Withdraw', (id, b) => withdrawAccessRequest(db, id, b, clock, cal));
  change<AccessRevoke>('revoke-grant', 'Revoke', (id, b) => revokeRequestGrant(db, id, b, clock, cal));

  app.get('/governance/:dept', { schema: { params: deptParams, querystring: AR('GovernanceQuery') } }, async (req) =>
    governanceFigures(
      db,
      (req.params as { dept: string }).dept,
      req.query as { from?: string; to?: string },
      clock,
      cal,
    ),
  );

  const SB = (def: string) => ({ $ref: ref('sandbox.v1.json', def) });
  app.post('/sandbox/aggregate', { schema: { body: SB('Query') } }, async (req) =>
    runSandboxQuery(db, req.body as SandboxQuery, { ...sandbox, clock }),
  );
  // A standard table: computed once from the dataset's budget, then read by everyone free.
  app.post('/sandbox/releases', { schema: { body: SB('Query') } }, async (req) =>
    runSandboxQuery(db, req.body as SandboxQuery, { ...sandbox, clock, release: true }),
  );
  app.get('/sandbox/releases/:id', { schema: { params: idParams } }, async (req) => ({
    releases: await listStandardReleases(db, (req.params as { id: string }).id),
  }));
  app.get('/sandbox/budgets/:id', { schema: { params: idParams } }, async (req) =>
    sandboxBudget(db, (req.params as { id: string }).id, clock()),
  );
  app.put('/sandbox/budgets/:id', { schema: { params: idParams, body: SB('BudgetUpdate') } }, async (req) =>
    setSandboxBudget(db, (req.params as { id: string }).id, req.body as SandboxBudgetUpdate, clock()),
  );
}

/** Discards what is left of a request body (bounded by STREAM_BODY_LIMIT; gives up on error). */
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
