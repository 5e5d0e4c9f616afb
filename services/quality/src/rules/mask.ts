import type { FieldSchema } from '@govshare/contracts';
import { maskValue } from '@govshare/platform';

/**
 * Masks a value in a report's examples as its field declares: x-mask (with the hub's one masking
 * module and mask key, so a hashed value is the gateway's token for it), else partial for personal
 * and sensitive fields, else clear.
 */
export function maskExample(value: unknown, field: FieldSchema | undefined, key: Uint8Array): unknown {
  if (value === undefined || value === null) return null;
  const style =
    field?.['x-mask'] ??
    (field?.['x-sensitivity'] === 'personal' || field?.['x-sensitivity'] === 'sensitive' ? 'partial' : undefined);
  return style ? maskValue(value, style, key) : value;
}
