import { randomUUID } from 'node:crypto';
import { AppError, isAppError } from '@govshare/platform';
import type { AuditEvent } from '@govshare/contracts';
import type { GatewayDeps, RequestScope } from '../deps.ts';
import { mayHaveBeenRecorded } from '../audit-recorder.ts';
import { outcomeOf, type OperationOutcome } from '../operation-metrics.ts';

type EventDetails = Omit<AuditEvent, 'id' | 'at' | 'requestId' | 'actor' | 'outcome' | 'action'>;

export function auditEvent(
  scope: RequestScope,
  action: string,
  outcome: AuditEvent['outcome'],
  details: EventDetails = {},
): AuditEvent {
  return {
    id: randomUUID(),
    at: new Date().toISOString(),
    requestId: scope.requestId,
    actor: { sub: scope.caller.sub, dept: scope.caller.dept, roles: scope.caller.roles, jti: scope.caller.jti },
    action,
    outcome,
    ...(scope.client ? { client: scope.client } : {}),
    ...details,
  };
}

/** Records a refused or failed operation, then rethrows its error. */
async function auditFailure(
  deps: GatewayDeps,
  scope: RequestScope,
  action: string,
  details: EventDetails,
  err: unknown,
): Promise<never> {
  const appErr = isAppError(err) ? err : new AppError('INTERNAL_SERVER_ERROR', 'internal error');
  if (!isAppError(err)) deps.logger.error({ err, reqId: scope.requestId }, 'operation failed');
  const outcome = appErr.code === 'FORBIDDEN' ? 'denied' : 'error';
  try {
    await deps.audit.record(
      auditEvent(scope, action, outcome, { ...details, reason: appErr.message, errorCode: appErr.code }),
    );
  } catch (auditErr) {
    deps.logger.error(
      { err: (auditErr as Error).message, reqId: scope.requestId },
      'could not audit a failed operation',
    );
  }
  throw appErr;
}

/** Runs an operation and counts it in the metrics (deps.metrics) by what its caller got. */
async function measured<T>(
  deps: GatewayDeps,
  scope: RequestScope,
  action: string,
  dataset: () => string | undefined,
  operation: () => Promise<T>,
): Promise<T> {
  if (!deps.metrics) return operation();
  const started = performance.now();
  let outcome: OperationOutcome = 'error';
  try {
    const result = await operation();
    outcome = 'allowed';
    return result;
  } catch (err) {
    outcome = outcomeOf(err);
    throw err;
  } finally {
    await deps.metrics.observe({
      operation: action,
      dataset: dataset(),
      dept: scope.caller.dept,
      outcome,
      seconds: (performance.now() - started) / 1000,
    });
  }
}

/**
 * A read: run it, then audit what is about to be returned, and only then return it. If the audit
 * service does not acknowledge, the caller gets UNAVAILABLE and no data.
 */
export function auditedRead<T>(
  deps: GatewayDeps,
  scope: RequestScope,
  action: string,
  details: EventDetails | (() => EventDetails),
  run: () => Promise<{ result: T; details?: EventDetails }>,
): Promise<T> {
  const dataset = () => (typeof details === 'function' ? details() : details).dataset;
  return measured(deps, scope, action, dataset, () => auditedReadUnmeasured(deps, scope, action, details, run));
}

async function auditedReadUnmeasured<T>(
  deps: GatewayDeps,
  scope: RequestScope,
  action: string,
  /** A function when the details depend on what `run` learns (e.g. which filter fields are subjects). */
  details: EventDetails | (() => EventDetails),
  run: () => Promise<{ result: T; details?: EventDetails }>,
): Promise<T> {
  const base = () => (typeof details === 'function' ? details() : details);
  let out: { result: T; details?: EventDetails };
  try {
    out = await run();
  } catch (err) {
    return auditFailure(deps, scope, action, base(), err);
  }
  const event = auditEvent(scope, action, 'allowed', { ...base(), ...out.details });
  try {
    await deps.audit.record(event);
  } catch (err) {
    // Refused for want of an acknowledgement, which may still come: the log must say nothing went out.
    if (mayHaveBeenRecorded(err)) deps.audit.withhold(event, 'the audit acknowledgement did not arrive in time');
    throw err;
  }
  if (scope.signal?.aborted) {
    deps.audit.withhold(event, 'the client had closed the request');
    throw new AppError('UNAVAILABLE', 'the request was closed before its data could be delivered');
  }
  return out.result;
}

/**
 * A change: authorise, audit the intent (nothing changes unless the audit service took it), perform,
 * and audit the failure if the change is refused downstream.
 */
export function auditedWrite<T>(
  deps: GatewayDeps,
  scope: RequestScope,
  action: string,
  details: EventDetails,
  authorise: () => void | Promise<void>,
  perform: () => Promise<T>,
): Promise<T> {
  return measured(
    deps,
    scope,
    action,
    () => details.dataset,
    () => auditedWriteUnmeasured(deps, scope, action, details, authorise, perform),
  );
}

async function auditedWriteUnmeasured<T>(
  deps: GatewayDeps,
  scope: RequestScope,
  action: string,
  details: EventDetails,
  authorise: () => void | Promise<void>,
  perform: () => Promise<T>,
): Promise<T> {
  try {
    await authorise();
  } catch (err) {
    return auditFailure(deps, scope, action, details, err);
  }
  await deps.audit.record(auditEvent(scope, action, 'allowed', details));
  try {
    return await perform();
  } catch (err) {
    return auditFailure(deps, scope, action, details, err);
  }
}
