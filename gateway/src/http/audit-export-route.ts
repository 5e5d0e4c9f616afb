import type { FastifyInstance } from 'fastify';
import type { GatewayDeps } from '../deps.ts';
import { exportAuditLog } from '../operations/audit-log.ts';
import type { TokenVerifier } from '../tokens/verify-token.ts';
import { authenticate } from './authenticate.ts';
import type { DepartmentLimiter } from '../rate-limits/department-limiter.ts';
import { sendRefusal } from '../rate-limits/refusal-reply.ts';

/** GET /audit/export?fromSeq=&toSeq= → NDJSON leaves, checkpoint and proofs (auditors, admins). */
export function registerAuditExportRoute(
  app: FastifyInstance,
  deps: GatewayDeps,
  verify: TokenVerifier,
  rateLimits?: DepartmentLimiter,
) {
  app.get<{ Querystring: { fromSeq?: number; toSeq?: number } }>(
    '/audit/export',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { fromSeq: { type: 'integer', minimum: 0 }, toSeq: { type: 'integer', minimum: 0 } },
        },
      },
    },
    async (req, reply) => {
      const scope = await authenticate(req, deps, verify);
      const refusal = await rateLimits?.admit(scope.caller.dept);
      if (refusal) return sendRefusal(reply, refusal, 'http');
      const out = await exportAuditLog(deps, scope, req.query);
      out.body.on('error', (err) => req.log.error({ err }, 'audit export failed mid-stream'));
      reply.header('content-type', out.contentType);
      return reply.send(out.body);
    },
  );
}
