import { Readable } from 'node:stream';
import { ref } from '@govshare/contracts';
import type { AuditAlertReviewRequest, AuditEvent, AuditEventsQuery } from '@govshare/contracts';
import type { JWK } from 'jose';
import type { Db, createServiceApp } from '@govshare/platform';

type FastifyInstance = ReturnType<typeof createServiceApp>;
import { isAccepted, type AuditLog } from './append.ts';
import type { Checkpointer } from './checkpoints.ts';
import { listAlerts, reviewAlert, type AlertsQuery } from './alerts.ts';
import { prepareExport, type ExportQuery } from './export.ts';
import { getConsistencyProof, getInclusionProof } from './proofs.ts';
import { lookupSubject, searchEvents } from './search.ts';

export interface RouteDeps {
  db: Db;
  log: AuditLog;
  checkpoints: Checkpointer;
  /** Published at /public-key: the current checkpoint key first, then the retired ones. */
  publicKeys: JWK[];
  subjectKey: Uint8Array;
}

const api = (def: string) => ({ $ref: ref('audit-api.v1.json', def) });

export function registerRoutes(app: FastifyInstance, d: RouteDeps): void {
  app.post<{ Body: { events: AuditEvent[] } }>(
    '/events',
    { schema: { body: { $ref: ref('audit-event.v1.json', 'AppendRequest') } } },
    async (req) => {
      // Each event stands alone: one the database refuses is reported in `rejected` and the others are
      // committed. Only when nothing was committed does the whole call fail (503 if the log could not
      // commit, else the refusal).
      const outcomes = await d.log.appendEach(req.body.events);
      const accepted = outcomes.filter(isAccepted);
      const rejected = outcomes.flatMap((o) =>
        isAccepted(o) ? [] : [{ id: o.id, code: o.error.code, message: o.error.message }],
      );
      if (rejected.length === 0) return { accepted };
      if (accepted.length === 0)
        throw (outcomes.find((o) => !isAccepted(o) && o.error.code === 'UNAVAILABLE') ?? (outcomes[0]! as any)).error;
      return { accepted, rejected };
    },
  );

  app.get<{ Querystring: AuditEventsQuery }>('/events', { schema: { querystring: api('EventsQuery') } }, async (req) =>
    searchEvents(d.db, req.query),
  );

  app.post<{ Body: { identifier: string; first?: number; after?: string } }>(
    '/subjects/lookup',
    { schema: { body: api('SubjectLookup') } },
    async (req) => lookupSubject(d.db, d.subjectKey, req.body),
  );

  app.get('/checkpoints/latest', async () => d.checkpoints.covering(0));

  app.get<{ Querystring: { from?: number; to?: number; first?: number } }>(
    '/checkpoints',
    { schema: { querystring: api('CheckpointsQuery') } },
    async (req) => ({
      checkpoints: await d.checkpoints.list(req.query),
    }),
  );

  app.get('/public-key', async () => ({ keys: d.publicKeys }));

  app.get<{ Querystring: { seq: number; treeSize?: number } }>(
    '/proofs/inclusion',
    { schema: { querystring: api('InclusionQuery') } },
    async (req) => getInclusionProof(d.db, d.log, d.checkpoints, req.query),
  );

  app.get<{ Querystring: { from: number; to?: number } }>(
    '/proofs/consistency',
    { schema: { querystring: api('ConsistencyQuery') } },
    async (req) => getConsistencyProof(d.db, d.log, d.checkpoints, req.query),
  );

  app.get<{ Querystring: AlertsQuery }>('/alerts', { schema: { querystring: api('AlertsQuery') } }, async (req) =>
    listAlerts(d.db, req.query),
  );

  app.post<{ Params: { id: number }; Body: AuditAlertReviewRequest }>(
    '/alerts/:id/reviews',
    {
      schema: {
        params: { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } },
        body: api('AlertReviewRequest'),
      },
    },
    async (req, reply) => {
      reply.code(201);
      return reviewAlert(d.db, req.params.id, req.body);
    },
  );

  app.get<{ Querystring: ExportQuery }>(
    '/export',
    { schema: { querystring: api('ExportQuery') } },
    async (req, reply) => {
      const gen = await prepareExport(d.db, d.log, d.checkpoints, req.query);
      const stream = Readable.from(gen);
      stream.on('error', (err) => req.log.error({ err }, 'export failed mid-stream'));
      reply.header('content-type', 'application/x-ndjson; charset=utf-8');
      return reply.send(stream);
    },
  );
}
