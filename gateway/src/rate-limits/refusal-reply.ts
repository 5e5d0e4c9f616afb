import type { FastifyReply } from 'fastify';
import type { Refusal } from './department-limiter.ts';

/**
 * Answers a refused request: 429 with Retry-After (whole seconds), and a body in the shape of the
 * route: a GraphQL error on /graphql, the hub's `{ error }` on the HTTP routes (upload, export).
 */
export function sendRefusal(reply: FastifyReply, refusal: Refusal, shape: 'graphql' | 'http'): FastifyReply {
  const { code, message, department, retryAfterSeconds, limit } = refusal;
  const details = { department, retryAfterSeconds, limit };
  reply.code(429).header('retry-after', String(retryAfterSeconds));
  reply.header('content-type', 'application/json; charset=utf-8');
  return reply.send(
    shape === 'graphql'
      ? { errors: [{ message, extensions: { code, ...details } }] }
      : { error: { code, message, details } },
  );
}
