import type { Dataset, Grant, MaskStyle } from '@govshare/contracts';
import { hasRole, type Caller } from '../caller.ts';
import type { MaskedField } from './masking.ts';

export type AccessDecision =
  | { allowed: true; fields: string[]; masked: MaskedField[]; grant?: Grant; basis: AccessBasis }
  | { allowed: false; reason: string };

export type AccessBasis = 'owner' | 'public' | 'internal' | 'grant';

/** What the caller could read of a dataset in general (shown in the catalog listing). */
export type AccessLevel = 'FULL' | 'MASKED' | 'GRANTED' | 'NONE';

const now = () => Date.now();

export function activeGrant(grants: Grant[], at = now()): Grant | undefined {
  // Prefer the grant with most fields if a department holds several.
  return grants
    .filter((g) => g.revokedAt === null && Date.parse(g.expiresAt) > at)
    .sort((a, b) => b.fields.length - a.fields.length)[0];
}

export function accessLevel(caller: Caller, dataset: Dataset, grants: Grant[]): AccessLevel {
  if (caller.dept === dataset.ownerDept) return 'FULL';
  switch (dataset.tier) {
    case 'PUBLIC':
      return 'FULL';
    case 'INTERNAL':
      return 'MASKED';
    case 'RESTRICTED':
      return activeGrant(grants) ? 'GRANTED' : 'NONE';
    default:
      return 'NONE';
  }
}

function sensitiveFields(dataset: Dataset): { field: string; style: MaskStyle }[] {
  return Object.entries(dataset.schema.properties)
    .filter(([, s]) => s['x-sensitivity'] === 'personal' || s['x-sensitivity'] === 'sensitive')
    .map(([field, s]) => ({ field, style: (s['x-mask'] as MaskStyle | undefined) ?? 'partial' }));
}

/**
 * The tier rules, deny by default:
 * - the owner department sees its own data, unmasked;
 * - PUBLIC: any authenticated caller, unmasked;
 * - INTERNAL: any department, personal/sensitive fields masked;
 * - RESTRICTED: only with an active grant, only the granted fields, masked unless the grant unmasks;
 * - SECRET: never row-level outside the owner department.
 * Filtering on a field the caller cannot read unmasked is refused, since a filter is a way to read it.
 */
export function decideRecordAccess(input: {
  caller: Caller;
  dataset: Dataset;
  grants: Grant[];
  requestedFields: string[];
  filterFields: string[];
}): AccessDecision {
  const { caller, dataset, requestedFields, filterFields } = input;
  if (!hasRole(caller, 'consumer', 'steward', 'admin')) {
    return { allowed: false, reason: 'role consumer, steward or admin is needed to read records' };
  }
  const all = Object.keys(dataset.schema.properties);
  const unknown = [...requestedFields, ...filterFields].filter((f) => !all.includes(f));
  if (unknown.length)
    return { allowed: false, reason: `unknown field(s) ${unknown.join(', ')} in dataset ${dataset.id}` };
  let readable: string[];
  let masked: MaskedField[];
  let grant: Grant | undefined;
  let basis: AccessBasis;
  if (caller.dept === dataset.ownerDept) {
    readable = all;
    masked = [];
    basis = 'owner';
  } else if (dataset.tier === 'PUBLIC') {
    readable = all;
    masked = [];
    basis = 'public';
  } else if (dataset.tier === 'INTERNAL') {
    readable = all;
    masked = sensitiveFields(dataset);
    basis = 'internal';
  } else if (dataset.tier === 'RESTRICTED') {
    grant = activeGrant(input.grants);
    if (!grant)
      return {
        allowed: false,
        reason: `dataset ${dataset.id} is RESTRICTED and department ${caller.dept} holds no active grant for it (file an access request; aggregates are available through sandboxAggregate)`,
      };
    readable = grant.fields;
    masked = sensitiveFields(dataset).filter((m) => !grant!.unmaskedFields.includes(m.field));
    basis = 'grant';
  } else {
    return {
      allowed: false,
      reason: `dataset ${dataset.id} is SECRET: rows are visible to the owner department ${dataset.ownerDept} only; other departments get aggregates through sandboxAggregate`,
    };
  }

  readable = readable.filter((f) => all.includes(f));
  const fields = requestedFields.length ? requestedFields : readable;
  const notGranted = fields.filter((f) => !readable.includes(f));
  if (notGranted.length)
    return { allowed: false, reason: `field(s) ${notGranted.join(', ')} are not covered by grant ${grant?.id}` };
  const maskedNames = new Set(masked.map((m) => m.field));
  const badFilter = filterFields.filter((f) => !readable.includes(f) || maskedNames.has(f));
  if (badFilter.length)
    return {
      allowed: false,
      reason: `cannot filter on field(s) ${[...new Set(badFilter)].join(', ')}: masked or not granted to you`,
    };

  return { allowed: true, fields, masked: masked.filter((m) => fields.includes(m.field)), grant, basis };
}
