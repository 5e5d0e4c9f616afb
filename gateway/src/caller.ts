import type { Role } from '@govshare/contracts';

/** Who is calling, as established by a verified token. */
export interface Caller {
  sub: string;
  dept: string;
  roles: Role[];
  jti: string;
}

export const hasRole = (caller: Caller, ...roles: Role[]): boolean => roles.some((r) => caller.roles.includes(r));
