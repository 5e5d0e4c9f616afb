import { createHash } from 'node:crypto';
import type { FieldSchema } from '@govshare/contracts';

/**
 * Partial mask: keeps a short head and tail, stars in between, e.g. 110105********002X (18 chars:
 * 6 + 4 kept), 138****5678 (11 chars: 3 + 4), 张* (2 chars: 1 + 0).
 */
export function maskPartial(value: string): string {
  const chars = [...value];
  const n = chars.length;
  if (n <= 1) return '*';
  const [head, tail] = n <= 3 ? [1, 0] : n <= 6 ? [1, 1] : n <= 11 ? [3, 4] : [6, 4];
  return chars.slice(0, head).join('') + '*'.repeat(n - head - tail) + chars.slice(n - tail).join('');
}

/** Masks a value as its field declares: x-mask, else partial for personal/sensitive fields, else clear. */
export function maskValue(value: unknown, field: FieldSchema | undefined): unknown {
  if (value === undefined || value === null) return value ?? null;
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  const style = field?.['x-mask'] ?? (field?.['x-sensitivity'] === 'personal' || field?.['x-sensitivity'] === 'sensitive' ? 'partial' : undefined);
  if (style === 'partial') return maskPartial(s);
  if (style === 'hash') return 'sha256:' + createHash('sha256').update(s).digest('hex').slice(0, 16);
  if (style === 'redact') return '[redacted]';
  return value;
}
