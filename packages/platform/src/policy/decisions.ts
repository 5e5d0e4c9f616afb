// Who may do what, one function per decision, each taking the verified caller and the facts it turns
// on. Deny unless a rule below allows. The messages are the ones callers have always seen; the module
// that acts asks here (and throws the refusal with `enforce`) instead of checking roles itself.
import { ALLOW, deny, denyRule, hasRole, type Asker, type Decision } from './decision.ts';

/** The one role gate: "<what> needs the role a or b". */
function needRole(asker: Asker, roles: string[], what: string): Decision {
  return hasRole(asker, ...roles) ? ALLOW : deny(`${what} needs the role ${roles.join(' or ')}`);
}
const isAdmin = (a: Asker) => hasRole(a, 'admin');
const isStewardOf = (a: Asker, dept: string) => hasRole(a, 'steward') && a.dept === dept;

// ---- datasets and quality: the owner department's stewards, and admins ----

/** Stewards of the owner department and admins: `only a steward of X (or an admin) may <what>`. */
export function mayStewardDataset(asker: Asker, ownerDept: string, what: string): Decision {
  return isAdmin(asker) || isStewardOf(asker, ownerDept)
    ? ALLOW
    : deny(`only a steward of ${ownerDept} (or an admin) may ${what}`);
}
/** Create a dataset, change its schema, ingest into it. */
export const mayChangeDataset = (asker: Asker, ownerDept: string) =>
  mayStewardDataset(asker, ownerDept, 'change this dataset');
/** The whole quality report (others see the score and status only). */
export const maySeeQualityDetail = (asker: Asker, ownerDept: string) =>
  mayStewardDataset(asker, ownerDept, 'read the quality report').allowed;
export const mayReadQualityAlerts = (asker: Asker): Decision =>
  hasRole(asker, 'admin', 'steward') ? ALLOW : deny('only stewards and admins read quality alerts');
export const mayPublishRedBlackList = (asker: Asker): Decision =>
  isAdmin(asker) ? ALLOW : deny('only an admin publishes the red/black list');
/** A steward contests the place of their own department (the appellant is the caller's department). */
export const mayFileAppeal = (asker: Asker): Decision =>
  hasRole(asker, 'steward') ? ALLOW : deny('only a steward files an appeal for their department');

/**
 * An admin decides an appeal, and (separation of duties) not one of the appellant's department.
 * Without the appeal, only the role is judged (the gateway asks before the appeal is loaded).
 */
export function mayDecideAppeal(asker: Asker, appeal?: { id: string; dept: string }): Decision {
  if (!isAdmin(asker)) return deny('only an admin decides appeals');
  if (appeal && appeal.dept === asker.dept)
    return deny(
      `separation of duties: appeal ${appeal.id} of ${appeal.dept} must be decided by an admin of another department, not of ${asker.dept}`,
      { rule: 'separation-of-duties', appellantDept: appeal.dept, deciderDept: asker.dept },
    );
  return ALLOW;
}

// ---- lists scoped to a department ----

/**
 * The department a list covers: the one asked for (whether the asker may see it is the list's own
 * decision), else the asker's own; an admin's, unless it names one, every department (undefined).
 */
export const scopedDept = (asker: Asker, asked?: string): string | undefined =>
  asked ?? (isAdmin(asker) ? undefined : asker.dept);

// ---- grants, tokens, the audit log ----

export const mayManageGrants = (asker: Asker): Decision =>
  isAdmin(asker) ? ALLOW : deny('only an admin may manage grants');
/**
 * Which grants a listing shows: an admin every one; a steward those its department holds or gave on
 * its own datasets; anyone else those its department holds.
 */
export type GrantsSeen = 'all' | 'held-or-given' | 'held';
export const grantsSeenBy = (asker: Asker): GrantsSeen =>
  isAdmin(asker) ? 'all' : hasRole(asker, 'steward') ? 'held-or-given' : 'held';

/** One grant, as `grantsSeenBy` says (`ownerDept`: the dataset's owner, when it was looked up). */
export const grantVisibleTo = (asker: Asker, g: { granteeDept: string; ownerDept?: string }): boolean =>
  isAdmin(asker) || g.granteeDept === asker.dept || (g.ownerDept !== undefined && isStewardOf(asker, g.ownerDept));

export const mayRevokeTokens = (asker: Asker): Decision =>
  isAdmin(asker) ? ALLOW : deny('only an admin may revoke tokens');
export const mayReadAuditLog = (asker: Asker): Decision =>
  hasRole(asker, 'auditor', 'admin') ? ALLOW : deny('only auditors and admins read the audit log');

// ---- the access workflow ----

export const mayFileAccessRequest = (asker: Asker): Decision =>
  needRole(asker, ['consumer', 'steward'], 'filing an access request');

/** A request as the decisions about it need it. */
export interface RequestFacts {
  id: string;
  datasetId: string;
  ownerDept: string;
  requesterDept: string;
  assignee: string | null;
}
export type HandleKind = 'transfer' | 'approve' | 'reject';
export type ChangeKind = HandleKind | 'withdraw' | 'revoke-grant';

/**
 * The role a change of a request needs, judged before the request is loaded (the gateway asks it;
 * the decisions below, asked with the request, begin with it): withdrawing is for the filing roles.
 */
export function mayChangeAccessRequest(asker: Asker, kind: ChangeKind): Decision {
  return needRole(
    asker,
    kind === 'withdraw' ? ['consumer', 'steward', 'admin'] : ['steward', 'admin'],
    `${kind} of an access request`,
  );
}

/**
 * Transfer, approve or reject: the assignee (or, while nobody is assigned, any steward of the owner
 * department) or an admin.
 */
export function mayHandleAccessRequest(asker: Asker, kind: HandleKind, r: RequestFacts): Decision {
  const gate = mayChangeAccessRequest(asker, kind);
  if (!gate.allowed || isAdmin(asker)) return gate;
  if (asker.dept !== r.ownerDept)
    return denyRule(
      `only a steward of ${r.ownerDept} (the owner of "${r.datasetId}") or an admin may handle access request ${r.id}`,
      'not-owner-steward',
    );
  if (r.assignee && r.assignee !== asker.sub)
    return denyRule(
      `access request ${r.id} is assigned to ${r.assignee} (first responder); they may transfer it to you`,
      'not-assignee',
    );
  return ALLOW;
}

/** The department that filed it, or an admin. */
export function mayWithdrawAccessRequest(asker: Asker, r: Pick<RequestFacts, 'id' | 'requesterDept'>): Decision {
  const gate = mayChangeAccessRequest(asker, 'withdraw');
  if (!gate.allowed || isAdmin(asker)) return gate;
  return asker.dept === r.requesterDept
    ? ALLOW
    : denyRule(`only ${r.requesterDept}, which filed access request ${r.id}, may withdraw it`, 'not-requester');
}

/** Ending the grant an approved request created: any steward of the owner department, or an admin. */
export function mayRevokeRequestGrant(asker: Asker, r: Pick<RequestFacts, 'id' | 'ownerDept'>): Decision {
  const gate = mayChangeAccessRequest(asker, 'revoke-grant');
  if (!gate.allowed || isAdmin(asker)) return gate;
  return asker.dept === r.ownerDept
    ? ALLOW
    : denyRule(
        `only a steward of ${r.ownerDept} or an admin may revoke the grant of access request ${r.id}`,
        'not-owner-steward',
      );
}

/** Whether a request is the asker's business (otherwise it is answered as if it did not exist). */
export const accessRequestVisibleTo = (asker: Asker, r: Pick<RequestFacts, 'ownerDept' | 'requesterDept'>) =>
  isAdmin(asker) || r.requesterDept === asker.dept || isStewardOf(asker, r.ownerDept);

export const mayReadAccessRequests = (asker: Asker): Decision =>
  needRole(asker, ['consumer', 'steward', 'admin'], 'reading an access request');

/** A department's list (own department unless admin); the received box is for stewards. */
export function mayListAccessRequests(asker: Asker, q: { dept?: string; box?: string }): Decision {
  const gate = needRole(asker, ['consumer', 'steward', 'admin'], 'listing access requests');
  if (!gate.allowed || isAdmin(asker)) return gate;
  if (q.dept && q.dept !== asker.dept) return deny(`only an admin may list another department's access requests`);
  if (!hasRole(asker, 'steward') && q.box === 'received')
    return deny('requests received by your department are for its stewards');
  return ALLOW;
}

/**
 * Which side of the requests a list shows for its department: a consumer (no steward, no admin) only
 * what its department filed, whatever the box; otherwise the box's side (`all`: either side).
 */
export function accessRequestListSide(
  asker: Asker,
  box: 'filed' | 'received' | 'all' = 'all',
): 'requester' | 'owner' | 'either' {
  if (box === 'filed' || !hasRole(asker, 'steward', 'admin')) return 'requester';
  return box === 'received' ? 'owner' : 'either';
}

/** Pending requests past their deadline: a steward's own department, an admin's any. */
export function mayListOverdueAccessRequests(asker: Asker, dept?: string): Decision {
  const gate = needRole(asker, ['steward', 'admin'], 'the overdue list');
  if (!gate.allowed || isAdmin(asker)) return gate;
  return dept && dept !== asker.dept ? deny(`only an admin may see another department's overdue requests`) : ALLOW;
}

export const mayChangeAccessSettings = (asker: Asker): Decision =>
  needRole(asker, ['admin'], 'changing access settings');

/** Stewards see their own department's figures; admins any department's. */
export function mayReadGovernanceFigures(asker: Asker, dept: string): Decision {
  const gate = needRole(asker, ['steward', 'admin'], 'governance figures');
  if (!gate.allowed || isAdmin(asker)) return gate;
  return dept === asker.dept ? ALLOW : deny(`only an admin may see another department's governance figures`);
}

// ---- the sandbox ----

export const mayAskSandbox = (asker: Asker): Decision =>
  hasRole(asker, 'consumer', 'steward', 'admin')
    ? ALLOW
    : deny('the sandbox needs the role consumer, steward or admin');

/**
 * An admin manages every dataset's sandbox (budget, standard tables): asked first, it spares loading
 * the dataset, whose owner decides for anyone else.
 */
export const managesEverySandbox = (asker: Asker): boolean => isAdmin(asker);

/** The owner department's stewards and any admin: `<what> of "<dataset>" is for ...`. */
export function mayManageSandbox(asker: Asker, dataset: { id: string; ownerDept: string }, what: string): Decision {
  return managesEverySandbox(asker) || isStewardOf(asker, dataset.ownerDept)
    ? ALLOW
    : deny(`${what} of "${dataset.id}" is for stewards of its owner department ${dataset.ownerDept} and for admins`);
}
/** A standard table: always private, paid from the dataset's budget, free for everyone after. */
export const mayPublishSandboxRelease = (asker: Asker, dataset: { id: string; ownerDept: string }) =>
  mayManageSandbox(asker, dataset, 'publishing a standard table');
export const mayReadSandboxBudget = (asker: Asker, dataset: { id: string; ownerDept: string }) =>
  mayManageSandbox(asker, dataset, 'the privacy budget');
export const maySetSandboxBudget = (asker: Asker, dataset: { id: string; ownerDept: string }) =>
  mayManageSandbox(asker, dataset, 'setting the privacy budget');
