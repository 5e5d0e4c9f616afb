import Ajv2020Module, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { AppError } from '@govshare/platform';
import { model, type DatasetSchema, type FieldSchema, type MaskStyle, type Sensitivity } from '@govshare/contracts';

const Ajv2020 = (Ajv2020Module as any).default ?? Ajv2020Module;
const addFormats = (addFormatsModule as any).default ?? addFormatsModule;

/** Scalar types a field may hold; 'null' may be added through a type array. */
export type FieldType = (typeof model.FIELD_TYPES)[number];
/** Each index is written on every ingest of the dataset: a few, on the fields consumers filter on. */
export const MAX_INDEXED_FIELDS = 8;

export interface FieldInfo {
  name: string;
  type: FieldType;
  nullable: boolean;
  required: boolean;
  key: boolean;
  /** Identifies the person or company a record is about (x-subject): the sandbox compares answers across datasets by it. */
  subject: boolean;
  sensitivity: Sensitivity;
  /** No x-sensitivity was declared: public for reads, personal in the sandbox. */
  undeclared?: true;
  /** x-contribution-bound: the most one subject may add to a sandbox sum (differential privacy clamps to it). */
  contributionBound?: number;
  /** x-index: records are often filtered on this field; the catalog keeps an index for it (record-indexes.ts). */
  indexed?: true;
  minimum?: number;
  mask: MaskStyle | null;
  title?: string;
  description?: string;
  enum?: unknown[];
  format?: string;
}

export interface CompatibilityProblem {
  field: string;
  rule: string;
  message: string;
}

export interface CompiledDatasetSchema {
  /** The schema as stored: additionalProperties false, x-mask filled in where defaulted. */
  schema: DatasetSchema;
  validate: ValidateFunction;
  fields: FieldInfo[];
  keyFields: string[];
}

// The shape a dataset schema may take (contracts' DatasetSchemaModel): checked before ajv compiles
// it, so errors name our rules.

function newAjv() {
  const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
  addFormats(ajv, ['date', 'date-time']);
  // govshare keywords: annotations for ajv (their values are checked by the meta schema above).
  for (const keyword of [
    'x-sensitivity',
    'x-mask',
    'x-key',
    'x-rule',
    'x-expected',
    'x-dimension',
    'x-subject',
    'x-contribution-bound',
    'x-index',
  ])
    ajv.addKeyword({ keyword });
  return ajv;
}
const metaAjv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
const validateMeta: ValidateFunction = metaAjv.compile(model.DatasetSchemaModel);
const ajv = newAjv();

function bad(path: string, rule: string, message: string, extra: CompatibilityProblem[] = []): never {
  throw new AppError('BAD_USER_INPUT', `schema${path} ${message} (${rule})`, {
    problems: [
      { path: `schema${path}`, rule, message },
      ...extra.map((p) => ({ path: `schema/properties/${p.field}`, rule: p.rule, message: p.message })),
    ],
  });
}

function typesOf(f: FieldSchema): { type: FieldType; nullable: boolean } {
  const t = Array.isArray(f.type) ? (f.type as string[]) : [f.type as string];
  const scalars = t.filter((x) => x !== 'null') as FieldType[];
  return { type: scalars[0], nullable: t.includes('null') };
}

function describeMetaError(e: ErrorObject): { path: string; rule: string; message: string } {
  let path = e.instancePath;
  let message = e.message ?? 'is invalid';
  if (e.keyword === 'additionalProperties') {
    path += `/${e.params.additionalProperty}`;
    message = `keyword "${e.params.additionalProperty}" is not supported`;
  } else if (e.keyword === 'required') {
    path += `/${e.params.missingProperty}`;
    message = 'is required';
  } else if (e.keyword === 'const' || e.keyword === 'enum') {
    message = `${message}: ${JSON.stringify(e.params.allowedValue ?? e.params.allowedValues)}`;
  }
  return { path, rule: e.keyword, message };
}

/**
 * Checks a dataset schema (the data dictionary) and compiles it. A bad schema is refused with
 * BAD_USER_INPUT naming the path and the rule.
 */
export function compileDatasetSchema(input: unknown): CompiledDatasetSchema {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) bad('', 'type', 'must be an object');
  const schema = structuredClone(input) as DatasetSchema;
  if (!validateMeta(schema)) {
    const errs = (validateMeta.errors ?? []).filter((e) => e.keyword !== 'anyOf').map(describeMetaError);
    const first = errs[0] ?? { path: '', rule: 'schema', message: 'is invalid' };
    throw new AppError('BAD_USER_INPUT', `schema${first.path} ${first.message} (${first.rule})`, {
      problems: errs.map((e) => ({ ...e, path: `schema${e.path}` })),
    });
  }
  schema.additionalProperties = false;
  const required = new Set(schema.required ?? []);
  for (const r of required)
    if (!(r in schema.properties)) bad(`/required`, 'required-unknown-field', `names "${r}" which is not a property`);

  const fields: FieldInfo[] = [];
  for (const [name, f] of Object.entries(schema.properties)) {
    const p = `/properties/${name}`;
    const { type, nullable } = typesOf(f);
    const scalarCount = (Array.isArray(f.type) ? (f.type as string[]) : [f.type]).filter((t) => t !== 'null').length;
    if (scalarCount !== 1)
      bad(`${p}/type`, 'type', 'must name exactly one of string, integer, number, boolean (plus "null" if allowed)');
    const isString = type === 'string';
    const isNumeric = type === 'integer' || type === 'number';
    for (const kw of ['format', 'pattern', 'maxLength'] as const)
      if (f[kw] !== undefined && !isString) bad(`${p}/${kw}`, kw, `only applies to string fields`);
    for (const kw of ['minimum', 'maximum'] as const)
      if (f[kw] !== undefined && !isNumeric) bad(`${p}/${kw}`, kw, `only applies to integer or number fields`);
    if (typeof f.pattern === 'string') {
      try {
        new RegExp(f.pattern, 'u');
      } catch {
        bad(`${p}/pattern`, 'pattern', 'is not a valid regular expression');
      }
    }
    if (Array.isArray(f.enum)) {
      f.enum.forEach((v, i) => {
        const ok =
          v === null
            ? nullable
            : isString
              ? typeof v === 'string'
              : isNumeric
                ? typeof v === 'number' && (type === 'number' || Number.isInteger(v))
                : typeof v === 'boolean';
        if (!ok) bad(`${p}/enum/${i}`, 'enum-type', `value ${JSON.stringify(v)} does not match the field type ${type}`);
      });
    }
    const sensitivity = (f['x-sensitivity'] ?? 'public') as Sensitivity;
    if (sensitivity !== 'public' && !f['x-mask']) f['x-mask'] = 'partial';
    const key = f['x-key'] === true;
    // A sandbox dimension is shown as a group label: never a personal or sensitive value.
    if (f['x-dimension'] === true && sensitivity !== 'public')
      bad(
        `${p}/x-dimension`,
        'dimension-sensitive',
        `field "${name}" is ${sensitivity}; a sandbox dimension must be public`,
      );
    // Dimensions are what sandbox filters and groups may use: never a way to single out a record.
    if (f['x-dimension'] === true && f['x-subject'] === true)
      bad(
        `${p}/x-dimension`,
        'dimension-identifier',
        `field "${name}" identifies records or subjects; a sandbox dimension cannot`,
      );
    if (f['x-dimension'] === true && typeof f.format === 'string')
      bad(
        `${p}/x-dimension`,
        'dimension-date',
        `field "${name}" is a ${f.format}; dates single out people (a birth date), so a sandbox dimension cannot be one`,
      );
    if (f['x-contribution-bound'] !== undefined && !isNumeric)
      bad(`${p}/x-contribution-bound`, 'contribution-bound-type', `only applies to integer or number fields`);
    if (f['x-subject'] === true && !isString)
      bad(`${p}/x-subject`, 'subject-type', `field "${name}" is ${type}; a subject identifier must be a string`);
    if (f['x-index'] === true) {
      // true or false is half the rows each: scanning the dataset is what Postgres would do anyway.
      if (type === 'boolean')
        bad(
          `${p}/x-index`,
          'index-boolean',
          `field "${name}" is boolean; an index cannot narrow a filter on two values, so none is kept`,
        );
    }
    if (key) {
      if (!required.has(name)) bad(`${p}/x-key`, 'key-required', `key field "${name}" must be listed in required`);
      if (nullable) bad(`${p}/x-key`, 'key-nullable', `key field "${name}" must not allow null`);
    }
    fields.push({
      name,
      type,
      nullable,
      required: required.has(name),
      key,
      subject: f['x-subject'] === true,
      sensitivity,
      mask: (f['x-mask'] as MaskStyle | undefined) ?? null,
      ...(f['x-sensitivity'] === undefined ? { undeclared: true } : {}),
      ...(f['x-contribution-bound'] !== undefined ? { contributionBound: f['x-contribution-bound'] as number } : {}),
      ...(f['x-index'] === true ? { indexed: true as const } : {}),
      ...(f.minimum !== undefined ? { minimum: f.minimum as number } : {}),
      ...(f.title !== undefined ? { title: f.title as string } : {}),
      ...(f.description !== undefined ? { description: f.description as string } : {}),
      ...(f.enum !== undefined ? { enum: f.enum as unknown[] } : {}),
      ...(f.format !== undefined ? { format: f.format as string } : {}),
    });
  }
  const keyFields = fields.filter((f) => f.key).map((f) => f.name);
  if (keyFields.length === 0) bad('/properties', 'key-missing', 'must declare at least one key field ("x-key": true)');
  // A single string key is the records.key column, indexed already (records-query filters on it).
  if (
    keyFields.length === 1 &&
    schema.properties[keyFields[0]!]!['x-index'] === true &&
    fields.find((f) => f.key)!.type === 'string'
  ) {
    bad(
      `/properties/${keyFields[0]}/x-index`,
      'index-key',
      `field "${keyFields[0]}" is the key; filters on it use the key column's index already`,
    );
  }
  const indexed = fields.filter((f) => f.indexed);
  if (indexed.length > MAX_INDEXED_FIELDS) {
    bad(
      `/properties/${indexed[MAX_INDEXED_FIELDS]!.name}/x-index`,
      'index-too-many',
      `at most ${MAX_INDEXED_FIELDS} fields may declare x-index (each index slows every ingest of the dataset)`,
    );
  }
  // A key of one field names one record; a part of a compound key (insurance type) may be a dimension.
  if (keyFields.length === 1 && schema.properties[keyFields[0]!]!['x-dimension'] === true) {
    bad(
      `/properties/${keyFields[0]}/x-dimension`,
      'dimension-identifier',
      `field "${keyFields[0]}" is the key and identifies records; a sandbox dimension cannot`,
    );
  }

  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (err) {
    bad('', 'compile', (err as Error).message);
  }
  return { schema, validate, fields, keyFields };
}

/** Key fields in declaration order. */
export function keyFieldsOf(schema: DatasetSchema): string[] {
  return Object.entries(schema.properties)
    .filter(([, f]) => f['x-key'] === true)
    .map(([n]) => n);
}

/** Every field with its type and govshare annotations. */
export function fieldsOf(schema: DatasetSchema): FieldInfo[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([name, f]) => {
    const { type, nullable } = typesOf(f);
    const sensitivity = (f['x-sensitivity'] ?? 'public') as Sensitivity;
    return {
      name,
      type,
      nullable,
      required: required.has(name),
      key: f['x-key'] === true,
      subject: f['x-subject'] === true,
      sensitivity,
      mask: (f['x-mask'] as MaskStyle | undefined) ?? (sensitivity === 'public' ? null : 'partial'),
      ...(f['x-index'] === true ? { indexed: true as const } : {}),
      ...(f.title !== undefined ? { title: f.title as string } : {}),
      ...(f.description !== undefined ? { description: f.description as string } : {}),
      ...(f.enum !== undefined ? { enum: f.enum as unknown[] } : {}),
      ...(f.format !== undefined ? { format: f.format as string } : {}),
    };
  });
}

const typeSet = (f: FieldSchema) => new Set(Array.isArray(f.type) ? (f.type as string[]) : [f.type as string]);

/**
 * Can records stored under `oldSchema` be read under `newSchema`, and can old producers keep
 * sending? Incompatible: a field removed, a type narrowed or changed, a new required field, key
 * fields changed, enum values removed (or an enum added), a value constraint tightened.
 * Compatible: new optional fields, titles/descriptions, enum widened, sensitivity/mask changes.
 */
export function checkCompatibility(
  oldSchema: DatasetSchema,
  newSchema: DatasetSchema,
): { compatible: boolean; problems: CompatibilityProblem[] } {
  const problems: CompatibilityProblem[] = [];
  const oldReq = new Set(oldSchema.required ?? []);
  const newReq = new Set(newSchema.required ?? []);
  for (const [name, of] of Object.entries(oldSchema.properties)) {
    const nf = newSchema.properties[name];
    if (!nf) {
      problems.push({ field: name, rule: 'field-removed', message: `field "${name}" was removed` });
      continue;
    }
    const ot = typeSet(of);
    const nt = typeSet(nf);
    // integer -> number widens; anything else the old schema allowed must still be allowed.
    const lost = [...ot].filter((t) => !nt.has(t) && !(t === 'integer' && nt.has('number')));
    if (lost.length)
      problems.push({
        field: name,
        rule: 'type-changed',
        message: `field "${name}" no longer accepts ${lost.join(', ')}`,
      });
    if (Array.isArray(nf.enum)) {
      if (!Array.isArray(of.enum))
        problems.push({
          field: name,
          rule: 'enum-added',
          message: `field "${name}" gained an enum, restricting values`,
        });
      else {
        const removed = of.enum.filter((v) => !(nf.enum as unknown[]).includes(v));
        if (removed.length)
          problems.push({
            field: name,
            rule: 'enum-narrowed',
            message: `field "${name}" lost enum values ${JSON.stringify(removed)}`,
          });
      }
    }
    for (const kw of ['format', 'pattern'] as const) {
      if (nf[kw] !== undefined && nf[kw] !== of[kw])
        problems.push({
          field: name,
          rule: `${kw}-changed`,
          message: `field "${name}" ${kw} changed from ${JSON.stringify(of[kw] ?? null)} to ${JSON.stringify(nf[kw])}`,
        });
    }
    const tighter = (kw: 'maxLength' | 'maximum' | 'minimum') => {
      const o = of[kw] as number | undefined;
      const n = nf[kw] as number | undefined;
      if (n === undefined) return false;
      if (o === undefined) return true;
      return kw === 'minimum' ? n > o : n < o;
    };
    for (const kw of ['maxLength', 'maximum', 'minimum'] as const) {
      if (tighter(kw))
        problems.push({ field: name, rule: `${kw}-narrowed`, message: `field "${name}" ${kw} tightened to ${nf[kw]}` });
    }
  }
  for (const name of newReq) {
    if (!oldReq.has(name))
      problems.push({ field: name, rule: 'required-added', message: `field "${name}" became required` });
  }
  // Compared as sets: a JSONB round trip does not keep property order.
  const ok = keyFieldsOf(oldSchema).sort();
  const nk = keyFieldsOf(newSchema).sort();
  if (ok.join('\u001f') !== nk.join('\u001f')) {
    problems.push({
      field: [...new Set([...ok, ...nk])].join(','),
      rule: 'key-changed',
      message: `key fields changed from [${ok.join(', ')}] to [${nk.join(', ')}]`,
    });
  }
  return { compatible: problems.length === 0, problems };
}

/** Joins key values into the records.key column (U+001F between fields). */
export const KEY_SEPARATOR = '\u001f';
export function recordKey(keyFields: string[], data: Record<string, unknown>): string {
  return keyFields.map((f) => String(data[f])).join(KEY_SEPARATOR);
}

/** JSON with object keys sorted: equality of schemas regardless of property order (JSONB reorders keys). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

/** The schema with its properties in `order` (declared order, kept beside the JSONB column). */
export function withFieldOrder(schema: DatasetSchema, order: string[] | null | undefined): DatasetSchema {
  if (!order?.length) return schema;
  const names = [
    ...order.filter((n) => n in schema.properties),
    ...Object.keys(schema.properties).filter((n) => !order.includes(n)),
  ];
  return { ...schema, properties: Object.fromEntries(names.map((n) => [n, schema.properties[n]])) };
}
