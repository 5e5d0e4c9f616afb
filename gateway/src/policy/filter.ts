import type { Filter } from '@govshare/contracts';

/** Every field a filter reads, at any depth. */
export function filterFields(filter: Filter | undefined): string[] {
  if (!filter) return [];
  if ('and' in filter) return filter.and.flatMap(filterFields);
  if ('or' in filter) return filter.or.flatMap(filterFields);
  return [filter.field];
}
