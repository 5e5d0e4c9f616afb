import Ajv2020Module, { type ValidateFunction, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { CONTRACTS_BASE, contractFiles } from './model/index.ts';

export { CONTRACTS_BASE };

// ajv and ajv-formats ship CommonJS; pick the default export under either loader.
const Ajv2020 = (Ajv2020Module as any).default ?? Ajv2020Module;
const addFormats = (addFormatsModule as any).default ?? addFormatsModule;

/** Every contract schema, as plain JSON Schema documents built from the TypeBox model. */
export const contractSchemas: Record<string, any>[] = contractFiles.map((f) => f.document);

function makeAjv(coerceTypes: boolean) {
  const instance = new Ajv2020({
    allErrors: true,
    strict: true,
    useDefaults: true,
    allowUnionTypes: true,
    coerceTypes,
  });
  addFormats(instance);
  for (const s of contractSchemas) instance.addSchema(s);
  return instance;
}
const ajv = makeAjv(false);
// Query strings and path params arrive as text: only they get type coercion.
const coercingAjv = makeAjv(true);

const cache = new Map<string, ValidateFunction>();

/** Full $ref for a contract, e.g. ref('records.v1.json', 'Query'). */
export function ref(file: string, def?: string): string {
  return CONTRACTS_BASE + file + (def ? `#/$defs/${def}` : '');
}

export function validatorFor(schemaRef: string): ValidateFunction {
  let v = cache.get(schemaRef);
  if (!v) {
    v = ajv.getSchema(schemaRef);
    if (!v) throw new Error(`unknown contract schema ${schemaRef}`);
    cache.set(schemaRef, v);
  }
  return v;
}

export class ContractViolation extends Error {
  constructor(
    readonly schemaRef: string,
    readonly errors: ErrorObject[],
  ) {
    super(`${schemaRef.replace(CONTRACTS_BASE, '')}: ${describeErrors(errors)}`);
    this.name = 'ContractViolation';
  }
}

export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '(root)'} ${e.message}`)
    .join('; ');
}

/** Checks data against a contract; throws ContractViolation naming the path and the rule. */
export function assertContract<T>(schemaRef: string, data: unknown): T {
  const v = validatorFor(schemaRef);
  if (!v(data)) throw new ContractViolation(schemaRef, v.errors ?? []);
  return data as T;
}

/** Fastify validator compiler: route schemas may $ref any contract. */
export function compileForHttp(schema: object, httpPart?: string): ValidateFunction {
  const instance = httpPart === 'querystring' || httpPart === 'params' || httpPart === 'headers' ? coercingAjv : ajv;
  return instance.compile(schema);
}
