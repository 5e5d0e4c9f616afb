import { model, type DatasetSchema, type FieldSchema } from '@govshare/contracts';
import { isMissing, normaliseValue, hash53 } from '../metrics/normalise.ts';
import type { HashSet53 } from '../metrics/hash-set.ts';
import { isValidCalendarDate, isValidMobile, residentIdProblem, usccProblem } from './check-chars.ts';

/** The rule kinds the quality contract names (one list, in the contract model). */
export type RuleKind = (typeof model.QUALITY_RULE_KINDS)[number];
export const RULE_KINDS: readonly RuleKind[] = model.QUALITY_RULE_KINDS;

/** One validity rule on one field. Rules only judge present values: a missing value counts against completeness, never accuracy. */
export interface RuleSpec {
  /** Stable id, default `${field}:${kind}`; a declared rule with the id of a schema-derived rule replaces it. */
  id?: string;
  kind: RuleKind;
  field: string;
  /** enum */
  values?: (string | number | boolean)[];
  /** range */
  minimum?: number;
  maximum?: number;
  /** regex (JSON Schema semantics: unanchored, Unicode) */
  pattern?: string;
  /** cross-field: the record's birth date / gender fields that must agree with the resident ID in `field` */
  birthDateField?: string;
  genderField?: string;
  /** reference: `field` must equal (normalised) some `targetField` value of dataset `dataset` */
  dataset?: string;
  targetField?: string;
  /** Switches off a schema-derived rule with this id. */
  disabled?: boolean;
}

export interface ConsistencySpec {
  /** Local field whose value must agree with the other dataset's. */
  field: string;
  /** Other dataset and its field holding the same fact. */
  dataset: string;
  targetField?: string;
  /** Joins records: local matchField value = other dataset's targetMatchField value (default same name). */
  matchField: string;
  targetMatchField?: string;
}

export interface Weights {
  completeness: number;
  uniqueness: number;
  accuracy: number;
  consistency?: number;
  timeliness?: number;
}

export interface RuleSetBody {
  rules?: RuleSpec[];
  /** Fields counted for completeness (default: schema fields without x-expected: false). */
  expectedFields?: string[];
  weights?: Partial<Weights>;
  /** Targets per metric (ratios 0-1, score 0-100). Default accuracy 0.95. */
  targets?: Record<string, number>;
  nearDuplicates?: {
    enabled?: boolean;
    fields?: string[];
    threshold?: number;
    maxBlocks?: number;
    maxRepsPerBlock?: number;
  };
  consistency?: ConsistencySpec[];
  /** Records whose timestamp (`ingestedAt` of the stored record, or a data field) is older than maxAgeDays are stale. */
  timeliness?: { field?: string; maxAgeDays: number };
}

export const DEFAULT_WEIGHTS: Weights = { completeness: 30, uniqueness: 30, accuracy: 40 };
export const DEFAULT_EXTRA_WEIGHT = 10;
export const DEFAULT_TARGETS: Record<string, number> = { accuracy: 0.95 };

export const ruleId = (r: RuleSpec) => r.id ?? `${r.field}:${r.kind}`;

const GENDER_FIELD = /^(gender|sex)$/i;
const BIRTH_FIELD = /^(birthDate|birthday|dateOfBirth|dob)$/i;

/** x-rule names accepted for the built-in kinds (the catalog's demo schemas use the gb… spellings). */
export const RULE_ALIASES: Record<string, RuleKind> = {
  'cn-resident-id': 'cn-resident-id',
  'gb11643-check': 'cn-resident-id',
  'resident-id': 'cn-resident-id',
  'cn-uscc': 'cn-uscc',
  'gb32100-check': 'cn-uscc',
  uscc: 'cn-uscc',
  'cn-mobile': 'cn-mobile',
  mobile: 'cn-mobile',
  date: 'date',
};

/**
 * Validity rules a dataset's schema declares: x-rule (a built-in name; {reference: {dataset, field}}
 * or {references: "dataset.field"}; {consistentWith: idField} on a birth date / gender field; or
 * {kind, ...} with a rule's own parameters), format date, enum, minimum/maximum, pattern. A
 * resident-ID field also gets a cross-field rule against the record's birth date and gender fields
 * (those that declare consistentWith it, else fields named birthDate / gender).
 */
export function rulesFromSchema(schema: DatasetSchema): RuleSpec[] {
  const out: RuleSpec[] = [];
  const props = (schema.properties ?? {}) as Record<string, FieldSchema>;
  const names = Object.keys(props);
  const consistentWith = new Map<string, { birthDateField?: string; genderField?: string }>();
  for (const [field, fs] of Object.entries(props)) {
    const xr = fs['x-rule'] as any;
    if (xr && typeof xr === 'object' && typeof xr.consistentWith === 'string') {
      const c = consistentWith.get(xr.consistentWith) ?? {};
      if (fs.format === 'date' || BIRTH_FIELD.test(field)) c.birthDateField = field;
      else c.genderField = field;
      consistentWith.set(xr.consistentWith, c);
    }
  }
  for (const [field, fs] of Object.entries(props)) {
    const xr = fs['x-rule'] as any;
    const kind = typeof xr === 'string' ? RULE_ALIASES[xr] : undefined;
    if (kind) out.push({ kind, field });
    else if (xr && typeof xr === 'object') {
      if (xr.reference && typeof xr.reference === 'object')
        out.push({ kind: 'reference', field, dataset: xr.reference.dataset, targetField: xr.reference.field ?? field });
      else if (typeof xr.references === 'string' && xr.references.includes('.')) {
        const [dataset, target] = xr.references.split('.');
        out.push({ kind: 'reference', field, dataset, targetField: target });
      } else if (typeof xr.kind === 'string' && (RULE_KINDS as string[]).includes(xr.kind))
        out.push({ ...xr, field } as RuleSpec);
    }
    if (fs.format === 'date' && kind !== 'date') out.push({ kind: 'date', field });
    if (Array.isArray(fs.enum)) out.push({ kind: 'enum', field, values: fs.enum as any });
    if (typeof fs.minimum === 'number' || typeof fs.maximum === 'number') {
      out.push({
        kind: 'range',
        field,
        ...(typeof fs.minimum === 'number' ? { minimum: fs.minimum } : {}),
        ...(typeof fs.maximum === 'number' ? { maximum: fs.maximum } : {}),
      });
    }
    if (typeof fs.pattern === 'string') out.push({ kind: 'regex', field, pattern: fs.pattern });
    if (kind === 'cn-resident-id') {
      const declared = consistentWith.get(field);
      const birthDateField = declared
        ? declared.birthDateField
        : (names.find((n) => props[n]['x-rule'] === 'birth-date') ?? names.find((n) => BIRTH_FIELD.test(n)));
      const genderField = declared
        ? declared.genderField
        : (names.find((n) => props[n]['x-rule'] === 'gender') ?? names.find((n) => GENDER_FIELD.test(n)));
      if (birthDateField || genderField)
        out.push({
          kind: 'cross-field',
          field,
          ...(birthDateField ? { birthDateField } : {}),
          ...(genderField ? { genderField } : {}),
        });
    }
  }
  return out;
}

/** Schema-derived rules overlaid by declared ones (same id replaces; disabled removes). */
export function effectiveRules(schema: DatasetSchema, declared: RuleSpec[] = []): RuleSpec[] {
  const byId = new Map<string, RuleSpec>();
  for (const r of rulesFromSchema(schema)) byId.set(ruleId(r), r);
  for (const r of declared) {
    if (r.disabled) byId.delete(ruleId(r));
    else byId.set(ruleId(r), r);
  }
  return [...byId.values()].map((r) => ({ ...r, id: ruleId(r) }));
}

/**
 * Returns null when the record passes, else a short reason. `norm`, when given, holds
 * normaliseValue() of the fields named in compileRule's `fieldIndex` (computed once per record).
 */
export type Check = (data: Record<string, unknown>, norm?: readonly string[]) => string | null;

const isDigit = (c: number) => c >= 48 && c <= 57;
/** `v` is exactly DDDD-DD-DD (no surrounding blanks). */
function isPlainIsoDate(v: string): boolean {
  if (v.length !== 10 || v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45) return false;
  for (const i of [0, 1, 2, 3, 5, 6, 8, 9]) if (!isDigit(v.charCodeAt(i))) return false;
  return true;
}
const num2 = (v: string, i: number) => (v.charCodeAt(i) - 48) * 10 + v.charCodeAt(i + 1) - 48;

export function parseDate(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  // Fast path (same result): YYYY-MM-DD as it stands is its own canonical form.
  if (isPlainIsoDate(v)) return isValidCalendarDate(num2(v, 0) * 100 + num2(v, 2), num2(v, 5), num2(v, 8)) ? v : null;
  const m = /^(\d{4})-?(\d{2})-?(\d{2})(?:$|T)/.exec(v.trim()) ?? /^(\d{4})\/(\d{2})\/(\d{2})$/.exec(v.trim());
  if (!m) return null;
  return isValidCalendarDate(+m[1], +m[2], +m[3]) ? `${m[1]}-${m[2]}-${m[3]}` : null;
}

export function parseGender(v: unknown, normalised?: string): 'M' | 'F' | null {
  const s = normalised ?? normaliseValue(v);
  if (s === 'M' || s === 'MALE' || s === '男' || s === '1') return 'M';
  if (s === 'F' || s === 'FEMALE' || s === '女' || s === '2') return 'F';
  return null;
}

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : String(v));

/** Compiles a rule. Reference rules need the other dataset's value set (hashes of normalised values). */
/** Mainland mobile as the cn-mobile rule judges a normalised value (fast path: 11 digits starting with 1). */
function mobileOk(s: string): boolean {
  if (s.length === 11 && s.charCodeAt(0) === 49) {
    let i = 1;
    while (i < 11 && isDigit(s.charCodeAt(i))) i++;
    if (i === 11) return true;
  }
  return isValidMobile(s.replace(/[\s-]/g, ''));
}

/** The birth date a valid resident ID encodes (YYYYMMDD at 6-13) equals `bd` (YYYY-MM-DD). */
function idBirthDateIs(id: string, bd: string): boolean {
  if (bd.length !== 10 || bd.charCodeAt(4) !== 45 || bd.charCodeAt(7) !== 45) return false;
  for (let i = 0; i < 4; i++) if (id.charCodeAt(6 + i) !== bd.charCodeAt(i)) return false;
  return (
    id.charCodeAt(10) === bd.charCodeAt(5) &&
    id.charCodeAt(11) === bd.charCodeAt(6) &&
    id.charCodeAt(12) === bd.charCodeAt(8) &&
    id.charCodeAt(13) === bd.charCodeAt(9)
  );
}

/**
 * Compiles a rule. Reference rules need the other dataset's value set (hashes of normalised values).
 * `fieldIndex` (field -> index into the `norm` array the scorer passes) lets checks reuse normalised values.
 * `today` (YYYYMMDD, the run's reference date) bounds birth dates in resident IDs.
 */
export function compileRule(
  rule: RuleSpec,
  refSet?: HashSet53,
  fieldIndex?: ReadonlyMap<string, number>,
  today?: string,
): Check {
  const f = rule.field;
  const fi = fieldIndex?.get(f) ?? -1;
  const normOf = (d: Record<string, unknown>, norm: readonly string[] | undefined, field: string, i: number) =>
    i >= 0 && norm ? norm[i] : normaliseValue(d[field]);
  switch (rule.kind) {
    case 'cn-resident-id':
      return (d, norm) => (isMissing(d[f]) ? null : residentIdProblem(normOf(d, norm, f, fi), today));
    case 'cn-uscc':
      return (d, norm) => (isMissing(d[f]) ? null : usccProblem(normOf(d, norm, f, fi)));
    case 'cn-mobile':
      return (d, norm) => (isMissing(d[f]) || mobileOk(normOf(d, norm, f, fi)) ? null : 'mobile');
    case 'date':
      return (d) => {
        const v = d[f];
        if (isMissing(v)) return null;
        if (typeof v === 'string' && isPlainIsoDate(v)) return parseDate(v) ? null : 'date';
        return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v.trim()) && parseDate(v) ? null : 'date';
      };
    case 'enum': {
      const allowed = new Set((rule.values ?? []).map((x) => JSON.stringify(x)));
      // A string matches exactly the allowed strings (JSON.stringify is injective on strings).
      const allowedStrings = new Set((rule.values ?? []).filter((x): x is string => typeof x === 'string'));
      return (d) => {
        const v = d[f];
        if (isMissing(v)) return null;
        return (typeof v === 'string' ? allowedStrings.has(v) : allowed.has(JSON.stringify(v))) ? null : 'enum';
      };
    }
    case 'range':
      return (d) => {
        const v = d[f];
        if (isMissing(v)) return null;
        const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
        if (!Number.isFinite(n)) return 'not-a-number';
        if (rule.minimum !== undefined && n < rule.minimum) return 'below-minimum';
        if (rule.maximum !== undefined && n > rule.maximum) return 'above-maximum';
        return null;
      };
    case 'regex': {
      const re = new RegExp(rule.pattern ?? '', 'u');
      return (d) => (isMissing(d[f]) || re.test(str(d[f])) ? null : 'pattern');
    }
    case 'cross-field': {
      const bf = rule.birthDateField,
        gf = rule.genderField;
      const gi = gf ? (fieldIndex?.get(gf) ?? -1) : -1;
      return (d, norm) => {
        if (isMissing(d[f])) return null;
        const id = normOf(d, norm, f, fi);
        if (residentIdProblem(id, today) !== null) return null; // judged by the cn-resident-id rule
        if (bf && !isMissing(d[bf])) {
          const bd = parseDate(d[bf]);
          if (bd !== null && !idBirthDateIs(id, bd)) return 'birth-date-mismatch';
        }
        if (gf && !isMissing(d[gf])) {
          const g = parseGender(d[gf], normOf(d, norm, gf, gi));
          if (g !== null && g !== ((id.charCodeAt(16) - 48) % 2 === 1 ? 'M' : 'F')) return 'gender-mismatch'; // residentIdFacts(id).sex
        }
        return null;
      };
    }
    case 'reference':
      if (!refSet) throw new Error(`reference rule ${ruleId(rule)} has no reference set`);
      return (d, norm) => (isMissing(d[f]) || refSet.has(hash53(normOf(d, norm, f, fi))) ? null : 'not-in-reference');
    default:
      throw new Error(`unknown rule kind ${(rule as RuleSpec).kind}`);
  }
}

/** Fields a rule reads (for example records). */
export function ruleFields(rule: RuleSpec): string[] {
  return [
    rule.field,
    ...(rule.birthDateField ? [rule.birthDateField] : []),
    ...(rule.genderField ? [rule.genderField] : []),
  ];
}
