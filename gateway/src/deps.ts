import type { CallContext, Logger, ServiceClient } from '@govshare/platform';
import type { CatalogFace } from '@govshare/catalog';
import type { QualityFace } from '@govshare/quality';
import type { AuditFace } from '@govshare/audit';
import type { AuditRecorder } from './audit-recorder.ts';
import type { OperationMetrics } from './operation-metrics.ts';
import type { Caller } from './caller.ts';
import type { GrantFactRelay } from './operations/grant-facts.ts';
import type { Revocations } from './tokens/revocations.ts';

/** What the gateway's operations need; built once in app.ts. */
export interface GatewayDeps {
  /** The catalog's functions: in this process, or the catalog service over HTTP (the same face). */
  catalog: CatalogFace;
  audit: AuditRecorder;
  /** Relays the catalog's grant facts (id, purpose, expiry, revocation) from its outbox to the audit log. */
  grantFacts: GrantFactRelay;
  /** The audit module's face (in process, or remote), for auditors' reads of the log. */
  auditLog: AuditFace;
  quality?: QualityFace;
  maskKey: Buffer;
  revocations: Revocations;
  logger: Logger;
  pageSizeMax: number;
  /** Counts every audited operation (operation-metrics.ts); absent: not counted. */
  metrics?: OperationMetrics;
}

/** One caller's request, as every operation sees it. */
export interface RequestScope {
  caller: Caller;
  requestId: string;
  client?: string;
  /** Aborted when the client closes the request before its response was written. */
  signal?: AbortSignal;
}

/** What a module is told of the request it serves: its id, and the verified caller it acts for. */
export function callContext(scope: RequestScope): CallContext {
  return {
    requestId: scope.requestId,
    caller: { sub: scope.caller.sub, dept: scope.caller.dept, roles: [...scope.caller.roles] },
  };
}
