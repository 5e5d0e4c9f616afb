// The access workflow through the gateway: file, transfer, approve, reject, withdraw, revoke, list,
// settings and governance figures. The policy is asked here for what the caller's roles allow; who
// handles a request (the assignee, a steward of the owner department) the catalog asks it inside the
// transaction. Every call is
// audited; audit events name the access request in their own `accessRequestId` field.
import { randomUUID } from 'node:crypto';
import { v5 as uuidv5, validate as isUuid } from 'uuid';
import { AppError, type CallContext } from '@govshare/platform';
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
import {
  accessRequestListSide,
  accessRequestVisibleTo,
  enforce,
  mayChangeAccessRequest,
  mayChangeAccessSettings,
  mayFileAccessRequest,
  mayListAccessRequests,
  mayListOverdueAccessRequests,
  mayReadAccessRequests,
  mayReadGovernanceFigures,
  scopedDept,
} from '@govshare/platform/policy';
import { callContext, type GatewayDeps, type RequestScope } from '../deps.ts';
import { auditedRead, auditedWrite } from './audited.ts';

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
    () => enforce(mayFileAccessRequest(scope.caller)),
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
  const key = idempotencyKey ? { idempotencyKey } : {};
  const named = naming(id);
  const details = {
    ...named,
    filter: { ...named.filter, ...body, ...key },
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
    () => enforce(mayChangeAccessRequest(scope.caller, kind)),
    async () => {
      // Who makes the change is the caller the catalog is told of, never a field of the change.
      const result = await applyChange(deps.catalog, callContext(scope), { id, ...key }, change);
      // The grant the approval created or the revocation ended, tied to the request (the intent above
      // could not name the grant): the catalog wrote its fact with the change; relay it before answering.
      if ((kind === 'approve' && result.grant) || (kind === 'revoke-grant' && result.grantId))
        await deps.grantFacts.relay();
      return result;
    },
  );
}

/** The catalog call that makes the change to the request `target` names (with its idempotency key). */
function applyChange(
  catalog: GatewayDeps['catalog'],
  ctx: CallContext,
  target: { id: string; idempotencyKey?: string },
  change: Change,
): Promise<AccessRequest> {
  switch (change.kind) {
    case 'transfer':
      return catalog.transferAccessRequest({ ...target, to: change.to, reason: change.reason }, ctx);
    case 'approve': {
      const { kind: _k, ...decision } = change;
      return catalog.approveAccessRequest({ ...target, ...defined(decision) }, ctx);
    }
    case 'reject':
      return catalog.rejectAccessRequest({ ...target, code: change.code, text: change.text }, ctx);
    case 'withdraw':
      return catalog.withdrawAccessRequest(target, ctx);
    case 'revoke-grant':
      return catalog.revokeAccessRequestGrant({ ...target, reason: change.reason }, ctx);
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
    order?: 'newest' | 'deadline';
    first?: number;
  },
): Promise<AccessRequest[]> {
  return auditedRead(
    deps,
    scope,
    'access.list',
    {
      ...(q.datasetId ? { dataset: q.datasetId } : {}),
      filter: {
        box: q.box ?? 'all',
        status: q.status,
        overdueOnly: q.overdueOnly ?? false,
        order: q.order ?? 'newest',
      },
    },
    async () => {
      const box = q.box ?? 'all';
      enforce(mayListAccessRequests(scope.caller, { dept: q.dept, box }));
      const dept = scopedDept(scope.caller, q.dept);
      const query: AccessRequestListQuery = {};
      if (dept) {
        const side = accessRequestListSide(scope.caller, box);
        query[side === 'requester' ? 'requesterDept' : side === 'owner' ? 'ownerDept' : 'involvingDept'] = dept;
      } else if (box !== 'all') {
        throw new AppError('BAD_USER_INPUT', 'dept: name a department to see its filed or received requests');
      }
      if (q.status) query.status = q.status as AccessRequestListQuery['status'];
      if (q.overdueOnly) query.overdue = true;
      if (q.datasetId) query.datasetId = q.datasetId;
      if (q.assignedToMe) query.assignee = scope.caller.sub;
      if (q.order === 'deadline') query.order = 'deadline';
      query.first = Math.min(Math.max(q.first ?? 100, 1), 500);
      const { requests } = await deps.catalog.listAccessRequests(query, callContext(scope));
      return { result: requests, details: { recordCount: requests.length } };
    },
  );
}

export function getAccessRequest(deps: GatewayDeps, scope: RequestScope, id: string): Promise<AccessRequest> {
  return auditedRead(deps, scope, 'access.read', naming(id), async () => {
    enforce(mayReadAccessRequests(scope.caller));
    const r = await deps.catalog.getAccessRequest({ id }, callContext(scope));
    // Not someone else's business: answered as if it did not exist.
    if (!accessRequestVisibleTo(scope.caller, r)) throw new AppError('NOT_FOUND', `access request "${id}" not found`);
    return { result: r, details: { dataset: r.datasetId } };
  });
}

/** Pending requests past their deadline: a steward's own department, or (admins) any or all. */
export function overdueAccessRequests(deps: GatewayDeps, scope: RequestScope, dept?: string): Promise<AccessRequest[]> {
  return auditedRead(deps, scope, 'access.overdue', { filter: { dept: dept ?? null } }, async () => {
    enforce(mayListOverdueAccessRequests(scope.caller, dept));
    const owner = scopedDept(scope.caller, dept);
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
    () => enforce(mayChangeAccessSettings(scope.caller)),
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
    enforce(mayReadGovernanceFigures(scope.caller, target));
    const result = await deps.catalog.governanceFigures(
      { dept: target, ...(period.from ? { from: period.from } : {}), ...(period.to ? { to: period.to } : {}) },
      callContext(scope),
    );
    return { result };
  });
}
