// The tier rules: who reads which rows and fields of a dataset, which of them masked, and which
// sandbox answers must be private. One copy, asked by the gateway for every read and by the catalog's
// sandbox for every aggregate.
import type { Dataset, Filter, Grant, MaskStyle, Tier } from '@govshare/contracts';
import { hasRole, type Asker } from './decision.ts';
import type { MaskedField } from './masking.ts';

export type AccessBasis = 'owner' | 'public' | 'internal' | 'grant';

export type AccessDecision =
  | { allowed: true; fields: string[]; masked: MaskedField[]; grant?: Grant; basis: AccessBasis }
  | { allowed: false; reason: string };

/** What the caller could read of a dataset in general (shown in the catalog listing). */
export type AccessLevel = 'FULL' | 'MASKED' | 'GRANTED' | 'NONE';

/** The grant a department reads under: active (not revoked, not expired at `at`), the widest if several. */
export function activeGrant(grants: Grant[], at = Date.now()): Grant | undefined {
  return grants
    .filter((g) => g.revokedAt === null && Date.parse(g.expiresAt) > at)
    .sort((a, b) => b.fields.length - a.fields.length)[0];
}

export function datasetAccessLevel(
  asker: Pick<Asker, 'dept'>,
  dataset: Pick<Dataset, 'ownerDept' | 'tier'>,
  grants: Grant[],
  at = Date.now(),
): AccessLevel {
  if (asker.dept === dataset.ownerDept) return 'FULL';
  switch (dataset.tier) {
    case 'PUBLIC':
      return 'FULL';
    case 'INTERNAL':
      return 'MASKED';
    case 'RESTRICTED':
      return activeGrant(grants, at) ? 'GRANTED' : 'NONE';
    default:
      return 'NONE';
  }
}

/** The masking rule: personal and sensitive fields, each with its declared x-mask (partial if none). */
export function sensitiveFields(dataset: Pick<Dataset, 'schema'>): MaskedField[] {
  return Object.entries(dataset.schema.properties)
    .filter(([, s]) => s['x-sensitivity'] === 'personal' || s['x-sensitivity'] === 'sensitive')
    .map(([field, s]) => ({ field, style: (s['x-mask'] as MaskStyle | undefined) ?? 'partial' }));
}

/** The dataset's x-subject fields: their values name the person or company a record is about. */
export function subjectFieldsOf(dataset: Pick<Dataset, 'schema'>): string[] {
  return Object.entries(dataset.schema.properties ?? {})
    .filter(([, f]) => f['x-subject'] === true)
    .map(([name]) => name);
}

/** Every field a filter reads, at any depth. */
export function filterFields(filter: Filter | undefined): string[] {
  if (!filter) return [];
  if ('and' in filter) return filter.and.flatMap(filterFields);
  if ('or' in filter) return filter.or.flatMap(filterFields);
  return [filter.field];
}

/**
 * Reading records, deny by default:
 * - the owner department sees its own data, unmasked;
 * - PUBLIC: any authenticated caller, unmasked;
 * - INTERNAL: any department, personal/sensitive fields masked;
 * - RESTRICTED: only with an active grant, only the granted fields, masked unless the grant unmasks;
 * - SECRET: never row-level outside the owner department.
 * Filtering on a field the caller cannot read unmasked is refused, since a filter is a way to read it.
 */
export function mayReadRecords(input: {
  caller: Asker;
  dataset: Dataset;
  grants: Grant[];
  requestedFields: string[];
  filterFields: string[];
  /** When grants are judged active (ms since the epoch); now by default. */
  at?: number;
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
    const held = activeGrant(input.grants, input.at);
    if (!held)
      return {
        allowed: false,
        reason: `dataset ${dataset.id} is RESTRICTED and department ${caller.dept} holds no active grant for it (file an access request; aggregates are available through sandboxAggregate)`,
      };
    grant = held;
    readable = held.fields;
    masked = sensitiveFields(dataset).filter((m) => !held.unmaskedFields.includes(m.field));
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

/**
 * Whether a sandbox answer over one dataset must be private (noisy, budgeted) for the asking
 * department: never for the owner; always for another department's RESTRICTED or SECRET data;
 * otherwise when a measured field is not declared public (undeclared counts as personal here).
 */
export function sandboxAnswerIsPrivate(
  askerDept: string,
  dataset: { ownerDept: string; tier: Tier | string },
  measured: readonly { sensitivity: string; undeclared?: boolean }[],
): boolean {
  if (dataset.ownerDept === askerDept) return false;
  if (dataset.tier === 'RESTRICTED' || dataset.tier === 'SECRET') return true;
  return measured.some((f) => f.undeclared || f.sensitivity !== 'public');
}
