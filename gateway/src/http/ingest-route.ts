import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { GatewayDeps } from '../deps.ts';
import { assertMode, ingestRecords } from '../operations/ingest.ts';
import type { TokenVerifier } from '../tokens/verify-token.ts';
import { authenticate } from './authenticate.ts';
import type { DepartmentLimiter } from '../rate-limits/department-limiter.ts';
import { sendRefusal } from '../rate-limits/refusal-reply.ts';

const STREAM_TYPES = ['application/x-ndjson', 'text/csv'] as const;

/**
 * File upload for large batches: POST /datasets/:id/records?mode=append|replace[&confirmEmpty=true]
 * with an NDJSON or CSV body (`; charset=gb18030` or `gbk` for files in those encodings, UTF-8
 * otherwise). Streamed through to the catalog's ingestUpload, which decodes, checks and applies it
 * all or nothing.
 */
export function registerIngestRoute(
  app: FastifyInstance,
  deps: GatewayDeps,
  verify: TokenVerifier,
  maxBytes: number,
  rateLimits?: DepartmentLimiter,
) {
  app.addContentTypeParser([...STREAM_TYPES], (_req, payload, done) => done(null, payload));
  app.post<{ Params: { id: string }; Querystring: { mode?: string; confirmEmpty?: boolean } }>(
    '/datasets/:id/records',
    {
      bodyLimit: maxBytes,
      schema: {
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { $ref: 'https://govshare.dev/contracts/common.v1.json#/$defs/DatasetId' } },
        },
        querystring: {
          type: 'object',
          properties: {
            mode: { enum: ['append', 'replace'], default: 'append' },
            confirmEmpty: {
              type: 'boolean',
              default: false,
              description: 'replace with an empty file empties the dataset only when true',
            },
          },
        },
      },
    },
    async (req, reply) => {
      const scope = await authenticate(req, deps, verify);
      const refusal = await rateLimits?.admit(scope.caller.dept);
      if (refusal) return sendRefusal(reply, refusal, 'http');
      const contentType = req.headers['content-type'] ?? '';
      if (!(STREAM_TYPES as readonly string[]).includes(contentType.split(';')[0].trim().toLowerCase())) {
        return reply
          .code(415)
          .send({ error: { code: 'BAD_USER_INPUT', message: `content-type: must be ${STREAM_TYPES.join(' or ')}` } });
      }
      const result = await ingestRecords(deps, scope, req.params.id, assertMode(req.query.mode ?? 'append'), {
        kind: 'stream',
        contentType, // with its charset: the catalog decodes
        body: req.body as Readable,
        confirmEmpty: req.query.confirmEmpty === true,
      });
      return reply.send(result);
    },
  );
}
