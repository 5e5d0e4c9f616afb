// The few shapes TypeBox's builders write differently from our contracts, and the contract file itself.
// Each helper writes the JSON Schema keyword the contracts have always used (so ajv validates and
// words its errors as before) and carries the TypeScript type that keyword means.
import {
  Type,
  type SchemaOptions,
  type Static,
  type TObject,
  type TSchema,
  type TUnion,
  type TUnsafe,
} from '@sinclair/typebox';

export const CONTRACTS_BASE = 'https://govshare.dev/contracts/';
const DRAFT = 'https://json-schema.org/draft/2020-12/schema';

/** `enum: [...]`: one error ("must be equal to one of the allowed values"), where a union of literals gives one per value. */
export const literals = <const V extends readonly (string | null)[]>(values: V, options?: SchemaOptions) =>
  Type.Unsafe<V[number]>({ ...options, enum: values });

/**
 * A string the schema leaves open (readers must accept values added later) whose values today are
 * `values`: TypeScript checks what we write, validation stays `type: string`.
 */
export const openLiterals = <const V extends readonly string[]>(_values: V, options?: SchemaOptions) =>
  Type.Unsafe<V[number]>({ ...options, type: 'string' });

type JsonTypeName = 'string' | 'number' | 'integer' | 'boolean' | 'null';
type JsonTypeOf<N> = N extends 'string'
  ? string
  : N extends 'number' | 'integer'
    ? number
    : N extends 'boolean'
      ? boolean
      : null;
/** `type: ['string', 'null']` and the like: one keyword for a scalar of several JSON types. */
export const typeList = <const N extends readonly JsonTypeName[]>(names: N, options?: SchemaOptions) =>
  Type.Unsafe<JsonTypeOf<N[number]>>({ ...options, type: names });

/** `oneOf` (exactly one branch), which TypeBox's Union (anyOf) does not write. */
export const oneOf = <T extends TSchema[]>(branches: [...T], options?: SchemaOptions) =>
  Type.Unsafe<Static<TUnion<T>>>({ ...options, oneOf: branches });

/** `type: object` and nothing else: a JSON object whose content this contract does not describe. */
export const anyObject = (options?: SchemaOptions) => objectOf<Record<string, unknown>>(options);
/** `type: object` typed as `T`: an object whose shape another check owns (e.g. a dataset's data dictionary). */
export const objectOf = <T extends object>(options?: SchemaOptions): TUnsafe<T> =>
  Type.Unsafe<T>({ ...options, type: 'object' });

/**
 * `required` in the order given where v1 listed it apart from the properties' order (TypeBox follows
 * the properties): ajv reports missing properties in `required`'s order, other errors in the properties'.
 */
export const requiredInOrder = <T extends TObject>(schema: T, required: (keyof T['properties'] & string)[]): T => ({
  ...schema,
  required,
});

/** `$ref` to `target`, typed as it: `#/$defs/X` within a file, `file.v1.json#/$defs/X` across files. */
export const refTo = <T extends TSchema>(_target: T, $ref: string, options?: SchemaOptions): TUnsafe<Static<T>> =>
  Type.Unsafe<Static<T>>({ $ref, ...options });

/** A def of the file being written, referred to from within it. */
export const local = <T extends TSchema>(target: T, def: string, options?: SchemaOptions) =>
  refTo(target, `#/$defs/${def}`, options);

/** The file's root schema, referred to from one of its defs (`$ref: '#'`). */
export const self = <T extends TSchema>(root: T) => refTo(root, '#');

export interface ContractFile<D extends Record<string, TSchema> = Record<string, TSchema>> {
  /** e.g. `grant.v1.json` */
  readonly name: string;
  readonly $defs: D;
  /** `$ref` to one of this file's defs from another file. */
  ref<K extends keyof D & string>(def: K, options?: SchemaOptions): TUnsafe<Static<D[K]>>;
  /** The JSON Schema document as ajv loads it and contracts/schemas holds it (plain JSON). */
  readonly document: Record<string, unknown>;
}

/** One contract file: `$id` https://govshare.dev/contracts/<name>, an optional root schema and its `$defs`. */
export function contractFile<D extends Record<string, TSchema>, R extends TSchema = TSchema>(
  name: string,
  doc: { title: string; description?: string; root?: R; $defs: D },
): ContractFile<D> & { root: R; refRoot(): TUnsafe<Static<R>> } {
  const { title, description, root, $defs } = doc;
  const document = plain({
    $id: CONTRACTS_BASE + name,
    $schema: DRAFT,
    title,
    ...(description ? { description } : {}),
    ...root,
    $defs,
  });
  return {
    name,
    $defs,
    root: root as R,
    document,
    ref: (def, options) => refTo($defs[def]!, `${name}#/$defs/${def}`, options),
    refRoot: () => refTo(root as R, name),
  };
}

/** Drops TypeBox's symbol keys: what is left is the JSON Schema. */
const plain = (value: unknown): Record<string, unknown> => JSON.parse(JSON.stringify(value));

// Keys first in this order when a file is written, so a reader meets what a schema is before its parts.
const KEY_ORDER = [
  '$id',
  '$schema',
  'title',
  'description',
  'type',
  'enum',
  '$ref',
  'required',
  'additionalProperties',
];
const rank = (k: string) => (KEY_ORDER.includes(k) ? KEY_ORDER.indexOf(k) : k === '$defs' ? 99 : 50);

/** The text of a contract file: keys in reading order, a value on one line when it fits in `width`. */
export function printContract(document: unknown, width = 120): string {
  const print = (value: unknown, indent: string, lead: number): string => {
    const flat = flatten(value);
    if (!value || typeof value !== 'object' || lead + flat.length <= width) return flat;
    const inner = `${indent}  `;
    if (Array.isArray(value)) {
      return `[\n${value.map((v) => inner + print(v, inner, inner.length + 1)).join(',\n')}\n${indent}]`;
    }
    const entries = sortedEntries(value as Record<string, unknown>).map(([k, v]) => {
      const key = `${JSON.stringify(k)}: `;
      return inner + key + print(v, inner, inner.length + key.length + 1);
    });
    return `{\n${entries.join(',\n')}\n${indent}}`;
  };
  return `${print(document, '', 0)}\n`;
}

function sortedEntries(obj: Record<string, unknown>) {
  return Object.entries(obj).sort(([a], [b]) => rank(a) - rank(b));
}

function flatten(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flatten).join(', ')}]`;
  if (value && typeof value === 'object') {
    const entries = sortedEntries(value as Record<string, unknown>);
    return entries.length ? `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${flatten(v)}`).join(', ')} }` : '{}';
  }
  return JSON.stringify(value);
}
