// What every policy function answers: allowed, or refused with a reason a person can act on.
import { AppError } from '../errors.ts';

/** Who asks: the verified caller (from the token at the edge; `ctx.caller` inside a module). */
export interface Asker {
  sub: string;
  dept: string;
  roles: readonly string[];
}

export type Decision = { allowed: true } | Denial;
export interface Denial {
  allowed: false;
  /** The whole message, as the FORBIDDEN error carries it. */
  reason: string;
  /** What the error's `details` carry (a `rule` name where the module had one). */
  details?: Record<string, unknown>;
}

export const ALLOW: Decision = Object.freeze({ allowed: true });
export const deny = (reason: string, details?: Record<string, unknown>): Denial =>
  details ? { allowed: false, reason, details } : { allowed: false, reason };
/** A refusal with a named rule: `message (rule)`, `details.rule`; the catalog's form. */
export const denyRule = (message: string, rule: string, extra: Record<string, unknown> = {}): Denial =>
  deny(`${message} (${rule})`, { rule, ...extra });

export const hasRole = (asker: Pick<Asker, 'roles'>, ...roles: string[]): boolean =>
  roles.some((r) => asker.roles.includes(r));

/**
 * Throws the decision's refusal as FORBIDDEN; returns when allowed (and then the caller knows it was,
 * with whatever else the decision carries, e.g. the fields `mayReadRecords` allows).
 */
export function enforce<D extends { allowed: true } | Denial>(
  decision: D,
): asserts decision is Extract<D, { allowed: true }> {
  if (!decision.allowed) throw new AppError('FORBIDDEN', decision.reason, decision.details);
}
