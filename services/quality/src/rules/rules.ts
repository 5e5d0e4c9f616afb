import type { DatasetSchema, FieldSchema } from '@govshare/contracts';
import { isMissing, normaliseValue, hash53 } from '../metrics/normalise.ts';
import type { HashSet53 } from '../metrics/hash-set.ts';
import { isValidCalendarDate, isValidMobile, residentIdFacts, residentIdProblem, usccProblem } from './check-chars.ts';

export type RuleKind = 'cn-resident-id' | 'cn-uscc' | 'cn-mobile' | 'date' | 'enum' | 'range' | 'regex' | 'cross-field' | 'reference';
export const RULE_KINDS: RuleKind[] = ['cn-resident-id', 'cn-uscc', 'cn-mobile', 'date', 'enum', 'range', 'regex', 'cross-field', 'reference'];

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
  nearDuplicates?: { enabled?: boolean; fields?: string[]; threshold?: number; maxBlocks?: number; maxRepsPerBlock?: number };
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

/** Validity rules a dataset's schema declares: x-rule, format date, enum, minimum/maximum, pattern; cross-field for resident IDs. */
export function rulesFromSchema(schema: DatasetSchema): RuleSpec[] {
  const out: RuleSpec[] = [];
  const props = schema.properties ?? {};
  const names = Object.keys(props);
  for (const [field, fs] of Object.entries(props) as [string, FieldSchema][]) {
    const xr = fs['x-rule'];
    if (typeof xr === 'string' && (RULE_KINDS as string[]).includes(xr) && xr !== 'cross-field' && xr !== 'reference') {
      out.push({ kind: xr as RuleKind, field });
    } else if (xr && typeof xr === 'object') {
      const o = xr as Record<string, any>;
      if (o.reference && typeof o.reference === 'object') out.push({ kind: 'reference', field, dataset: o.reference.dataset, targetField: o.reference.field ?? field });
      else if (typeof o.kind === 'string' && (RULE_KINDS as string[]).includes(o.kind)) out.push({ ...o, field } as RuleSpec);
    }
    if (fs.format === 'date') out.push({ kind: 'date', field });
    if (Array.isArray(fs.enum)) out.push({ kind: 'enum', field, values: fs.enum as any });
    if (typeof fs.minimum === 'number' || typeof fs.maximum === 'number') {
      out.push({ kind: 'range', field, ...(typeof fs.minimum === 'number' ? { minimum: fs.minimum } : {}), ...(typeof fs.maximum === 'number' ? { maximum: fs.maximum } : {}) });
    }
    if (typeof fs.pattern === 'string') out.push({ kind: 'regex', field, pattern: fs.pattern });
    if (xr === 'cn-resident-id') {
      const birthDateField = names.find((n) => props[n]['x-rule'] === 'birth-date') ?? names.find((n) => BIRTH_FIELD.test(n));
      const genderField = names.find((n) => props[n]['x-rule'] === 'gender') ?? names.find((n) => GENDER_FIELD.test(n));
      if (birthDateField || genderField) out.push({ kind: 'cross-field', field, ...(birthDateField ? { birthDateField } : {}), ...(genderField ? { genderField } : {}) });
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

/** Returns null when the record passes, else a short reason; `undefined` = not judged (missing value). */
export type Check = (data: Record<string, unknown>) => string | null;

export function parseDate(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const m = /^(\d{4})-?(\d{2})-?(\d{2})(?:$|T)/.exec(v.trim()) ?? /^(\d{4})\/(\d{2})\/(\d{2})$/.exec(v.trim());
  if (!m) return null;
  return isValidCalendarDate(+m[1], +m[2], +m[3]) ? `${m[1]}-${m[2]}-${m[3]}` : null;
}

export function parseGender(v: unknown): 'M' | 'F' | null {
  const s = normaliseValue(v);
  if (s === 'M' || s === 'MALE' || s === '男' || s === '1') return 'M';
  if (s === 'F' || s === 'FEMALE' || s === '女' || s === '2') return 'F';
  return null;
}

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : String(v));

/** Compiles a rule. Reference rules need the other dataset's value set (hashes of normalised values). */
export function compileRule(rule: RuleSpec, refSet?: HashSet53): Check {
  const f = rule.field;
  switch (rule.kind) {
    case 'cn-resident-id':
      return (d) => (isMissing(d[f]) ? null : residentIdProblem(normaliseValue(d[f])));
    case 'cn-uscc':
      return (d) => (isMissing(d[f]) ? null : usccProblem(normaliseValue(d[f])));
    case 'cn-mobile':
      return (d) => (isMissing(d[f]) || isValidMobile(normaliseValue(d[f]).replace(/[\s-]/g, '')) ? null : 'mobile');
    case 'date':
      return (d) => {
        const v = d[f];
        if (isMissing(v)) return null;
        return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v.trim()) && parseDate(v) ? null : 'date';
      };
    case 'enum': {
      const allowed = new Set((rule.values ?? []).map((x) => JSON.stringify(x)));
      return (d) => (isMissing(d[f]) || allowed.has(JSON.stringify(d[f])) ? null : 'enum');
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
    case 'cross-field':
      return (d) => {
        if (isMissing(d[f])) return null;
        const id = normaliseValue(d[f]);
        if (residentIdProblem(id) !== null) return null; // judged by the cn-resident-id rule
        const facts = residentIdFacts(id);
        if (rule.birthDateField && !isMissing(d[rule.birthDateField])) {
          const bd = parseDate(d[rule.birthDateField]);
          if (bd !== null && bd !== facts.birthDate) return 'birth-date-mismatch';
        }
        if (rule.genderField && !isMissing(d[rule.genderField])) {
          const g = parseGender(d[rule.genderField]);
          if (g !== null && g !== facts.sex) return 'gender-mismatch';
        }
        return null;
      };
    case 'reference':
      if (!refSet) throw new Error(`reference rule ${ruleId(rule)} has no reference set`);
      return (d) => (isMissing(d[f]) || refSet.has(hash53(normaliseValue(d[f]))) ? null : 'not-in-reference');
    default:
      throw new Error(`unknown rule kind ${(rule as RuleSpec).kind}`);
  }
}

/** Fields a rule reads (for example records). */
export function ruleFields(rule: RuleSpec): string[] {
  return [rule.field, ...(rule.birthDateField ? [rule.birthDateField] : []), ...(rule.genderField ? [rule.genderField] : [])];
}
