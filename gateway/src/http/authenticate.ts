import type { FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { AppError } from '@govshare/platform';
import type { GatewayDeps, RequestScope } from '../deps.ts';
import type { TokenVerifier } from '../tokens/verify-token.ts';

/**
 * Verifies the caller's token. A refused token is itself an access attempt and is audited
 * (actor unknown) before the 401 goes out.
 */
export async function authenticate(
  req: FastifyRequest,
  deps: GatewayDeps,
  verify: TokenVerifier,
): Promise<RequestScope> {
  try {
    const caller = await verify(req.headers.authorization);
    return { caller, requestId: req.id, client: req.ip };
  } catch (err) {
    const reason = err instanceof AppError ? err.message : 'invalid token';
    const errorCode = err instanceof AppError ? err.code : 'UNAUTHENTICATED';
    await deps.audit
      .record({
        id: randomUUID(),
        at: new Date().toISOString(),
        requestId: req.id,
        actor: { sub: '(unauthenticated)', dept: '(none)', roles: [] },
        action: 'auth.denied',
        outcome: 'denied',
        reason,
        errorCode,
        client: req.ip,
      })
      .catch((auditErr) =>
        deps.logger.error({ err: (auditErr as Error).message, reqId: req.id }, 'could not audit a refused token'),
      );
    throw err instanceof AppError ? err : new AppError('UNAUTHENTICATED', reason);
  }
}
