// RFC 8785 (JCS) canonical JSON of a value as JSON.parse returns it: object members sorted by their
// names' UTF-16 code units, no whitespace, strings and numbers as ECMAScript's JSON.stringify writes
// them (which is what RFC 8785 specifies). The audit log's leaves and the red/black lists are signed
// or hashed in this form (services use the `canonicalize` package; verify.test.ts checks this one
// gives the same text on random values). Written here because the console bundle should not pull a
// CommonJS package for 20 lines.

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('a number that is not finite has no JSON form');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const members = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort() // default sort compares UTF-16 code units, as RFC 8785 §3.2.3 requires
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`);
    return `{${members.join(',')}}`;
  }
  throw new TypeError(`a ${typeof value} has no JSON form`);
}
