// The access workflow through the gateway: file, transfer, approve, reject, withdraw, revoke, list,
// settings and governance figures. Roles are checked here; who handles a request (the assignee, a
// steward of the owner department) is checked by the catalog inside the transaction. Every call is
// audited; audit events name the access request in their own `accessRequestId` field.
import { randomUUID } from 'node:crypto';
import { v5 as uuidv5, validate as isUuid } from 'uuid';
import { AppError } from '@govshare/platform';
import type {
  AccessRequest,
  AccessRequestCreate,
  AccessSettings,
  DeclaredField,
  FieldProblem,
  GovernanceFigures,
  RejectReasonCode,
} from '@govshare/contracts';
import type { AccessRequestListQuery } from '@govshare/catalog';
import { hasRole } from '../caller.ts';
import { callContext, type GatewayDeps, type RequestScope } from '../deps.ts';
import { auditedRead, auditedWrite } from './audited.ts';

function needRole(scope: RequestScope, roles: ('consumer' | 'steward' | 'admin')[], what: string): void {
  if (!hasRole(scope.caller, ...roles)) throw new AppError('FORBIDDEN', `${what} needs the role ${roles.join(' or ')}`);
}

/** Fixed namespace of access request ids derived from idempotency keys (uuid v5). */
const ACCESS_REQUEST_NAMESPACE = '5d0c2a8e-6f0b-4f7e-9a57-3f9b0c6e2d41';

/**
 * A retried filing with the same idempotency key gets the same request id, so the audit event
 * written before the filing already names the request the catalog will hold.
 */
export function requestIdFor(dept: string, idempotencyKey?: string): string {
  return idempotencyKey ? uuidv5(`${dept}\n${idempotencyKey}`, ACCESS_REQUEST_NAMESPACE) : randomUUID();
}

/**
 * How an audit event names the request a caller asked about: its own field when the id is well
 * formed; a malformed one (which names no request) stays what the caller sent, in `filter`.
 */
const naming = (id: string): { accessRequestId?: string; filter?: Record<string, unknown> } =>
  isUuid(id) ? { accessRequestId: id } : { filter: { accessRequestId: id } };

/** What a caller files; the request id comes from the idempotency key, the requester is the caller (the catalog takes it from the call). */
export type FileAccessRequestInput = Omit<AccessRequestCreate, 'id'>;

export function fileAccessRequest(
  deps: GatewayDeps,
  scope: RequestScope,
  input: FileAccessRequestInput,
): Promise<AccessRequest> {
  const id = requestIdFor(scope.caller.dept, input.idempotencyKey);
  return auditedWrite(
    deps,
    scope,
    'access.file',
    {
      dataset: input.datasetId,
      purpose: input.purpose,
      fields: input.fields.map((f) => f.name),
      accessRequestId: id,
      filter: {
        legalBasis: input.legalBasis,
        unmaskedFields: input.unmaskedFields ?? [],
        durationDays: input.durationDays,
        ...(input.renewsGrantId ? { renewsGrantId: input.renewsGrantId } : {}),
      },
    },
    () => needRole(scope, ['consumer', 'steward'], 'filing an access request'),
    () => deps.catalog.fileAccessRequest({ ...input, id }, callContext(scope)),
  );
}

type Change =
  | { kind: 'transfer'; to: string; reason: string }
  | { kind: 'approve'; fields?: string[]; unmaskedFields?: string[]; durationDays?: number; note?: string }
  | { kind: 'reject'; code: RejectReasonCode; text: string }
  | { kind: 'withdraw' }
  | { kind: 'revoke-grant'; reason: string };

const ACTIONS: Record<Change['kind'], string> = {
  transfer: 'access.transfer',
  approve: 'access.approve',
  reject: 'access.reject',
  withdraw: 'access.withdraw',
  'revoke-grant': 'access.revokeGrant',
};

/** One state change of a request; the catalog checks that this caller may make it, in the transaction. */
export function changeAccessRequest(
  deps: GatewayDeps,
  scope: RequestScope,
  id: string,
  change: Change,
  idempotencyKey?: string,
): Promise<AccessRequest> {
  const { kind, ...body } = change;
  const action = ACTIONS[kind];
  const named = naming(id);
  const details = {
    ...named,
    filter: { ...named.filter, ...body, ...(idempotencyKey ? { idempotencyKey } : {}) },
    ...('reason' in change
      ? { reason: change.reason }
      : 'text' in change
        ? { reason: `${change.code}: ${change.text}` }
        : {}),
  };
  return auditedWrite(
    deps,
    scope,
    action,
    details,
    () =>
      needRole(
        scope,
        kind === 'withdraw' ? ['consumer', 'steward', 'admin'] : ['steward', 'admin'],
        `${kind} of an access request`,
      ),
    async () => {
      // Who makes the change is the caller the catalog is told of, never a field of the change.
      const result = await applyChange(deps, scope, id, change, idempotencyKey);
      // The grant the approval created or the revocation ended, tied to the request (the intent above
      // could not name the grant): the catalog wrote its fact with the change; relay it before answering.
      if ((kind === 'approve' && result.grant) || (kind === 'revoke-grant' && result.grantId))
        await deps.grantFacts.relay();
      return result;
    },
  );
}

function applyChange(
  deps: GatewayDeps,
  scope: RequestScope,
  id: string,
  change: Change,
  idempotencyKey?: string,
): Promise<AccessRequest> {
  const ctx = callContext(scope);
  const key = idempotencyKey ? { idempotencyKey } : {};
  switch (change.kind) {
    case 'transfer':
      return deps.catalog.transferAccessRequest({ id, to: change.to, reason: change.reason, ...key }, ctx);
    case 'approve': {
      const { kind: _k, ...decision } = change;
      return deps.catalog.approveAccessRequest({ id, ...defined(decision), ...key }, ctx);
    }
    case 'reject':
      return deps.catalog.rejectAccessRequest({ id, code: change.code, text: change.text, ...key }, ctx);
    case 'withdraw':
      return deps.catalog.withdrawAccessRequest({ id, ...key }, ctx);
    case 'revoke-grant':
      return deps.catalog.revokeAccessRequestGrant({ id, reason: change.reason, ...key }, ctx);
  }
}

/** The entries that are set (a GraphQL input's absent optional fields arrive as undefined or null). */
const defined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as T;

export type AccessRequestBox = 'filed' | 'received' | 'all';

/**
 * Consumers see what their department filed; stewards also what it received; admins everything
 * (optionally one department's).
 */
export function listAccessRequests(
  deps: GatewayDeps,
  scope: RequestScope,
  q: {
    box?: AccessRequestBox;
    dept?: string;
    status?: string;
    overdueOnly?: boolean;
    datasetId?: string;
    assignedToMe?: boolean;
    first?: number;
  },
): Promise<AccessRequest[]> {
  return auditedRead(
    deps,
    scope,
    'access.list',
    {
      ...(q.datasetId ? { dataset: q.datasetId } : {}),
      filter: { box: q.box ?? 'all', status: q.status, overdueOnly: q.overdueOnly ?? false },
    },
    async () => {
      needRole(scope, ['consumer', 'steward', 'admin'], 'listing access requests');
      const admin = hasRole(scope.caller, 'admin');
      if (q.dept && !admin && q.dept !== scope.caller.dept)
        throw new AppError('FORBIDDEN', `only an admin may list another department's access requests`);
      const dept = q.dept ?? (admin ? undefined : scope.caller.dept);
      const box = q.box ?? 'all';
      if (!admin && !hasRole(scope.caller, 'steward') && box !== 'filed') {
        if (box === 'received')
          throw new AppError('FORBIDDEN', 'requests received by your department are for its stewards');
      }
      const query: AccessRequestListQuery = {};
      if (dept) {
        if (box === 'filed' || (!admin && !hasRole(scope.caller, 'steward'))) query.requesterDept = dept;
        else if (box === 'received') query.ownerDept = dept;
        else query.involvingDept = dept;
      } else if (box !== 'all') {
        throw new AppError('BAD_USER_INPUT', 'dept: name a department to see its filed or received requests');
      }
      if (q.status) query.status = q.status as AccessRequestListQuery['status'];
      if (q.overdueOnly) query.overdue = true;
      if (q.datasetId) query.datasetId = q.datasetId;
      if (q.assignedToMe) query.assignee = scope.caller.sub;
      query.first = Math.min(Math.max(q.first ?? 100, 1), 500);
      const { requests } = await deps.catalog.listAccessRequests(query, callContext(scope));
      return { result: requests, details: { recordCount: requests.length } };
    },
  );
}

export function getAccessRequest(deps: GatewayDeps, scope: RequestScope, id: string): Promise<AccessRequest> {
  return auditedRead(deps, scope, 'access.read', naming(id), async () => {
    needRole(scope, ['consumer', 'steward', 'admin'], 'reading an access request');
    const r = await deps.catalog.getAccessRequest({ id }, callContext(scope));
    const visible =
      hasRole(scope.caller, 'admin') ||
      r.requesterDept === scope.caller.dept ||
      (r.ownerDept === scope.caller.dept && hasRole(scope.caller, 'steward'));
    // Not someone else's business: answered as if it did not exist.
    if (!visible) throw new AppError('NOT_FOUND', `access request "${id}" not found`);
    return { result: r, details: { dataset: r.datasetId } };
  });
}

/** Pending requests past their deadline: a steward's own department, or (admins) any or all. */
export function overdueAccessRequests(deps: GatewayDeps, scope: RequestScope, dept?: string): Promise<AccessRequest[]> {
  return auditedRead(deps, scope, 'access.overdue', { filter: { dept: dept ?? null } }, async () => {
    needRole(scope, ['steward', 'admin'], 'the overdue list');
    const admin = hasRole(scope.caller, 'admin');
    if (dept && !admin && dept !== scope.caller.dept)
      throw new AppError('FORBIDDEN', `only an admin may see another department's overdue requests`);
    const owner = dept ?? (admin ? undefined : scope.caller.dept);
    const { requests } = await deps.catalog.listAccessRequests(
      { overdue: true, first: 500, ...(owner ? { ownerDept: owner } : {}) },
      callContext(scope),
    );
    return { result: requests, details: { recordCount: requests.length } };
  });
}

export function checkAccessFields(
  deps: GatewayDeps,
  scope: RequestScope,
  datasetId: string,
  fields: DeclaredField[],
  unmaskedFields: string[],
): Promise<{ ok: boolean; problems: FieldProblem[] }> {
  return auditedRead(
    deps,
    scope,
    'access.checkFields',
    { dataset: datasetId, fields: fields.map((f) => f.name) },
    async () => {
      const result = await deps.catalog.checkAccessFields({ datasetId, fields, unmaskedFields }, callContext(scope));
      return { result };
    },
  );
}

export function getAccessSettings(deps: GatewayDeps, scope: RequestScope, dept: string): Promise<AccessSettings> {
  return auditedRead(deps, scope, 'access.settings', { filter: { dept } }, async () => {
    const result = await deps.catalog.getAccessSettings({ dept }, callContext(scope));
    return { result };
  });
}

export function setAccessSettings(
  deps: GatewayDeps,
  scope: RequestScope,
  dept: string,
  update: Partial<Omit<AccessSettings, 'dept'>>,
): Promise<AccessSettings> {
  return auditedWrite(
    deps,
    scope,
    'access.setSettings',
    { filter: { dept, ...update } },
    () => needRole(scope, ['admin'], 'changing access settings'),
    () => deps.catalog.setAccessSettings({ dept, ...defined(update) }, callContext(scope)),
  );
}

/** Stewards see their own department's figures; admins any department's. */
export function governanceFigures(
  deps: GatewayDeps,
  scope: RequestScope,
  dept: string | undefined,
  period: { from?: string; to?: string },
): Promise<GovernanceFigures> {
  const target = dept ?? scope.caller.dept;
  return auditedRead(deps, scope, 'governance.figures', { filter: { dept: target, ...period } }, async () => {
    needRole(scope, ['steward', 'admin'], 'governance figures');
    if (!hasRole(scope.caller, 'admin') && target !== scope.caller.dept)
      throw new AppError('FORBIDDEN', `only an admin may see another department's governance figures`);
    const result = await deps.catalog.governanceFigures(
      { dept: target, ...(period.from ? { from: period.from } : {}), ...(period.to ? { to: period.to } : {}) },
      callContext(scope),
    );
    return { result };
  });
}
