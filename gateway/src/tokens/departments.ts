import { AppError, type Logger } from '@govshare/platform';

/** The hub's own identity in audit events (grant-fact sweeps): never a caller's department. */
export const HUB_DEPT = 'HUB';

export interface DepartmentDirectory {
  /** Whether the catalog lists the department; UNAVAILABLE if that cannot be known. */
  has(code: string): Promise<boolean>;
}

export interface DepartmentDirectoryOptions {
  /** The department codes the catalog lists. */
  load: () => Promise<string[]>;
  /** How long a loaded list is used before it is loaded again. */
  freshMs?: number;
  /** How long a list may still be used while the catalog cannot be reached; after that, refuse. */
  staleMs?: number;
  /** How long to wait before asking an unreachable catalog again. */
  retryMs?: number;
  now?: () => number;
  logger: Logger;
}

/**
 * The departments a caller token may name, as the catalog lists them. Departments change rarely
 * and every token verification needs the list, so it is cached (one load at a time); if the
 * catalog cannot be reached, the last list serves for a while, and then tokens are refused (fail
 * closed), as they are before any list was loaded.
 */
export function createDepartmentDirectory(o: DepartmentDirectoryOptions): DepartmentDirectory {
  const { freshMs = 60_000, staleMs = 10 * 60_000, retryMs = 5_000, now = Date.now } = o;
  let known: { codes: Set<string>; at: number } | undefined;
  let loading: Promise<void> | undefined;
  let failedAt = -Infinity;

  const reload = () =>
    (loading ??= o
      .load()
      .then((codes) => void (known = { codes: new Set(codes), at: now() }))
      .catch((err) => {
        failedAt = now();
        o.logger.warn({ err: (err as Error).message }, 'could not load the department list from the catalog');
      })
      .finally(() => (loading = undefined)));

  return {
    async has(code) {
      const age = known ? now() - known.at : Infinity;
      if (age >= freshMs && now() - failedAt >= retryMs) await reload();
      if (!known || now() - known.at >= staleMs) {
        throw new AppError('UNAVAILABLE', 'cannot check the token’s department: the catalog is unavailable');
      }
      return known.codes.has(code);
    },
  };
}
