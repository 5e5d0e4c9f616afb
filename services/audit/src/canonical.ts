import canonicalizeModule from 'canonicalize';

// canonicalize ships CommonJS; pick the function under either loader.
const impl: (input: unknown) => string | undefined = (canonicalizeModule as any).default ?? canonicalizeModule;

/** RFC 8785 (JCS) canonical JSON text. */
export function canonicalJson(value: unknown): string {
  const s = impl(value);
  if (s === undefined) throw new TypeError('value has no JSON form');
  return s;
}
