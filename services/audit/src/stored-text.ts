// Postgres text and jsonb cannot hold U+0000, and the drivers send text as UTF-8, which has no form for
// a lone UTF-16 surrogate (it would arrive as U+FFFD). The leaf (bytea, canonical JSON, where JCS
// writes these as \u0000 / \ud800 escapes) holds any string exactly; the text columns derived from it
// (search indexes, alerts) hold this escaped form instead, so every string the gateway can receive
// can be stored and searched, and two different strings never share a stored form:
//   U+0001 -> U+0001 U+0001      U+0000 -> U+0001 '0'      lone surrogate -> U+0001 'u' + 4 hex digits
// Any other text (everything real) is stored unchanged. Searches apply the same function to the
// value they look for.
const SPECIAL = /[\u0000\u0001]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const ANY_SPECIAL = /[\u0000\u0001\ud800-\udfff]/;

const escapeOne = (c: string): string =>
  c === '\u0001'
    ? '\u0001\u0001'
    : c === '\u0000'
      ? '\u00010'
      : `\u0001u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** The stored (column) form of a string taken from an event. */
export function storableText(s: string): string {
  return ANY_SPECIAL.test(s) ? s.replace(SPECIAL, escapeOne) : s;
}

/** storableText for every string inside plain objects and arrays (jsonb and text columns); Dates and other values pass. */
export function storableJson<T>(v: T): T {
  if (typeof v === 'string') return storableText(v) as T;
  if (Array.isArray(v)) return v.map(storableJson) as T;
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [storableText(k), storableJson(x)])) as T;
  return v;
}
